"""Numeric fingerprints of skeletons: equivalent skeletons share one.

A skeleton is evaluated on fixed points with fixed constants (the i-th placeholder in prefix
order always gets the same value); the rounded values are hashed. Two skeletons that
canonicalise differently but compute the same function (``x1*(x1 + 1)`` and
``x1**2 + x1``) get the same fingerprint, so a corpus keeps only one of them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tree import Expr

__all__ = ["Fingerprinter", "FingerprintResult"]


@dataclass(frozen=True)
class FingerprintResult:
    fingerprint: str | None  #: None when the skeleton is degenerate
    reason: str = ""         #: why it is degenerate ("constant", "nonfinite", …)


class Fingerprinter:
    """Evaluates skeletons on fixed points.

    Half of the points are positive (where most laws live, log and sqrt included), half
    spread over both signs (so that ``abs(x)`` and ``x`` differ).

    Parameters
    ----------
    max_vars : int
        Columns of the fixed point set.
    n_points : int
        Number of fixed points.
    digits : int
        Significant digits kept before hashing.
    min_finite : float
        Smallest fraction of finite values for a skeleton not to count as degenerate.
    """

    def __init__(self, max_vars: int = 10, n_points: int = 64, digits: int = 6,
                 min_finite: float = 0.5, seed: int = 20211):
        rng = np.random.default_rng(seed)
        half = n_points // 2
        positive = np.exp(rng.uniform(np.log(0.1), np.log(5.0), size=(half, max_vars)))
        mixed = rng.uniform(-5.0, 5.0, size=(n_points - half, max_vars))
        self.points = np.vstack([positive, mixed])
        self.constants = rng.uniform(0.5, 2.5, size=64)
        self.digits = digits
        self.min_finite = min_finite

    def values(self, skeleton: Expr) -> np.ndarray:
        n = skeleton.n_constants()
        if n > len(self.constants):
            raise ValueError(f"skeleton has {n} placeholders, at most {len(self.constants)}")
        return evaluate(skeleton, self.points, self.constants[:n])

    def __call__(self, skeleton: Expr) -> FingerprintResult:
        y = self.values(skeleton) + 0.0  # -0.0 and 0.0 print alike
        finite = np.isfinite(y)
        if finite.mean() < self.min_finite:
            return FingerprintResult(None, "nonfinite")
        yf = y[finite]
        scale = np.max(np.abs(yf))
        if scale == 0 or np.ptp(yf) <= 1e-10 * scale:
            return FingerprintResult(None, "constant")
        if scale > 1e200:
            return FingerprintResult(None, "overflow")
        text = ",".join(f"{v:.{self.digits - 1}e}" if f else "nan" for v, f in zip(y, finite))
        digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
        return FingerprintResult(digest)
