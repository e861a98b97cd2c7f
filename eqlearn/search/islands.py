"""Who runs the islands: a local fork pool, or a Dask cluster's workers.

Locally the islands run in a fork pool of ``cfg.workers`` processes (in the fitting process
for one), an epoch at a time. Inside ``joblib.parallel_config(backend="dask")``, the route
scikit-learn takes, they run on the cluster of the backend's client
(:func:`cluster_backend_active`): each island's epoch is one task. Deterministic searches
(``cfg.max_epochs``) keep the epochs in step there too, through joblib (:class:`_JoblibIslands`);
searches bounded by the clock run without the barrier (:class:`_DaskIslands`): an island goes
back out as soon as it returns, so no worker waits for the slowest island of an epoch.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .evolution import GPConfig, Island, evolve
from .mutations import Grammar
from .scoring import Evaluator

__all__ = ["IslandProblem", "local_workers", "cluster_backend_active", "islands_runner", "ISLAND_TASK"]

CLUSTER_BACKENDS = ("dask",)  #: joblib backends whose workers run the islands
ISLAND_TASK = "evolve-island"  #: key prefix of the islands' tasks on a Dask cluster


def local_workers(n_jobs: int | None) -> int:
    """Processes for ``n_jobs`` as scikit-learn reads it: None is 1, -1 every core, -2 all
    but one, …"""
    if n_jobs is None:
        return 1
    return max(1, n_jobs if n_jobs > 0 else (os.cpu_count() or 1) + 1 + n_jobs)


def cluster_backend_active() -> bool:
    """Whether a joblib cluster backend (``joblib.parallel_config(backend="dask")``, the
    route scikit-learn takes) is active in this thread: the islands then run as its tasks."""
    from joblib.parallel import BACKENDS, get_active_backend

    kinds = tuple(BACKENDS[name] for name in CLUSTER_BACKENDS if name in BACKENDS)
    return bool(kinds) and isinstance(get_active_backend()[0], kinds)


@dataclass(frozen=True)
class IslandProblem:
    """What a worker needs to evolve an island; ``token`` names the search (a worker keeps
    the evaluator of the last search it saw)."""

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    loss: str
    grammar: Grammar
    cfg: GPConfig
    token: str

    def evaluator(self) -> Evaluator:
        return Evaluator(self.X, self.y, self.weight, self.loss, per_term=self.cfg.per_term)


_STATE: dict = {}  # a pool worker's problem, evaluator and stop event
_LOCAL = threading.local()  # a cluster worker's thread: the last search's problem, evaluator


def _init_worker(problem: IslandProblem, stop) -> None:
    _STATE.update(problem=problem, evaluator=problem.evaluator(), stop=stop)


def _run_island(args) -> tuple[Island, int]:
    island, seed, deadline = args
    s = _STATE
    s["evaluator"].n_evals = 0
    island = evolve(island, s["problem"].grammar, s["evaluator"], s["problem"].cfg,
                    np.random.default_rng(seed), deadline, s["stop"])
    return island, s["evaluator"].n_evals


def _evolve_island(problem: IslandProblem, island: Island, seed: int,
                   wall_deadline: float) -> tuple[Island, int]:
    """One island's epoch as a cluster task. The deadline travels as wall-clock time (the
    workers' monotonic clocks differ from this machine's; their wall clocks agree)."""
    if getattr(_LOCAL, "token", None) != problem.token:
        _LOCAL.token, _LOCAL.evaluator = problem.token, problem.evaluator()
    evaluator = _LOCAL.evaluator
    evaluator.n_evals = 0
    deadline = time.perf_counter() + (wall_deadline - time.time())
    island = evolve(island, problem.grammar, evaluator, problem.cfg,
                    np.random.default_rng(seed), deadline)
    return island, evaluator.n_evals


class _PoolIslands:
    """Islands in a fork pool of ``cfg.workers`` processes (in this process for one), which
    share a stop event: the first island to fit below ``cfg.stop_loss`` ends every epoch."""

    in_step = True

    def __init__(self, problem: IslandProblem, deadline: float):
        ctx = mp.get_context("fork")
        self.stop, self.deadline = ctx.Event(), deadline
        workers = problem.cfg.workers
        self.pool = ctx.Pool(workers, _init_worker, (problem, self.stop)) if workers > 1 \
            else None
        if self.pool is None:
            _init_worker(problem, self.stop)

    def epoch(self, islands: list[Island], seeds: list[int]) -> list[tuple[Island, int]]:
        jobs = [(isl, seed, self.deadline) for isl, seed in zip(islands, seeds)]
        return self.pool.map(_run_island, jobs) if self.pool else list(map(_run_island, jobs))

    def stopped(self) -> bool:
        return self.stop.is_set()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()


class _JoblibIslands:
    """Islands as tasks of the active joblib backend (a Dask cluster's workers): one task
    per island and epoch. No event is shared: an island that fits below ``cfg.stop_loss``
    ends its own epoch, the others end theirs."""

    in_step = True

    def __init__(self, problem: IslandProblem, deadline: float):
        from joblib import Parallel, delayed

        self.problem, self.delayed = problem, delayed
        self.wall_deadline = time.time() + (deadline - time.perf_counter())
        self.parallel = Parallel(n_jobs=problem.cfg.workers, batch_size=1, pre_dispatch="all")
        self.parallel.__enter__()  # one backend for every epoch

    def epoch(self, islands: list[Island], seeds: list[int]) -> list[tuple[Island, int]]:
        task = self.delayed(_evolve_island)
        return self.parallel(task(self.problem, isl, seed, self.wall_deadline)
                             for isl, seed in zip(islands, seeds))

    def stopped(self) -> bool:
        return False

    def close(self) -> None:
        self.parallel.__exit__(None, None, None)


class _DaskIslands:
    """Islands as tasks on the Dask cluster of the active joblib backend, without epoch
    barriers: :meth:`submit` sends one island's epoch, :meth:`results` yields each island
    as it returns (in the order they finish), while more are submitted. The problem is
    scattered to every worker once. Islands not back ``LATE`` seconds after the deadline
    (a cluster without workers, or whose workers hang) are given up: the search goes on
    with the copies it has."""

    in_step = False
    LATE = 5.0

    def __init__(self, problem: IslandProblem, deadline: float):
        from joblib.parallel import get_active_backend

        self.client = get_active_backend()[0].client
        self.wall_deadline = time.time() + (deadline - time.perf_counter())
        self.scattered = bool(self.client.scheduler_info()["workers"])  # none: sent per task
        self.problem = self.client.scatter(problem, broadcast=True, hash=False) \
            if self.scattered else problem
        self.out: dict = {}  # futures out: key -> (island, future)

    def submit(self, i: int, island: Island, seed: int) -> None:
        future = self.client.submit(_evolve_island, self.problem, island, seed,
                                    self.wall_deadline, key=f"{ISLAND_TASK}-{uuid.uuid4().hex}",
                                    pure=False)
        self.out[future.key] = (i, future)

    def results(self) -> Iterator[tuple[int, Island, int]]:
        from distributed import wait

        while self.out:
            left = self.wall_deadline + self.LATE - time.time()
            try:
                done = wait([f for _, f in self.out.values()], timeout=max(left, 0.01),
                            return_when="FIRST_COMPLETED").done
            except TimeoutError:
                return
            for future in done:
                island, n_evals = future.result()
                yield self.out.pop(future.key)[0], island, n_evals

    def close(self) -> None:
        """Cancel the islands still out (given up, or after an error) and free the
        problem's copies."""
        self.client.cancel([future for _, future in self.out.values()])
        if self.scattered:
            self.problem.release()


def islands_runner(problem: IslandProblem, deadline: float):
    """The runner for this search: the Dask cluster's, in step when ``max_epochs`` asks
    for a deterministic search, else without barriers; or the local pool."""
    if not cluster_backend_active():
        return _PoolIslands(problem, deadline)
    return _JoblibIslands(problem, deadline) if problem.cfg.max_epochs is not None \
        else _DaskIslands(problem, deadline)
