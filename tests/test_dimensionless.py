"""Dimensional analysis before the search: the groups are dimensionless (checked against the
unit parser), there are n − rank of them, equations map back exactly, and the estimator
uses units when it can and says why when it cannot."""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import sympy

from eqlearn import EquationRegressor
from eqlearn.data.suites import load_suite
from eqlearn.expr import evaluate
from eqlearn.expr.tree import Node, Num, Var
from eqlearn.inputs import DataWarning
from eqlearn.search.dimensionless import PiGroups, as_dimension


def _dims(units):
    return np.array([as_dimension(u) for u in units], dtype=float).T


def test_every_feynman_basis_is_dimensionless_complete_and_independent():
    """For each Feynman law with units: every group has no dimension, M has y's, there are
    n − rank(D) groups (numpy's rank) and their exponent vectors are independent."""
    checked = 0
    for p in load_suite("feynman").problems:
        units = [p.units["variables"][v] for v in p.variables]
        pi = PiGroups.from_units(units, p.units["output"])
        D = _dims(units)
        target = np.array(as_dimension(p.units["output"]), dtype=float)
        if pi is None:  # y's units out of the variables' reach
            rank = np.linalg.matrix_rank(D)
            assert np.linalg.matrix_rank(np.column_stack([D, target])) > rank
            continue
        G = np.array([[float(e) for e in g] for g in pi.groups]).reshape(-1, len(units))
        assert np.allclose(D @ G.T, 0)
        assert np.allclose(D @ np.array([float(e) for e in pi.output]), target)
        assert pi.n_groups == len(units) - np.linalg.matrix_rank(D)
        if pi.n_groups:
            assert np.linalg.matrix_rank(G) == pi.n_groups
        checked += 1
    assert checked > 100


def test_the_relativistic_mass_reduces_to_one_group_and_maps_back_exactly():
    """m = m0/sqrt(1 − v²/c²): one group (v/c or c/v), M = m0; an equation written in the
    group maps back to the law's values (numpy) in the original variables."""
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(1, 5, 50), rng.uniform(1, 2, 50), rng.uniform(3, 10, 50)])
    y = X[:, 0] / np.sqrt(1 - X[:, 1] ** 2 / X[:, 2] ** 2)
    pi = PiGroups.from_units(["kg", "m/s", "m s^-1"], "kg", X, y)
    groups, scale = pi.describe(["m0", "v", "c"])
    assert scale == "m0" and groups in (["v/c"], ["c/v"])
    P, z = pi.transform(X, y)
    u = X[:, 1] / X[:, 2] if groups == ["v/c"] else X[:, 2] / X[:, 1]
    assert np.allclose(P[:, 0], u) and np.allclose(z, y / X[:, 0])
    inv = Node("div", (Num(1), Var(0))) if groups == ["c/v"] else Var(0)
    f = Node("pow", (Node("sub", (Num(1), Node("pow", (inv, Num(2))))), Num(Fraction(-1, 2))))
    assert np.allclose(evaluate(pi.to_original(f), X), y, rtol=1e-12)


def test_laws_with_constants_of_their_own_give_no_groups():
    """Planck's I(λ, T) in W m⁻³ cannot be made of metres and kelvins (h, c and k_B are at
    work), nor can a force from a length alone."""
    assert PiGroups.from_units(["m", "K"], "W m^-3") is None
    assert PiGroups.from_units(["m"], "N") is None


def test_units_can_be_strings_or_mappings():
    assert as_dimension({"m": 1, "s": -1}) == as_dimension("m/s") == as_dimension("m s^-1")
    assert as_dimension("") == as_dimension({}) == (0,) * 6
    with pytest.raises(ValueError, match="unknown unit 'furlongs'"):
        as_dimension("furlongs")
    with pytest.raises(TypeError, match="units must be"):
        as_dimension(3)


def _relativistic_data(n=100):
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.uniform(1, 5, n), rng.uniform(1, 2, n), rng.uniform(3, 10, n)])
    return X, X[:, 0] / np.sqrt(1 - X[:, 1] ** 2 / X[:, 2] ** 2)


def test_the_estimator_finds_the_relativistic_mass_with_units(tiny_model):
    """With units and an untrained network the law is found exactly (the rational fits of
    the transformed one-variable target), sympy-equal to m0/sqrt(1 − v²/c²)."""
    X, y = _relativistic_data()
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, variable_names=["m0", "v", "c"], X_units=["kg", "m/s", "m/s"], y_units="kg")
    assert reg.search_variables_ in (["v/c"], ["c/v"])
    m0, v, c = sympy.symbols("m0 v c", positive=True)
    found = reg.sympy().subs({s: sympy.Symbol(s.name, positive=True)
                              for s in reg.sympy().free_symbols})
    truth = m0 / sympy.sqrt(1 - v ** 2 / c ** 2)
    assert sympy.simplify(found - truth) == 0
    assert np.allclose(reg.predict(X), y, rtol=1e-9)


def test_units_that_cannot_be_used_give_a_warning_and_a_plain_search(tiny_model):
    X, y = _relativistic_data(40)
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=2.0, beam_size=2,
                            n_samples=4, random_state=0)
    with pytest.warns(DataWarning, match="units not used: y's units"):
        reg.fit(X, y, X_units=["kg", "m/s", "m/s"], y_units="N")
    assert reg.pi_groups_ is None and reg.search_variables_ == ["x1", "x2", "x3"]
    X0 = X.copy()
    X0[0, 1] = X0[1, 2] = 0.0  # v = 0 on one row, c = 0 on another: v/c and c/v infinite
    with pytest.warns(DataWarning, match="not finite"):
        reg.fit(X0, y, X_units=["kg", "m/s", "m/s"], y_units="kg")


@pytest.mark.parametrize("kwargs, message", [
    ({"X_units": ["kg", "m/s", "m/s"]}, "both X_units and y_units"),
    ({"X_units": ["kg", "m/s"], "y_units": "kg"}, "one entry per column"),
    ({"X_units": "kg", "y_units": "kg"}, "one entry per column"),
    ({"X_units": {"m0": "kg"}, "y_units": "kg"}, "no units for v, c"),
    ({"X_units": ["kg", "m/s", "parsecs"], "y_units": "kg"}, "unknown unit 'parsecs'"),
])
def test_bad_units_are_clear_errors(kwargs, message):
    X, y = _relativistic_data(20)
    reg = EquationRegressor(method="search", time_budget=1.0, random_state=0)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, y, variable_names=["m0", "v", "c"], **kwargs)


def test_units_by_name_equal_units_by_position(tiny_model):
    X, y = _relativistic_data(40)
    groups = []
    for units in (["kg", "m/s", "m/s"], {"c": "m/s", "m0": "kg", "v": "m/s"}):
        reg = EquationRegressor(model=tiny_model, method="neural", time_budget=2.0,
                                beam_size=2, n_samples=4, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X, y, variable_names=["m0", "v", "c"], X_units=units, y_units="kg")
        groups.append(reg.pi_groups_)
    assert groups[0] == groups[1] is not None


@pytest.mark.slow  # ~8 s: a 4-variable fit
def test_the_relativistic_doppler_law_with_an_angle_is_found_exactly(tiny_model):
    """ω·sqrt(1 − v²/c²)/(1 + v·cos θ/c) (Feynman test.15) in the groups v/c and θ: the
    rational fit of y² in cos θ has a numerator and denominator negative on every row, and
    the square root of its expanded square (1/u + cos θ)² is written out as the factor."""
    rng = np.random.default_rng(10)
    c, v = rng.uniform(3, 10, 200), rng.uniform(1, 2, 200)
    w, theta = rng.uniform(1, 5, 200), rng.uniform(1, 5, 200)
    X = np.column_stack([c, v, w, theta])
    y = np.sqrt(1 - v ** 2 / c ** 2) * w / (1 + v / c * np.cos(theta))
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, variable_names=["c", "v", "w", "theta"],
            X_units=["m/s", "m/s", "1/s", ""], y_units="1/s")
    cs, vs, ws, ts = sympy.symbols("c v w theta", positive=True)
    found = reg.sympy().subs({s: sympy.Symbol(s.name, positive=True)
                              for s in reg.sympy().free_symbols})
    truth = sympy.sqrt(1 - vs ** 2 / cs ** 2) * ws / (1 + vs / cs * sympy.cos(ts))
    assert "sqrt" not in str(sympy.denom(sympy.together(found)))
    assert sympy.simplify(found / truth) == 1


@pytest.mark.slow  # ~7 s: a fit
def test_lorentz_time_comes_out_in_its_tidiest_exact_form(tiny_model):
    """(t − u·x/c²)/sqrt(1 − u²/c²) (Feynman I.15.3t): the rational fits give several exact
    forms; the one whose numerator is a perfect square, off the Pareto front, is the one that
    rewrites shortest (its square root taken), so no root is left in the numerator."""
    rng = np.random.default_rng(12)
    x, c, u, t = (rng.uniform(1, 5, 200), rng.uniform(3, 10, 200), rng.uniform(1, 2, 200),
                  rng.uniform(1, 5, 200))
    X, y = np.column_stack([x, c, u, t]), (t - u * x / c ** 2) / np.sqrt(1 - u ** 2 / c ** 2)
    reg = EquationRegressor(model=tiny_model, method="neural", time_budget=10.0, beam_size=2,
                            n_samples=4, random_state=0)
    reg.fit(X, y, variable_names=["x", "c", "u", "t"], X_units=["m", "m/s", "m/s", "s"],
            y_units="s")
    xs, cs, us, ts = sympy.symbols("x c u t", positive=True)
    found = reg.sympy().subs({s: sympy.Symbol(s.name, positive=True)
                              for s in reg.sympy().free_symbols})
    assert "sqrt" not in str(sympy.numer(sympy.together(found)))
    truth = (ts - us * xs / cs ** 2) / sympy.sqrt(1 - us ** 2 / cs ** 2)
    assert sympy.simplify(found / truth) == 1
