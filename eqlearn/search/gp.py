"""The genetic-programming search: islands evolved in epochs, with migration.

The engine evolves one island for an *epoch* of generations
(:func:`eqlearn.search.evolution.evolve`); the islands run in worker processes
(:mod:`eqlearn.search.islands`: a local fork pool, or a Dask cluster's workers inside
``joblib.parallel_config(backend="dask")``). Between epochs this process merges the halls
of fame, migrates the best equations to every island and injects new proposals (e.g. from
the neural model, see :mod:`eqlearn.search.hybrid`). On a cluster, a search bounded only by
the clock has no barrier between epochs: each island returning gets the best equations
seen so far and goes straight back out.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .evolution import GPConfig, Individual, Island, evolve
from .islands import IslandProblem, cluster_backend_active, islands_runner, local_workers
from .mutations import Grammar
from .scoring import Evaluator
from .selection import Candidate, complexity

__all__ = ["GPConfig", "Individual", "Island", "evolve", "run_search", "local_workers",
           "cluster_backend_active"]


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
    #: (seconds since the start, the islands' evaluations so far) at each return: an
    #: evaluation's cost grows as the search goes on, so compare throughputs at equal counts
    progress: list[tuple[float, int]] = field(default_factory=list)


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
    problem = IslandProblem(X, y, weight, loss, grammar, cfg, uuid.uuid4().hex)
    runner = islands_runner(problem, deadline)
    search = _Search(evaluator, grammar, cfg, rng, inject, deadline, t0)
    try:
        run = search.in_step if runner.in_step else search.without_barriers
        islands, evals, epochs = run(runner, islands)
    finally:
        runner.close()
    return SearchReport(_hall_candidates(islands, evaluator, grammar.max_complexity),
                        evals + evaluator.n_evals, epochs,
                        time.perf_counter() - t0, search.progress)


@dataclass
class _Search:
    """The loop around the islands: when they go out, what comes back, who migrates."""

    evaluator: Evaluator
    grammar: Grammar
    cfg: GPConfig
    rng: np.random.Generator
    inject: Callable[[list[Candidate]], list] | None
    deadline: float
    start: float
    progress: list[tuple[float, int]] = field(default_factory=list)

    def in_step(self, runner, islands: list[Island]) -> tuple[list[Island], int, int]:
        """Epochs in step: every island evolves an epoch, then they all meet (the
        islands, their evaluations, the epochs)."""
        cfg, n_evals, epoch = self.cfg, 0, 0
        while time.perf_counter() < self.deadline and \
                (cfg.max_epochs is None or epoch < cfg.max_epochs):
            results = runner.epoch(islands, [self._seed() for _ in islands])
            islands = [isl for isl, _ in results]
            n_evals += sum(n for _, n in results)
            epoch += 1
            self._record(n_evals)
            front = self._front(islands)
            if runner.stopped() or (front and min(c.loss for c in front) < cfg.stop_loss):
                break  # once set, every island's epoch would end at its start
            newcomers = _elite(front, cfg) + self._proposals(front)
            for isl in islands:
                _welcome(isl, newcomers)
        return islands, n_evals, epoch

    def without_barriers(self, runner, islands: list[Island]) -> tuple[list[Island], int, int]:
        """Each island straight back out when it returns, with the best equations seen
        so far and the proposals made since it left; ``inject`` runs once per
        ``n_islands`` returns, an epoch's worth (the islands, evaluations, epochs)."""
        for i, isl in enumerate(islands):
            runner.submit(i, isl, self._seed())
        owed: list[list[Individual]] = [[] for _ in islands]
        n_evals = returns = 0
        stop = False
        for i, island, n in runner.results():
            islands[i], n_evals, returns = island, n_evals + n, returns + 1
            self._record(n_evals)
            stop = stop or time.perf_counter() >= self.deadline or \
                min((m.loss for m in island.hall.values()), default=np.inf) < self.cfg.stop_loss
            if stop:
                continue  # the islands still out return at their epoch's end
            front = self._front(islands)
            if returns % len(islands) == 0:
                fresh = self._proposals(front)
                owed = [mine + fresh for mine in owed]
            _welcome(island, _elite(front, self.cfg) + owed[i])
            owed[i] = []
            runner.submit(i, island, self._seed())
        return islands, n_evals, returns // len(islands)

    def _record(self, n_evals: int) -> None:
        self.progress.append((time.perf_counter() - self.start, n_evals))

    def _seed(self) -> int:
        return int(self.rng.integers(2**31))

    def _front(self, islands: list[Island]) -> list[Candidate]:
        return _hall_candidates(islands, self.evaluator, self.grammar.max_complexity)

    def _proposals(self, front: list[Candidate]) -> list[Individual]:
        extra = self.inject(front) if self.inject is not None else []
        return [Individual(e, self.evaluator(e), complexity(e)) for e in extra]


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


def _elite(front: list[Candidate], cfg: GPConfig) -> list[Individual]:
    """The ``cfg.migrants`` best-fitting equations of the front, as individuals."""
    return [Individual(c.expr, c.loss, c.complexity)
            for c in sorted(front, key=lambda c: c.loss)[: cfg.migrants]]


def _welcome(island: Island, newcomers: list[Individual]) -> None:
    """Each newcomer (a copy: islands do not share members) replaces the oldest member."""
    for ind in newcomers:
        island.replace_oldest(Individual(ind.expr, ind.loss, ind.complexity))
