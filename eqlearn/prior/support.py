"""Data points (the *support*) and constant values drawn at training time."""
from __future__ import annotations

import numpy as np

from .config import ConstantConfig, SupportConfig

__all__ = ["sample_support", "sample_constants"]


def sample_support(n_vars: int, rng: np.random.Generator, support: SupportConfig,
                   n_points: int | None = None) -> np.ndarray:
    """Points of shape (n_points, n_vars); each variable gets its own random range.

    A variable is log-uniform with probability ``support.loguniform`` (lower end
    ``10**U(log_low)``, spanning ``U(log_decades)`` decades), otherwise uniform on a random
    interval of width at least ``uniform_min_width`` inside ``uniform_bounds``.
    """
    if n_points is None:
        n_points = int(rng.integers(support.points[0], support.points[1] + 1))
    X = np.empty((n_points, n_vars))
    for j in range(n_vars):
        if rng.random() < support.loguniform:
            lo = rng.uniform(*support.log_low)
            hi = lo + rng.uniform(*support.log_decades)
            X[:, j] = 10.0 ** rng.uniform(lo, hi, size=n_points)
        else:
            a, b = support.uniform_bounds
            width = rng.uniform(min(support.uniform_min_width, b - a), b - a)
            lo = rng.uniform(a, b - width)
            X[:, j] = rng.uniform(lo, lo + width, size=n_points)
    return X


def sample_constants(n: int, rng: np.random.Generator, constants: ConstantConfig) -> np.ndarray:
    """``n`` constant values: log-uniform magnitudes, negative with the configured chance."""
    lo, hi = constants.magnitude
    values = np.exp(rng.uniform(np.log(lo), np.log(hi), size=n))
    signs = np.where(rng.random(n) < constants.negative, -1.0, 1.0)
    return values * signs
