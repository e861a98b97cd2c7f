"""The ``eqlearn`` command line: thin wrappers that parse arguments and call the library."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="eqlearn: discover compact equations from data.")
console = Console()


def _split(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


@app.command()
def sample(
    prior: str = typer.Option("default", help="Preset name or TOML file of the prior."),
    n: int = typer.Option(10, help="Number of equations to show."),
    seed: int = typer.Option(0, help="Random seed."),
):
    """Show random canonical skeletons drawn from a prior."""
    import numpy as np

    from .data import canonical_skeleton
    from .expr import to_prefix
    from .prior import SkeletonSampler

    sampler = SkeletonSampler(prior)
    rng = np.random.default_rng(seed)
    table = Table(title=f"skeletons from the {sampler.prior.name!r} prior")
    table.add_column("#", justify="right")
    table.add_column("skeleton")
    table.add_column("tokens", justify="right")
    for i in range(n):
        skeleton = canonical_skeleton(sampler.sample(rng))
        table.add_row(str(i + 1), str(skeleton), str(len(to_prefix(skeleton))))
    console.print(table)


@app.command()
def generate(
    out: Path = typer.Option(..., help="Output folder (resumed if it holds a corpus)."),
    prior: str = typer.Option("default", help="Preset name or TOML file of the prior."),
    n: int = typer.Option(100_000, help="Number of unique skeletons."),
    workers: int = typer.Option(1, help="Worker processes."),
    seed: int = typer.Option(0, help="Random seed (the corpus is a function of it)."),
    exclude: str = typer.Option("", help="Benchmark suites to keep out, e.g. feynman,nguyen."),
    shard_size: int = typer.Option(100_000, help="Skeletons per shard file."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
):
    """Write a corpus of unique canonical skeletons drawn from a prior."""
    from .data import generate_corpus

    stats = generate_corpus(prior, n, out, workers=workers, seed=seed,
                            exclude=_split(exclude), shard_size=shard_size, progress=progress)
    console.print(f"[bold]{stats.written}[/] unique skeletons in {out} "
                  f"({stats.per_second:.0f}/s this run, {stats.drawn} drawn)")
    console.print("rejected: " + json.dumps(stats.rejected))


@app.command()
def presets():
    """List the bundled prior presets."""
    from .prior import list_presets, load_prior

    for name in list_presets():
        console.print(f"[bold]{name}[/]: {load_prior(name).description}")


def main(argv: Optional[list[str]] = None) -> None:  # pragma: no cover - console entry
    app(argv)
