"""Gaussian-kernel ridge regression with its leave-one-out error in closed form.

Residual i is ``α_i / [(K + λW⁻¹)⁻¹]_ii``, W the rows' weights or the identity. The tool of
the tests before the search (:mod:`~eqlearn.search.differences`,
:mod:`~eqlearn.search.symmetry`). numpy only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["LENGTHS", "SMOOTHING_RIDGES", "kernel_ridge", "loo_residuals", "smoothed"]

LENGTHS = (0.5, 1.0, 2.0, 4.0)  #: kernel widths tried, times sqrt(columns) (standardised)
SMOOTHING_RIDGES = (1e-8, 1e-6, 1e-4, 1e-2, 1e-1)  #: for :func:`smoothed`: the first
                                                  #: nearly interpolates, the last smooths


def kernel_ridge(X: np.ndarray, y: np.ndarray, lengths: Sequence[float],
                 ridges: Sequence[float], gradients: bool = False,
                 weights: np.ndarray | None = None):
    """``(loo, G)``: the leave-one-out mean squared error of the best (over ``lengths``,
    times sqrt(columns), and ``ridges``) Gaussian-kernel ridge regression of y on the
    standardised columns of X, and with ``gradients`` its dy/dX at every row (else None);
    None when y is constant. With ``weights`` (per row, mean 1: inverse noise variances) the
    ridge of row i is ``ridge / w_i`` and the error is weighted (a Gaussian process with
    noise of unequal size)."""
    fit = _best(X, y, lengths, ridges, weights)
    if fit is None:
        return None
    loo, alpha, K, width2 = fit.loo, fit.alpha, fit.K, fit.width2
    y_sd, Z, sd = fit.y_sd, fit.Z, fit.sd
    if not gradients:
        return loo * y_sd ** 2, None
    # gradient of sum_j alpha_j k(z, z_j) at z = z_i: sum_j alpha_j k_ij (z_j - z_i) / width²
    G = (K * alpha[None, :]) @ Z - (K @ alpha)[:, None] * Z
    return loo * y_sd ** 2, G / width2 * y_sd / sd


def _inverses(K: np.ndarray, ridges: Sequence[float], weights: np.ndarray | None):
    """``(K + ridge·W⁻¹)⁻¹`` for each ridge (W: the weights, or the identity: then one
    eigendecomposition serves all ridges)."""
    if weights is None:
        w, V = np.linalg.eigh(K)
        for ridge in ridges:
            yield (V / np.maximum(w + ridge, ridge)) @ V.T
        return
    for ridge in ridges:
        try:
            yield np.linalg.inv(K + np.diag(ridge / weights))
        except np.linalg.LinAlgError:
            continue


def loo_residuals(X: np.ndarray, y: np.ndarray, lengths: Sequence[float],
                  ridges: Sequence[float], X_new: np.ndarray | None = None):
    """Leave-one-out residuals (y's units) of the Gaussian-kernel ridge regression that
    predicts left-out rows best by the median squared error (robust: a few wild readings
    do not choose the model), on the standardised columns of X; with ``X_new`` also that
    model's predictions there: ``(residuals, predictions)``."""
    sd = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    Z = (X - X.mean(axis=0)) / sd
    center, scale = float(np.median(y)), float(np.median(np.abs(y - np.median(y)))) or 1.0
    f = (y - center) / scale
    D2 = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
    best = None
    for length in lengths:
        width2 = length * length * Z.shape[1]
        w, V = np.linalg.eigh(np.exp(-D2 / (2 * width2)))
        for ridge in ridges:
            inv = (V / np.maximum(w + ridge, ridge)) @ V.T
            alpha = inv @ f
            r = alpha / np.diag(inv)
            score = float(np.median(r * r))
            if best is None or score < best[0]:
                best = (score, r, alpha, width2)
    _, r, alpha, width2 = best
    if X_new is None:
        return r * scale
    Z_new = (np.asarray(X_new, dtype=float) - X.mean(axis=0)) / sd
    K_new = np.exp(-np.sum((Z_new[:, None, :] - Z[None, :, :]) ** 2, axis=-1) / (2 * width2))
    return r * scale, center + scale * (K_new @ alpha)


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
    return y.mean() + fit.y_sd * fitted


@dataclass(frozen=True)
class _Fit:
    """The best kernel model: its leave-one-out error (standardised y), dual weights,
    kernel matrix and width², with the standardised data it was fitted to."""

    loo: float
    alpha: np.ndarray
    K: np.ndarray
    width2: float
    Z: np.ndarray
    sd: np.ndarray
    f: np.ndarray
    y_sd: float
    D2: np.ndarray


def _best(X, y, lengths, ridges, weights) -> _Fit | None:
    """The Gaussian-kernel ridge regression of y on the standardised columns of X that
    predicts left-out rows best (weighted by ``weights``), over ``lengths`` (times
    sqrt(columns)) and ``ridges``; None when y is constant."""
    sd = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    Z = (X - X.mean(axis=0)) / sd
    y_sd = float(y.std())
    if not y_sd > 0:
        return None
    f = (y - y.mean()) / y_sd
    D2 = np.sum((Z[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
    best = None
    for length in lengths:
        width2 = length * length * Z.shape[1]
        K = np.exp(-D2 / (2 * width2))
        for inv in _inverses(K, ridges, weights):
            alpha = inv @ f
            r2 = (alpha / np.diag(inv)) ** 2
            loo = float(np.mean(r2 if weights is None else weights * r2))
            if best is None or loo < best[0]:
                best = (loo, alpha, K, width2)
    return _Fit(*best, Z, sd, f, y_sd, D2)
