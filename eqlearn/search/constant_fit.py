"""Fitting the constants of a skeleton to data.

Levenberg–Marquardt / trust-region least squares (``scipy.optimize.least_squares``) or BFGS
(``scipy.optimize.minimize``), both with the exact Jacobian of
:mod:`eqlearn.expr.jacobian`; several restarts; the constants that enter linearly at the top
(``C*f + C``) are solved by linear least squares at every start (variable projection for
initialisation); a wall-clock bound per fit; sample weights; losses:

* ``"mse"`` — squared error;
* ``"relative"`` — squared relative error ``(f - y)/|y|``;
* ``"log"`` — squared log ratio ``log(f/y)``, for one-signed data spanning many decades;
* ``"huber"`` — robust squared error (outliers count linearly).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares, minimize

from ..expr.jacobian import JacobianProgram
from ..expr.tree import Const, Expr, Node

__all__ = ["fit_constants", "FitResult", "linear_constant_slots"]

_BIG = 1e12


@dataclass(frozen=True)
class FitResult:
    """Outcome of a constant fit."""

    expr: Expr                 #: the skeleton with its fitted constants
    constants: np.ndarray
    loss: float                #: mean (weighted) loss of the chosen kind at the optimum
    mse: float                 #: plain mean squared error
    success: bool
    n_evals: int
    seconds: float


def linear_constant_slots(skeleton: Expr) -> list[int]:
    """Indices (prefix order) of the placeholders that enter linearly at the top: the ``C``
    of a top-level term ``C*f`` or ``C/f``, and a bare ``+ C``."""
    slots: list[int] = []
    position = 0

    def count(e: Expr) -> int:
        return sum(isinstance(n, Const) for n in e.preorder())

    def walk(e: Expr) -> None:
        nonlocal position
        if isinstance(e, Node) and e.op in ("add", "sub", "neg"):
            for a in e.args:
                walk(a)
            return
        if isinstance(e, Const) or (isinstance(e, Node) and e.op in ("mul", "div")
                                    and isinstance(e.args[0], Const)):
            slots.append(position)  # the term's first constant in prefix order
        position += count(e)

    walk(skeleton)
    return slots


class _Residuals:
    """Residuals of the chosen loss, and their Jacobian from the model's Jacobian."""

    def __init__(self, y: np.ndarray, w: np.ndarray, loss: str):
        self.loss = loss
        self.sqrt_w = np.sqrt(w)
        self.sign = 1.0 if np.all(y > 0) else -1.0
        if loss == "log":
            if not (np.all(y > 0) or np.all(y < 0)):
                raise ValueError("the log loss needs a target of one sign")
            self.log_y = np.log(self.sign * y)
        self.y = y
        self.scale = self.sqrt_w / (np.abs(y) if loss == "relative" else 1.0)

    def __call__(self, pred: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if self.loss == "log":
                r = (np.log(self.sign * pred) - self.log_y) * self.sqrt_w
            else:
                r = (pred - self.y) * self.scale
        return np.where(np.isfinite(r), r, _BIG)

    def jacobian(self, pred: np.ndarray, J: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if self.loss == "log":
                out = J * (self.sqrt_w / pred)[:, None]
            else:
                out = J * self.scale[:, None]
        return np.where(np.isfinite(out), out, 0.0)

    @property
    def linear_scale(self) -> np.ndarray:
        """Row weights for the linear projection (relative weights for log/relative)."""
        return self.sqrt_w / np.abs(self.y) if self.loss in ("log", "relative") else self.sqrt_w


def _project_linear(program, X, y, c, slots, scale) -> np.ndarray:
    """Solve the linearly entering constants for the current others (one LS solve)."""
    c = c.copy()
    if not slots:
        return c
    base = c.copy()
    base[slots] = 0.0
    f0, _ = program(X, base)
    cols = []
    with np.errstate(all="ignore"):
        for s in slots:
            unit = base.copy()
            unit[s] = 1.0
            cols.append(program(X, unit)[0] - f0)
        A = np.stack(cols, axis=1) * scale[:, None]
        b = (y - f0) * scale
    ok = np.isfinite(A).all(axis=1) & np.isfinite(b)
    if ok.sum() >= len(slots):
        sol, *_ = np.linalg.lstsq(A[ok], b[ok], rcond=None)
        if np.isfinite(sol).all():
            c[slots] = sol
    return c


def _initial_points(k: int, n_restarts: int, rng: np.random.Generator, init) -> list[np.ndarray]:
    """Starting points: ``init``, all ones, then (with restarts) all tens, and random points
    with magnitudes from 0.01 to 100. Nonlinear constants have basins far apart (Planck's
    ``exp(c/x)`` falls into the Rayleigh–Jeans limit ``c → 0`` from a start too small)."""
    starts = [np.ones(k)]
    if init is not None:
        starts.insert(0, np.asarray(init, dtype=float))
    if n_restarts:
        starts.append(np.full(k, 10.0))
    for _ in range(max(0, n_restarts - 1)):
        mag = np.exp(rng.uniform(np.log(0.01), np.log(100.0), k))
        starts.append(mag * rng.choice([-1.0, 1.0], size=k, p=[0.3, 0.7]))
    return starts


class _Objective:
    """Residuals and their Jacobian at constants ``c``. Least squares asks for both at the same
    point: the tree is evaluated once per point (``n_evals`` counts them)."""

    def __init__(self, program: JacobianProgram, X: np.ndarray, residual: _Residuals):
        self.program, self.X, self.residual = program, X, residual
        self.n_evals, self._key, self._out = 0, None, None

    def _run(self, c):
        key = np.asarray(c, dtype=float).tobytes()
        if key != self._key:
            self.n_evals += 1
            self._key, self._out = key, self.program(self.X, c)
        return self._out

    def __call__(self, c) -> np.ndarray:
        return self.residual(self._run(c)[0])

    def jacobian(self, c) -> np.ndarray:
        return self.residual.jacobian(*self._run(c))


def fit_constants(skeleton: Expr, X, y, *, sample_weight=None, loss: str = "mse",
                  method: str = "lm", n_restarts: int = 4, time_limit: float = 2.0,
                  max_nfev: int | None = None, init=None, random_state=0,
                  huber_delta: float | None = None,
                  max_work: float | None = None) -> FitResult:
    """Fit the placeholders of ``skeleton`` to ``(X, y)``; the best of several starts.

    Parameters
    ----------
    loss : {"mse", "relative", "log", "huber"}
    method : {"lm", "bfgs"}
        Least squares (Levenberg–Marquardt, or trust-region for Huber) or BFGS.
    n_restarts : int
        Random starts besides ``init`` and all-ones.
    time_limit : float
        Seconds for the whole fit; restarts stop when it is spent.
    max_work : float, optional
        Restarts stop once the evaluations so far, each costing its rows plus a fixed
        overhead (``n_evals · (n + 500)``), exceed it: a bound the clock does not decide, so
        the fit is the same on a loaded machine as on an idle one.
    """
    t0 = time.perf_counter()
    X = np.asarray(X, dtype=float)
    X = X[:, None] if X.ndim == 1 else X
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    rng = np.random.default_rng(random_state)
    program = JacobianProgram(skeleton)
    k = program.n_constants
    residual = _Residuals(y, w, loss)
    if huber_delta is None:
        huber_delta = 1.345 * float(np.median(np.abs(y - np.median(y)))) / 0.6745 + 1e-12
    fun = _Objective(program, X, residual)
    jac = fun.jacobian
    if k == 0:
        r = fun(np.zeros(0))
        return _result(skeleton, np.zeros(0), r, program, X, y, w, loss, True, fun.n_evals, t0,
                       huber_delta)
    slots = linear_constant_slots(skeleton)
    best_c, best_cost, success = None, np.inf, False
    for start in _initial_points(k, n_restarts, rng, init):
        if best_c is not None and (time.perf_counter() - t0 > time_limit or (
                max_work is not None and fun.n_evals * (len(y) + 500) > max_work)):
            break
        c0 = _project_linear(program, X, y, start, slots, residual.linear_scale)
        if not np.isfinite(fun(c0)).all() or np.max(np.abs(fun(c0))) >= _BIG:
            c0 = start
        c, ok = _optimise(fun, jac, c0, method, loss, huber_delta, max_nfev or 50 * (k + 1),
                          len(y))
        cost = _cost(fun(c), loss, huber_delta)
        if best_c is None or cost < best_cost:  # a NaN cost is kept only as a last resort
            best_c, best_cost, success = c, cost, ok
        if best_cost < 1e-28:
            break
    return _result(skeleton, best_c, fun(best_c), program, X, y, w, loss, success, fun.n_evals,
                   t0, huber_delta)


@np.errstate(all="ignore")  # huge residuals of a bad start are expected, not news
def _optimise(fun, jac, c0, method, loss, delta, max_nfev, n_points):
    try:
        if method == "bfgs":
            def objective(c):
                r = fun(c)
                return 0.5 * float(r @ r) / n_points, jac(c).T @ r / n_points
            res = minimize(objective, c0, jac=True, method="BFGS",
                           options={"maxiter": max_nfev, "gtol": 1e-12})
            return res.x, bool(res.success)
        lm = loss != "huber" and n_points >= len(c0)
        res = least_squares(fun, c0, jac=jac, method="lm" if lm else "trf",
                            loss="linear" if loss != "huber" else "huber",
                            f_scale=delta if loss == "huber" else 1.0, max_nfev=max_nfev,
                            xtol=1e-15, ftol=1e-15, gtol=1e-15)
        return res.x, bool(res.success)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return c0, False


def _cost(r: np.ndarray, loss: str, delta: float) -> float:
    a = np.abs(r)
    with np.errstate(over="ignore"):
        if loss == "huber":
            return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))
        return float(np.mean(a * a))


def _result(skeleton, c, r, program, X, y, w, loss, success, n_evals, t0, delta) -> FitResult:
    pred = program(X, c)[0]
    err = pred - y
    with np.errstate(all="ignore"):
        mse = float(np.average(err * err, weights=w)) if np.isfinite(err).all() else np.inf
    expr = skeleton.with_constants(c) if len(c) else skeleton
    return FitResult(expr, np.asarray(c, dtype=float), _cost(r, loss, delta), mse, success,
                     n_evals, time.perf_counter() - t0)
