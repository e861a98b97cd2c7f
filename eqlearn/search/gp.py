"""The genetic-programming engine: regularised evolution on islands.

Each island holds a population; a generation makes one child per member: tournament
selection, subtree crossover or a mutation (:mod:`eqlearn.search.mutations`), constraint
checks, evaluation; the child replaces the oldest member (age pressure against stagnation,
as in PySR's regularised evolution) and tournaments weigh complexity (parsimony pressure
against bloat). The best few of every generation get their constants optimised by the
least-squares fitter. A hall of fame keeps the best equation per complexity.

Islands run in worker processes for an *epoch* of generations; between epochs the main
process merges the halls of fame, migrates the best equations to every island and injects
new proposals (e.g. from the neural model, see :mod:`eqlearn.search.hybrid`).
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.simplify import canonicalize
from ..expr.tree import Const, Node
from .constants import fit_constants
from .mutations import Grammar, crossover, mutate
from .selection import Candidate, complexity

__all__ = ["GPConfig", "Individual", "Island", "run_search", "Evaluator"]


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
    workers: int = 2               #: processes running islands
    stop_loss: float = 0.0         #: stop once the best normalised loss is below (0: never)


@dataclass
class Individual:
    expr: object
    loss: float
    complexity: int
    birth: int = 0

    def score(self, parsimony: float) -> float:
        return float(np.log(self.loss + 1e-30) + parsimony * self.complexity)


class Evaluator:
    """Normalised loss of a tree on the data: mse / var(y), or the mean squared relative
    error, or the mean squared log ratio.

    With ``linear_scaling`` (Keijzer 2003) a tree ``f`` is scored as its best affine
    transform ``a*f + b`` (closed-form weighted least squares), so the search need not find
    the outer constants; :meth:`phenotype` writes the transform into the tree.
    """

    def __init__(self, X, y, weight, loss: str = "mse", linear_scaling: bool = True):
        self.X, self.y, self.w, self.kind = X, y, weight, loss
        self.scale = 1.0 / np.abs(y) if loss == "relative" else np.ones_like(y)
        var = float(np.average((y - np.average(y, weights=weight)) ** 2, weights=weight))
        self.norm = 1.0 if loss in ("relative", "log") or var == 0 else var
        if loss == "log":
            self.sign = 1.0 if np.all(y > 0) else -1.0
            self.log_y = np.log(self.sign * y)
        self.linear_scaling = linear_scaling
        self.n_evals = 0

    def _affine(self, pred: np.ndarray) -> tuple[float, float]:
        """Best (a, b) for a*pred + b under the weighted (relative) squared loss; for the
        log loss the best factor a (and b = 0)."""
        if self.kind == "log":
            with np.errstate(all="ignore"):
                d = self.log_y - np.log(self.sign * pred)
            if not np.all(np.isfinite(d)):
                return 1.0, 0.0
            return float(np.exp(np.average(d, weights=self.w))), 0.0
        ww = self.w * self.scale**2
        sw = ww.sum()
        mp, my = (ww * pred).sum() / sw, (ww * self.y).sum() / sw
        var = (ww * (pred - mp) ** 2).sum()
        if not np.isfinite(var) or var <= 1e-300:
            return 0.0, float(my)
        a = float((ww * (pred - mp) * (self.y - my)).sum() / var)
        return a, float(my - a * mp)

    def _loss_of(self, pred: np.ndarray) -> float:
        if self.kind == "log":
            r = np.log(self.sign * pred) - self.log_y
        else:
            r = (pred - self.y) * self.scale
        if not np.all(np.isfinite(r)):
            return np.inf
        return float(np.average(r * r, weights=self.w)) / self.norm

    def __call__(self, expr) -> float:
        self.n_evals += 1
        with np.errstate(all="ignore"):
            pred = evaluate(expr, self.X)
            raw = self._loss_of(pred)
            if not self.linear_scaling or not np.all(np.isfinite(pred)):
                return raw
            a, b = self._affine(pred)
            return min(raw, self._loss_of(a * pred + b))

    def phenotype(self, expr):
        """``expr`` or ``a*expr + b``, whichever fits better (canonical form)."""
        with np.errstate(all="ignore"):
            pred = evaluate(expr, self.X)
            if not self.linear_scaling or not np.all(np.isfinite(pred)):
                return expr
            a, b = self._affine(pred)
            if self._loss_of(a * pred + b) >= self._loss_of(pred):
                return expr
        scaled = Node("mul", (Const(a), expr))
        return canonicalize(scaled if b == 0.0 else Node("add", (scaled, Const(b))))

    def refit(self, expr, time_limit: float = 0.05, seed: int = 0) -> tuple[object, float]:
        """Least-squares polish of the constants, started from their current values."""
        k = expr.n_constants()
        if k == 0:
            return expr, self(expr)
        loss = self.kind if self.kind in ("relative", "log") else "mse"
        fit = fit_constants(expr.skeleton(), self.X, self.y, sample_weight=self.w, loss=loss,
                            n_restarts=0, time_limit=time_limit, max_nfev=10 * (k + 1),
                            init=[c.value for c in expr.constants()], random_state=seed)
        new_loss = self(fit.expr)
        return (fit.expr, new_loss) if new_loss <= self(expr) else (expr, self(expr))


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
           rng: np.random.Generator, deadline: float) -> Island:
    """Run one epoch (``cfg.generations_per_epoch`` generations) on an island."""
    for _ in range(cfg.generations_per_epoch):
        if time.perf_counter() > deadline:
            break
        for i in range(len(island.members)):
            if i % 25 == 0 and time.perf_counter() > deadline:
                break
            expr = _child(island, grammar, cfg, rng)
            if expr is None:
                continue
            island.replace_oldest(Individual(expr, evaluator(expr), complexity(expr)))
        best = sorted(island.members, key=lambda m: m.score(cfg.parsimony))[:cfg.optimise_top]
        for ind in best:
            expr, loss = evaluator.refit(ind.expr, seed=int(rng.integers(2**31)))
            ind.expr, ind.loss, ind.complexity = expr, loss, complexity(expr)
            island.remember(ind)
    return island


# -- process-level driver -------------------------------------------------------------------
_STATE: dict = {}


def _init_worker(X, y, w, loss, grammar: Grammar, cfg: GPConfig) -> None:
    _STATE.update(evaluator=Evaluator(X, y, w, loss), grammar=grammar, cfg=cfg)


def _run_island(args) -> tuple[Island, int]:
    island, seed, deadline = args
    s = _STATE
    s["evaluator"].n_evals = 0
    island = evolve(island, s["grammar"], s["evaluator"], s["cfg"], np.random.default_rng(seed),
                    deadline)
    return island, s["evaluator"].n_evals


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
    evaluator = Evaluator(X, y, weight, loss)
    rng = np.random.default_rng(random_state)
    seeds = list(seeds)
    # seeds start half of the islands; the others explore from scratch (good-but-wrong seeds
    # would otherwise pull every island to the same local optimum)
    islands = [_initial_island(grammar, evaluator, cfg, seeds if i % 2 == 0 else [], rng)
               for i in range(cfg.n_islands)]
    n_evals, epoch = evaluator.n_evals, 0
    ctx = mp.get_context("fork")
    pool = ctx.Pool(cfg.workers, _init_worker, (X, y, weight, loss, grammar, cfg)) \
        if cfg.workers > 1 else None
    try:
        if pool is None:
            _init_worker(X, y, weight, loss, grammar, cfg)
        while time.perf_counter() < deadline and (cfg.max_epochs is None or epoch < cfg.max_epochs):
            jobs = [(isl, int(rng.integers(2**31)), deadline) for isl in islands]
            results = pool.map(_run_island, jobs) if pool else list(map(_run_island, jobs))
            islands = [isl for isl, _ in results]
            n_evals += sum(n for _, n in results)
            epoch += 1
            front = _hall_candidates(islands, evaluator, grammar.max_complexity)
            if front and min(c.loss for c in front) < cfg.stop_loss:
                break
            extra = inject(front) if inject is not None else []
            _migrate(islands, front, extra, evaluator, cfg, rng)
    finally:
        if pool is not None:
            pool.terminate()
    return SearchReport(_hall_candidates(islands, evaluator, grammar.max_complexity),
                        n_evals + evaluator.n_evals, epoch,
                        time.perf_counter() - t0)


def _hall_candidates(islands: list[Island], evaluator: Evaluator,
                     max_complexity: int = 10**6) -> list[Candidate]:
    """The islands' halls of fame merged, each tree written as its phenotype (dropped if
    that exceeds the complexity limit)."""
    best: dict[int, Individual] = {}
    for isl in islands:
        for c, ind in isl.hall.items():
            if c not in best or ind.loss < best[c].loss:
                best[c] = ind
    out = []
    for ind in best.values():
        expr = evaluator.phenotype(ind.expr)
        if complexity(expr) <= max_complexity:
            out.append(Candidate(expr, ind.loss, complexity(expr), "search"))
    return out


def _migrate(islands, front: list[Candidate], extra, evaluator, cfg: GPConfig, rng) -> None:
    elite = sorted(front, key=lambda c: c.loss)[: cfg.migrants]
    newcomers = [Individual(c.expr, c.loss, c.complexity) for c in elite]
    newcomers += [Individual(e, evaluator(e), complexity(e)) for e in extra]
    for isl in islands:
        for ind in newcomers:
            isl.replace_oldest(Individual(ind.expr, ind.loss, ind.complexity))
