"""Sparse polynomials fitted directly, as skeletons tried before any search.

A polynomial law such as ``x⁵ + x⁴ + x³ + x² + x`` (Nguyen-3) is linear in its coefficients:
least squares over the monomials of the variables finds it at once, where a search or the
network has to assemble five terms. :func:`polynomial_skeletons` chooses subsets of the
monomials up to a total degree (a basis of at most ``max_basis`` terms, the constant
included) by weighted least squares — forward selection from nothing and backward
elimination from the whole basis, every subset size along both paths — and returns them as
skeletons (``C·x1³ + C·x1·x2 + …``) for the usual constant fitting and model selection.
"""
from __future__ import annotations

import itertools
from math import comb

import numpy as np

from ..expr.simplify import canonicalize
from ..expr.tree import PLACEHOLDER, Expr
from .polynomial_expansion import monomial_sum

__all__ = ["polynomial_skeletons", "monomial_exponents", "subset_rss"]

Exponents = tuple[int, ...]


def monomial_exponents(n_vars: int, max_basis: int = 21, max_degree: int = 6) -> list[Exponents]:
    """Exponents of every monomial of total degree ≤ D (the constant first), D the largest
    degree (at most ``max_degree``) whose basis has at most ``max_basis`` terms; empty when
    even degree 1 has more."""
    degree = 0
    while degree < max_degree and comb(n_vars + degree + 1, n_vars) <= max_basis:
        degree += 1
    if degree == 0:
        return []
    exps = [e for e in itertools.product(range(degree + 1), repeat=n_vars) if sum(e) <= degree]
    return sorted(exps, key=lambda e: (sum(e), tuple(-k for k in e)))


def monomial_columns(X: np.ndarray, exps: list[Exponents]) -> np.ndarray:
    """The design matrix: one column per monomial (non-finite where it overflows)."""
    with np.errstate(all="ignore"):
        return np.stack([np.prod(X ** np.array(e, dtype=float), axis=1) for e in exps], axis=1)


def subset_rss(A: np.ndarray, b: np.ndarray, cols) -> float:
    """Residual sum of squares of the least-squares fit of b by the columns ``cols`` of A."""
    if not cols:
        return float(b @ b)
    coef, *_ = np.linalg.lstsq(A[:, cols], b, rcond=None)
    r = b - A[:, cols] @ coef
    return float(r @ r)


def stepwise_subsets(A, b, max_terms: int) -> list[tuple[int, ...]]:
    """Column subsets of A along forward selection then backward elimination for b
    (columns scaled alike), duplicates included."""
    return _forward(A, b, max_terms) + _backward(A, b, max_terms)


def _forward(A, b, max_terms: int) -> list[tuple[int, ...]]:
    chosen: list[int] = []
    path = []
    while len(chosen) < min(max_terms, A.shape[1]):
        rest = [j for j in range(A.shape[1]) if j not in chosen]
        chosen.append(min(rest, key=lambda j: subset_rss(A, b, chosen + [j])))
        path.append(tuple(sorted(chosen)))
    return path


def _cheapest_drop(A: np.ndarray, b: np.ndarray) -> int | None:
    """The column whose removal raises the residual least, from one SVD: dropping column j
    adds β_j² / [(AᵀA)⁻¹]_jj. None where A is (nearly) rank-deficient: the formula needs
    the inverse."""
    with np.errstate(all="ignore"):
        u, s, vt = np.linalg.svd(A, full_matrices=False)
        if not s[-1] > 1e-9 * s[0]:
            return None
        beta = vt.T @ ((u.T @ b) / s)
        return int(np.argmin(beta ** 2 / np.sum((vt.T / s) ** 2, axis=1)))


def _backward(A, b, max_terms: int) -> list[tuple[int, ...]]:
    chosen = list(range(A.shape[1]))
    path = []
    while len(chosen) > 1:
        j = _cheapest_drop(A[:, chosen], b)
        drop = chosen[j] if j is not None else min(
            chosen, key=lambda i: subset_rss(A, b, [k for k in chosen if k != i]))
        chosen.remove(drop)
        if len(chosen) <= max_terms:
            path.append(tuple(chosen))
    return path


def polynomial_skeletons(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, *,
                         max_terms: int = 8, max_basis: int = 21) -> list[tuple[Expr, float]]:
    """Skeletons of the sparse polynomials that fit ``y`` best for each number of terms (up
    to ``max_terms``), as ``(skeleton, 0.0)`` pairs like the baselines'; none when the data
    have too many variables for a basis of degree ≥ 1 or give no finite design."""
    exps = monomial_exponents(X.shape[1], max_basis)
    if not exps:
        return []
    with np.errstate(all="ignore"):
        A = monomial_columns(X, exps)
        sw = np.sqrt(np.ones(len(y)) if w is None else np.asarray(w, dtype=float))
        A, b = A * sw[:, None], y * sw
        norm = np.sqrt(np.mean(A ** 2, axis=0))
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b)) and np.all(norm > 0)):
        return []
    A = A / norm
    subsets = dict.fromkeys(stepwise_subsets(A, b, max_terms))
    # canonicalize, not data.generate.canonical_skeleton: that renumbers the variables a
    # subset uses to x1..xk, and a polynomial in x2 alone would be fitted to x1
    return [(canonicalize(monomial_sum([(exps[j], PLACEHOLDER) for j in cols])), 0.0)
            for cols in subsets]
