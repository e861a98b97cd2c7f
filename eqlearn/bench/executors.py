"""Executors: who runs the runs. :class:`LocalExecutor` keeps ``workers`` processes busy on
this machine and kills a run that outlives its budget;
:class:`~eqlearn.bench.dask_executor.DaskExecutor` implements the same ``run(specs, on_done)``
with a task per run on a Dask cluster, calling :func:`eqlearn.bench.runs.execute_run` on a
node and :func:`eqlearn.bench.runs.failure_record` when a task dies.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from ..cluster import check_executor
from .dask_executor import DaskExecutor
from .runs import RunSpec, execute_run, failure_record, read_record

__all__ = ["Executor", "LocalExecutor", "make_executor"]


class Executor(Protocol):
    """Runs the runs; calls ``on_done(spec, record)`` as each one finishes."""

    def run(self, specs: Sequence[RunSpec],
            on_done: Callable[[RunSpec, dict], None]) -> None: ...


def _child_main(spec: RunSpec) -> None:
    os.setsid()  # its own process group: a kill reaches the fit's worker processes too
    warnings.simplefilter("ignore")  # the peers' numerical warnings would bury the progress bar
    code = 1
    try:
        execute_run(spec)
        code = 0
    finally:  # the record is written: leave now, whatever exit hooks the fit registered
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _kill_group(proc) -> None:
    """Kill the run's process and whatever it started (its process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if proc.is_alive():
            proc.kill()
    proc.join(5)


@dataclass
class LocalExecutor:
    """Up to ``workers`` runs at a time, each in its own process on this machine, killed at
    ``time_budget + grace`` (plus the symbolic check's allowance).

    Parameters
    ----------
    workers : int
    grace : float
        Seconds allowed past the budget for start-up (imports, model loading) and scoring.
    start_method : str
        ``multiprocessing`` start method; ``"fork"`` shares registered methods with the runs.
    poll : float
        Seconds between checks on the running processes.
    """

    workers: int = 1
    grace: float = 30.0
    start_method: str = "fork"
    poll: float = 0.05

    def run(self, specs: Sequence[RunSpec], on_done: Callable[[RunSpec, dict], None]) -> None:
        ctx = mp.get_context(self.start_method)
        pending, running = deque(specs), {}
        try:
            while pending or running:
                while pending and len(running) < max(1, self.workers):
                    spec = pending.popleft()
                    proc = ctx.Process(target=_child_main, args=(spec,), name=spec.describe())
                    proc.start()
                    running[proc] = (spec, time.monotonic() + spec.kill_after + self.grace)
                for proc, (spec, deadline) in list(running.items()):
                    record = self._check(proc, spec, deadline)
                    if record is not None:
                        del running[proc]
                        on_done(spec, record)
                time.sleep(self.poll)
        finally:
            for proc in running:
                _kill_group(proc)

    def _check(self, proc, spec: RunSpec, deadline: float) -> dict | None:
        """The run's record once it is over (writing one if it left none), else None."""
        if proc.is_alive():
            if time.monotonic() < deadline:
                return None
            _kill_group(proc)
            limit = spec.kill_after + self.grace
            return failure_record(spec, "timeout", f"killed after {limit:.0f} s (budget "
                                  f"{spec.time_budget:g} s + grace)", wall_time_s=limit)
        _kill_group(proc)  # leftovers of the fit (worker processes) go with it
        record = read_record(spec.path)
        if record is None:
            return failure_record(spec, "error", f"the run's process exited with code "
                                  f"{proc.exitcode} without writing a result")
        return record


def make_executor(kind: str = "local", *, workers: int = 1, grace: float = 30.0,
                  scheduler: str | None = None) -> Executor:
    """The executor called ``kind`` (``"local"`` or ``"dask"``), as ``--executor`` names it.

    Parameters
    ----------
    kind : str
    workers : int
        Runs at a time on this machine (local), or the local Dask cluster's worker processes.
    grace : float
    scheduler : str, optional
        A Dask scheduler's address (``"dask"`` only); none starts a local cluster.

    Raises
    ------
    ValueError
        For an unknown kind, or a scheduler with the local executor.
    """
    check_executor(kind, scheduler)
    if kind == "dask":
        return DaskExecutor(scheduler=scheduler, workers=workers, grace=grace)
    return LocalExecutor(workers=workers, grace=grace)
