"""Large data: the rows the search sees.

The search, the model's proposals, the kernel models and the symmetry reading all cost at
least linear time per candidate in the rows (the kernel models cubic in the rows they
see), so on large data they see a sample of at most ``FitPlan.max_search_rows`` rows; the
constants of the final front are then refitted on all rows
(:func:`eqlearn.search.choice.choose_robustly`).

The sample is uniform at random (a fixed generator seeded by ``random_state``: the same
data and seed give the same rows), plus the rows holding each column's and the target's
smallest and largest value. Uniform, not stratified by bins of the inputs or the target:
a uniform sample's loss estimates the loss on all rows without weights, so what fits the
sample best fits all rows best up to sampling noise, and it keeps the distribution of the
readings the user gave (a dense cluster stays dense); stratifying by bins would over-weight
sparse regions unless each row were reweighted. The extremes keep the data's range, so
that the scaling, the signs and the domains (``log``, ``sqrt``, division) checked on the
sample hold at each column's ends on all rows.
"""
from __future__ import annotations

import numpy as np

__all__ = ["search_sample"]


def search_sample(usable: np.ndarray, X: np.ndarray, y: np.ndarray, max_rows: int,
                  random_state: int = 0) -> np.ndarray:
    """Per row: whether the search sees it (bool). All ``usable`` rows when there are at
    most ``max_rows`` of them; otherwise ``max_rows`` of them: the rows of each column's
    and of y's extremes, and the others drawn uniformly at random without replacement.

    Examples
    --------
    >>> X = np.arange(10.0)[:, None]
    >>> int(search_sample(np.ones(10, bool), X, X[:, 0] ** 2, 4, random_state=0).sum())
    4
    """
    usable = np.asarray(usable, bool)
    rows = np.flatnonzero(usable)
    if len(rows) <= max_rows:
        return usable.copy()
    Xu, yu = (X, y) if len(rows) == len(y) else (X[rows], y[rows])  # no copy: all usable
    ends = np.unique(np.concatenate([Xu.argmin(0), Xu.argmax(0), [yu.argmin(), yu.argmax()]]))
    ends = ends[:max_rows]
    rest = np.setdiff1d(np.arange(len(rows)), ends, assume_unique=True)
    rng = np.random.default_rng(random_state)
    drawn = rng.choice(rest, max_rows - len(ends), replace=False)
    chosen = np.zeros(len(y), bool)
    chosen[rows[ends]] = True
    chosen[rows[drawn]] = True
    return chosen
