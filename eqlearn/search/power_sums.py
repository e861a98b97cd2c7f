"""Sums of integer powers of one variable, high and negative ones included, fitted directly.

Intermolecular potentials (Lennard-Jones's ``a/r¹² − b/r⁶``, Mie's ``a/rⁿ − b/rᵐ``),
multipole expansions and virial series are linear in their coefficients once the powers are
known, but a search has to assemble ``r**12`` from small pieces and the polynomial fits
stop at degree 6. Where a variable keeps one sign, :func:`power_sums` selects by least
squares a few terms ``c·x^k`` with ``|k| ≤ max_power`` (k = 0 the constant) — every subset
of up to three terms, larger ones grown from the best — and returns the fitted sums
as equations (a start for ``fit_skeletons(..., warm=True)``). The choice between sums of
different sizes is left to the front and the selection rule, as for every candidate.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from math import comb

import numpy as np

from ..expr.tree import Const, Expr, Node, Num, Var
from .polynomial_fit import subset_rss

__all__ = ["PowerSumConfig", "power_sums"]


@dataclass(frozen=True)
class PowerSumConfig:
    """The direct fit of sums of powers."""

    max_power: int = 12      #: largest |k|
    max_terms: int = 4       #: terms in a sum, the constant included
    max_columns: int = 3     #: more variables than this: none is tried (a law of one
                             #: variable among many is rare; each costs ~0.1 s)
    max_rows: int = 1000     #: rows the terms are chosen on (evenly spaced)
    max_subsets: int = 3000  #: subsets of one size tried in full up to this many
    keep: int = 3            #: best subsets of each size returned


def power_sums(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
               deadline: float | None = None,
               cfg: PowerSumConfig = PowerSumConfig()) -> list[tuple[Expr, float]]:
    """``(equation, 0.0)`` pairs: sums of powers of each one-signed variable alone, until
    ``deadline`` (a ``time.perf_counter`` value)."""
    n, d = X.shape
    if d > cfg.max_columns or not np.all(np.isfinite(y)):
        return []
    rows = np.unique(np.linspace(0, n - 1, min(n, cfg.max_rows)).astype(int))
    sw = np.sqrt(np.ones(n) if w is None else np.asarray(w, dtype=float))[rows]
    powers = [k for k in range(-cfg.max_power, cfg.max_power + 1)]  # 0: the constant
    out: list[tuple[Expr, float]] = []
    for j in range(d):
        if deadline is not None and time.perf_counter() > deadline:
            break
        x = X[rows, j]
        if not (np.all(x > 0) or np.all(x < 0)) or np.ptp(x) == 0:
            continue
        with np.errstate(all="ignore"):
            A = np.stack([x ** float(k) for k in powers], axis=1) * sw[:, None]
            norm = np.sqrt(np.mean(A ** 2, axis=0))
        b = y[rows] * sw
        if not (np.all(np.isfinite(A)) and np.all(norm > 0)):
            continue
        for cols in _subsets(A / norm, b, cfg):
            coef, *_ = np.linalg.lstsq(A[:, cols], b, rcond=None)
            if np.all(np.isfinite(coef)) and np.any(coef != 0):
                out.append((_power_sum(j, [powers[c] for c in cols], coef), 0.0))
    return out


def _subsets(A: np.ndarray, b: np.ndarray, cfg: PowerSumConfig) -> list[tuple[int, ...]]:
    """The ``keep`` best column subsets of each size up to ``max_terms``: every subset
    where there are at most ``max_subsets`` (high powers are nearly collinear, and greedy
    selection on noisy data picks the wrong pair), else the best smaller ones extended by
    one column."""
    out: list[tuple[int, ...]] = []
    best: list[tuple[int, ...]] = [()]
    for m in range(1, min(cfg.max_terms, A.shape[0] // 2) + 1):
        if comb(A.shape[1], m) <= cfg.max_subsets:
            trials = list(itertools.combinations(range(A.shape[1]), m))
        else:
            trials = list({tuple(sorted(s + (j,))) for s in best for j in range(A.shape[1])
                           if j not in s})
        best = sorted(trials, key=lambda c: subset_rss(A, b, list(c)))[:cfg.keep]
        out += best
    return out


def _term(j: int, k: int, c: float) -> Expr:
    """``c·x^k`` (``c/x^|k|`` for k < 0), with |c|: the sign goes to the sum."""
    a = Const(abs(float(c)))
    if k == 0:
        return a
    power = Var(j) if abs(k) == 1 else Node("pow", (Var(j), Num(abs(k))))
    return Node("mul" if k > 0 else "div", (a, power))


def _power_sum(j: int, ks: list[int], coef) -> Expr:
    out: Expr | None = None
    for k, c in sorted(zip(ks, coef), key=lambda kc: -abs(kc[0])):
        t = _term(j, k, c)
        if out is None:
            out = t if c >= 0 else Node("neg", (t,))
        else:
            out = Node("add" if c >= 0 else "sub", (out, t))
    return out
