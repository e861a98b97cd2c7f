"""The genetic-programming engine: regularised evolution of one island.

Each island holds a population; a generation makes one child per member: tournament
selection, subtree crossover or a mutation (:mod:`eqlearn.search.mutations`), constraint
checks, evaluation; the child replaces the oldest member (age pressure against stagnation,
as in PySR's regularised evolution) and tournaments weigh complexity (parsimony pressure
against bloat). A child is scored under linear scaling, a sum with a coefficient per term;
every other child gets a few Levenberg-Marquardt steps on its constants and the best few of
every generation a full least-squares fit (:mod:`eqlearn.search.scoring`). A hall of fame
keeps the best equation per complexity. Who runs the islands is
:mod:`eqlearn.search.islands`; the search around them, :mod:`eqlearn.search.gp`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..expr.simplify import canonicalize
from .mutations import Grammar, crossover, mutate
from .scoring import Evaluator
from .selection import complexity

__all__ = ["GPConfig", "Individual", "Island", "evolve"]


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
