"""Sums of exponentials and of powers fitted directly, against planted laws and curve_fit."""
import numpy as np
import pytest
import sympy
from scipy.optimize import curve_fit

from eqlearn import EquationRegressor
from eqlearn.data.families import FAMILIES, family_problems, family_suite
from eqlearn.data.suites import load_suite
from eqlearn.expr.evaluate import evaluate
from eqlearn.expr.tree import to_infix
from eqlearn.search.exponential_sums import exponential_sums
from eqlearn.search.power_sums import power_sums


def _closest(equations, X, y):
    return min((e for e, _ in equations), key=lambda e: np.mean((evaluate(e, X) - y) ** 2))


@pytest.mark.parametrize("law, rates", [
    (lambda t: 5 * np.exp(-1.3 * t) + 2 * np.exp(-0.15 * t), [-1.3, -0.15]),
    (lambda t: 4 * (np.exp(-0.2 * t) - np.exp(-1.7 * t)), [-1.7, -0.2]),
    (lambda t: 2 * np.exp(-3 * t) + np.exp(-0.5 * t) + 0.5 * np.exp(-0.05 * t), [-3, -0.5, -0.05])])
def test_exponential_sums_find_the_planted_rates(law, rates):
    t = np.linspace(0.05, 12, 150)[:, None]
    y = law(t[:, 0])
    best = _closest(exponential_sums(t, y), t, y)
    assert np.allclose(evaluate(best, t), y, rtol=1e-8, atol=1e-10)
    found = sorted(c.value for c in best.constants() if -10 < c.value < -1e-6)  # the rates
    assert np.allclose(found, sorted(rates), rtol=1e-6)


def test_cancelling_amplitudes_are_also_proposed_as_one_constant():
    t = np.linspace(0, 20, 100)[:, None]
    y = 3 * (1 - np.exp(-0.6 * t[:, 0]))
    texts = [to_infix(e, ["t"], 4) for e, _ in exponential_sums(t, y)]
    assert "3*(1 - exp(-0.6*t))" in texts
    one = [e for e, _ in exponential_sums(t, y) if e.n_constants() == 2]
    assert one and np.allclose(evaluate(one[0], t), y)


def test_power_sums_on_noisy_readings_agree_with_curve_fit_of_the_law():
    rng = np.random.default_rng(3)
    r = rng.uniform(1.1, 3.7, 200)
    law = lambda r, a, b: a / r ** 8 - b / r ** 5  # noqa: E731
    y = law(r, 3.495, 1.832)
    y = y + rng.normal(0, 0.01 * np.sqrt(np.mean(y ** 2)), len(r))
    (a, b), _ = curve_fit(law, r, y, p0=[1, 1])
    texts = {to_infix(e.skeleton(), ["r"]): e for e, _ in power_sums(r[:, None], y)}
    assert "C/r**8 - C/r**5" in texts
    values = [c.value for c in texts["C/r**8 - C/r**5"].constants()]
    assert np.allclose(values, [a, b], rtol=1e-6)


def test_power_sums_need_a_one_signed_variable():
    x = np.linspace(-1, 1, 50)[:, None]
    assert power_sums(x, x[:, 0] ** 2) == []


@pytest.mark.slow  # ~12 s: two fits
def test_the_estimator_finds_a_bateman_chain_and_a_mie_potential():
    t = np.linspace(0, 30, 120)[:, None]
    y = 2.2 * (np.exp(-0.15 * t[:, 0]) - np.exp(-1.1 * t[:, 0]))
    reg = EquationRegressor(time_budget=20, random_state=0).fit(t, y, variable_names=["t"])
    T = sympy.Symbol("t", real=True)
    planted = 2.2 * (sympy.exp(-0.15 * T) - sympy.exp(-1.1 * T))
    assert np.allclose(reg.predict(t), y, rtol=1e-8)
    assert len(reg.best_.sympy().atoms(sympy.exp)) == 2
    assert sympy.simplify(reg.best_.sympy().subs(T, 2.0) - planted.subs(T, 2.0)) < 1e-9
    r = np.linspace(0.95, 3, 100)[:, None]
    y = 1.4 / r[:, 0] ** 12 - 0.6 / r[:, 0] ** 6
    reg = EquationRegressor(time_budget=20, random_state=0).fit(r, y, variable_names=["r"])
    assert to_infix(reg.best_.expr.skeleton(), ["r"]) == "C/r**12 - C/r**6"
    assert np.allclose([c.value for c in reg.best_.expr.constants()], [1.4, 0.6], rtol=1e-9)


def test_family_instances_are_reproducible_finite_and_bundled():
    for family in FAMILIES:
        first = family_problems(family, 4, seed=1)
        assert [p.formula for p in first] == [p.formula for p in family_problems(family, 4, 1)]
        assert [p.formula for p in first] != [p.formula for p in family_problems(family, 4, 2)]
        for p in first:
            X, y = p.sample(200, rng=0)
            assert np.all(np.isfinite(y)) and np.ptp(y) > 0
    bundled = load_suite("families")
    assert [p.formula for p in bundled] == [p.formula for p in family_suite(10, seed=0)]
    with pytest.raises(ValueError, match="unknown family"):
        family_problems("epicycles", 1)


def test_an_equation_of_state_of_both_signs_is_reduced_by_its_invariance():
    from eqlearn.search.symmetry import symmetry_groups
    rng = np.random.default_rng(0)
    n, T, V = rng.uniform(0.5, 2, 200), rng.uniform(200, 600, 200), rng.uniform(0.5, 5, 200)
    p = 6.5 * n * T / (V - 0.04 * n) - 1300 * n ** 2 / V ** 2   # van der Waals
    assert p.min() < 0 < p.max()
    groups = symmetry_groups(np.column_stack([n, T, V]), p)
    assert groups is not None
    assert groups.describe(["n", "T", "V"]) == (["T", "V/n"], "1")
    for problem in family_problems("equations-of-state", 6, seed=3):  # and its relatives
        X, y = problem.sample(200, rng=1)
        assert symmetry_groups(X, y).describe(["n", "T", "V"]) == (["T", "V/n"], "1")
    X = rng.uniform(1, 3, (200, 2))
    assert symmetry_groups(X, X[:, 0] - X[:, 1] ** 2 + 2) is None  # no invariance


def test_a_two_term_law_written_as_one_fraction_is_also_written_as_partial_fractions():
    import time

    from eqlearn.expr.export import from_sympy
    from eqlearn.search.apart import partial_fraction_forms
    from eqlearn.search.fitting import SearchSettings
    from eqlearn.search.selection import Candidate, complexity

    rng = np.random.default_rng(1)
    T, u = rng.uniform(200, 600, 150), rng.uniform(0.5, 4, 150)   # u = V/n
    y = 6.5 * T / (u - 0.04) - 1300 / u ** 2
    x1, x2 = sympy.symbols("x1 x2", real=True)
    one_fraction = sympy.cancel(sympy.together(6.5 * x1 / (x2 - 0.04) - 1300 / x2 ** 2))
    expr = from_sympy(one_fraction)
    X = np.column_stack([T, u])
    assert np.allclose(evaluate(expr, X), y, rtol=1e-10)
    cand = Candidate(expr, 1e-32, complexity(expr), "transformed")
    forms = partial_fraction_forms([cand], X, y, np.ones(len(y)), SearchSettings(loss="mse"),
                                   time.perf_counter() + 30)
    best = min((c for c in forms if c.loss < 1e-20), key=lambda c: c.complexity)
    # two terms, the exponent exact: c·T/(u − b) or (c/b)·T/(u/b − 1), minus a/u²
    assert to_infix(best.expr.skeleton(), ["T", "u"]) in ("C*T/(u - C) - C/u**2",
                                                          "C*T/(C*u - 1) - C/u**2")
    assert np.allclose(evaluate(best.expr, X), y, rtol=1e-10)


def test_a_logistic_is_a_sum_of_exponentials_for_one_over_y():
    year = np.linspace(1790, 1990, 21)[:, None]
    y = 440 / (1 + np.exp((1976 - year[:, 0]) / 46))
    # as the pipeline sees it: rescaled by a power of ten, far from 0
    out = exponential_sums(year / 1e4, y, inverse=True)
    best = _closest(out, year / 1e4, y)
    assert np.allclose(evaluate(best, year / 1e4), y, rtol=1e-6)
    assert to_infix(best.skeleton()) == "1/(C + C*exp(C*x1))"
    assert exponential_sums(year, y - 200, inverse=True) == []   # 1/y needs one sign


def test_free_powers_are_sums_of_exponentials_in_log_x():
    dose = np.geomspace(0.5, 80, 30)[:, None]
    y = 1 / (0.25 + 0.01 * dose[:, 0] ** 1.7)    # log-logistic dose-response, no floor
    best = _closest(exponential_sums(dose, y, inverse=True), dose, y)
    assert to_infix(best.skeleton()) == "1/(C + C*x1**C)"
    assert np.allclose(evaluate(best, dose), y, rtol=1e-8)
