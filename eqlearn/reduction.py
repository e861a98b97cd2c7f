"""The data a fit searches when units are given: differences of like variables, then the
dimensionless groups (Buckingham's π theorem), with a warning when the units cannot be used.
The estimator keeps the steps (``differences_``, ``pi_groups_``) to map equations back."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

from .inputs import DataWarning, FitData
from .search.differences import Differences
from .search.dimensionless import PiGroups, as_dimension, units_by_column

__all__ = ["Reduction", "reduce_by_units"]


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
