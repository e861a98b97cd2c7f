"""The data a fit searches: differences of like variables (with units, of equal units;
without, of any two columns whose slopes cancel), then, with units, the dimensionless groups
(Buckingham's π theorem), with a warning when the units cannot be used;
and the one way back (:func:`map_back`) from the scaled, reduced data the search saw to the
user's variables and units."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from ..exceptions import DataWarning
from ..expr.factor import absorb_constant_factors, merged_roots
from .differences import Differences
from .dimensionless import PiGroups, as_dimension, units_by_column
from .scaling import Scaling
from .selection import (Candidate, complexity, front_and_exact, near_ties, pareto_front,
                        symbol_count)
from .snapping import SnapPlan

__all__ = ["Reduction", "map_back", "reduce_by_units"]


@dataclass(frozen=True)
class Reduction:
    """The data the search sees and the steps that made it from the user's."""

    X: np.ndarray                      #: (n, k) the search's columns
    y: np.ndarray                      #: (n,) its target (y, or y/M with units)
    names: list                        #: its columns' names
    differences: Differences | None = None
    pi_groups: PiGroups | None = None

    @property
    def reduced(self) -> bool:
        return self.differences is not None or self.pi_groups is not None


def reduce_by_units(X: np.ndarray, y: np.ndarray, names, X_units, y_units,
                    differences: bool) -> Reduction:
    """Differences of like variables (when ``differences``; ≤ ~2 s, no deadline, for
    determinism) and then, with units, the groups and y/M, when the units can be used."""
    names = list(names)
    given = X_units is not None or y_units is not None
    if given:
        X_units = units_by_column(X_units, y_units, names)
    diffs = None
    if differences and X.shape[1] > 1:
        diffs = Differences.find(X, y, [as_dimension(u) for u in X_units] if given else None)
        if diffs is not None:
            names, X = diffs.describe(names), diffs.transform(X)
            X_units = diffs.dims(X_units) if given else None
    if not given:
        return Reduction(X, y, names, diffs)
    pi, why = PiGroups.for_data(X_units, y_units, X, y, names)
    if why:
        warnings.warn(f"units not used: {why}; searching in the variables as given",
                      DataWarning, stacklevel=3)
    if pi is None or (diffs is not None and pi.sign_changes(X)):
        return Reduction(X, y, names, diffs)  # y/M would change sign with a difference
    P, z = pi.transform(X, y)
    return Reduction(P, z, pi.describe(names)[0], diffs, pi)


def map_back(candidates: list[Candidate], X, scaling: Scaling, pi_groups: PiGroups | None,
             differences: Differences | None, n_operators: int) -> list[Candidate]:
    """The Pareto front of ``candidates`` (by complexity, constants and loss; without
    dimensional analysis or differences, with its :func:`~eqlearn.search.selection.near_ties`,
    forms written with ``n_operators`` operators) in the user's units and variables, complexities counted as
    written: unscaled, a constant factor of a sum multiplied into its terms
    (``100*(2.2 - x)`` → ``220 - 100*x``), and with dimensional analysis the equations
    mapped back; with differences, the square roots of ``M·f`` merged where their arguments
    are positive on ``X`` (``sqrt(E - U)*sqrt(2 - u)``: one root, as written without the
    difference)."""
    rewritten = pi_groups is not None or differences is not None
    if rewritten:
        front = front_and_exact(candidates, by_constants=True)
    else:
        front = pareto_front(candidates, by_constants=True)
        simple = lambda c: _simple_constants(scaling.to_original(c.expr))  # noqa: E731
        front = sorted(front + near_ties(candidates, front, len(X),
                                           symbol_count(n_operators, X.shape[1]), simple),
                       key=lambda c: c.complexity)
    front = [replace(c, expr=scaling.to_original(c.expr)) for c in front]
    if rewritten:
        for step in (pi_groups, differences):
            if step is not None:
                front = [replace(c, expr=step.to_original(c.expr)) for c in front]
        if differences is not None:
            merged = [merged_roots(c.expr, X) for c in front]
            front = [c if m is None else replace(c, expr=m) for c, m in zip(front, merged)]
        front = pareto_front([replace(c, complexity=complexity(c.expr)) for c in front],
                             by_constants=True)
    front = [replace(c, expr=absorb_constant_factors(c.expr)) for c in front]
    return [replace(c, complexity=complexity(c.expr)) for c in front]  # as written


def _simple_constants(expr, rtol: float = 0.1, plan: SnapPlan = SnapPlan()) -> int:
    """How many of ``expr``'s constants lie within ``rtol`` of a nonzero multiple of 1/2 up
    to ``plan.max_half`` (the numbers :mod:`~eqlearn.search.snapping` may fix them to)."""
    values = np.array([c.value for c in expr.constants()])
    halves = np.round(2 * values) / 2
    return int(np.sum((halves != 0) & (np.abs(halves) <= plan.max_half)
                      & (np.abs(values - halves) <= rtol * np.abs(halves))))
