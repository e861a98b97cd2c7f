"""Model selection on the Pareto front of (complexity, loss).

Rules (as in PySR's ``model_selection``):

* ``"accuracy"`` — the lowest loss;
* ``"simplest"`` — the lowest complexity among the accurate ones;
* ``"best"`` — among the accurate ones (loss within ``tolerance`` × the lowest loss, or
  within an absolute floor for exact fits), the largest drop in log-loss per unit of
  complexity along the front.

Losses below ``ROUNDOFF`` count as exact: between two exact fits of the same complexity the
front keeps the one with fewer free constants, then the shallower tree (``x**2 + x`` rather
than ``x*(x + 1)``), not the one whose round-off happens to be smaller.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from ..expr.simplify import canonical_skeleton
from ..expr.operators import OPERATORS
from ..expr.tree import Expr, Node

__all__ = ["Candidate", "ROUNDOFF", "accuracy_limit", "accurate_members", "complexity",
           "dominated_near_ties", "front_and_exact", "model_price", "near_ties", "pareto_front",
           "select", "skeleton_of", "symbol_count"]

ROUNDOFF = 1e-20  #: normalised losses below this are round-off: the fit is exact


def complexity(expr: Expr) -> int:
    """PySR-style complexity: operator nodes cost their table complexity, leaves cost 1; a
    sign that a number of the term could carry is free (``−0.04·t`` costs 3, as
    ``(−0.04)·t``, however the equation is written)."""
    return sum(0 if isinstance(n, Node) and n.op == "neg" and _signed(n.args[0])
               else OPERATORS[n.op].complexity if isinstance(n, Node) else 1
               for n in expr.preorder())


def _signed(e: Expr) -> bool:
    """Whether ``e`` is a number, or a product or quotient with a number among its factors,
    that could carry a sign."""
    if isinstance(e, Node):
        return e.op in ("mul", "div") and any(_signed(a) for a in e.args)
    return not e.variables()


@dataclass
class Candidate:
    """A fitted equation and where it came from."""

    expr: Expr
    loss: float                 #: the fit's loss (normalised, see the estimator)
    complexity: int
    source: str = ""            #: "neural", "search", "baseline", …
    info: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.complexity, self.loss)


def _rank(cand: Candidate, floor: float) -> tuple:
    """Sort key: complexity, loss (exact fits tie), free constants, depth, raw loss."""
    return (cand.complexity, max(cand.loss, floor), cand.expr.n_constants(), cand.expr.depth(),
            cand.loss)


def pareto_front(candidates: Sequence[Candidate], floor: float = ROUNDOFF,
                 by_constants: bool = False) -> list[Candidate]:
    """Candidates no other candidate beats in both complexity and loss, simplest first.
    With ``by_constants`` also in the number of free constants: a form with fewer
    constants stays beside a more accurate one of the same complexity (``a·x/(b + x)``
    beside ``a − b/(x + c)``)."""
    finite = [c for c in candidates if np.isfinite(c.loss)]
    if by_constants:
        return _front_by_constants(finite, floor)
    front: list[Candidate] = []
    for cand in sorted(finite, key=lambda c: _rank(c, floor)):
        if not front or max(cand.loss, floor) < max(front[-1].loss, floor) * (1 - 1e-12):
            if front and cand.complexity == front[-1].complexity:
                continue
            front.append(cand)
    return front


def front_and_exact(candidates: Sequence[Candidate], n_exact: int = 3,
                    by_constants: bool = False) -> list[Candidate]:
    """:func:`pareto_front` and the ``n_exact`` simplest other exact fits: exact forms tie
    here, but not once rewritten in other variables (a law in dimensionless groups mapped
    back to the user's variables), so the front alone could keep the wrong one."""
    front = pareto_front(candidates, by_constants=by_constants)
    on_front = {id(c) for c in front}
    return front + sorted((c for c in candidates if c.loss < ROUNDOFF and id(c) not in on_front),
                          key=lambda c: c.complexity)[:n_exact]


def _front_by_constants(candidates: Sequence[Candidate], floor: float,
                        tolerance: float = 1.5) -> list[Candidate]:
    """The (complexity, loss) front and, beside it, the candidates that none with no more
    complexity and no more constants beats in loss and whose loss is within ``tolerance``
    of the front's at their complexity (losses below ``floor`` tie); simplest first."""
    plain = pareto_front(candidates, floor)
    front: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: _rank(c, floor)):  # complexity first
        k = cand.expr.n_constants()
        if not any(o.expr.n_constants() <= k and (
                max(cand.loss, floor) >= max(o.loss, floor) * (1 - 1e-12)
                or o.complexity == cand.complexity)
                for o in front):
            front.append(cand)
    kept = {id(c) for c in plain}

    def close(c: Candidate) -> bool:
        best = min(o.loss for o in plain if o.complexity <= c.complexity)
        return max(c.loss, floor) <= tolerance * max(best, floor)

    return [c for c in front if id(c) in kept or close(c)]


def symbol_count(n_operators: int, n_variables: int) -> int:
    """The symbols a form is written with, as the description length codes them: the
    operators, the variables and the constant."""
    return n_operators + n_variables + 1


def model_price(n_constants: int, size: int, rows: int, n_symbols: int) -> float:
    """The nats a form and its constants cost in the description length of ``rows``
    readings: ``ln(rows)/2`` per free constant, ``ln(n_symbols)`` per unit of complexity
    (:func:`~eqlearn.search.choice.description_lengths` adds the residuals' code)."""
    return n_constants / 2 * np.log(rows) + size * np.log(n_symbols)


def near_ties(candidates: Sequence[Candidate], front: Sequence[Candidate], rows: int,
              n_symbols: int, simple: Callable[[Candidate], int], floor: float = ROUNDOFF,
              limit: int = 4) -> list[Candidate]:
    """Candidates off the (noisy) ``front`` that would describe the data shorter than any
    member (as the choice counts it: ``rows/2·ln(loss) + k/2·ln(rows) + complexity·
    ln(n_symbols)``) were their constants that look like simple numbers (``simple``) fixed,
    each sparing its price and, at best, two nodes (a factor 1). On noisy data the front
    keeps by chance a form over an equally good one that the choice's snapping
    (:mod:`~eqlearn.search.snapping`) would shorten (``1.01·ω₀/(1 − 0.99·v/c)`` behind
    ``2.39·ω₀·v/c + 0.78·ω₀``). One per (complexity, constants), the shortest so counted
    first, at most ``limit``; marked ``info["near_tie"]``."""
    def length(loss: float, k: int, size: int) -> float:
        return rows / 2 * np.log(loss) + model_price(k, size, rows, n_symbols)

    if not front or min(c.loss for c in front) <= floor:
        return []
    best = min(length(c.loss, c.expr.n_constants(), c.complexity) for c in front)
    on_front = {c.expr for c in front}
    hopeful = sorted(((length(c.loss, c.expr.n_constants(), c.complexity), i, c)
                      for i, c in enumerate(candidates)
                      if c.expr.n_constants() and floor < c.loss < np.inf
                      and c.expr not in on_front
                      and length(c.loss, 0, c.complexity - 2 * c.expr.n_constants()) < best),
                     key=lambda t: t[:2])
    cells: dict[tuple, tuple] = {}
    for _, _, c in hopeful[:16 * limit]:  # the shortest as they stand (``simple`` maps back)
        k = c.expr.n_constants()
        s = simple(c)
        shortest = length(c.loss, k - s, c.complexity - 2 * s)
        if s and shortest < best and shortest < cells.get((c.complexity, k), (np.inf,))[0]:
            cells[(c.complexity, k)] = (shortest, c)
    kept = sorted(cells.values(), key=lambda t: t[0])[:limit]
    return [replace(c, info={**c.info, "near_tie": True}) for _, c in kept]


def dominated_near_ties(front: Sequence[Candidate]) -> list[int]:
    """Indices of the :func:`near_ties` in ``front`` that another member matches or beats
    in complexity, constants and loss (those that fixing constants did not make shorter)."""
    def beats(o: Candidate, c: Candidate) -> bool:
        return (o is not c and o.complexity <= c.complexity and o.loss <= c.loss * (1 + 1e-9)
                and o.expr.n_constants() <= c.expr.n_constants())
    return [i for i, c in enumerate(front)
            if c.info.get("near_tie") and any(beats(o, c) for o in front)]


def accuracy_limit(front: Sequence[Candidate], tolerance: float = 1.5,
                   floor: float = ROUNDOFF) -> float:
    """The loss up to which rules ``"best"`` and ``"simplest"`` count a member of
    ``front`` as accurate: ``tolerance`` × the lowest, or ``floor``."""
    return max(tolerance * min((c.loss for c in front), default=np.inf), floor)


def accurate_members(front: Sequence[Candidate], tolerance: float = 1.5,
                     floor: float = ROUNDOFF) -> list[Candidate]:
    """The members of ``front`` rules ``"best"`` and ``"simplest"`` choose among, in the
    front's order."""
    limit = accuracy_limit(front, tolerance, floor)
    return [c for c in front if c.loss <= limit]


def select(front: Sequence[Candidate], rule: str = "best", tolerance: float = 1.5,
           floor: float = ROUNDOFF) -> int:
    """Index in ``front`` of the chosen equation."""
    if not front:
        raise ValueError("no candidate equation to select from")
    losses = np.array([c.loss for c in front])
    if rule == "accuracy":
        return int(np.argmin(losses))
    accurate = losses <= accuracy_limit(front, tolerance, floor)
    if rule == "simplest":
        return int(np.flatnonzero(accurate)[0])
    if rule != "best":
        raise ValueError(f"unknown selection rule {rule!r}: best, accuracy or simplest")
    scores = np.zeros(len(front))
    logs = np.log(np.maximum(losses, floor))  # below the floor, differences are round-off
    for i in range(1, len(front)):
        dc = front[i].complexity - front[i - 1].complexity
        scores[i] = -(logs[i] - logs[i - 1]) / max(dc, 1)
    candidates = np.flatnonzero(accurate)
    return int(candidates[np.argmax(scores[candidates])])


def skeleton_of(cand: Candidate) -> Expr:
    """The canonical skeleton of a fitted candidate (as recorded by the fit, else computed)."""
    return cand.info.get("skeleton") or canonical_skeleton(cand.expr)
