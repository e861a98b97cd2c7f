"""Power-law factors taken out of y: ``y = x_j**k · g(the other columns)``.

The rational fits of a transformed target reach a total degree of 4 in one variable and 1
or 2 in three; ``π1/(1 − π2²)²`` (Feynman I.32.17 in its groups) is beyond them in two
variables, yet ``1/(1 − π2²)²`` alone is a degree-4 polynomial once inverted. When y is a
power of one column times a function of the others, that column can be taken out: its
exponent is read off a least-squares fit of ``log |y|`` on the ``log |x|`` (exact for such a
factor, the columns being drawn independently), rounded to a small rational, and the factor
is kept when ``log |y / x_j**k|`` is predicted, leave-one-out, as well without column j as
with it (the kernel ridge test of :mod:`eqlearn.search.differences`). Columns are taken out one at a
time, greedily, while one qualifies. The caller fits the rest as usual and multiplies the
factors back; only exact fits are worth it, so a wrong factor costs a few fits. Near a pole
of g (``1 − x2²`` with x2 from 1) neither the exponent's fit nor the kernel model holds, and
no factor is found.

Under noise of one size in y over decades (1 % of y's RMS) the smallest readings are noise
in log |y|, and this plain reading finds nothing; so a second reading weighs each row as its
noise in log |y| (by ŷ² of the power law fitted so, :func:`~.power_law.weighted_log_fit`),
with a looser test (``NOISY_RATIO``: the noise floor is in both models), and the reading
that takes out more factors is used.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tree import Expr, Node, Num, Var
from .differences import (RATIO, evenly_spaced_rows, loo_share, majority_sign_rows,
                          one_signed_columns)
from .power_law import weighted_log_fit
from .transformed import transformed_equations

__all__ = ["power_factors", "factored_equations"]

EXPONENTS = tuple(Fraction(k, 2) for k in range(-8, 9) if k)  #: ±1/2 … ±4
MAX_TESTS = 60       #: kernel models per reading at most (~1–2 s; 30 stopped test.1-like
                     #: laws of seven variables after three of their six factors)
NOISY_RATIO = 1.5    #: noisy reading: a factor's model without its column may leave up to
                     #: this share of the error with it (the noise floor is in both; a
                     #: column y depends on otherwise leaves 2.5–40 times as much at 1 %)


def _exponents(X: np.ndarray, y: np.ndarray,
               weighted: bool) -> tuple[list[Fraction | None], np.ndarray | None]:
    """Each column's exponent in ``log |y| ≈ Σ k_i log |x_i| + c``, rounded to
    ``EXPONENTS`` (within 0.1), or None; and the rows' weights (None: equal). ``weighted``:
    the fit of :func:`~eqlearn.search.power_law.weighted_log_fit`, rows weighted by ``ŷ²``
    (noise of one size in y), else plain least squares. Columns holding a zero stay out of
    the fit and get None: LAPACK never returns on the log of 0."""
    cols = [j for j in range(X.shape[1]) if np.all(X[:, j] != 0)]
    out: list[Fraction | None] = [None] * X.shape[1]
    if not cols:
        return out, None
    A = np.column_stack([np.ones(len(y)), np.log(np.abs(X[:, cols]))])
    if weighted:
        theta = weighted_log_fit(A[:, 1:], np.abs(y), np.ones(len(y)))
        if theta is None:
            return out, None
        weights = np.exp(2 * np.clip(A @ theta - np.max(A @ theta), -300, 0))
    else:
        theta, weights = np.linalg.lstsq(A, np.log(np.abs(y)), rcond=None)[0], None
    for j, k in zip(cols, theta[1:]):
        best = min(EXPONENTS, key=lambda e: abs(float(e) - k))
        out[j] = best if abs(float(best) - k) <= 0.1 else None
    return out, weights


def power_factors(X: np.ndarray, y: np.ndarray) -> list[tuple[int, Fraction]]:
    """``(column, exponent)`` pairs such that ``y / Π x_j**k`` depends on the other columns
    only (see the module docstring); empty when there is none, or when y or the columns
    change sign (fractional exponents: on positive columns only). Noise of y's other sign
    around zero is left out (:func:`~eqlearn.search.differences.majority_sign_rows`). Of
    two readings, the plain one and the noisy one (exponents and kernel models with rows
    weighted as their noise in log |y|, ``NOISY_RATIO``), the one with more factors."""
    return _factors(X, y)[0]


def _factors(X: np.ndarray, y: np.ndarray) -> tuple[list[tuple[int, Fraction]], bool]:
    """:func:`power_factors`' factors and whether the noisy reading gave them."""
    X, y = evenly_spaced_rows(X, y)
    rows = majority_sign_rows(y)
    X, y = X[rows], y[rows]
    if X.shape[1] < 2 or len(y) < 3 * X.shape[1] or not one_signed_columns(y[:, None])[0] \
            or not np.all(np.isfinite(X)):
        return [], False
    plain = _greedy(X, y, weighted=False)
    if len(plain) == X.shape[1] - 1:  # all a reading can take: the noisy one cannot take more
        return plain, False
    noisy = _greedy(X, y, weighted=True)
    return (noisy, True) if len(noisy) > len(plain) else (plain, False)


def _greedy(X: np.ndarray, y: np.ndarray, weighted: bool) -> list[tuple[int, Fraction]]:
    """The factors of :func:`power_factors`, taken out one at a time, the best first."""
    one_sign = one_signed_columns(X)
    found: list[tuple[int, Fraction]] = []
    left, z, tests = list(range(X.shape[1])), np.abs(y), 0
    threshold = NOISY_RATIO if weighted else RATIO
    while len(left) > 1 and tests < MAX_TESTS:
        exponents, weights = _exponents(X[:, left], z, weighted)  # once a round
        best = None
        for pos, j in enumerate(left):
            k = exponents[pos] if one_sign[j] else None
            if k is None or (k.denominator != 1 and not np.all(X[:, j] > 0)):
                continue
            with np.errstate(all="ignore"):
                z_k = z / np.abs(X[:, j]) ** float(k)
            rest = [i for i in left if i != j]
            log_z = np.log(z_k)  # smoother than z over decades; as good a test
            ratio = loo_share(X[:, rest], log_z, weights) / \
                loo_share(X[:, left], log_z, weights)
            tests += 2
            if np.isfinite(ratio) and ratio <= threshold and (best is None or ratio < best[0]):
                best = (ratio, j, k, z_k)
        if best is None:
            break
        _, j, k, z = best
        found.append((j, k))
        left.remove(j)
    return found


def factored_equations(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                       deadline: float | None = None) -> list[tuple[Expr, float]]:
    """The rational fits of y divided by its power-law factors (:func:`power_factors`),
    multiplied back: ``(equation, 0.0)`` pairs, constants from the fits, as
    :func:`~eqlearn.search.transformed.transformed_equations` gives them. Of a noisy
    reading's factors the last, the least sure, is also left in the rest (``√(d² + e²)``
    reads as ``√d`` times a function of e within 1 % noise)."""
    factors, noisy = _factors(X, y)
    sets = [factors] + ([factors[:-1]] if noisy and len(factors) > 1 else [])
    return [e for taken in sets if taken for e in _times_rest(X, y, w, deadline, taken)]


def _times_rest(X, y, w, deadline, factors) -> list[tuple[Expr, float]]:
    taken = {j for j, _ in factors}
    rest = [j for j in range(X.shape[1]) if j not in taken]
    factor = Node("pow", (Var(factors[0][0]), Num(factors[0][1])))
    for j, k in factors[1:]:
        factor = Node("mul", (factor, Node("pow", (Var(j), Num(k)))))
    with np.errstate(all="ignore"):
        z = y / evaluate(factor, X)
    inner = {i: Var(j) for i, j in enumerate(rest)}
    return [(Node("mul", (factor, tree.substitute(inner))), 0.0)
            for tree, _ in transformed_equations(X[:, rest], z, w, deadline)]
