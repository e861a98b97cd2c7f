"""Sparse polynomials fitted directly: the monomial basis, the subsets chosen, and a
polynomial law recovered through the estimator when the network cannot propose it."""
from math import comb

import numpy as np
import pytest
import sympy

from eqlearn import EquationRegressor
from eqlearn.expr import evaluate
from eqlearn.search.constant_fit import fit_constants
from eqlearn.search.polynomial_fit import monomial_exponents, polynomial_skeletons


@pytest.mark.parametrize("n_vars", [1, 2, 3, 4, 5])
def test_the_basis_is_every_monomial_up_to_the_largest_degree_that_fits(n_vars):
    exps = monomial_exponents(n_vars, max_basis=21, max_degree=6)
    degree = max(sum(e) for e in exps)
    assert len(exps) == len(set(exps)) == comb(n_vars + degree, n_vars) <= 21
    assert degree == 6 or comb(n_vars + degree + 1, n_vars) > 21
    assert exps[0] == (0,) * n_vars and all(len(e) == n_vars for e in exps)


def test_too_many_variables_for_degree_one_gives_no_basis():
    assert monomial_exponents(25, max_basis=21) == []
    assert polynomial_skeletons(np.ones((30, 25)), np.arange(30.0)) == []


def test_a_planted_sparse_polynomial_is_among_the_skeletons_and_fits_exactly():
    """3·x1²·x2 − 2·x2 + 0.5: its three monomials are one of the subsets (checked by fitting
    every proposal and comparing with numpy's values of the law), and no proposal has more
    than ``max_terms`` terms."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(120, 2))
    y = 3 * X[:, 0] ** 2 * X[:, 1] - 2 * X[:, 1] + 0.5
    found = polynomial_skeletons(X, y, max_terms=6)
    exact = []
    for skeleton, _ in found:
        assert skeleton.n_constants() <= 6
        fit = fit_constants(skeleton, X, y, n_restarts=1, time_limit=2.0)
        if np.allclose(evaluate(skeleton, X, fit.constants), y, rtol=0, atol=1e-8):
            exact.append(skeleton.n_constants())
    assert min(exact) == 3


def test_non_finite_designs_give_nothing():
    X = np.array([[1e300], [2e300], [3e300], [4e300]])
    assert polynomial_skeletons(X, np.arange(4.0)) == []


def test_nguyen_3_is_recovered_exactly_without_a_useful_network(tiny_model):
    """x⁵ + x⁴ + x³ + x² + x from 20 points with an untrained network: the direct polynomial
    fit finds it, sympy-equal to the law once its constants are snapped to integers."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(20, 1))
    y = sum(X[:, 0] ** k for k in range(1, 6))
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=5.0, beam_size=2,
                            n_samples=4, random_state=0).fit(X, y)
    x1 = sympy.Symbol("x1", real=True)
    assert sympy.simplify(reg.sympy() - sum(x1 ** k for k in range(1, 6))) == 0


def test_a_law_in_a_later_variable_keeps_its_variable():
    """x2³ − x2 with x1 unused: the proposals use x2 (a skeleton renumbered to x1..xk would
    fit the law to x1 and never be exact)."""
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, size=(100, 2))
    y = X[:, 1] ** 3 - X[:, 1]
    exact = []
    for skeleton, _ in polynomial_skeletons(X, y):
        fit = fit_constants(skeleton, X, y, n_restarts=1, time_limit=2.0)
        if np.allclose(evaluate(skeleton, X, fit.constants), y, rtol=0, atol=1e-8):
            exact.append(skeleton.n_constants())
    assert min(exact) == 2


def test_backward_drop_matches_refitting_every_subset():
    """The one-SVD drop rule (β_j² / [(AᵀA)⁻¹]_jj) picks the column whose removal a full
    refit of each smaller subset says costs least."""
    from eqlearn.search.polynomial_fit import _cheapest_drop, subset_rss
    rng = np.random.default_rng(3)
    for _ in range(20):
        A = rng.normal(size=(60, 7))
        b = A[:, :3] @ rng.normal(size=3) + 0.1 * rng.normal(size=60)
        brute = min(range(7), key=lambda j: subset_rss(A, b, [k for k in range(7) if k != j]))
        assert _cheapest_drop(A, b) == brute
    A[:, 6] = A[:, 5]  # rank-deficient: the rule does not apply
    assert _cheapest_drop(A, b) is None
