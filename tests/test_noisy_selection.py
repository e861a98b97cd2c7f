"""Few noisy readings: no interpolation counts as exact, the default selection prefers the
simplest equation the noise allows, wild readings are set aside and named, and printed
equations carry no leftover scaling factors."""
import numpy as np
import pytest
from scipy.optimize import curve_fit

from eqlearn import EquationRegressor
from eqlearn.expr import evaluate, parse_expr
from eqlearn.expr.factor import absorb_constant_factors
from eqlearn.search.outliers import residual_outliers, suspected_outliers
from eqlearn.search.pipeline import FitPlan
from eqlearn.search.scaling import Scaling
from eqlearn.search.choice import choose_equation
from eqlearn.search.selection import Candidate, pareto_front


def test_a_fit_keeps_half_its_points_as_degrees_of_freedom():
    assert FitPlan().max_constants(6) == 3 and FitPlan().max_constants(200) == 100
    x = np.arange(1.0, 7.0)
    y = np.array([2.1, 3.9, 6.2, 7.8, 10.1, 12.2])  # 6 readings: a quintic would interpolate
    reg = EquationRegressor(time_budget=5, random_state=0).fit(x[:, None], y)
    assert all(e.expr.n_constants() <= 3 for e in reg.front_)
    assert reg.best_.errors.dof >= 3 and reg.best_.loss > 1e-20


def test_a_forms_code_counts_the_operators_the_search_uses_by_default():
    """The description length's alphabet (choice.N_OPERATORS, kept free of the search's
    torch imports) is the default search's operator set."""
    from eqlearn.search.choice import N_OPERATORS
    from eqlearn.search.hybrid import DEFAULT_SEARCH_OPERATORS

    assert N_OPERATORS == len(DEFAULT_SEARCH_OPERATORS)


def _front_on_noisy_michaelis_menten(seed=1, n=12):
    """MM readings and a front fitted to them by curve_fit: the mean, MM (2 constants), a
    hyperbola with an offset (3) and a quartic (5), as choose_equation receives it."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.02, 1.1, n))
    y = 212 * x / (0.064 + x)
    y = y + rng.normal(0, 0.03 * y.std(), n)
    forms = [("C", 1), ("C*x1/(C + x1)", 7), ("C - C/(x1 + C)", 7),
             ("C + C*x1 + C*x1**2 + C*x1**3 + C*x1**4", 19)]
    front = []
    for text, complexity in forms:
        skeleton = parse_expr(text)
        k = skeleton.n_constants()
        f = lambda _, *c, s=skeleton: evaluate(s.with_constants(list(c)), x[:, None])  # noqa
        p, _ = curve_fit(f, x, y, p0=[100.0, 0.1, 0.1, 1.0, 1.0][:k], maxfev=20000)
        expr = skeleton.with_constants(list(p))
        loss = float(np.mean((evaluate(expr, x[:, None]) - y) ** 2) / y.var())
        front.append(Candidate(expr, loss, complexity))
    return x[:, None], y, front


def test_the_default_prefers_two_constants_the_noise_cannot_tell_from_three():
    """Michaelis–Menten on 12 noisy readings: the hyperbola with an offset fits better, by
    less than its extra constant costs, and the quartic worse: the description length picks
    MM."""
    X, y, front = _front_on_noisy_michaelis_menten()
    assert front[2].loss < front[1].loss
    choice = choose_equation(front, X, y, np.ones(len(y)), loss="mse")
    assert choice.rule == "mdl" and choice.index == 1
    assert np.argmin(choice.scores) == 1 and np.isfinite(choice.scores[1:3]).all()


def test_cross_validation_as_the_rule_prefers_the_planted_law_to_a_polynomial():
    X, y, front = _front_on_noisy_michaelis_menten()
    choice = choose_equation(front, X, y, np.ones(len(y)), loss="mse", rule="validation")
    assert choice.rule == "validation" and choice.index == 1


@pytest.mark.slow  # ~10 s: several fits
def test_a_fit_of_few_noisy_readings_chooses_a_few_constants_it_can_determine():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.02, 1.1, 12)
    y = 212 * x / (0.064 + x)
    y = y + rng.normal(0, 0.03 * y.std(), 12)
    reg = EquationRegressor(time_budget=10, random_state=0).fit(x[:, None], y)
    assert reg.selection_rule_ == "mdl" and 1 <= len(reg.constants_) <= 3
    assert np.isfinite(reg.constants_["stderr"]).all()
    assert reg.best_.r2 > 0.95


@pytest.mark.parametrize("share", [0.05, 0.10])
def test_wild_readings_are_set_aside_and_named(share):
    rng = np.random.default_rng(0)
    X = rng.uniform(1, 5, (500, 2))
    y = 3 * X[:, 0] ** 2 / X[:, 1]
    bad = rng.choice(500, int(share * 500), replace=False)
    y[bad] *= 10
    with pytest.warns(UserWarning, match="outliers"):
        reg = EquationRegressor(time_budget=20, random_state=0).fit(X, y)
    assert sorted(reg.outliers_) == sorted(bad)
    truth = 3 * X[:, 0] ** 2 / X[:, 1]
    np.testing.assert_allclose(reg.predict(X), truth, rtol=1e-8)


def test_clean_data_loses_no_reading():
    rng = np.random.default_rng(1)
    for X, y in [(rng.uniform(1, 3, (200, 1)), None), (rng.uniform(1, 5, (200, 3)), None)]:
        y = np.exp(-X[:, 0] ** 2 / 2) if X.shape[1] == 1 else X[:, 0] * X[:, 1] / X[:, 2] ** 2
        assert not suspected_outliers(X, y).any()
        noisy = y + rng.normal(0, 0.05 * y.std(), len(y))
        assert not suspected_outliers(X, noisy).any()
        assert not residual_outliers(y, noisy, "mse").any()


def test_additive_spikes_are_screened():
    rng = np.random.default_rng(2)
    X = rng.uniform(1, 5, (200, 3))
    y = np.sin(3 * X[:, 0]) * X[:, 1]
    bad = rng.choice(200, 10, replace=False)
    y[bad] += 5 * y.std()
    assert set(np.flatnonzero(suspected_outliers(X, y))) == set(bad)


def test_scaling_factors_are_folded_into_the_constants():
    scaled = parse_expr("2.2167 - 0.1988/(x1 + 0.1047)")
    mapped = Scaling((1.0,), 100.0).to_original(scaled)
    assert str(mapped) == "100*(2.2167 - 0.1988/(x1 + 0.1047))"
    tidy = absorb_constant_factors(mapped)
    assert str(tidy) == "221.67 - 19.88/(x1 + 0.1047)"
    x = np.linspace(0.02, 1.1, 9)[:, None]
    np.testing.assert_allclose(evaluate(tidy, x), evaluate(mapped, x), rtol=1e-12)
    assert tidy.n_constants() == scaled.n_constants()  # the power of ten is not a constant
    # a term without a constant takes the power of ten as it is
    scaled = parse_expr("3.00981 - x1**(-0.229807)")
    mapped = Scaling((1.0,), 100.0).to_original(scaled)
    tidy = absorb_constant_factors(mapped)
    assert str(tidy) == "300.981 - 100*x1**(-0.229807)"
    np.testing.assert_allclose(evaluate(tidy, x), evaluate(mapped, x), rtol=1e-12)
    assert tidy.n_constants() == scaled.n_constants()


def test_the_front_keeps_fewer_constants_beside_a_better_fit():
    few = Candidate(parse_expr("C*x1/(C + x1)").with_constants([2.0, 0.1]), 0.011, 7)
    more = Candidate(parse_expr("C - C/(x1 + C)").with_constants([2.0, 0.2, 0.1]), 0.010, 7)
    assert pareto_front([few, more]) == [more]
    assert pareto_front([few, more], by_constants=True) == [more, few]


def test_numbers_are_snapped_only_where_the_users_units_keep_them():
    from fractions import Fraction

    scaling = Scaling((100.0,), 100.0)  # days in hundreds, weights in hundreds
    assert scaling.keeps(parse_expr("1/(exp(0.3*x1) - 1)"), Fraction(1))
    assert not scaling.keeps(parse_expr("exp(-x1/2)*3.1"), Fraction(1, 2))  # exp(-x/200)
    assert not scaling.keeps(parse_expr("0.84 + 1*exp(-0.51*x1)"), Fraction(1))  # 100*exp
    assert Scaling.identity(1).keeps(parse_expr("exp(-x1/2)"), Fraction(1, 2))
