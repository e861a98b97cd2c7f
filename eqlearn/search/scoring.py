"""Scoring a tree in the search: its normalised loss under linear scaling, and cheap
local optimisation of its constants.

:class:`Evaluator` gives the loss of a tree on the data (mse / var(y), the mean squared
relative error, or the mean squared log ratio), optionally of its best affine transform
``a*f + b`` (linear scaling, Keijzer 2003) or, for a sum, of its best linear combination of
terms (:mod:`eqlearn.search.terms`); :meth:`Evaluator.polish` takes a few
Levenberg-Marquardt steps on the constants inside the tree with that fit projected out
(variable projection), and :meth:`Evaluator.refit` a full least-squares fit.
"""
from __future__ import annotations

import numpy as np

from ..expr.evaluate import weighted_variance
from ..expr.simplify import canonicalize
from .constant_fit import fit_constants
from .terms import TermModel, weighted_lstsq

__all__ = ["Evaluator"]


class Evaluator:
    """Normalised loss of a tree on the data: mse / var(y), or the mean squared relative
    error, or the mean squared log ratio.

    With ``linear_scaling`` (Keijzer 2003) a tree ``f`` is scored as its best affine
    transform ``a*f + b`` (closed-form weighted least squares), so the search need not find
    the outer constants; with ``per_term`` too, a sum is scored as its best linear
    combination of terms ``a1*t1 + a2*t2 + ... + b`` (:mod:`eqlearn.search.terms`; not for
    the log loss, which fits a factor only). :meth:`phenotype` writes the fit into the tree.
    """

    def __init__(self, X, y, weight, loss: str = "mse", linear_scaling: bool = True,
                 per_term: bool = True):
        self.X, self.y, self.w, self.kind = X, y, weight, loss
        self.scale = 1.0 / np.abs(y) if loss == "relative" else np.ones_like(y)
        var = weighted_variance(y, weight)
        self.norm = 1.0 if loss in ("relative", "log") or var == 0 else var
        if loss == "log":
            self.sign = 1.0 if np.all(y > 0) else -1.0
            self.log_y = np.log(self.sign * y)
        self.linear_scaling = linear_scaling
        self.per_term = per_term and linear_scaling and loss != "log"
        self.n_evals = 0

    def _fit(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """The best linear combination of the columns ``F`` (plus an intercept) under the
        weighted (relative) squared loss, for the log loss the best factor of its one
        column; returns the fitted values, coefficients and intercept."""
        if self.kind == "log":
            with np.errstate(all="ignore"):
                d = self.log_y - np.log(self.sign * F[:, 0])
            a = float(np.exp(np.average(d, weights=self.w))) if np.all(np.isfinite(d)) else 1.0
            return a * F[:, 0], np.array([a]), 0.0
        coefs, b = weighted_lstsq(F, self.y, self.w * self.scale**2)
        return F @ coefs + b, coefs, b

    def _loss_of(self, pred: np.ndarray) -> float:
        if self.kind == "log":
            r = np.log(self.sign * pred) - self.log_y
        else:
            r = (pred - self.y) * self.scale
        if not np.all(np.isfinite(r)):
            return np.inf
        return float(np.average(r * r, weights=self.w)) / self.norm

    def _scored(self, expr) -> tuple[float, float, TermModel, tuple | None]:
        """Raw loss, loss of the linear fit, the term model and the fit (None if none)."""
        model = TermModel(expr, self.per_term)
        with np.errstate(all="ignore"):
            pred, F = model.values(self.X)
            raw = self._loss_of(pred)
            if not self.linear_scaling or not np.all(np.isfinite(F)):
                return raw, np.inf, model, None
            fit = self._fit(F)
            return raw, self._loss_of(fit[0]), model, fit

    def __call__(self, expr) -> float:
        self.n_evals += 1
        raw, fitted, _, _ = self._scored(expr)
        return min(raw, fitted)

    def phenotype(self, expr):
        """``expr`` or its linear fit (``a*expr + b`` or ``a1*t1 + ... + b``), whichever
        fits better (canonical form)."""
        raw, fitted, model, fit = self._scored(expr)
        if fit is None or fitted >= raw:
            return expr
        return canonicalize(model.write(fit[1], fit[2]))

    def polish(self, expr, iterations: int = 6) -> tuple[object, float]:
        """A few Levenberg-Marquardt steps on the constants of ``expr``, the linear fit of
        its columns projected out (a cheap local search for a child, as Operon gives every
        individual); the better of ``expr`` and its polished form, with its loss."""
        model = TermModel(expr, self.per_term)
        if not len(model.free):
            return expr, self(expr)
        c0 = np.array([n.value for n in expr.constants()])[model.free]
        c = _levenberg_marquardt(lambda t: self._lsq(*model.jacobians(self.X, t)), c0,
                                 iterations)
        return self._better(expr, None if c is None else model.rebuild(c))

    def _lsq(self, F, jacobians):
        """Residuals and Jacobian of the chosen loss at the best linear fit of the columns
        ``F``, that fit projected out of the Jacobian (variable projection, Kaufman's
        approximation), so the steps move only the constants inside the columns."""
        if self.kind == "log":
            sw = np.sqrt(self.w)
            f, J = F[:, 0], jacobians[0]
            r, Jr = (np.log(self.sign * f) - self.log_y) * sw, J / f[:, None] * sw[:, None]
            basis = sw[:, None] if self.linear_scaling else None
        else:
            sw = np.sqrt(self.w) * self.scale
            if self.linear_scaling:
                fitted, coefs, _ = self._fit(F)
                J = np.hstack([a * Jc for a, Jc in zip(coefs, jacobians)])
                basis = np.column_stack([F * sw[:, None], sw])
            else:
                fitted, J, basis = F[:, 0], jacobians[0], None
            r, Jr = (fitted - self.y) * sw, J * sw[:, None]
        for q in _orthonormal(basis):
            r = r - q * (q @ r)
            Jr = Jr - np.outer(q, q @ Jr)
        return r, Jr

    def refit(self, expr, seed: int = 0, max_work: float = 3e5,
              time_limit: float = 1.0) -> tuple[object, float]:
        """Least-squares polish of the constants, started from their current values and,
        while the work done is under ``max_work`` (row evaluations, about 0.05 s here), from
        all ones. The work bound, not the clock, decides, so a search is the same under load
        (``time_limit`` is only a guard)."""
        k = expr.n_constants()
        if k == 0:
            return expr, self(expr)
        loss = self.kind if self.kind in ("relative", "log") else "mse"
        fit = fit_constants(expr.skeleton(), self.X, self.y, sample_weight=self.w, loss=loss,
                            n_restarts=0, time_limit=time_limit, max_nfev=10 * (k + 1),
                            init=[c.value for c in expr.constants()], random_state=seed,
                            max_work=max_work)
        return self._better(expr, fit.expr)

    def _better(self, expr, new) -> tuple[object, float]:
        """``new`` (if any) when it scores no worse than ``expr``, else ``expr``; with its
        loss (each tree scored once)."""
        old = self(expr)
        if new is None:
            return expr, old
        loss = self(new)
        return (new, loss) if loss <= old else (expr, old)


def _orthonormal(basis: np.ndarray | None) -> list[np.ndarray]:
    """Orthonormal vectors spanning the columns of ``basis`` (Gram-Schmidt; a few columns
    here, where ``np.linalg.qr`` costs more than the arithmetic)."""
    out: list[np.ndarray] = []
    if basis is None or not np.all(np.isfinite(basis)):
        return out
    for v in basis.T:
        for q in out:
            v = v - q * (q @ v)
        norm = float(np.sqrt(v @ v))
        if norm > 1e-12 * (1.0 + float(np.abs(basis).max())):
            out.append(v / norm)
    return out


def _levenberg_marquardt(residuals, c: np.ndarray, iterations: int,
                         damping: float = 1e-3) -> np.ndarray | None:
    """``iterations`` Levenberg-Marquardt steps from ``c`` (``residuals(c)`` gives the
    residuals and their Jacobian); the constants reached, or None if no step improved."""
    with np.errstate(all="ignore"):
        r, J = residuals(c)
        cost = float(r @ r)
        if not (np.isfinite(cost) and np.isfinite(J).all()):
            return None
        improved = False
        for _ in range(iterations):
            A = J.T @ J
            A.flat[:: A.shape[0] + 1] *= 1.0 + damping
            A.flat[:: A.shape[0] + 1] += 1e-12
            try:
                trial = c - np.linalg.solve(A, J.T @ r)
            except np.linalg.LinAlgError:
                break
            r_t, J_t = residuals(trial)
            cost_t = float(r_t @ r_t)
            if cost_t < cost and np.isfinite(J_t).all():
                c, r, J, cost, improved = trial, r_t, J_t, cost_t, True
                damping = max(damping / 3.0, 1e-9)
            else:
                damping *= 4.0
    return c if improved else None
