"""Laws of two terms that a rational fit wrote as one fraction, written as partial fractions.

A rational fit ``P/(1 + Q)`` (:mod:`~eqlearn.search.transformed`) finds van der Waals'
``c·n·T/(V − n·b) − a·n²/V²`` exactly, but as one fraction over ``V²·(V − n·b)``: right,
and unreadable. :func:`partial_fraction_forms` writes the most accurate equations as partial
fractions in each variable of their denominators (sympy's ``apart``), refits them from their
values and prunes what the rewriting left vanishing (the round-off of the rationalised
constants), so that the law as a physicist writes it competes on the front.
"""
from __future__ import annotations

import time

import numpy as np

from ..expr.export import partial_fractions
from ..expr.tree import Node
from .fitting import SearchSettings, fit_skeletons
from .refine import prune
from .selection import ROUNDOFF, Candidate, accurate_members, pareto_front

__all__ = ["partial_fraction_forms"]


def denominator_variables(expr) -> list[int]:
    """Variables (0-based) that appear in a denominator of ``expr``."""
    found: set[int] = set()
    for node in expr.preorder():
        if isinstance(node, Node) and node.op == "div":
            found |= set(node.args[1].variables())
    return sorted(found)


def partial_fraction_forms(candidates: list[Candidate], X: np.ndarray, y: np.ndarray,
                           w: np.ndarray, settings: SearchSettings, deadline: float, *,
                           width: int = 3, seconds: float = 1.0) -> list[Candidate]:
    """Partial-fraction forms of the ``width`` simplest accurate front members and the
    ``width`` simplest exact fits, refitted and pruned, until ``deadline``; returns the new
    fits."""
    exact = sorted((c for c in candidates if c.loss < ROUNDOFF), key=lambda c: c.complexity)
    starts = {id(c): c for c in accurate_members(pareto_front(candidates))[:width]
              + exact[:width]}.values()
    forms = []
    for cand in starts:
        for j in denominator_variables(cand.expr):
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            form = partial_fractions(cand.expr, j, seconds=min(seconds, left))
            if form is not None:
                forms.append((form, 0.0))
    fits = fit_skeletons(forms, X, y, w, settings, deadline, source="fractions", warm=True)
    return fits + prune(fits, X, y, w, settings, deadline)
