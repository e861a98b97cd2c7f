"""How well a fitted equation's constants are determined, from the Jacobian at the optimum.

The covariance of the constants is ``s² (JᵀWJ)⁻¹`` with ``s² = Σ w r² / (n − k)`` (relative
weights, as ``scipy.optimize.curve_fit`` with ``absolute_sigma=False``), or ``(JᵀWJ)⁻¹``
with ``W = 1/σ²`` when the readings' standard deviations are known
(``absolute_sigma=True``). Confidence intervals use Student's t with ``n − k`` degrees of
freedom. For the log and relative losses the residuals and their Jacobian are those of that
loss. Constants the data cannot tell apart (a singular ``JᵀWJ``) get an infinite standard
error.

Predictions get a standard deviation by the delta method: ``gᵀ Σ g`` with ``g = ∂f/∂c`` at
each point, plus the noise variance for a new reading.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..expr.jacobian import JacobianProgram
from ..expr.tree import Expr

__all__ = ["ConstantErrors", "constant_errors", "polish_constants", "prediction_std",
           "refit_constants"]

CHUNK = 16384  #: rows per pass of the Jacobian's normal equations


@dataclass(frozen=True)
class ConstantErrors:
    """The constants of one fitted equation (in the order they are printed), their standard
    errors, covariance and confidence intervals, and the fit's statistics."""

    values: np.ndarray          #: (k,)
    stderr: np.ndarray          #: (k,) inf where the data cannot determine a constant
    covariance: np.ndarray      #: (k, k)
    ci_low: np.ndarray          #: (k,) the ``level`` confidence interval
    ci_high: np.ndarray
    n: int                      #: points
    dof: int                    #: n − k
    rss: float                  #: weighted residual sum of squares (χ² with absolute σ)
    noise: float                #: s: the residuals' standard deviation, weighted
    absolute_sigma: bool
    level: float = 0.95

    @property
    def reduced_chi2(self) -> float:
        """χ² / (n − k): near 1 when the equation and the given σ agree (absolute σ only,
        NaN otherwise)."""
        if not self.absolute_sigma or self.dof <= 0:
            return float("nan")
        return self.rss / self.dof


def _residual_jacobian(expr: Expr, X, y, w, loss: str):
    """(weighted residuals, their Jacobian) of ``loss`` at the constants of ``expr``."""
    program = JacobianProgram(expr)
    pred, J = program(X, [c.value for c in expr.constants()])
    sw = np.sqrt(w)
    with np.errstate(all="ignore"):
        if loss == "log":
            r, J = np.log(pred / y), J / pred[:, None]
        elif loss == "relative":
            r, J = (pred - y) / np.abs(y), J / np.abs(y)[:, None]
        else:
            r = pred - y
    return r * sw, J * sw[:, None]


def _normal_equations(expr: Expr, X, y, w, loss: str, chunk: int = CHUNK):
    """(JᵀJ, Jᵀr, rᵀr, whether J is finite) of the weighted residuals ``r`` of ``loss`` and
    their Jacobian ``J``, summed over chunks of ``chunk`` rows: memory ``chunk × k``, not
    ``n × k``, and faster on large data (the chunks stay in cache)."""
    k = expr.n_constants()
    JtJ, Jtr, rss, finite = np.zeros((k, k)), np.zeros(k), 0.0, True
    for start in range(0, len(y), chunk):
        rows = slice(start, start + chunk)
        r, J = _residual_jacobian(expr, X[rows], y[rows], w[rows], loss)
        rss += float(r @ r)
        finite = finite and bool(np.isfinite(J).all())
        if finite:
            JtJ += J.T @ J
            Jtr += J.T @ r
    return JtJ, Jtr, (rss if np.isfinite(rss) else np.inf), finite


def _inverse(A: np.ndarray, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-inverse of the symmetric ``A`` and which parameters lie in its null space
    (all of them where A overflowed: a Jacobian of 1e160 squares to inf)."""
    undetermined = np.full(A.shape, np.inf), np.ones(len(A), bool)
    with np.errstate(all="ignore"):
        scale = np.sqrt(np.where(np.diag(A) > 0, np.diag(A), 1.0))
        B = A / np.outer(scale, scale)  # equilibrated: units drop out
    if not np.isfinite(B).all():
        return undetermined
    try:
        vals, vecs = np.linalg.eigh(B)
    except np.linalg.LinAlgError:  # LAPACK's iteration failed: nothing to say
        return undetermined
    good = vals > rtol * max(vals.max(initial=0.0), np.finfo(float).tiny)
    inv = (vecs[:, good] / vals[good]) @ vecs[:, good].T / np.outer(scale, scale)
    null = vecs[:, ~good]
    unidentified = (np.abs(null) > 1e-3).any(axis=1) if null.size else np.zeros(len(A), bool)
    return inv, unidentified | (np.diag(A) <= 0)


def constant_errors(expr: Expr, X: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None,
                    *, sigma: np.ndarray | None = None, loss: str = "mse",
                    level: float = 0.95) -> ConstantErrors:
    """Standard errors and confidence intervals of the constants of ``expr`` fitted to
    ``(X, y)``; with ``sigma`` (per-point standard deviations) they are absolute."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if weight is None else np.asarray(weight, dtype=float)
    if sigma is not None:
        w = 1.0 / np.asarray(sigma, dtype=float) ** 2
    values = np.array([c.value for c in expr.constants()], dtype=float)
    JtJ, _, rss, ok = _normal_equations(expr, X, y, w, loss)
    n, k = len(y), len(values)
    dof = n - k
    s2 = rss / dof if dof > 0 else np.inf
    if k == 0:
        empty = np.zeros(0)
        return ConstantErrors(empty, empty, np.zeros((0, 0)), empty, empty, n, dof, rss,
                              float(np.sqrt(s2)), sigma is not None, level)
    ok = ok and np.isfinite(rss)
    inv, unidentified = _inverse(JtJ) if ok else (np.full((k, k), np.inf), np.ones(k, bool))
    cov = inv if sigma is not None else inv * s2
    with np.errstate(invalid="ignore"):
        stderr = np.where(unidentified | (dof <= 0), np.inf, np.sqrt(np.abs(np.diag(cov))))
    t = float(stats.t.ppf(0.5 + level / 2, dof)) if dof > 0 else np.inf
    if sigma is not None:  # known σ: the normal quantile, as for a χ² with known scale
        t = float(stats.norm.ppf(0.5 + level / 2))
    return ConstantErrors(values, stderr, cov, values - t * stderr, values + t * stderr, n, dof,
                          rss, float(np.sqrt(s2)), sigma is not None, level)


def prediction_std(expr: Expr, errors: ConstantErrors, X: np.ndarray,
                   include_noise: bool = True, loss: str = "mse") -> np.ndarray:
    """Standard deviation of the equation's prediction at each row of ``X`` by the delta
    method (``gᵀ Σ g``); with ``include_noise`` that of a new reading (adds the noise
    variance: ``s²``, or ``(s·f)²`` when the fit's loss was relative or logarithmic)."""
    program = JacobianProgram(expr)
    X = np.asarray(X, dtype=float)
    f, g = program(X, errors.values)
    cov = np.where(np.isfinite(errors.covariance), errors.covariance, 0.0)
    var = np.einsum("ij,jk,ik->i", g, cov, g) if len(errors.values) else np.zeros(len(X))
    if np.isinf(errors.stderr).any():
        var = np.where(np.abs(g[:, np.isinf(errors.stderr)]).sum(axis=1) > 0, np.inf, var)
    if include_noise and not errors.absolute_sigma:
        scale = np.abs(f) if loss in ("log", "relative") else 1.0
        var = var + (errors.noise * scale) ** 2
    return np.sqrt(np.maximum(var, 0.0))


def refit_constants(expr: Expr, X: np.ndarray, y: np.ndarray, weight: np.ndarray,
                    loss: str = "mse", max_nfev: int = 200) -> Expr:
    """``expr`` with its constants polished by least squares from their current values
    (tight tolerances, Jacobian-scaled steps); unchanged unless the loss goes down."""
    from scipy.optimize import least_squares

    c0 = np.array([c.value for c in expr.constants()], dtype=float)
    if not len(c0) or loss not in ("mse", "log", "relative"):
        return expr
    skeleton = expr.skeleton()

    def residuals(c):
        r, _ = _residual_jacobian(skeleton.with_constants(c), X, y, weight, loss)
        return np.where(np.isfinite(r), r, 1e150)

    def jacobian(c):
        _, J = _residual_jacobian(skeleton.with_constants(c), X, y, weight, loss)
        return np.where(np.isfinite(J), J, 0.0)

    before = residuals(c0)
    if not np.isfinite(before).all() or len(y) < len(c0):
        return expr
    try:
        with np.errstate(all="ignore"):
            res = least_squares(residuals, c0, jac=jacobian, method="lm", x_scale="jac",
                                xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=max_nfev)
    except (ValueError, np.linalg.LinAlgError):
        return expr
    better = np.isfinite(res.fun).all() and res.fun @ res.fun < before @ before
    return skeleton.with_constants(res.x) if better else expr


def polish_constants(expr: Expr, X: np.ndarray, y: np.ndarray, weight: np.ndarray,
                     loss: str = "mse", deadline: float = np.inf, max_steps: int = 30,
                     min_steps: int = 0) -> Expr:
    """``expr`` with its constants polished by Levenberg–Marquardt steps on the normal
    equations (:func:`_normal_equations`: one pass over the rows per step, memory linear in
    the chunk, not in the rows), from their current values, until the loss stops going
    down, ``max_steps`` or ``deadline`` (the first ``min_steps`` steps whatever the clock);
    for large data, where the constants start near the optimum (fitted on a sample).
    Unchanged unless the loss goes down."""
    c = np.array([k.value for k in expr.constants()], dtype=float)
    if not len(c) or loss not in ("mse", "log", "relative"):
        return expr
    skeleton = expr.skeleton()
    A, g, rss, ok = _normal_equations(expr, X, y, weight, loss)
    start, damping = rss, 1e-3
    for step_no in range(max_steps):
        if not ok or not np.isfinite(rss) or (step_no >= min_steps
                                              and time.perf_counter() >= deadline):
            break
        scale = np.diag(np.where(np.diag(A) > 0, np.diag(A), 1.0))
        step = np.linalg.lstsq(A + damping * scale, g, rcond=None)[0]
        trial = c - step
        A2, g2, rss2, ok2 = _normal_equations(skeleton.with_constants(trial), X, y, weight,
                                              loss)
        if ok2 and rss2 < rss:
            done = rss - rss2 <= 1e-12 * rss
            c, A, g, rss, damping = trial, A2, g2, rss2, damping / 10
            if done:
                break
        else:
            damping *= 10
            if damping > 1e8:
                break
    return skeleton.with_constants(c) if rss < start else expr
