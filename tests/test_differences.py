"""Differences of like variables before the search: the leave-one-out shortcut equals
refitting without each row, planted differences are found and others are not, the columns
map back exactly, and the estimator with units finds a law of differences."""
import numpy as np
import pytest
import sympy

from eqlearn import EquationRegressor
from eqlearn.expr import evaluate
from eqlearn.expr.tree import Node, Var
from eqlearn.search import differences as D
from eqlearn.search.differences import Differences, loo_share
from eqlearn.search.dimensionless import PiGroups, as_dimension
from eqlearn.search.transformed import transformed_equations

LENGTH = as_dimension("m")


def test_the_leave_one_out_shortcut_equals_refitting_without_each_row(monkeypatch):
    """One kernel width and ridge: the closed form against n refits, each solving the
    kernel system without one row (numpy.linalg.solve) and predicting it."""
    monkeypatch.setattr(D, "LENGTHS", (1.0,))
    monkeypatch.setattr(D, "RIDGES", (1e-3,))
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 3, size=(40, 2))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 + 0.05 * rng.normal(size=40)
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    z = (y - y.mean()) / y.std()
    K = np.exp(-np.sum((Z[:, None] - Z[None]) ** 2, axis=-1) / (2 * 1.0 * 2))
    errors = []
    for i in range(40):
        keep = np.arange(40) != i
        alpha = np.linalg.solve(K[np.ix_(keep, keep)] + 1e-3 * np.eye(39), z[keep])
        errors.append(z[i] - K[i, keep] @ alpha)
    assert loo_share(X, y) == pytest.approx(np.mean(np.square(errors)), rel=1e-6)


def _positions(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1, 5, size=(n, 4))  # x1, x2, y1, y2


def test_a_distance_reduces_to_two_differences():
    X = _positions()
    y = np.sqrt((X[:, 1] - X[:, 0]) ** 2 + (X[:, 3] - X[:, 2]) ** 2)
    found = Differences.find(X, y, [LENGTH] * 4)
    assert found is not None and len(found.columns) == 2
    pairs = sorted(tuple(np.flatnonzero(c)) for c in found.columns)
    assert pairs == [(0, 1), (2, 3)]
    # the columns are those differences, and map back exactly
    P = found.transform(X)
    assert np.allclose(np.abs(P), np.abs(X[:, [0, 2]] - X[:, [1, 3]]))
    tree = Node("sqrt", (Node("add", (Node("mul", (Var(0), Var(0))),
                                      Node("mul", (Var(1), Var(1))))),))
    assert np.allclose(evaluate(found.to_original(tree), X), y)


@pytest.mark.parametrize("law", [
    lambda X: X[:, 0] * X[:, 1] + X[:, 2] - X[:, 3],   # a product, then a difference of units
    lambda X: np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2) + X[:, 2] / X[:, 3],
])
def test_laws_that_need_both_variables_keep_them(law):
    X = _positions()
    assert Differences.find(X, law(X), [LENGTH] * 4) is None


def test_only_variables_of_equal_units_pair_up():
    X = _positions()
    y = np.cos(X[:, 0] - X[:, 1]) * X[:, 2]
    units = [as_dimension(u) for u in ("", "m", "m", "s")]  # x1 and x2 differ in units
    assert Differences.find(X, y, units) is None
    found = Differences.find(X, y, [as_dimension("")] * 2 + [as_dimension("m")] * 2)
    assert found is not None and found.describe(["a", "b", "c", "d"]) == ["(a - b)", "c", "d"]


def test_the_groups_avoid_a_scale_that_changes_sign():
    """sqrt(a² + b²) is |b|·sqrt(1 + (a/b)²): with b changing sign, M = a (one sign)."""
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.uniform(1, 2, 50), rng.uniform(-2, 2, 50)])
    pi = PiGroups.from_units(["m", "m"], "m", X, np.hypot(X[:, 0], X[:, 1]))
    assert [float(e) for e in pi.output] == [1.0, 0.0] and pi.sign_changes(X) == 0


def test_a_rational_law_of_three_positive_groups_is_fitted_exactly():
    """x1/(1 + x2² + x3²) needs degree 2 in three one-signed columns, whose full basis is
    too large: the extended fits add degree 2 without negative powers."""
    rng = np.random.default_rng(3)
    X = rng.uniform(0.5, 2, size=(200, 3))
    y = X[:, 0] / (1 + X[:, 1] ** 2 + X[:, 2] ** 2)
    best = [evaluate(tree, X) for tree, _ in transformed_equations(X, y)]
    assert any(np.allclose(f, y, rtol=1e-8) for f in best)
    assert not any(np.allclose(f, y, rtol=1e-8)
                   for f in (evaluate(t, X) for t, _ in transformed_equations(X, y, extended=False)))


def test_the_estimator_finds_a_distance_in_differences(tiny_model):
    X = _positions(seed=4)
    y = np.sqrt((X[:, 1] - X[:, 0]) ** 2 + (X[:, 3] - X[:, 2]) ** 2)
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, variable_names=["x1", "x2", "y1", "y2"], X_units=["m"] * 4, y_units="m")
    assert reg.differences_ is not None and len(reg.search_variables_) == 2
    x1, x2, y1, y2 = sympy.symbols("x1 x2 y1 y2", real=True)
    found = reg.sympy().subs({s: sympy.Symbol(s.name, real=True)
                              for s in reg.sympy().free_symbols})
    truth = sympy.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2)
    assert sympy.simplify(sympy.expand(found ** 2 - truth ** 2)) == 0
    assert np.allclose(reg.predict(X), y, rtol=1e-9)


def test_without_a_difference_the_estimator_searches_the_variables(tiny_model):
    X = _positions(seed=5)[:, :2]
    y = X[:, 0] * X[:, 1]
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, X_units=["m", "m"], y_units="m^2")
    assert reg.differences_ is None


@pytest.mark.parametrize("scale", [1e-300, 1e250])
def test_extreme_magnitudes_give_the_same_differences(scale):
    X = _positions(seed=6)
    y = np.sqrt((X[:, 1] - X[:, 0]) ** 2 + (X[:, 3] - X[:, 2]) ** 2)
    plain = Differences.find(X, y, [LENGTH] * 4)
    assert plain is not None and Differences.find(X * scale, y * scale, [LENGTH] * 4) == plain
    assert Differences.find(X, np.full(len(y), 3.0), [LENGTH] * 4) is None  # constant y


def test_without_units_a_distance_reduces_to_its_differences_by_their_slopes():
    """No units: any pair may merge, but only when the kernel model's slopes cancel."""
    X = _positions(seed=7)
    y = np.sqrt((X[:, 1] - X[:, 0]) ** 2 + (X[:, 3] - X[:, 2]) ** 2)
    found = Differences.find(X, y, None)
    assert found is not None
    assert sorted(tuple(np.flatnonzero(c)) for c in found.columns) == [(0, 1), (2, 3)]
    # the test the pairs must pass: dy/dx1 = -dy/dx2 at the rows (against the exact slopes)
    slopes = D.gradients(X, y)
    exact = (X[:, 0] - X[:, 1]) / y
    assert np.corrcoef(slopes[:, 0], exact)[0, 1] > 0.9
    assert D.opposite(slopes[:, 0], slopes[:, 1]) and not D.opposite(slopes[:, 0], slopes[:, 2])


@pytest.mark.parametrize("law", [
    lambda X: X[:, 0] * X[:, 1] + X[:, 2] * X[:, 3],   # products of columns of like ranges
    lambda X: np.sqrt(X[:, 0] ** 2 + X[:, 1] ** 2) + X[:, 2] / X[:, 3],
    lambda X: X[:, 0] * X[:, 1] * np.exp(-X[:, 2] / X[:, 3]),
])
def test_without_units_laws_that_need_both_variables_keep_them(law):
    X = _positions()
    assert Differences.find(X, law(X), None) is None


@pytest.mark.slow  # ~8 s; the fit with units stays in make test
def test_the_estimator_without_units_searches_a_distance_in_its_differences(tiny_model):
    X = _positions(seed=4)
    y = np.sqrt((X[:, 1] - X[:, 0]) ** 2 + (X[:, 3] - X[:, 2]) ** 2)
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, variable_names=["x1", "x2", "y1", "y2"])
    assert reg.differences_ is not None and len(reg.search_variables_) == 2
    assert np.allclose(reg.predict(X), y, rtol=1e-9)
