"""A benchmark on a Dask cluster: every run a task (``--executor dask``).

Each run goes to a worker as one task, which runs it in a fresh interpreter killed at
``time_budget + grace`` (:func:`eqlearn.bench.isolated.run_isolated`) and returns its record;
the record is written here, at the run's path, and handed to ``on_done`` as the
:class:`~eqlearn.bench.executors.LocalExecutor` does, so results folders, resuming and reports
are the same whichever executor ran them. A worker that dies mid-run (killed, out of memory,
its node gone) costs the run nothing: the scheduler gives the task to another worker, up to
``distributed.scheduler.allowed-failures`` times (3 by default), and a run that still never
finishes, or any other failure of the cluster, is recorded as ``error``: every run gets
exactly one record.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

from ..cluster import dask_client
from .isolated import run_isolated
from .methods import get_method
from .runs import RunSpec, failure_record, write_record

__all__ = ["DaskExecutor"]


def _payload(spec: RunSpec) -> bytes:
    """The run and its method, pickled by value where they are not importable (a method
    registered in a script or a test travels with its runs)."""
    import cloudpickle

    return cloudpickle.dumps((spec, get_method(spec.method)))


def _task_key(spec: RunSpec) -> str:
    """A unique, readable task name for the dashboard."""
    return (f"eqlearn-run-{spec.method}-{spec.problem.id}-noise{spec.noise:g}-seed{spec.seed}"
            f"-{uuid.uuid4().hex[:8]}")


@dataclass(frozen=True)
class DaskExecutor:
    """Every run a task on a Dask cluster; records written here as they come back.

    Parameters
    ----------
    scheduler : str, optional
        The scheduler's address (``tcp://host:8786``; with dask-jobqueue,
        ``SLURMCluster(...).scheduler_address``). None: a
        :class:`distributed.LocalCluster` of ``workers`` single-threaded processes.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).
    grace : float
        Seconds allowed past the budget (plus the symbolic check) before a run is killed.
    retries : int
        Times a task that raised (not a run that failed: that is recorded) is run again.

    Notes
    -----
    A run uses the ``n_jobs`` planned for it (this machine's cores over the benchmark's
    ``workers``); the methods run must be installed on the workers.
    """

    scheduler: str | None = None
    workers: int = 1
    grace: float = 30.0
    retries: int = 1

    def run(self, specs: Sequence[RunSpec], on_done: Callable[[RunSpec, dict], None]) -> None:
        if not specs:
            return
        from distributed import as_completed

        with dask_client(self.scheduler, self.workers) as client:
            futures = {client.submit(run_isolated, _payload(spec), self.grace, pure=False,
                                     key=_task_key(spec), retries=self.retries): spec
                       for spec in specs}
            try:
                for future in as_completed(futures):
                    spec = futures.pop(future)
                    on_done(spec, self._record(spec, future))
            finally:
                client.cancel(list(futures))  # interrupted: leave nothing running

    @staticmethod
    def _record(spec: RunSpec, future) -> dict:
        """The run's record, written at its path: the task's, or a failure record."""
        try:
            record = future.result()
        except Exception as exc:  # noqa: BLE001 - any failure of the cluster is recorded
            return failure_record(spec, "error", f"the run's task failed on the Dask "
                                  f"cluster: {type(exc).__name__}: {exc}")
        write_record(spec.path, record)
        return record
