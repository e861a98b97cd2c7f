"""Gaussian-kernel ridge regression with its leave-one-out error in closed form.

Residual i is ``α_i / [(K + λW⁻¹)⁻¹]_ii``, W the rows' weights or the identity. The tool of
the tests before the search (:mod:`~eqlearn.search.differences`,
:mod:`~eqlearn.search.symmetry`), of the smooth fit the network reads noisy data through,
of outliers and of the chosen equation's lack of fit
(:mod:`~eqlearn.search.lack_of_fit`). numpy only."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["LENGTHS", "SMOOTHING_RIDGES", "kernel_ridge", "loo_residuals", "smoothed"]

LENGTHS = (0.5, 1.0, 2.0, 4.0)  #: kernel widths tried, times sqrt(columns) (standardised)
SMOOTHING_RIDGES = (1e-8, 1e-6, 1e-4, 1e-2, 1e-1)  #: for :func:`smoothed`: the first
                                                  #: nearly interpolates, the last smooths


def kernel_ridge(X: np.ndarray, y: np.ndarray, lengths: Sequence[float],
                 ridges: Sequence[float], gradients: bool = False,
                 weights: np.ndarray | None = None, deadline: float = np.inf):
    """``(loo, G)``: the leave-one-out mean squared error of the best (over ``lengths``,
    times sqrt(columns), and ``ridges``) Gaussian-kernel ridge regression of y on the
    standardised columns of X, and with ``gradients`` its dy/dX at every row (else None);
    None when y is constant. With ``weights`` (per row, mean 1: inverse noise variances) the
    ridge of row i is ``ridge / w_i`` and the error is weighted (a Gaussian process with
    noise of unequal size). The lengths after the first are tried until ``deadline``."""
    fit = _best(X, y, lengths, ridges, weights, deadline=deadline)
    if fit is None:
        return None
    loo, alpha, K, width2 = fit.loo, fit.alpha, fit.K, fit.width2
    y_sd, Z, sd = fit.scale, fit.Z, fit.sd
    if not gradients:
        return loo * y_sd ** 2, None
    # gradient of sum_j alpha_j k(z, z_j) at z = z_i: sum_j alpha_j k_ij (z_j - z_i) / width²
    G = (K * alpha[None, :]) @ Z - (K @ alpha)[:, None] * Z
    return loo * y_sd ** 2, G / width2 * y_sd / sd


def _solves(K: np.ndarray, f: np.ndarray, ridges: Sequence[float],
            weights: np.ndarray | None):
    """``(α, diag)`` for each ridge: ``α = (K + ridge·W⁻¹)⁻¹ f`` and the inverse's diagonal
    (W: the weights; without them one eigendecomposition serves all ridges, and neither
    needs the inverse itself)."""
    if weights is None:
        w, V = np.linalg.eigh(K)
        Vf, V2 = V.T @ f, V * V
        for ridge in ridges:
            d = 1.0 / np.maximum(w + ridge, ridge)
            yield V @ (d * Vf), V2 @ d
        return
    for ridge in ridges:
        try:
            inv = np.linalg.inv(K + np.diag(ridge / weights))
        except np.linalg.LinAlgError:
            continue
        yield inv @ f, np.diag(inv)


def loo_residuals(X: np.ndarray, y: np.ndarray, lengths: Sequence[float],
                  ridges: Sequence[float], X_new: np.ndarray | None = None):
    """Leave-one-out residuals (y's units) of the Gaussian-kernel ridge regression that
    predicts left-out rows best by the median squared error (robust: a few wild readings
    do not choose the model), on the standardised columns of X; with ``X_new`` also that
    model's predictions there: ``(residuals, predictions)``."""
    fit = _best(X, y, lengths, ridges, None, robust=True)
    r = fit.residuals * fit.scale
    if X_new is None:
        return r
    Z_new = (np.asarray(X_new, dtype=float) - fit.mean) / fit.sd
    K_new = np.exp(-np.sum((Z_new[:, None, :] - fit.Z[None, :, :]) ** 2, axis=-1)
                   / (2 * fit.width2))
    return r, fit.center + fit.scale * (K_new @ fit.alpha)


def smoothed(X: np.ndarray, y: np.ndarray, lengths: Sequence[float] = LENGTHS,
             ridges: Sequence[float] = SMOOTHING_RIDGES, share: float = 0.5,
             decades: float = 2.0) -> np.ndarray | None:
    """The fitted values of the Gaussian-kernel ridge regression that predicts left-out
    rows best, when that model sets the readings' scatter aside as noise: its residuals
    are at least ``share`` of its leave-one-out error (pure noise gives about
    ``((n − p)/n)²``, p its effective number of parameters; a noise-free law is best
    predicted by a model that goes through its points), and a residual is no more like its
    nearest neighbour's than unrelated noise would be (a misfit of a law too hard for the
    kernel is). None otherwise: too few rows to tell, or a y of one sign over more than
    ``decades`` (a law over decades, Planck's, misfitted by the kernel everywhere alike,
    looks like noise)."""
    if len(y) < 10 or not np.all(np.isfinite(y)):
        return None
    size = np.abs(y)
    with np.errstate(divide="ignore"):  # a reading of 0 (underflow): infinitely many
        span = np.log10(size.max() / size.min()) if size.max() > 0 else 0.0
    if (np.all(y >= 0) or np.all(y <= 0)) and span > decades:
        return None
    return _smooth(X, y, lengths, ridges, share)


def _smooth(X, y, lengths, ridges, share) -> np.ndarray | None:
    fit = _best(X, y, lengths, ridges, None)
    if fit is None:
        return None
    fitted = fit.K @ fit.alpha
    r = fit.f - fitted
    D2 = fit.D2.copy()
    np.fill_diagonal(D2, np.inf)
    neighbour = r[np.argmin(D2, axis=1)]
    if not (np.mean(r * r) >= share * fit.loo and  # and like noise, not misfit: residuals
            np.corrcoef(r, neighbour)[0, 1] < 2 / np.sqrt(len(r))):  # of neighbouring rows
        return None                                    # within 2 standard errors of unrelated
    return fit.center + fit.scale * fitted


@dataclass(frozen=True)
class _Fit:
    """The best kernel model: its leave-one-out score and residuals (of the standardised
    y, ``f = (y − center)/scale``), dual weights, kernel matrix and width², with the
    standardised data it was fitted to."""

    loo: float
    residuals: np.ndarray
    alpha: np.ndarray
    K: np.ndarray
    width2: float
    Z: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    f: np.ndarray
    center: float
    scale: float
    D2: np.ndarray


def _best(X, y, lengths, ridges, weights, robust: bool = False,
          deadline: float = np.inf) -> _Fit | None:
    """The Gaussian-kernel ridge regression of y on the standardised columns of X that
    predicts left-out rows best, over ``lengths`` (times sqrt(columns)) and ``ridges``
    (the lengths tried until ``deadline``, the first whatever the clock): by the mean
    squared leave-one-out error (weighted by ``weights``), y standardised by its mean and
    standard deviation (None when y is constant); ``robust``: by the median, y by its
    median and median absolute deviation."""
    mean = X.mean(axis=0)
    sd = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    Z = (X - mean) / sd
    if robust:
        center = float(np.median(y))
        scale = float(np.median(np.abs(y - center))) or 1.0
    else:
        center, scale = float(y.mean()), float(y.std())
        if not scale > 0:
            return None
    f = (y - center) / scale
    D2 = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
    best = None
    for length in lengths:
        if best is not None and time.perf_counter() >= deadline:
            break
        width2 = length * length * Z.shape[1]
        K = np.exp(-D2 / (2 * width2))
        for alpha, diag in _solves(K, f, ridges, weights):
            r = alpha / diag
            r2 = r * r
            loo = float(np.median(r2) if robust else
                        np.mean(r2 if weights is None else weights * r2))
            if best is None or loo < best[0]:
                best = (loo, r, alpha, K, width2)
    return _Fit(*best, Z, mean, sd, f, center, scale, D2)
