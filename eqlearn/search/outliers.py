"""Readings that do not belong: wild values a search would bend every equation to meet.

Before the search, :func:`suspected_outliers` compares each reading with what a smooth
kernel model of the others predicts there (leave-one-out residuals; the model chosen by its
median error, so that wild readings do not choose it, and refitted without them): readings
missed by more than the threshold in robust standard deviations (``1.4826·MAD``) *and*
standing apart from the rest by a jump of ``gap`` times are set aside for the search. After
the search, :func:`residual_outliers` does the same with the residuals of the chosen
equation (with the readings' σ known: beyond the threshold in ``r/σ``): those are the
outliers reported. An approximate equation's misses, or a kernel model's, tail off smoothly
and flag nothing. The threshold grows with the number of readings (``tail/n`` of a normal
distribution beyond it, at least ``z``), so that clean data sets almost never lose one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .kernel import loo_residuals

__all__ = ["OutlierPlan", "residual_outliers", "suspected_outliers", "threshold"]


@dataclass(frozen=True)
class OutlierPlan:
    """When readings count as outliers."""

    min_points: int = 20      #: fewer readings: no kernel screening before the search
    chunk: int = 500          #: the kernel model sees at most this many readings at once
    max_rows: int = 2000      #: larger data: this many readings, drawn at random, screened
    z: float = 3.5            #: robust standard deviations, at least
    tail: float = 0.01        #: chance that a clean data set loses a reading
    max_share: float = 0.25   #: flagging more than this share is not outliers: flag none
    floor: float = 1e-6       #: residuals below this share of y's RMS are exact fits
    gap: float = 3.0          #: screened outliers miss by this factor more than any kept
    material: float = 0.05    #: ... and by this share of y's spread (of 1 in log|y|) at least


def threshold(n: int, plan: OutlierPlan = OutlierPlan()) -> float:
    """Robust standard deviations beyond which one of ``n`` readings is an outlier."""
    return max(plan.z, float(stats.norm.isf(plan.tail / (2 * max(n, 1)))))


def _flag(r: np.ndarray, scale: float, n: int, plan: OutlierPlan) -> np.ndarray:
    flagged = np.abs(r) > threshold(n, plan) * scale
    return flagged if flagged.mean() <= plan.max_share else np.zeros_like(flagged)


def _robust_scale(r: np.ndarray, floor: float) -> float:
    return max(1.4826 * float(np.median(np.abs(r - np.median(r)))), floor)


def suspected_outliers(X: np.ndarray, y: np.ndarray, plan: OutlierPlan = OutlierPlan(),
                       random_state: int = 0) -> np.ndarray:
    """Readings far from a kernel model of the others (bool per row), in log|y| when y has
    one sign (a reading off by a factor stands out alike everywhere); none for fewer than
    ``min_points`` readings. Flagged readings must stand apart from the rest: sorted by
    how far the model misses them, they are those above a jump of ``gap`` times (the
    model's own approximation error tails off smoothly and flags nothing), and off by a
    ``material`` share of y's spread (subtler ones are left to the equation's residuals).
    The model is refitted without the readings flagged so far, so that a cluster of wild
    readings cannot hide itself."""
    n = len(y)
    flagged = np.zeros(n, bool)
    if n < plan.min_points:
        return flagged
    rng = np.random.default_rng(random_state)
    if n > plan.max_rows:  # larger data: a random subset is screened
        rows = rng.choice(n, plan.max_rows, replace=False)
        flagged[rows] = suspected_outliers(X[rows], y[rows], plan, random_state)
        return flagged
    logs = bool(np.all(y > 0) or np.all(y < 0))
    y = np.log(np.abs(y)) if logs else y
    material = plan.material * (1.0 if logs else 1.4826 * float(np.median(np.abs(
        y - np.median(y)))))
    chunks = np.array_split(rng.permutation(n), int(np.ceil(n / plan.chunk)))
    r = _screen(X, y, flagged, chunks)
    if r is None:
        return flagged
    scale = _robust_scale(r, np.finfo(float).tiny)  # of the misses, wild readings included
    flagged = _flag(r, scale, n, plan)              # a first guess, then without them:
    for _ in range(4):
        r = _screen(X, y, flagged, chunks)
        if r is None:
            return np.zeros(n, bool)
        new = _above_a_gap(r, scale, plan) & (np.abs(r) > material)
        if (new == flagged).all():
            break
        flagged = new
    return flagged


def _above_a_gap(r: np.ndarray, scale: float, plan: OutlierPlan) -> np.ndarray:
    """The largest set of top misses (at most ``max_share`` of them) that lie beyond the
    threshold and above a jump of ``gap`` times to the next."""
    a = np.sort(np.abs(r))[::-1]
    k_max = min(int(plan.max_share * len(r)), len(r) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = a[:k_max] >= plan.gap * a[1:k_max + 1]
    ok = np.flatnonzero(jump & (a[:k_max] > threshold(len(r), plan) * scale))
    if not len(ok):
        return np.zeros(len(r), bool)
    return np.abs(r) >= a[ok[-1]]


def _screen(X, y, flagged: np.ndarray, chunks) -> np.ndarray | None:
    """Per row: the leave-one-out residual of a kernel model of the unflagged rows of its
    chunk (the residual from that model's prediction for a flagged row)."""
    r = np.empty(len(y))
    with np.errstate(all="ignore"):
        for rows in chunks:
            keep, out = rows[~flagged[rows]], rows[flagged[rows]]
            if len(keep) < 5:
                return None
            r[keep], predict = loo_residuals(X[keep], y[keep], (0.25, 0.5, 1.0, 2.0),
                                             (1e-6, 1e-4, 1e-2), X[out])
            r[out] = y[out] - predict
    return r if np.isfinite(r).all() else None


def residual_outliers(pred: np.ndarray, y: np.ndarray, loss: str,
                      sigma: np.ndarray | None = None,
                      plan: OutlierPlan = OutlierPlan()) -> np.ndarray:
    """Readings the fitted equation (predictions ``pred``) misses by more than the
    threshold: in robust standard deviations of its residuals (of the loss's kind: log
    ratios for the log loss), or in the readings' own σ (bool per row)."""
    with np.errstate(all="ignore"):
        r = np.log(pred / y) if loss == "log" else (pred - y) / (
            np.abs(y) if loss == "relative" else 1.0)
    if not np.isfinite(r).all():
        return ~np.isfinite(r)
    if sigma is not None:
        return _flag(r / sigma, 1.0, len(y), plan)
    floor = plan.floor * (1.0 if loss in ("log", "relative") else
                          float(np.sqrt(np.mean(y * y))))
    return _above_a_gap(r, _robust_scale(r, floor), plan)  # a misfit tails off: no gap
