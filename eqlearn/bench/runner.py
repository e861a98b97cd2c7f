"""The benchmark protocol: every (problem, method, noise level, seed) run in its own process,
one JSON result file per run.

Records go to ``<out>/<suite>/<method>/<problem>_noise<level>_seed<seed>.json``. Existing
ok / error / timeout files are not run again, so an interrupted benchmark resumes where it
stopped; runs of a method that cannot run here are recorded as ``skipped`` and retried on the
next invocation. Every record carries the invocation's provenance (commit, dirty flag,
machine: :func:`eqlearn.bench.runs.collect_provenance`, computed once here and handed to the
runs); a resumed folder may hold records of several commits, and its report lists them. A
results folder holds one time budget: compare budgets with one folder each under a common
root (``results/t10``, ``results/t60``) and report on the root.

See :mod:`eqlearn.bench.runs` for one run and :mod:`eqlearn.bench.executors` for how runs
are spread over processes.
"""
from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..data.real_suite import REAL_SUITE, load_real_suite
from ..data.suites import Problem, Suite, load_suite, suite_from_csv
from ..progress import progress_bar
from .executors import Executor, LocalExecutor
from .methods import get_method
from .runs import RunSpec, collect_provenance, failure_record, read_record

__all__ = ["BenchConfig", "BenchSummary", "load_problems", "plan_runs", "result_path",
           "run_benchmark", "DONE_STATUSES"]

DONE_STATUSES = ("ok", "error", "timeout")  #: a file with one of these is not run again


@dataclass(frozen=True)
class BenchConfig:
    """What to run.

    Parameters
    ----------
    suite : str
        A bundled suite name, a suite JSON file, or a CSV file (with ``target``); several,
        comma-separated (``"feynman,nguyen"``), run in one invocation.
    methods : tuple of str
        Names in :data:`eqlearn.bench.methods.METHODS`.
    time_budget : float
        Seconds per fit.
    noise : tuple of float
        Relative noise levels on the training targets.
    seeds : int
        Runs per (problem, method, noise), with seeds ``0 .. seeds-1``.
    out : str
        Results folder.
    target : str, optional
        Target column of a CSV suite.
    max_vars : int, optional
        Keep problems with at most this many variables.
    problems : tuple of str
        Keep only these problem ids (all when empty).
    limit : int, optional
        Keep the first ``limit`` problems (after the filters).
    n_train, n_test : int
        Points drawn for training and testing (capped by a data set's rows).
    workers : int
        Runs in parallel; each fit gets ``cores // workers`` cores.
    grace : float
        Seconds past the budget (plus the symbolic check) before a run is killed.
    sympy_timeout : float
        Seconds for the symbolic-solution check.
    options : dict
        Per-method options ``{"eqlearn": {"model": "runs/x/best"}}``; a key applies to the
        method of that name and its ``name-variant`` methods.
    rerun_failed : bool
        Run again the runs recorded as error or timeout.
    progress : bool
        Show a progress bar.
    """

    suite: str = "feynman"
    methods: tuple[str, ...] = ("eqlearn",)
    time_budget: float = 60.0
    noise: tuple[float, ...] = (0.0,)
    seeds: int = 1
    out: str = "results"
    target: str | None = None
    max_vars: int | None = None
    problems: tuple[str, ...] = ()
    limit: int | None = None
    n_train: int = 200
    n_test: int = 1000
    workers: int = 1
    grace: float = 30.0
    sympy_timeout: float = 10.0
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rerun_failed: bool = False
    progress: bool = True


@dataclass
class BenchSummary:
    """Counts of a benchmark invocation by status (``cached``: done before, not rerun)."""

    counts: Counter = field(default_factory=Counter)
    skipped_notes: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def load_problems(config: BenchConfig) -> list[tuple[str, Problem]]:
    """(suite name, problem) pairs of the suites in ``config.suite`` (comma-separated), after
    ``max_vars``, ``problems`` and ``limit`` (per suite)."""
    out: list[tuple[str, Problem]] = []
    wanted = set(config.problems or ())
    for name in [s.strip() for s in str(config.suite).split(",") if s.strip()]:
        if name.lower().endswith(".csv"):
            if not config.target:
                raise ValueError(f"{name} is a CSV file: give its target column")
            suite: Suite = suite_from_csv(name, config.target)
        else:
            suite = load_real_suite() if name == REAL_SUITE else load_suite(name)
        problems = list(suite.filter(max_vars=config.max_vars))
        if wanted:
            problems = [p for p in problems if p.id in wanted]
        out += [(suite.name, p) for p in problems[:config.limit]]
    missing = wanted - {p.id for _, p in out}
    if missing:
        raise ValueError(f"no problems {sorted(missing)} in suite(s) {config.suite!r} "
                         f"(after max_vars={config.max_vars})")
    return out


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def result_path(out: str | Path, suite: str, method: str, problem_id: str, noise: float,
                seed: int) -> Path:
    """Where the record of one run lives."""
    return (Path(out) / _safe(suite) / _safe(method)
            / f"{_safe(problem_id)}_noise{noise:g}_seed{seed}.json")


def _options_for(method: str, options: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in sorted(options, key=len):  # "eqlearn" first, then "eqlearn-neural"
        if method == key or method.startswith(key + "-"):
            merged.update(options[key])
    return merged


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def plan_runs(config: BenchConfig,
              provenance: Mapping[str, Any] | None = None) -> list[RunSpec]:
    """Every run of the benchmark, in (problem, method, noise, seed) order.

    Parameters
    ----------
    config : BenchConfig
    provenance : dict, optional
        Given to every run for its record; default :func:`collect_provenance` (once).

    Raises
    ------
    ValueError
        For an unknown method, suite or problem.
    """
    for name in config.methods:
        get_method(name)
    n_jobs = max(1, _cores() // max(1, config.workers))
    provenance = dict(provenance) if provenance is not None else collect_provenance()
    specs = []
    for suite, problem in load_problems(config):
        for method in config.methods:
            for noise in config.noise:
                for seed in range(config.seeds):
                    path = result_path(config.out, suite, method, problem.id, noise, seed)
                    specs.append(RunSpec(suite, problem, method, float(noise), seed,
                                         float(config.time_budget), config.n_train,
                                         config.n_test, n_jobs, config.sympy_timeout,
                                         _options_for(method, config.options), str(path),
                                         provenance))
    return specs


def _is_done(spec: RunSpec, rerun_failed: bool) -> bool:
    """Whether the run has a record that needs no rerun.

    Raises
    ------
    ValueError
        If the record was made with another time budget: a results folder holds one budget.
    """
    record = read_record(spec.path)
    if record is None:
        return False
    if record.get("time_budget") not in (None, spec.time_budget):
        raise ValueError(f"{spec.path} was run with a time budget of "
                         f"{record['time_budget']:g} s, not {spec.time_budget:g} s: use a "
                         "separate results folder per budget")
    return record.get("status") == "ok" or (
        not rerun_failed and record.get("status") in DONE_STATUSES)


def run_benchmark(config: BenchConfig, executor: Executor | None = None,
                  on_done: Callable[[RunSpec, dict], None] | None = None) -> BenchSummary:
    """Run every run of ``config`` not already done; write one record per run.

    Parameters
    ----------
    config : BenchConfig
    executor : Executor, optional
        Default: ``LocalExecutor(config.workers, config.grace)``.
    on_done : callable, optional
        Also called with ``(spec, record)`` after each finished run.

    Returns
    -------
    BenchSummary
        Counts by status; ``cached`` for runs found done; the notes of skipped methods.
    """
    t0 = time.perf_counter()
    executor = executor or LocalExecutor(workers=config.workers, grace=config.grace)
    summary = BenchSummary()
    todo = []
    for spec in plan_runs(config):
        note = get_method(spec.method).unavailable(spec.options)
        if _is_done(spec, config.rerun_failed):
            summary.counts["cached"] += 1
        elif note is not None:
            summary.skipped_notes[spec.method] = note
            summary.counts["skipped"] += 1
            failure_record(spec, "skipped", note)
        else:
            Path(spec.path).unlink(missing_ok=True)  # a failed record, to be rerun
            todo.append(spec)
    with progress_bar(config.progress and bool(todo), len(todo), "benchmark runs") as advance:
        def finished(spec: RunSpec, record: dict) -> None:
            summary.counts[record.get("status", "error")] += 1
            advance()
            if on_done is not None:
                on_done(spec, record)

        executor.run(todo, finished)
    summary.seconds = time.perf_counter() - t0
    return summary
