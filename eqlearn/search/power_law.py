"""Power laws ``y = C·Π x_j^k_j`` fitted in y itself, their exponents snapped to small
rationals.

A power law is linear in logs: ``log|y|`` regressed on the ``log|x_j|`` gives its exponents
exactly on clean data. Noise of one size in y (SRBench's: a share of y's RMS) is large in
``log|y|`` where |y| is small; over the decades a law of five variables spans
(``m·q⁴/(ε²ħ²n²)``) the smallest readings are noise, some of the other sign, and the log fit
is ruled by them (so are the symmetries read in logs, and ``y = x_j^k·g(…)``'s factors). Here
the log fit only starts: rows of y's majority sign, weighted by ``ŷ²`` (an error σ in y is
σ/|y| in log|y|), refitted twice. Gauss–Newton on the residuals in y then ends it: the
least-squares fit under that noise (and under relative noise a consistent one). Each
exponent is then rounded to a multiple of 1/2 or of 1/3 (its nearest integer, too), and
every distinct rounded power law is proposed, its constant from a projection; the front and
the selection rule choose, as for every candidate. numpy and scipy only.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.optimize import least_squares

from ..expr.tree import Const, Expr
from .differences import one_signed_columns
from .polynomial_expansion import monomial_sum
from .polynomial_fit import monomial_columns

__all__ = ["PowerLawConfig", "power_laws", "weighted_log_fit"]


@dataclass(frozen=True)
class PowerLawConfig:
    """The direct fit of power laws."""

    reweightings: int = 2          #: log fits weighted by the previous fit's ŷ²
    max_evaluations: int = 200     #: of the residuals in Gauss–Newton (bounds its time)
    denominators: tuple[int, ...] = (1, 2, 3)  #: exponents rounded to multiples of 1/q
    max_exponent: int = 6          #: |k| at most this (a larger one is no power law's)
    min_rows: int = 8              #: fewer rows of y's majority sign: no fit


def power_laws(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
               cfg: PowerLawConfig = PowerLawConfig()) -> list[tuple[Expr, float]]:
    """``(equation, 0.0)`` pairs: the power laws in the one-signed columns of X whose
    exponents are the least-squares fit's, rounded (see the module docstring); empty when
    no column keeps one sign or y has too few readings of one sign.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(1, 5, (200, 3))
    >>> y = -2.5 * X[:, 0] * X[:, 1] ** 4 / X[:, 2] ** 2
    >>> y += rng.normal(0, 0.01 * np.sqrt(np.mean(y ** 2)), 200)
    >>> print(power_laws(X, y)[0][0])
    -2.50155*x1*x2**4*x3**(-2)
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    cols = np.flatnonzero(one_signed_columns(X))
    if cols.size == 0 or not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        return []
    L = np.log(np.abs(X[:, cols]))
    sign = 1.0 if np.sum(w * y) >= 0 else -1.0
    start = weighted_log_fit(L, y * sign, w, cfg)
    if start is None:
        return []
    free = _gauss_newton(L, y * sign, w, start, cfg)
    out, seen = [], set()
    for powers in _roundings(free[1:], cfg):
        if powers in seen or not any(powers):
            continue
        seen.add(powers)
        law = _power_law(X, y, w, cols, powers)
        if law is not None:
            out.append((law, 0.0))
    return out


def weighted_log_fit(L: np.ndarray, y: np.ndarray, w: np.ndarray,
                     cfg: PowerLawConfig = PowerLawConfig()) -> np.ndarray | None:
    """``(a, k…)`` of ``log y ≈ a + L·k`` on the rows where y > 0, weighted by the fit's
    ``ŷ²`` (first by y²): under noise of one size in y, each row as its noise in log y
    weighs. None when too few rows are positive. Where ``log y`` is ``L·k`` plus a function
    of other columns drawn independently, the weights (a product over the columns)
    leave them independent and the k of the power factors is still read right."""
    rows = y > 0
    if rows.sum() < max(cfg.min_rows, L.shape[1] + 2):
        return None
    A = np.column_stack([np.ones(rows.sum()), L[rows]])
    log_y, weight = np.log(y[rows]), w[rows] * y[rows] ** 2
    theta = None
    for _ in range(cfg.reweightings + 1):
        sw = np.sqrt(weight / weight.max())
        theta = np.linalg.lstsq(A * sw[:, None], log_y * sw, rcond=None)[0]
        with np.errstate(all="ignore"):
            weight = w[rows] * np.exp(2 * np.clip(A @ theta, -300, 300))
        if not (np.all(np.isfinite(weight)) and weight.max() > 0):
            break
    return theta if np.all(np.isfinite(theta)) else None


def _gauss_newton(L: np.ndarray, y: np.ndarray, w: np.ndarray, theta: np.ndarray,
                  cfg: PowerLawConfig) -> np.ndarray:
    """``theta`` refined by least squares on ``√w·(y − exp(a + L·k))`` (the start where the
    refinement fails)."""
    sw = np.sqrt(w)
    A = np.column_stack([np.ones(len(y)), L])

    def residuals(t):
        return sw * (np.exp(np.clip(A @ t, -300, 300)) - y)

    def jacobian(t):
        return (sw * np.exp(np.clip(A @ t, -300, 300)))[:, None] * A

    try:
        with np.errstate(all="ignore"):
            fit = least_squares(residuals, theta, jac=jacobian, method="lm",
                                max_nfev=cfg.max_evaluations)
    except (ValueError, np.linalg.LinAlgError):
        return theta
    return fit.x if np.all(np.isfinite(fit.x)) else theta


def _roundings(k: np.ndarray, cfg: PowerLawConfig) -> list[tuple[Fraction, ...]]:
    """The exponents rounded to multiples of ``1/q`` for each denominator q (all alike),
    within ``max_exponent``."""
    out = []
    if np.any(np.abs(k) > cfg.max_exponent + 0.5):
        return out
    for q in cfg.denominators:
        out.append(tuple(Fraction(int(round(v * q)), q) for v in k))
    return out


def _power_law(X, y, w, cols, powers) -> Expr | None:
    """``C·Π x_j^k`` with C fitted by projection (fractional powers of columns < 0 are
    not real: None)."""
    exponents = [Fraction(0)] * X.shape[1]
    for j, k in zip(cols, powers):
        if k.denominator != 1 and not np.all(X[:, j] > 0):
            return None
        exponents[j] = k
    value = monomial_columns(X, [exponents])[:, 0]
    c = float(np.sum(w * y * value) / np.sum(w * value ** 2))
    if not np.isfinite(c) or c == 0:
        return None
    return monomial_sum([(tuple(exponents), Const(c))])
