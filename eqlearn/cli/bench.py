"""``eqlearn bench``: run benchmarks and write their reports (:mod:`eqlearn.bench`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from .plumbing import (Command, Group, console, executor_option, fail, scheduler_option,
                       split_list)

__all__ = ["bench_app"]

bench_app = typer.Typer(cls=Group, no_args_is_help=True,
                        help="Benchmarks: eqlearn and its peers side by side (SRBench metrics).")


def _option_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _numbers(text: str, option: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in split_list(text))
    except ValueError:
        raise ValueError(f"{option}: expected comma-separated numbers, got {text!r}") from None


def _method_options(pairs: list[str]) -> dict[str, dict]:
    """``["eqlearn.model=runs/x", "pyoperon.max_length=30"]`` → ``{method: {key: value}}``."""
    options: dict[str, dict] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        method, dot, name = key.partition(".")
        if not (sep and dot and method and name):
            fail(f"--set {pair!r}: expected METHOD.OPTION=VALUE, e.g. eqlearn.model=runs/x")
        options.setdefault(method, {})[name] = _option_value(value)
    return options


@bench_app.command("run", cls=Command)
def bench_run(
    suite: str = typer.Option("feynman", help="Bundled suite, suite JSON file, or CSV file."),
    target: Optional[str] = typer.Option(None, help="Target column when --suite is a CSV."),
    methods: str = typer.Option("eqlearn,pyoperon,gplearn", help="Comma-separated methods."),
    time: float = typer.Option(60.0, "--time", help="Time budget per fit, seconds."),
    noise: str = typer.Option("0", help="Comma-separated noise levels, e.g. 0,0.01."),
    seeds: int = typer.Option(1, help="Runs per problem, method and noise level."),
    workers: int = typer.Option(1, help="Runs in parallel (cores are shared among them); "
                                       "with --executor dask and no --scheduler, the local "
                                       "cluster's worker processes."),
    max_vars: Optional[int] = typer.Option(None, help="Only problems with at most this many "
                                                      "variables."),
    problems: str = typer.Option("", help="Only these problem ids (comma-separated)."),
    limit: Optional[int] = typer.Option(None, help="Only the first N problems."),
    points: int = typer.Option(200, help="Training points per run."),
    test_points: int = typer.Option(1000, help="Test points per run."),
    out: Path = typer.Option(Path("results"), help="Results folder (resumed if it exists)."),
    set_: list[str] = typer.Option([], "--set", help="Method option METHOD.OPTION=VALUE "
                                                     "(repeat), e.g. eqlearn.model=runs/x/best."),
    grace: float = typer.Option(30.0, help="Seconds past the budget before a run is killed."),
    rerun_failed: bool = typer.Option(False, help="Run again runs recorded as error/timeout."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    executor: str = executor_option("a task per run"),
    scheduler: Optional[str] = scheduler_option(),
):
    """Run a benchmark: one JSON result per (problem, method, noise, seed) under OUT."""
    from ..bench import BenchConfig, make_executor, run_benchmark

    runner = make_executor(executor, workers=workers, grace=grace, scheduler=scheduler)
    summary = run_benchmark(BenchConfig(
        suite=suite, target=target, methods=split_list(methods), time_budget=time,
        noise=_numbers(noise, "--noise"), seeds=seeds, out=str(out),
        max_vars=max_vars, problems=split_list(problems), limit=limit, n_train=points,
        n_test=test_points, workers=workers, grace=grace, options=_method_options(set_),
        rerun_failed=rerun_failed, progress=progress), executor=runner)
    for method, note in summary.skipped_notes.items():
        console.print(Text(f"skipped {method}:", style="yellow"), note, markup=False)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items()))
    console.print(f"{counts or 'nothing to run'} in {summary.seconds:.1f} s; results in {out}")


@bench_app.command("report", cls=Command)
def bench_report(
    results: Path = typer.Argument(..., help="Results folder written by `eqlearn bench run`."),
):
    """Write report.md and figures (PNG) from a results folder."""
    from ..bench import write_report

    path = write_report(results)
    console.print(f"wrote {path} and figures in {results}")
