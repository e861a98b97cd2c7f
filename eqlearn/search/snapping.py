"""Constants the data cannot tell from a simple number become that number.

A physicist fitting ``0.9977·T·k·μ`` to noisy readings asks whether the 0.9977 is a 1.
Here the description of the data decides (:func:`~eqlearn.search.choice.description_lengths`):
the law with one constant fewer is preferred unless its description is longer (the fit must
lose less than the constant's price, ``ln(n)/2``, and the price of the nodes it spares:
a factor 1 goes with its product, so a 1 three standard errors away, outside the 95 %
interval, may still describe the data shorter). Numbers within ``SnapPlan.reach`` standard
errors are tried. Each constant is tried against the nearest *simple
number*: 0 (a term or factor the data do not need) or a multiple of 1/2 up to 5 in size
(the set the search snaps to; a larger one, integers up to 20, turned the ``13.95`` of a
hyperbola's ``212.6 − 13.95/(x + 0.066)`` into a 14 that made it as short as the law beside
it). Greedy: of the constants that could go, the one whose fixing describes the data
shortest goes first, the others refitted each time. Exact (noise-free) fits never come
here (the choice takes them as they are): the search's own snapping
(:mod:`~eqlearn.search.rewrite`) serves them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Iterator

import numpy as np

from ..expr.simplify import canonicalize
from ..expr.tree import Const, Expr, Num
from .selection import Candidate, complexity
from .ties import tied, ties
from .uncertainty import ConstantErrors, constant_errors, refit_constants

__all__ = ["SnapPlan", "simple_number", "snap_front"]


@dataclass(frozen=True)
class SnapPlan:
    """Which numbers count as simple, and how the attempts are bounded."""

    max_half: float = 5.0      #: multiples of 1/2 up to this size
    rounds: int = 6            #: constants fixed per equation, at most
    #: standard errors a simple number may lie from a constant to be tried: fixing it costs
    #: about z²/2 nats of fit and spares ln(n)/2 and up to two nodes (a factor 1), so the
    #: description length, which decides, can take one ~4 σ away (200 readings, 14 symbols)
    reach: float = 4.0


def simple_number(value: float, half_width: float, plan: SnapPlan = SnapPlan()) -> Fraction | None:
    """The simple number nearest ``value`` inside ``value ± half_width`` (0 or a multiple
    of 1/2 up to ``max_half``), or None."""
    if not (np.isfinite(value) and np.isfinite(half_width)) or half_width <= 0:
        return None
    options = [Fraction(0), Fraction(round(2 * value), 2)]  # the nearest half: no integer
    inside = [v for v in options                             # is nearer
              if abs(v) <= plan.max_half and abs(value - float(v)) <= half_width]
    return min(inside, key=lambda v: abs(value - float(v))) if inside else None


def snap_front(front: list[Candidate], errors: list[ConstantErrors], X, y, w, *,
               loss: str, sigma, deadline: float,
               length: Callable[[Candidate, ConstantErrors], float],
               plan: SnapPlan = SnapPlan()) -> tuple[list[Candidate], list[ConstantErrors]]:
    """Each member of ``front`` (shortest description first, the likeliest choice: until
    ``deadline``) with its constants that the data cannot tell from a simple number fixed to
    it, while that shortens its description ``length(candidate, errors)``; with the new
    members' errors."""
    front, errors = list(front), list(errors)
    lengths = [length(c, e) for c, e in zip(front, errors)]
    for i in sorted(range(len(front)), key=lambda i: (lengths[i], front[i].complexity)):
        if time.perf_counter() >= deadline:
            break
        front[i], errors[i] = _snapped(front[i], errors[i], X, y, w, loss, sigma, deadline,
                                       length, plan)
    return front, errors


def _snapped(cand: Candidate, err: ConstantErrors, X, y, w, loss, sigma, deadline, length,
             plan: SnapPlan) -> tuple[Candidate, ConstantErrors]:
    best = length(cand, err)
    for _ in range(plan.rounds):
        tried = []
        for move in _moves(cand.expr, err, plan):
            if time.perf_counter() >= deadline:
                break
            expr = refit_constants(move, X, y, w, loss)
            e = constant_errors(expr, X, y, w, sigma=sigma, loss=loss)
            if not np.isfinite(e.rss):
                continue
            ratio = e.rss / err.rss if err.rss > 0 else 1.0
            new = replace(cand, expr=expr, complexity=complexity(expr), loss=cand.loss * ratio)
            tried.append((length(new, e), new, e))
        if not tried:
            break
        score, new, e = min(tried, key=lambda t: t[0])
        if not score < best:
            break
        best, cand, err = score, new, e
    return cand, err


def _moves(expr: Expr, err: ConstantErrors, plan: SnapPlan) -> Iterator[Expr]:
    """``expr`` with one constant fewer: each constant with a simple number within
    ``plan.reach`` standard errors fixed to it; each two coefficients of one sum whose
    difference is within as many of its errors made one (:mod:`~eqlearn.search.ties`)."""
    half = plan.reach * err.stderr
    for j in range(len(err.values)):
        number = simple_number(err.values[j], half[j], plan)
        if number is not None:
            yield _fixed(expr, int(j), number)
    for tie in ties(expr):
        a, b = err.values[tie.i], err.values[tie.j]
        if a != 0 and abs(a - tie.sign * b) <= np.hypot(half[tie.i], half[tie.j]):
            yield _tidy(tied(expr, tie))


def _fixed(expr: Expr, index: int, number: Fraction) -> Expr:
    """``expr`` with its ``index``-th constant (prefix order) replaced by ``number``: its
    canonical form, or the tree as it is where that is shorter (the canonical form writes
    ``(5/2)·x`` as ``5·x/2`` and ``(a/b)²`` as ``a²/b²``, whose extra nodes would cost the
    snapped law more than the constant it gives up)."""
    count = iter(range(expr.n_constants()))
    return _tidy(expr.map_leaves(
        lambda n: Num(number) if isinstance(n, Const) and next(count) == index else n))


def _tidy(raw: Expr) -> Expr:
    """The canonical form of ``raw``, or ``raw`` where that is shorter or has fewer
    constants (the canonical form may multiply a tied coefficient back out)."""
    tidy = canonicalize(raw)
    if (complexity(raw), raw.n_constants()) < (complexity(tidy), tidy.n_constants()):
        return raw
    return tidy
