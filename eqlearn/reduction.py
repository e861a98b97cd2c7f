"""The data a fit searches when units are given: differences of like variables, then the
dimensionless groups (Buckingham's π theorem), with a warning when the units cannot be used.
The estimator keeps the steps (``differences_``, ``pi_groups_``) to map equations back
(:func:`map_back`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

from .expr.factor import merged_roots
from .inputs import DataWarning, FitData
from .search.differences import Differences
from .search.dimensionless import PiGroups, as_dimension, units_by_column
from .search.scaling import Scaling
from .search.selection import Candidate, complexity, pareto_front

__all__ = ["Reduction", "map_back", "reduce_by_units"]


@dataclass(frozen=True)
class Reduction:
    data: FitData                      #: what the search sees
    names: list                        #: its columns' names
    differences: Differences | None = None
    pi_groups: PiGroups | None = None


def reduce_by_units(data: FitData, X_units, y_units, differences: bool) -> Reduction:
    """With units: differences of like variables (when ``differences``; ≤ ~0.5 s, no
    deadline, for determinism) and then the groups and y/M, when the units can be used."""
    names = list(data.names)
    if X_units is None and y_units is None:
        return Reduction(data, names)
    X_units = units_by_column(X_units, y_units, data.names)
    diffs = None
    if differences:
        diffs = Differences.find(data.X, data.y, [as_dimension(u) for u in X_units])
        if diffs is not None:
            names, X_units = diffs.describe(data.names), diffs.dims(X_units)
            data = replace(data, X=diffs.transform(data.X))
    pi, why = PiGroups.for_data(X_units, y_units, data.X, data.y, names)
    if why:
        warnings.warn(f"units not used: {why}; searching in the variables as given",
                      DataWarning, stacklevel=4)
    if pi is None or (diffs is not None and pi.sign_changes(data.X)):
        return Reduction(data, names, diffs)  # y/M would change sign with a difference
    P, z = pi.transform(data.X, data.y)
    return Reduction(replace(data, X=P, y=z), pi.describe(names)[0], diffs, pi)


def map_back(candidates: list[Candidate], X, scaling: Scaling, pi_groups: PiGroups | None,
             differences: Differences | None) -> list[Candidate]:
    """The Pareto front of ``candidates`` in the user's units and variables: unscaled, and
    with dimensional analysis the equations mapped back, complexities counted as written;
    with differences, the square roots of ``M·f`` merged where their arguments are positive
    on ``X`` (``sqrt(E - U)*sqrt(2 - u)``: one root, as written without the difference)."""
    front = [replace(c, expr=scaling.to_original(c.expr)) for c in pareto_front(candidates)]
    if pi_groups is None and differences is None:
        return front
    for step in (pi_groups, differences):
        if step is not None:
            front = [replace(c, expr=step.to_original(c.expr)) for c in front]
    if differences is not None:
        merged = [merged_roots(c.expr, X) for c in front]
        front = [c if m is None else replace(c, expr=m) for c, m in zip(front, merged)]
    return pareto_front([replace(c, complexity=complexity(c.expr)) for c in front])
