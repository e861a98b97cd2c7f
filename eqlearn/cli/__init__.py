"""The ``eqlearn`` command line: thin wrappers that parse arguments and call the library.

Every command reports a failure as one ``error: …`` line on stderr and exit code 2 (see
:class:`_Command`); help pages show click's type names (``TEXT``, ``FLOAT``), none for flags.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from .bench import bench_app
from .plumbing import (Command, Group, console, errors, executor_option, fail,
                       scheduler_option, split_list)

__all__ = ["app"]

app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True,
                  help="eqlearn: discover compact equations from data.")


@app.command(cls=Command)
def sample(
    prior: str = typer.Option("default", help="Preset name or TOML file of the prior."),
    n: int = typer.Option(10, help="Number of equations to show."),
    seed: int = typer.Option(0, help="Random seed."),
):
    """Show random canonical skeletons drawn from a prior."""
    import numpy as np

    from ..expr import canonical_skeleton
    from ..expr import to_prefix
    from ..prior import SkeletonSampler

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


@app.command(cls=Command)
def generate(
    out: Path = typer.Option(..., help="Output folder (resumed if it holds a corpus)."),
    prior: str = typer.Option("default", help="Preset name or TOML file of the prior."),
    n: int = typer.Option(100_000, help="Number of unique skeletons."),
    workers: int = typer.Option(1, help="Worker processes."),
    seed: int = typer.Option(0, help="Random seed (the corpus is a function of it)."),
    exclude: str = typer.Option("", help="Benchmark suites to keep out, e.g. feynman,nguyen."),
    shard_size: int = typer.Option(100_000, help="Skeletons per shard file."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    executor: str = executor_option("a task per chunk; the same corpus"),
    scheduler: Optional[str] = scheduler_option(),
):
    """Write a corpus of unique canonical skeletons drawn from a prior."""
    from ..data import generate_corpus

    stats = generate_corpus(prior, n, out, workers=workers, seed=seed,
                            exclude=split_list(exclude), shard_size=shard_size, progress=progress,
                            executor=executor, scheduler=scheduler)
    console.print(f"[bold]{stats.written}[/] unique skeletons in {out} "
                  f"({stats.per_second:.0f}/s this run, {stats.drawn} drawn)")
    console.print("rejected: " + json.dumps(stats.rejected))


def _print_reduction(reg, target: str, names=None) -> None:
    from ..fit_report import reduction_notes

    for note in reduction_notes(reg, target, names):
        console.print(note, markup=False)


@app.command(cls=Command)
def fit(
    data: Path = typer.Argument(..., help="CSV file with a header row."),
    target: str = typer.Option(..., help="Column to explain."),
    time: float = typer.Option(30.0, "--time", help="Time budget in seconds."),
    out: Optional[Path] = typer.Option(
        None, help="Folder for equations.csv, result.json and fit.png. By default "
                   "results/NAME/ for NAME.csv (results/NAME-2/, -3, ... when that holds an "
                   "earlier fit: none is overwritten)."),
    save: bool = typer.Option(True, "--save/--no-save",
                              help="Save the results (--no-save: only print them)."),
    method: str = typer.Option("hybrid", help="neural, search or hybrid."),
    model: str = typer.Option("default", help="Pretrained model name or folder."),
    operators: str = typer.Option("", help="Allowed operators, e.g. add,mul,sin (default all)."),
    max_complexity: int = typer.Option(40, help="Largest complexity of an equation "
                                        "(PySR-style: operators, variables, constants)."),
    seed: int = typer.Option(0, help="Random seed."),
    n_jobs: int = typer.Option(2, help="Processes for the search's islands (-1: every core)."),
    units: str = typer.Option("", help="SI units of every column and the target, e.g. "
                              "'m0=kg, v=m/s, c=m/s, m=kg': dimensional analysis first."),
):
    """Find equations for TARGET in a CSV file; print the Pareto front and save it."""
    import warnings

    from ..estimator import EquationRegressor
    from ..fit_report import (constants_lines, front_table, plot_fit, read_table, results_folder,
                              save_results, units_options)

    if out is not None and not save:
        fail("--out and --no-save contradict each other: give one of them")
    X, y = read_table(data, target)
    folder = (out or results_folder(data)) if save else None
    reg = EquationRegressor(model=model, method=method, time_budget=time,
                            operators=list(split_list(operators)) or None,
                            max_complexity=max_complexity, n_jobs=n_jobs, random_state=seed,
                            verbose=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.fit(X, y, **units_options(units, target))
    for w in caught:
        errors.print(Text.assemble(("warning:", "yellow"), " ", str(w.message)))
    _print_reduction(reg, target)
    console.print(front_table(reg, title=f"{target} = f({', '.join(reg.variable_names_)})"))
    console.print(Text(f"{target} = {reg.best_}", style="bold"),
                  f"  (R² = {reg.best_.r2:.6f}, {reg.fit_seconds_:.1f} s, "
                  f"{reg.n_candidates_} candidates)")
    for line in constants_lines(reg):
        console.print(line, markup=False)
    if folder is not None:
        files = save_results(reg, folder, {"data": str(data), "target": target})
        finite = X.notna().all(axis=1) & y.notna()
        files.append(plot_fit(reg, X[finite], y[finite].to_numpy(float), folder / "fit.png",
                              target))
        console.print(f"saved the results in {folder}{os.sep}: "
                      + ", ".join(f.name for f in files), markup=False)


@app.command(cls=Command)
def demo(
    name: str = typer.Argument("blackbody", help="The demo to run: blackbody."),
    noise: float = typer.Option(0.0, help="Relative noise, e.g. 0.01 for 1 %."),
    points: int = typer.Option(200, help="Number of measurements."),
    seed: int = typer.Option(0),
    form: str = typer.Option("wavelength", help="wavelength or frequency."),
    units: str = typer.Option("si", help="si (raw SI units) or scaled (µm / THz)."),
    time: float = typer.Option(60.0, "--time", help="Time budget in seconds."),
    model: str = typer.Option("default"),
    out: Path = typer.Option(Path("results/blackbody"), help="Folder for the picture and files."),
):
    """Rediscover Planck's law of black-body radiation from synthetic measurements."""
    if name != "blackbody":
        fail(f"unknown demo {name!r}; available: blackbody")
    from ..demos.blackbody import run_blackbody, save_figure
    from ..fit_report import front_table, save_results

    console.print(f"[bold]Planck's law from {points} measurements[/] ({form} form, {units} "
                  f"units, noise {100 * noise:g} %, seed {seed}, budget {time:g} s)")
    result = run_blackbody(form, noise=noise, points=points, seed=seed, units=units,
                           time_budget=time, model=model, verbose=True)
    reg, case = result.regressor, result.case
    _print_reduction(reg, "I", case.names)
    console.print(front_table(reg, title=f"I = f({', '.join(case.names)})"))
    console.print(f"Planck's law: [bold]{case.law}[/]")
    verdict = "[bold green]yes[/]" if result.recovered else "[bold red]no[/]"
    console.print(f"Same law as Planck's (sympy-equivalent, constants within 0.1 %): {verdict}")
    for i, report in enumerate(result.constants, 1):
        console.print(f"  constant {i}: {report}")
    files = save_results(reg, out, {"recovered": result.recovered, "form": form,
                                    "noise": noise, "seed": seed})
    files.append(save_figure(result, out / f"blackbody_{form}.png"))
    console.print("saved " + ", ".join(str(f) for f in files))
    console.print(f"[bold]Discovered in {result.seconds:.1f} s:  I = {reg.best_}[/]")


@app.command("evaluate-model", cls=Command)
def evaluate_model(
    corpus: list[Path] = typer.Option(..., help="Corpus folder(s); their held-out skeletons."),
    model: str = typer.Option("default"),
    n: int = typer.Option(1000, help="Held-out skeletons in all (split evenly over corpora)."),
    beam: int = typer.Option(10, help="Beam width for the beam figure."),
    max_points: Optional[int] = typer.Option(
        None, help="Cap on the points per sample; by default as many as the prior draws "
                   "(10-500 for the shipped priors)."),
    seed: int = typer.Option(0),
    fit_r2: Optional[float] = typer.Option(
        None, help="Also count proposals that fit the data: constants fitted on every other "
                   "point, R² on the rest at least this (e.g. 0.999). Slower."),
    rerank: Optional[int] = typer.Option(
        None, help="Also decode a beam this wide and order it by fit (held-out R²): the match "
                   "of its first and of its first --beam skeletons. Slower."),
    out: Optional[Path] = typer.Option(None, help="JSON file for the figures."),
):
    """Measure a model on held-out skeletons: greedy (beam 1) and beam match.

    Figures per variable count and per skeleton length.
    --fit-r2: how often a proposal fits the data; --rerank: a wide beam ordered by fit."""
    from ..data.dataset import SkeletonTable
    from ..evaluation import evaluate_skeleton_recovery
    from ..model import EquationModel
    from ..progress import progress_bar
    from ..fit_report import recovery_table

    net = EquationModel.load(model)
    per = -(-n // len(corpus))
    tables = [SkeletonTable.from_corpus(c, net.vocab, net.config.max_len, "valid", limit=per)
              for c in corpus]
    with progress_bar(True, sum(len(t) for t in tables), "held-out skeletons") as advance:
        result = evaluate_skeleton_recovery(net, tables, beam_size=beam, n_per_table=per,
                                            seed=seed, max_points=max_points, fit_r2=fit_r2,
                                            rerank=rerank, progress=advance)
    console.print(recovery_table(result, f"skeleton recovery on held-out skeletons ({model})",
                                 beam, fit_r2 is not None, rerank))
    console.print("(C): every coefficient a placeholder in both skeletons (exponents kept)"
                  + (f"; {rerank} by fit: a beam of {rerank} ordered by held-out R²"
                     if rerank else ""))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        settings = {"model": model, "beam": beam, "fit_r2": fit_r2, "rerank": rerank}
        out.write_text(json.dumps({**settings, **result}, indent=1))


@app.command(cls=Command)
def presets():
    """List the bundled prior presets."""
    from ..prior import list_presets, load_prior

    for name in list_presets():
        console.print(f"[bold]{name}[/]: {load_prior(name).description}")


@app.command(cls=Command)
def train(
    out: Path = typer.Option(..., help="Run folder: checkpoints (last/, best/) and train_log.jsonl."),
    corpus: list[Path] = typer.Option([], help="Corpus folder (repeat for a mixture)."),
    weight: list[float] = typer.Option([], help="Mixing weight per corpus (default: equal)."),
    prior: Optional[str] = typer.Option(None, help="Generate a corpus from this prior first."),
    corpus_size: int = typer.Option(100_000, help="Skeletons to generate with --prior."),
    replay: float = typer.Option(0.0, help="With --init: this share of batches from corpora "
                                 "drawn from the priors it was trained on, so it keeps them."),
    init: Optional[str] = typer.Option(None, help="Start from a model ('default' or a folder)."),
    size: str = typer.Option("default", help="Model size for a new model: default or tiny."),
    steps: int = typer.Option(10_000),
    batch_size: int = typer.Option(64),
    lr: float = typer.Option(5e-4),
    warmup: int = typer.Option(500),
    max_points: int = typer.Option(100, help="Points per equation at training time (cap)."),
    length_balance: float = typer.Option(
        0.0, help="0: skeletons uniformly; 1: every skeleton length equally often."),
    max_hours: Optional[float] = typer.Option(None, help="Stop and save after this wall time."),
    valid_every: int = typer.Option(1000),
    valid_size: int = typer.Option(200),
    seed: int = typer.Option(0),
    device: str = typer.Option("auto", help="auto, cpu or cuda."),
    precision: str = typer.Option("auto", help="auto (bf16 on CUDA, fp32 on CPU), bf16 or fp32."),
    num_workers: int = typer.Option(0, help="DataLoader worker processes."),
    threads: Optional[int] = typer.Option(None, help="torch CPU threads."),
    exclude: str = typer.Option("feynman,nguyen", help="Suites to keep out of a generated corpus."),
):
    """Pre-train a model, resume a run, or fine-tune (--init default --prior my.toml).

    Multi-GPU / multi-node: start it with torchrun, e.g.
    ``torchrun --nproc_per_node 8 -m eqlearn train --corpus ... --out ...``.
    """
    from ..model import ModelConfig
    from ..train import TrainConfig, train as run_training, with_replay

    corpora, weights = [str(c) for c in corpus], list(weight)
    if prior is not None:
        from ..data import generate_corpus

        folder = out / "corpus"
        generate_corpus(prior, corpus_size, folder, workers=1, seed=seed,
                        exclude=split_list(exclude), progress=True)
        corpora.append(str(folder))
    model = {} if size == "default" else ModelConfig.tiny().to_dict()
    model.pop("vocab_size", None)
    if replay:
        corpora, weights = with_replay(corpora, weights, init, replay, out / "replay",
                                       corpus_size, seed=seed, exclude=split_list(exclude))
    summary = run_training(TrainConfig(
        corpora=corpora, weights=weights, out=str(out), init=init, model=model,
        steps=steps, batch_size=batch_size, lr=lr, warmup=warmup, max_points=max_points,
        length_balance=length_balance, max_hours=max_hours, valid_every=valid_every,
        valid_size=valid_size, seed=seed, device=device, precision=precision,
        num_workers=num_workers, threads=threads))
    console.print(f"trained to step {summary['step']} ({summary['samples_seen']} samples, "
                  f"{summary['seconds'] / 3600:.2f} h); checkpoints in {out}")
    if summary["stopped_by"]:
        console.print(f"stopped by {summary['stopped_by']}: the same command resumes from "
                      f"{out / 'last'}")

app.add_typer(bench_app, name="bench")
