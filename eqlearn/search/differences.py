"""Differences of like quantities before the search (translational symmetry).

A law that depends on two variables of the same units only through their difference
(``(x2 − x1)² + (y2 − y1)²``, ``sin((ω − ω0)·t/2)``, ``cos(θ1 − θ2)``) is a law in one
variable fewer. AI Feynman (Udrescu & Tegmark 2020) tests this symmetry by shifting both
variables in a neural network fitted to the data. Here the test is a comparison: a kernel
ridge regression predicts y, leave-one-out, from the variables as given and from the
variables with one pair replaced by its difference; when the difference predicts y clearly
better (``RATIO``: one variable fewer for the same data, and nothing lost), y depends on that
pair only through it. Pairs are taken greedily, one at a time, the best first.

With units, only pairs of the same units are tried. Without them every pair is, but among
all pairs some that are not differences predict better too when the kernel model is poor in
many variables (a product of two variables of similar ranges); so a pair must also pass a
second, independent test: y changes as much and oppositely with both, ``∂y/∂a = −∂y/∂b``
at the rows, by the gradients of the kernel model on the columns as they are (``ANTI``).
A product ``a·b`` of positive columns has gradients of the same sign and fails it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from ..expr.simplify import canonicalize
from ..expr.tree import Expr, Node, Var
from .kernel import LENGTHS, kernel_ridge

__all__ = ["Differences", "evenly_spaced_rows", "gradients", "loo_share", "majority_sign_rows",
           "opposite"]

MAX_ROWS = 256       #: rows the kernel models see (evenly spaced)
RATIO = 0.8          #: a difference must leave this share of the leave-one-out error, or less
WELL_FIT = 0.2       #: ... of a kernel model on all variables that leaves at most this
                     #: share of y's variance: a poorer one cannot tell
MAX_TESTS = 60       #: kernel models per fit at most (each ~30 ms)
ANTI = 0.05          #: without units: ‖∂y/∂a + ∂y/∂b‖² at most this share of
                     #: ‖∂y/∂a‖² + ‖∂y/∂b‖² (0 for a difference, 1 for unrelated slopes)
RIDGES = (1e-8, 1e-6, 1e-4, 1e-2)
NOISY_RIDGES = RIDGES + (1e-1,)  #: where rows are weighted (noisy data): larger ones smooth
FLIPPED = 0.05       #: y's values of its minority sign, all within this share of its RMS ...
FLIPPED_SHARE = 0.25 #: ... and at most this share of the rows: noise around zero on a
                     #: one-signed law


def evenly_spaced_rows(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most ``MAX_ROWS`` rows of X and y, evenly spaced (the kernel models' cost is
    cubic in the rows)."""
    if len(y) <= MAX_ROWS:
        return X, y
    rows = np.linspace(0, len(y) - 1, MAX_ROWS).astype(int)
    return X[rows], y[rows]


def majority_sign_rows(y: np.ndarray) -> np.ndarray:
    """Rows to read: those of y's sign, where y has one (zeros left out), or where its other
    sign is noise around zero (``FLIPPED``: a law over decades under noise of one size, as
    1 % of y's RMS gives); else every row. Left out, they would weigh little anyway: an
    error σ in y is σ/|y| in log|y|."""
    if np.all(y >= 0) or np.all(y <= 0):
        return y != 0
    major = np.sign(np.sum(np.sign(y)))
    minor = np.sign(y) != major
    rms = np.sqrt(np.mean(y * y))
    if major != 0 and np.mean(minor) <= FLIPPED_SHARE and \
            np.max(np.abs(y[minor])) <= FLIPPED * rms:
        return np.sign(y) == major
    return np.ones(len(y), bool)


def one_signed_columns(A: np.ndarray) -> np.ndarray:
    """Per column of A: True where all its values are > 0 or all are < 0 (no zero, NaN)."""
    return (A > 0).all(0) | (A < 0).all(0)


def _tops(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Each column's and y's largest magnitude: dividing by them, no overflow in the kernel
    models' variances (data of 1e200 …)."""
    return (np.maximum(np.max(np.abs(X), axis=0), np.finfo(float).tiny),
            max(float(np.max(np.abs(y))), np.finfo(float).tiny))


def loo_share(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Leave-one-out mean squared error of a Gaussian-kernel ridge regression of y on the
    standardised columns of X, as a share of y's variance; the best over ``LENGTHS`` and
    ``RIDGES`` (:func:`~eqlearn.search.kernel.kernel_ridge`). With ``weights`` (per row,
    inverse noise variances) the error and the variance are weighted, and the ridges are
    ``NOISY_RIDGES``."""
    top, y_top = _tops(X, y)
    X, y = X / top, y / y_top
    if weights is not None:
        weights = weights / np.mean(weights)
    var = float(np.var(y)) if weights is None else \
        float(np.average((y - np.average(y, weights=weights)) ** 2, weights=weights))
    if not var > 0:
        return np.inf
    ridges = RIDGES if weights is None else NOISY_RIDGES
    with threadpool_limits(1, user_api="blas"):  # small matrices: threads only contend
        fit = kernel_ridge(X, y, LENGTHS, ridges, weights=weights)
    return np.inf if fit is None else fit[0] / var


def gradients(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dy/dX at the rows of X by the kernel ridge regression of :func:`loo_share` (in X's
    own units: a difference's two columns must be compared unscaled)."""
    top, y_top = _tops(X, y)
    with threadpool_limits(1, user_api="blas"):
        fit = kernel_ridge(X / top, y / y_top, LENGTHS, RIDGES, gradients=True)
    return np.zeros_like(X) if fit is None else fit[1] / top


def opposite(ga: np.ndarray, gb: np.ndarray) -> bool:
    """Whether two columns' slopes cancel at the rows (``ANTI``): y then changes only with
    their difference."""
    scale = float(ga @ ga + gb @ gb)
    return scale > 0 and float((ga + gb) @ (ga + gb)) <= ANTI * scale


@dataclass(frozen=True)
class Differences:
    """The search's columns as signed sums of the original ones: ``(1, -1, 0)`` is
    ``x1 − x2``, ``(0, 0, 1)`` is ``x3``.

    Examples
    --------
    >>> d = Differences(((1, -1, 0), (0, 0, 1)))
    >>> d.describe(["x1", "x2", "t"])
    ['(x1 - x2)', 't']
    """

    columns: tuple[tuple[int, ...], ...]

    @classmethod
    def find(cls, X: np.ndarray, y: np.ndarray,
             dims: Sequence[tuple] | None) -> "Differences | None":
        """The differences y depends on (see the module docstring), or None when there are
        none. ``dims``: each column's dimension vector; only columns of equal dimensions
        pair up. None (units unknown): any two columns may, when their gradients cancel."""
        X, y = evenly_spaced_rows(X, y)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            return None
        found = cls(tuple(tuple(int(i == j) for i in range(X.shape[1]))
                          for j in range(X.shape[1])))
        base, tests = loo_share(X, y), 1
        if not base <= WELL_FIT:
            return None
        while tests < MAX_TESTS:
            trials = []
            for a, b in found._like_pairs(dims):
                if tests >= MAX_TESTS:
                    break
                trial = found._merged(a, b)
                trials.append((loo_share(trial.transform(X), y), a, b, trial))
                tests += 1
            trials = sorted((t for t in trials if t[0] <= RATIO * base), key=lambda t: t[:3])
            if trials and dims is None:
                slopes = gradients(found.transform(X), y)
                trials = [t for t in trials if opposite(slopes[:, t[1]], slopes[:, t[2]])]
                tests += 1
            if not trials:
                break
            base, *_, found = trials[0]
        return found if len(found.columns) < X.shape[1] else None

    def _like_pairs(self, dims: Sequence[tuple] | None) -> list[tuple[int, int]]:
        """Pairs of columns with equal units (any, with None) and no variable in common."""
        unit = [()] * len(self.columns) if dims is None else [tuple(u) for u in self.dims(dims)]
        return [(a, b) for a, b in itertools.combinations(range(len(self.columns)), 2)
                if unit[a] == unit[b] and not np.any(np.multiply(self.columns[a],
                                                                 self.columns[b]))]

    def _merged(self, a: int, b: int) -> "Differences":
        """Column ``a`` becomes ``a − b``; column ``b`` goes."""
        diff = tuple(p - q for p, q in zip(self.columns[a], self.columns[b]))
        return Differences(tuple(diff if k == a else c for k, c in enumerate(self.columns)
                                 if k != b))

    def transform(self, X: np.ndarray) -> np.ndarray:
        return X @ np.array(self.columns, dtype=float).T

    def dims(self, dims: Sequence) -> list:
        """The units of each column (those of its first variable), from the originals'."""
        return [dims[int(np.flatnonzero(c)[0])] for c in self.columns]

    def _tree(self, column: tuple[int, ...]) -> Expr:
        plus = [Var(j) for j, k in enumerate(column) if k > 0]
        minus = [Var(j) for j, k in enumerate(column) if k < 0]
        out = plus[0] if plus else Node("neg", (minus.pop(0),))
        for v in plus[1:]:
            out = Node("add", (out, v))
        for v in minus:
            out = Node("sub", (out, v))
        return out

    def to_original(self, expr: Expr) -> Expr:
        """``expr``, written in the columns (``x1`` = the first …), in the original ones."""
        return canonicalize(expr.substitute({i: self._tree(c)
                                             for i, c in enumerate(self.columns)}))

    def describe(self, names: Sequence[str]) -> list[str]:
        from ..expr.tokens import to_infix

        return [to_infix(self._tree(c), names) if sum(map(abs, c)) == 1
                else f"({to_infix(self._tree(c), names)})" for c in self.columns]
