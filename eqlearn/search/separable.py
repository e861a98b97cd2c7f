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
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tree import Expr, Node, Num, Var
from .differences import RATIO, evenly_spaced_rows, loo_share, one_signed_columns
from .transformed import transformed_equations

__all__ = ["power_factors", "factored_equations"]

EXPONENTS = tuple(Fraction(k, 2) for k in range(-8, 9) if k)  #: ±1/2 … ±4
MAX_TESTS = 30       #: kernel models per call at most


def _exponents(X: np.ndarray, log_y: np.ndarray) -> list[Fraction | None]:
    """Each column's exponent in ``log |y| ≈ Σ k_i log |x_i| + c``, rounded to
    ``EXPONENTS`` (within 0.1), or None. Columns holding a zero stay out of the fit and get
    None: LAPACK never returns on the log of 0."""
    cols = [j for j in range(X.shape[1]) if np.all(X[:, j] != 0)]
    out: list[Fraction | None] = [None] * X.shape[1]
    if not cols:
        return out
    A = np.column_stack([np.log(np.abs(X[:, cols])), np.ones(len(log_y))])
    for j, k in zip(cols, np.linalg.lstsq(A, log_y, rcond=None)[0]):
        best = min(EXPONENTS, key=lambda e: abs(float(e) - k))
        out[j] = best if abs(float(best) - k) <= 0.1 else None
    return out


def power_factors(X: np.ndarray, y: np.ndarray) -> list[tuple[int, Fraction]]:
    """``(column, exponent)`` pairs such that ``y / Π x_j**k`` depends on the other columns
    only (see the module docstring); empty when there is none, or when y or the columns
    change sign (fractional exponents: on positive columns only)."""
    X, y = evenly_spaced_rows(X, y)
    one_sign = one_signed_columns(X)
    if X.shape[1] < 2 or not one_signed_columns(y[:, None])[0] or not np.all(np.isfinite(X)):
        return []
    found: list[tuple[int, Fraction]] = []
    left, z, tests = list(range(X.shape[1])), np.abs(y), 0
    while len(left) > 1 and tests < MAX_TESTS:
        best, exponents = None, _exponents(X[:, left], np.log(z))  # once a round
        for pos, j in enumerate(left):
            k = exponents[pos] if one_sign[j] else None
            if k is None or (k.denominator != 1 and not np.all(X[:, j] > 0)):
                continue
            with np.errstate(all="ignore"):
                z_k = z / np.abs(X[:, j]) ** float(k)
            rest = [i for i in left if i != j]
            log_z = np.log(z_k)  # smoother than z over decades; as good a test
            ratio = loo_share(X[:, rest], log_z) / loo_share(X[:, left], log_z)
            tests += 2
            if np.isfinite(ratio) and ratio <= RATIO and (best is None or ratio < best[0]):
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
    :func:`~eqlearn.search.transformed.transformed_equations` gives them."""
    factors = power_factors(X, y)
    if not factors:
        return []
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
