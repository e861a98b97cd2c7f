"""Dask clusters: a :class:`distributed.Client` for a scheduler address, or a
:class:`distributed.LocalCluster` of single-threaded worker processes when none is given.

``dask.distributed`` is imported only here and only when a client is asked for, so eqlearn
imports without it (``pip install 'eqlearn[cluster]'`` brings it). Used by the benchmark's
:class:`~eqlearn.bench.dask_executor.DaskExecutor` and by corpus generation
(:func:`eqlearn.data.generate_corpus` with ``executor="dask"``).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

__all__ = ["EXECUTORS", "check_executor", "dask_client"]

EXECUTORS = ("local", "dask")  #: the names ``--executor`` accepts


def check_executor(executor: str, scheduler: str | None) -> None:
    """Reject an unknown executor name, or a scheduler address without the dask executor.

    Raises
    ------
    ValueError
        With a one-line message for the command line.
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}: expected one of "
                         f"{', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"a scheduler address ({scheduler}) needs the dask executor "
                         "(--executor dask)")
    if scheduler is not None and not scheduler.strip():
        raise ValueError("the scheduler address is empty: give e.g. tcp://host:8786")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ImportError("the dask executor needs dask.distributed: "
                          "pip install 'eqlearn[cluster]'") from None
    return distributed


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 1,
                timeout: float = 30.0) -> Iterator[Any]:
    """A connected :class:`distributed.Client`, closed on leaving the block.

    Parameters
    ----------
    scheduler : str, optional
        A running scheduler's address (``tcp://host:8786``, or a cluster's
        ``scheduler_address``). None: start a :class:`distributed.LocalCluster` of
        ``workers`` processes with one thread each, closed with the client.
    workers : int
        Worker processes of the local cluster (ignored with ``scheduler``).
    timeout : float
        Seconds to wait for the scheduler.

    Raises
    ------
    OSError
        When no scheduler answers at ``scheduler`` within ``timeout``.
    """
    distributed = _distributed()
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                           processes=True, dashboard_address="127.0.0.1:0",
                                           silence_logs=logging.ERROR)  # not a cancelled task
        scheduler = cluster.scheduler_address
    try:
        client = distributed.Client(scheduler, timeout=timeout)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise OSError(f"no Dask scheduler answers at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
