"""Choosing on the Pareto front by how well each equation predicts readings it did not see.

Noisy readings make the most complex members of a front fit best: they also fit the noise.
Each member's constants are refitted with every fold of the data left out in turn (leave one
out up to ``loo_max`` points, else ``k_folds``-fold; warm starts from the full fit), and the
squared errors on the left-out readings are compared point by point with those of the
member that predicts best. The chosen equation is the simplest whose excess error is within
``z`` standard errors of zero (a paired one-standard-error rule): the simplest equation the
noise cannot tell from the best.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tree import Expr
from .constant_fit import fit_constants
from .scaling import Scaling

__all__ = ["ValidationPlan", "cross_validation_errors", "choose_by_validation"]


@dataclass(frozen=True)
class ValidationPlan:
    """How the front is validated."""

    loo_max: int = 30        #: up to this many points: leave one out
    k_folds: int = 5         #: else this many folds
    max_rows: int = 2000     #: larger data: validated on a random subset of this size
    z: float = 1.0           #: standard errors of excess error a simpler equation may have
    min_seconds: float = 1.0  #: validation gets at least this long, past the fit's budget


def _folds(n: int, plan: ValidationPlan, rng: np.random.Generator) -> list[np.ndarray]:
    if n <= plan.loo_max:
        return [np.array([i]) for i in range(n)]
    return np.array_split(rng.permutation(n), plan.k_folds)


def _pointwise(pred: np.ndarray, y: np.ndarray, w: np.ndarray, loss: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        if loss == "log":
            r = np.log(pred / y)
        elif loss == "relative":
            r = (pred - y) / np.abs(y)
        else:
            r = pred - y
        e = w * r * r
    return np.where(np.isfinite(e), e, np.inf)


def cross_validation_errors(exprs: Sequence[Expr], X: np.ndarray, y: np.ndarray,
                            w: np.ndarray, loss: str, deadline: float,
                            plan: ValidationPlan = ValidationPlan(),
                            random_state: int = 0) -> np.ndarray:
    """(members, points) squared errors of each equation on the readings left out, in the
    given order until ``deadline`` (rows of members not reached are NaN)."""
    rng = np.random.default_rng(random_state)
    deadline = max(deadline, time.perf_counter() + plan.min_seconds)
    if len(y) > plan.max_rows:
        rows = np.sort(rng.choice(len(y), plan.max_rows, replace=False))
        X, y, w = X[rows], y[rows], w[rows]
    scaling = Scaling.fit(X, y)
    Xs, ys = scaling.transform(X, y)
    w = w / w.mean()
    folds = _folds(len(y), plan, rng)
    errors = np.full((len(exprs), len(y)), np.nan)
    for i, expr in enumerate(exprs):
        if time.perf_counter() > deadline:
            break
        scaled = scaling.to_scaled(expr)
        init = [c.value for c in scaled.constants()]
        for held in folds:
            train = np.ones(len(y), bool)
            train[held] = False
            fit = fit_constants(scaled.skeleton(), Xs[train], ys[train], sample_weight=w[train],
                                loss=loss if loss != "huber" else "mse", init=init,
                                n_restarts=0, time_limit=0.0)
            with np.errstate(all="ignore"):
                pred = evaluate(fit.expr, Xs[held])
            errors[i, held] = _pointwise(np.broadcast_to(pred, held.shape), ys[held], w[held],
                                         loss)
    return errors


def choose_by_validation(errors: np.ndarray, plan: ValidationPlan = ValidationPlan()) -> int:
    """Index (members ordered simplest first) of the simplest member whose left-out errors
    exceed the best member's by at most ``z`` standard errors of the paired difference."""
    done = ~np.isnan(errors).any(axis=1)
    if not done.any():
        raise ValueError("no member of the front could be validated")
    means = np.where(done, np.mean(np.where(np.isnan(errors), 0, errors), axis=1), np.inf)
    best = int(np.argmin(means))
    n = errors.shape[1]
    for i in np.flatnonzero(done):
        d = errors[i] - errors[best]
        if not np.isfinite(d).all():
            continue
        if d.mean() <= plan.z * d.std(ddof=1) / np.sqrt(n) if n > 1 else d.mean() <= 0:
            return int(i)
    return best
