"""Power-law factors taken out of y: planted factors are found with their exponents, sums
and sign changes give none, and the estimator fits the rest and multiplies them back."""
from fractions import Fraction

import numpy as np
import pytest

from eqlearn import EquationRegressor
from eqlearn.search import pipeline
from eqlearn.search.separable import power_factors

RNG = np.random.default_rng(0)
X3 = RNG.uniform(1.0, 3.0, size=(200, 3))
X3[:, 1] += 0.5  # 1 − x2² away from 0: near a pole neither the exponent nor the kernel holds


@pytest.mark.parametrize("y, expected", [
    (X3[:, 0] / (1 - X3[:, 1] ** 2) ** 2, [(0, Fraction(1))]),
    (X3[:, 0] ** 2 / X3[:, 1] * np.exp(-X3[:, 2]), [(0, Fraction(2)), (1, Fraction(-1))]),
    (np.sqrt(X3[:, 2]) * np.cos(X3[:, 0] * X3[:, 1]) ** 2 + 0 * X3[:, 0],
     [(2, Fraction(1, 2))]),
])
def test_planted_factors_are_found_with_their_exponents(y, expected):
    found = power_factors(X3, y)
    assert sorted(found[:len(expected)]) == sorted(expected)
    rest = [j for j in range(3) if j not in dict(found)]
    assert rest  # something is left to fit


@pytest.mark.parametrize("y", [
    X3[:, 0] + X3[:, 1] * X3[:, 2],            # a sum: no factor
    np.sin(3 * X3[:, 0]) * X3[:, 1],            # y changes sign
])
def test_no_factor_where_there_is_none(y):
    found = power_factors(X3, y)
    assert all(j != 0 for j, _ in found) if np.all(y > 0) else found == []


def test_the_estimator_multiplies_the_factor_back(monkeypatch):
    """x1/(1 − x2²)² with x2 > 1: degree 5 as a rational fit of 1/y in two variables, degree
    4 in x2 once x1 is taken out. (x1 → λx1 is also a scaling symmetry, which would find the
    law first: that path is switched off here.)"""
    monkeypatch.setattr(pipeline, "symmetry_groups", lambda X, y: None)
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.uniform(1, 2, 200), rng.uniform(1.5, 5, 200)])
    y = X[:, 0] / (1 - X[:, 1] ** 2) ** 2
    reg = EquationRegressor(method="neural", model="default", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0).fit(X, y)
    assert np.allclose(reg.predict(X), y, rtol=1e-9)
    assert reg.equations_.loc[reg.best_index_, "source"] == "transformed"


def test_a_column_holding_a_zero_neither_hangs_nor_is_taken_out():
    """log 0 = −inf sends LAPACK's least squares into an endless loop: such a column stays
    out of the exponents' fit, and the others' factors are still found."""
    X = X3.copy()
    X[0, 0] = 0.0
    y = X[:, 1] ** 2 * np.exp(X[:, 2]) + X[:, 0] ** 2
    found = power_factors(X, y)
    assert all(j != 0 for j, _ in found)


def test_with_one_percent_noise_over_decades_the_factors_are_still_found():
    """``1.7·a·b²/c⁴·√(d² + e²)`` spans four decades: noise of 1 % of y's RMS is most of
    the smallest readings (some change sign), and the plain reading in logs finds no
    factor. Read with rows weighted as their noise in log |y|, the factors are found."""
    rng = np.random.default_rng(4)
    X = rng.uniform(1.0, 3.0, size=(200, 5))
    y = 1.7 * X[:, 0] * X[:, 1] ** 2 / X[:, 2] ** 4 * np.hypot(X[:, 3], X[:, 4])
    y = y + rng.normal(0, 0.01 * np.sqrt(np.mean(y ** 2)), len(y))
    from eqlearn.search import separable
    keep = y > 0
    assert separable._greedy(X[keep], y[keep], weighted=False) == []
    found = power_factors(X, y)
    assert sorted(found[:3]) == [(0, Fraction(1)), (1, Fraction(2)), (2, Fraction(-4))]
    # the last factor of a noisy reading may be the noise's (√(d² + e²) as √d·g(e)):
    # the fits of the rest are also made with it left in
    found_laws = [str(e) for e, _ in separable.factored_equations(X, y)]
    assert any("x4" in law and "x5" in law and "x4**(1/2)" not in law for law in found_laws)
