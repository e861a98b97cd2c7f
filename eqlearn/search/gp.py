"""The genetic-programming engine: regularised evolution on islands.

Each island holds a population; a generation makes one child per member: tournament
selection, subtree crossover or a mutation (:mod:`eqlearn.search.mutations`), constraint
checks, evaluation; the child replaces the oldest member (age pressure against stagnation,
as in PySR's regularised evolution) and tournaments weigh complexity (parsimony pressure
against bloat). A child is scored under linear scaling, a sum with a coefficient per term;
every other child gets a few Levenberg-Marquardt steps on its constants and the best few of
every generation a full least-squares fit (:mod:`eqlearn.search.scoring`). A hall of fame
keeps the best equation per complexity.

Islands run in worker processes for an *epoch* of generations; between epochs the main
process merges the halls of fame, migrates the best equations to every island and injects
new proposals (e.g. from the neural model, see :mod:`eqlearn.search.hybrid`). The workers
are a fork pool of ``cfg.workers`` processes here, or, inside
``joblib.parallel_config(backend="dask")``, a Dask cluster's: each island's epoch is then
one joblib task (:func:`cluster_backend_active`).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..expr.simplify import canonicalize
from .mutations import Grammar, crossover, mutate
from .scoring import Evaluator
from .selection import Candidate, complexity

__all__ = ["GPConfig", "Individual", "Island", "run_search", "local_workers",
           "cluster_backend_active"]

CLUSTER_BACKENDS = ("dask",)  #: joblib backends whose workers run the islands


@dataclass(frozen=True)
class GPConfig:
    """Settings of the search."""

    n_islands: int = 4
    population: int = 100
    tournament: int = 8
    crossover: float = 0.1         #: chance a child comes from crossover
    parsimony: float = 0.003       #: weight of complexity in tournaments (per unit)
    generations_per_epoch: int = 10
    max_epochs: int | None = None  #: stop after this many epochs (deterministic runs)
    optimise_top: int = 2          #: members whose constants are refitted per generation
    simplify: float = 0.05         #: chance a child is canonicalised
    migrants: int = 5
    workers: int = 2               #: local processes running islands (local_workers)
    stop_loss: float = 0.0         #: stop once the best normalised loss is below (0: never)
    polish: float = 0.5            #: chance a child's constants get a few LM steps (scoring.py)
    per_term: bool = True          #: score a sum with a coefficient per term (terms.py)


@dataclass
class Individual:
    expr: object
    loss: float
    complexity: int
    birth: int = 0

    def score(self, parsimony: float) -> float:
        return float(np.log(self.loss + 1e-30) + parsimony * self.complexity)


@dataclass
class Island:
    """One population and its hall of fame (best individual per complexity)."""

    members: list[Individual]
    hall: dict[int, Individual] = field(default_factory=dict)
    clock: int = 0

    def replace_oldest(self, ind: Individual) -> None:
        """Put ``ind`` in the slot of the oldest member. Replacing the oldest each time makes
        the slots come round in turn, so the clock names the slot."""
        ind.birth = self.clock
        self.members[self.clock % len(self.members)] = ind
        self.clock += 1
        self.remember(ind)

    def remember(self, ind: Individual) -> None:
        best = self.hall.get(ind.complexity)
        if np.isfinite(ind.loss) and (best is None or ind.loss < best.loss):
            self.hall[ind.complexity] = ind


def _tournament(island: Island, cfg: GPConfig, rng) -> Individual:
    idx = rng.integers(len(island.members), size=cfg.tournament)
    return min((island.members[i] for i in idx), key=lambda m: m.score(cfg.parsimony))


def _child(island: Island, grammar: Grammar, cfg: GPConfig, rng):
    parent = _tournament(island, cfg, rng)
    for _ in range(10):
        if rng.random() < cfg.crossover:
            expr = crossover(parent.expr, _tournament(island, cfg, rng).expr, grammar, rng)
        else:
            expr = mutate(parent.expr, grammar, rng)
        if rng.random() < cfg.simplify:
            expr = canonicalize(expr)
        if grammar.valid(expr):
            return expr
    return None


def evolve(island: Island, grammar: Grammar, evaluator: Evaluator, cfg: GPConfig,
           rng: np.random.Generator, deadline: float, stop=None) -> Island:
    """Run one epoch (``cfg.generations_per_epoch`` generations) on an island. It ends early
    at the deadline, when ``stop`` (an event the workers share) is set, or once a child fits
    below ``cfg.stop_loss`` — which sets ``stop`` for the other islands."""
    def over() -> bool:
        return time.perf_counter() > deadline or (stop is not None and stop.is_set())

    for _ in range(cfg.generations_per_epoch):
        if over():
            break
        for i in range(len(island.members)):
            if i % 25 == 0 and over():
                break
            expr = _child(island, grammar, cfg, rng)
            if expr is None:
                continue
            if rng.random() < cfg.polish:
                expr, loss = evaluator.polish(expr)
            else:
                loss = evaluator(expr)
            island.replace_oldest(Individual(expr, loss, complexity(expr)))
            if loss < cfg.stop_loss:
                if stop is not None:
                    stop.set()
                return island
        best = sorted(island.members, key=lambda m: m.score(cfg.parsimony))[:cfg.optimise_top]
        for ind in best:
            expr, loss = evaluator.refit(ind.expr, seed=int(rng.integers(2**31)))
            ind.expr, ind.loss, ind.complexity = expr, loss, complexity(expr)
            island.remember(ind)
    return island


# -- who runs the islands ------------------------------------------------------------------
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
class _Problem:
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


def _init_worker(problem: _Problem, stop) -> None:
    _STATE.update(problem=problem, evaluator=problem.evaluator(), stop=stop)


def _run_island(args) -> tuple[Island, int]:
    island, seed, deadline = args
    s = _STATE
    s["evaluator"].n_evals = 0
    island = evolve(island, s["problem"].grammar, s["evaluator"], s["problem"].cfg,
                    np.random.default_rng(seed), deadline, s["stop"])
    return island, s["evaluator"].n_evals


def _evolve_island(problem: _Problem, island: Island, seed: int,
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

    def __init__(self, problem: _Problem, deadline: float):
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

    def __init__(self, problem: _Problem, deadline: float):
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


def _initial_island(grammar: Grammar, evaluator: Evaluator, cfg: GPConfig, seeds, rng) -> Island:
    members = []
    for expr in seeds[: cfg.population // 2]:
        members.append(Individual(expr, evaluator(expr), complexity(expr)))
    while len(members) < cfg.population:
        expr = grammar.random_tree(int(rng.integers(1, 5)), rng)
        if grammar.valid(expr):
            members.append(Individual(expr, evaluator(expr), complexity(expr)))
    island = Island(members)
    for m in members:
        island.remember(m)
    return island


@dataclass
class SearchReport:
    candidates: list[Candidate]
    n_evals: int
    epochs: int
    seconds: float


def run_search(X, y, weight, grammar: Grammar, cfg: GPConfig, *, loss: str = "mse",
               deadline: float, seeds=(), random_state: int = 0,
               inject: Callable[[list[Candidate]], list] | None = None) -> SearchReport:
    """Evolve islands until ``deadline`` (or ``cfg.max_epochs``); returns the hall of fame
    as candidates. ``seeds`` start the populations; ``inject(front)``, called between
    epochs, may return more trees to migrate into every island."""
    t0 = time.perf_counter()
    evaluator = Evaluator(X, y, weight, loss, per_term=cfg.per_term)
    rng = np.random.default_rng(random_state)
    seeds = list(seeds)
    # seeds start half of the islands; the others explore from scratch (good-but-wrong seeds
    # would otherwise pull every island to the same local optimum)
    islands = [_initial_island(grammar, evaluator, cfg, seeds if i % 2 == 0 else [], rng)
               for i in range(cfg.n_islands)]
    n_evals, epoch = evaluator.n_evals, 0
    problem = _Problem(X, y, weight, loss, grammar, cfg, uuid.uuid4().hex)
    runner = (_JoblibIslands if cluster_backend_active() else _PoolIslands)(problem, deadline)
    try:
        while time.perf_counter() < deadline and (cfg.max_epochs is None or epoch < cfg.max_epochs):
            results = runner.epoch(islands, [int(rng.integers(2**31)) for _ in islands])
            islands = [isl for isl, _ in results]
            n_evals += sum(n for _, n in results)
            epoch += 1
            front = _hall_candidates(islands, evaluator, grammar.max_complexity)
            if runner.stopped() or (front and min(c.loss for c in front) < cfg.stop_loss):
                break  # once set, every island's epoch would end at its start
            extra = inject(front) if inject is not None else []
            _migrate(islands, front, extra, evaluator, cfg, rng)
    finally:
        runner.close()
    return SearchReport(_hall_candidates(islands, evaluator, grammar.max_complexity),
                        n_evals + evaluator.n_evals, epoch,
                        time.perf_counter() - t0)


def _hall_candidates(islands: list[Island], evaluator: Evaluator,
                     max_complexity: int = 10**6) -> list[Candidate]:
    """The islands' halls of fame merged, each tree written as its phenotype (dropped if
    the tree exceeds the complexity limit; the linear coefficients its phenotype adds, at
    most ``2 * terms.MAX_TERMS + 2`` nodes, are not counted)."""
    best: dict[int, Individual] = {}
    for isl in islands:
        for c, ind in isl.hall.items():
            if c not in best or ind.loss < best[c].loss:
                best[c] = ind
    out = []
    for ind in best.values():
        if ind.complexity <= max_complexity:
            expr = evaluator.phenotype(ind.expr)
            out.append(Candidate(expr, ind.loss, complexity(expr), "search"))
    return out


def _migrate(islands, front: list[Candidate], extra, evaluator, cfg: GPConfig, rng) -> None:
    elite = sorted(front, key=lambda c: c.loss)[: cfg.migrants]
    newcomers = [Individual(c.expr, c.loss, c.complexity) for c in elite]
    newcomers += [Individual(e, evaluator(e), complexity(e)) for e in extra]
    for isl in islands:
        for ind in newcomers:
            isl.replace_oldest(Individual(ind.expr, ind.loss, ind.complexity))
