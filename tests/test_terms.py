"""Scoring a sum with a coefficient per term (eqlearn.search.terms and the Evaluator)."""
import numpy as np
import pytest

from eqlearn.expr import evaluate, parse_expr
from eqlearn.search.scoring import Evaluator
from eqlearn.search.terms import TermModel, additive_terms, weighted_lstsq


def _planted(seed: int = 0, n: int = 80):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 3.0, size=(n, 2))
    return X, 1.7 * X[:, 1] * np.exp(-0.7 * X[:, 0]) - 0.3 * X[:, 0] + 2.0


def test_additive_terms_carry_their_signs_and_sum_back_to_the_tree():
    expr = parse_expr("x1 - (x2*x1 + -(exp(x2))) + 3.0")
    terms = additive_terms(expr)
    assert sorted(s for s, _ in terms) == [-1.0, 1.0, 1.0, 1.0]
    X = np.random.default_rng(1).uniform(-1, 1, size=(20, 2))
    total = sum(s * evaluate(t, X) for s, t in terms)
    np.testing.assert_allclose(total, X[:, 0] - X[:, 1] * X[:, 0] + np.exp(X[:, 1]) + 3.0)
    assert additive_terms(parse_expr("x1*x2")) == [(1.0, parse_expr("x1*x2"))]


def test_weighted_lstsq_agrees_with_numpy_and_survives_collinear_columns():
    rng = np.random.default_rng(2)
    F, y, w = rng.normal(size=(50, 3)), rng.normal(size=50), rng.uniform(0.5, 2, 50)
    coefs, b = weighted_lstsq(F, y, w)
    A = np.column_stack([F, np.ones(50)]) * np.sqrt(w)[:, None]
    reference = np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)[0]
    np.testing.assert_allclose([*coefs, b], reference, rtol=1e-9, atol=1e-12)
    twice = np.column_stack([F[:, 0], 2 * F[:, 0]])      # rank-deficient: a finite fit
    coefs, b = weighted_lstsq(twice, 3 * F[:, 0] + 1, np.ones(50))
    np.testing.assert_allclose(twice @ coefs + b, 3 * F[:, 0] + 1, rtol=1e-9)
    broken = F.copy()
    broken[3, 1] = np.nan                                # no fit (and no LAPACK call)
    assert weighted_lstsq(broken, y, w)[0].tolist() == [0.0, 0.0, 0.0]
    huge = np.column_stack([F[:, 0] * 1e250, F[:, 1] * 1e-250])  # scaled before the SVD
    coefs, b = weighted_lstsq(huge, 2 * F[:, 0] - F[:, 1], np.ones(50))
    np.testing.assert_allclose(huge @ coefs + b, 2 * F[:, 0] - F[:, 1], rtol=1e-8, atol=1e-12)


def test_a_sum_is_scored_with_one_coefficient_per_term():
    X, y = _planted()
    tree = parse_expr("x2*exp(-0.7*x1) + x1")            # the terms, not their weights
    ev = Evaluator(X, y, np.ones(len(y)))
    assert ev(tree) < 1e-20
    np.testing.assert_allclose(evaluate(ev.phenotype(tree), X), y, rtol=1e-10)
    one_column = Evaluator(X, y, np.ones(len(y)), per_term=False)
    assert one_column(tree) > 1e-3                        # a*(t1 + t2) + b cannot fit it
    relative = Evaluator(X, y, np.ones(len(y)), loss="relative")
    assert relative(tree) < 1e-20


def test_constant_terms_go_into_the_intercept_and_their_constants_stay_fixed():
    expr = parse_expr("2.5*x1 + 4.0 + sin(1.5*x2)")
    model = TermModel(expr)
    values = [c.value for c in expr.constants()]
    assert len(model.columns) == 2
    assert sorted(values[i] for i in model.free) == [1.5, 2.5]
    rebuilt = [c.value for c in model.rebuild([7.0, 8.0]).constants()]
    assert sorted(rebuilt) == [4.0, 7.0, 8.0] and rebuilt.index(4.0) == values.index(4.0)
    assert TermModel(parse_expr("x1 + 4.0")).single      # one varying term: one column
    assert TermModel(parse_expr("x1 + x2"), per_term=False).single


def test_polish_fits_a_constant_inside_one_term_of_a_sum():
    X, y = _planted(3)
    start = parse_expr("x2*exp(-1.3*x1) + x1")            # wrong decay rate
    ev = Evaluator(X, y, np.ones(len(y)))
    polished, loss = ev.polish(start, iterations=20)
    assert loss < 1e-20 < ev(start)
    assert polished.constants()[0].value == pytest.approx(0.7, rel=1e-8)
    np.testing.assert_allclose(evaluate(ev.phenotype(polished), X), y, rtol=1e-9)


def test_the_log_loss_keeps_one_factor_for_a_sum():
    rng = np.random.default_rng(4)
    X = rng.uniform(1, 2, size=(40, 2))
    y = 1e-6 * (X[:, 0] + 2 * X[:, 1])
    ev = Evaluator(X, y, np.ones(40), loss="log")
    assert ev(parse_expr("x1 + 2*x2")) < 1e-20
    assert ev(parse_expr("x1 + x2")) > 1e-4               # no per-term weights in log space
