"""Constants with uncertainties, measurement errors and prediction intervals, checked against
scipy's ``curve_fit`` on the same equation and against ordinary least squares by hand."""
import numpy as np
import pytest
from scipy.optimize import curve_fit

from eqlearn import EquationRegressor
from eqlearn.equation import format_uncertain
from eqlearn.expr import evaluate, parse_expr
from eqlearn.search.uncertainty import constant_errors, prediction_std, refit_constants


def _curve_fit_same_equation(expr, X, y, sigma=None):
    """curve_fit of the skeleton of ``expr`` started from its constants."""
    skeleton = expr.skeleton()

    def f(_, *c):
        return evaluate(skeleton.with_constants(list(c)), X)

    c0 = [c.value for c in expr.constants()]
    return curve_fit(f, np.zeros(len(y)), y, p0=c0, sigma=sigma,
                     absolute_sigma=sigma is not None, maxfev=20000, ftol=1e-15, xtol=1e-15,
                     gtol=1e-15)


def test_constant_errors_match_curve_fit_on_a_planted_law():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 5, 30)[:, None]
    y = 2.5 * x[:, 0] / (0.8 + x[:, 0]) + rng.normal(0, 0.05, 30)
    expr = refit_constants(parse_expr("C*x1/(C + x1)").with_constants([1.0, 1.0]), x, y,
                           np.ones(30))
    errors = constant_errors(expr, x, y)
    p, cov = _curve_fit_same_equation(expr, x, y)
    np.testing.assert_allclose(errors.values, p, rtol=1e-6)
    np.testing.assert_allclose(errors.stderr, np.sqrt(np.diag(cov)), rtol=1e-4)
    assert errors.dof == 28 and np.all(errors.ci_low < p) and np.all(p < errors.ci_high)


def test_known_sigma_gives_absolute_errors_and_chi2():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 3, 40)[:, None]
    sigma = rng.uniform(0.05, 0.2, 40)
    y = 1.5 * np.exp(-0.7 * x[:, 0]) + rng.normal(0, sigma)
    expr = refit_constants(parse_expr("C*exp(C*x1)").with_constants([1.0, -1.0]), x, y,
                           1 / sigma**2)
    errors = constant_errors(expr, x, y, sigma=sigma)
    p, cov = _curve_fit_same_equation(expr, x, y, sigma)
    np.testing.assert_allclose(errors.stderr, np.sqrt(np.diag(cov)), rtol=1e-4)
    chi2 = float(np.sum(((evaluate(expr, x) - y) / sigma) ** 2))
    assert errors.rss == pytest.approx(chi2) and errors.reduced_chi2 == pytest.approx(chi2 / 38)


def test_constants_the_data_cannot_tell_apart_have_infinite_errors():
    x = np.linspace(0, 1, 20)[:, None]
    expr = parse_expr("C*exp(x1 + C)").with_constants([2.0, 0.3])  # a·e^b: one number
    errors = constant_errors(expr, x, evaluate(expr, x) + 0.01 * np.sin(40 * x[:, 0]))
    assert np.isinf(errors.stderr).all()


def test_a_jacobian_whose_square_overflows_gives_infinite_errors_not_an_exception():
    """J of order 1e200 is finite, JᵀJ is not."""
    x = np.linspace(1e199, 2e199, 20)[:, None]
    expr = parse_expr("C*x1 + C").with_constants([2.0, 1.0])
    errors = constant_errors(expr, x, evaluate(expr, x) * 1.01)
    assert np.isinf(errors.stderr).all() and len(errors.values) == 2


def test_a_failed_eigendecomposition_gives_infinite_errors_not_an_exception(monkeypatch):
    """LAPACK's "Eigenvalues did not converge" ended two fits of the 1 % noise benchmark
    (III.21.20, test.3) with a traceback; the constants are then undetermined."""
    def fails(_):
        raise np.linalg.LinAlgError("Eigenvalues did not converge")

    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 5, 30)[:, None]
    y = 2.5 * x[:, 0] / (0.8 + x[:, 0]) + rng.normal(0, 0.05, 30)
    monkeypatch.setattr(np.linalg, "eigh", fails)
    errors = constant_errors(parse_expr("C*x1/(C + x1)").with_constants([2.5, 0.8]), x, y)
    assert np.isinf(errors.stderr).all() and np.isfinite(errors.rss)


def test_the_estimators_constants_agree_with_curve_fit_on_its_own_equation():
    rng = np.random.default_rng(3)
    X = rng.uniform(0.5, 3, (60, 2))
    y = 2.3 * X[:, 0] * np.exp(-0.71 * X[:, 1])
    y = y + rng.normal(0, 0.02 * y.std(), 60)
    reg = EquationRegressor(time_budget=10, random_state=0).fit(X, y)
    table = reg.constants_
    assert list(table.columns) == ["value", "stderr", "ci_low", "ci_high"]
    assert len(table) == reg.best_.expr.n_constants() >= 1
    p, cov = _curve_fit_same_equation(reg.best_.expr, X, y)
    np.testing.assert_allclose(table["value"], p, rtol=1e-4)
    np.testing.assert_allclose(table["stderr"], np.sqrt(np.diag(cov)), rtol=0.05)
    assert reg.noise_ == pytest.approx(np.sqrt(np.sum((reg.predict(X) - y) ** 2)
                                               / (60 - len(table))))


def test_predict_return_std_matches_least_squares_by_hand():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 10, 25)
    y = 1.7 + 0.6 * x + rng.normal(0, 0.5, 25)
    expr = refit_constants(parse_expr("C*x1 + C").with_constants([1.0, 1.0]), x[:, None], y,
                           np.ones(25))
    errors = constant_errors(expr, x[:, None], y)
    A = np.column_stack([np.ones(25), x])
    beta, rss = np.linalg.lstsq(A, y, rcond=None)[:2]
    s2 = rss[0] / 23
    grid = np.array([0.0, 5.0, 12.0])
    G = np.column_stack([np.ones(3), grid])
    mean_var = s2 * np.einsum("ij,jk,ik->i", G, np.linalg.inv(A.T @ A), G)
    np.testing.assert_allclose(prediction_std(expr, errors, grid[:, None], include_noise=False),
                               np.sqrt(mean_var), rtol=1e-6)
    np.testing.assert_allclose(prediction_std(expr, errors, grid[:, None]),
                               np.sqrt(mean_var + s2), rtol=1e-6)


def test_fit_with_sigma_reports_chi2_and_rejects_bad_sigma():
    rng = np.random.default_rng(5)
    X = rng.uniform(1, 4, (40, 1))
    sigma = np.full(40, 0.05)
    y = 2.71 / X[:, 0] + rng.normal(0, sigma)
    reg = EquationRegressor(time_budget=5, random_state=0).fit(X, y, sigma=sigma)
    assert 0.3 < reg.reduced_chi2_ < 2.0 and np.isnan(reg.noise_)
    pred, std = reg.predict(X[:3], return_std=True)
    assert pred.shape == std.shape == (3,) and np.all(std > 0)
    with pytest.raises(ValueError, match="sigma"):
        EquationRegressor(time_budget=1).fit(X, y, sigma=-sigma)
    with pytest.raises(ValueError, match="not both"):
        EquationRegressor(time_budget=1).fit(X, y, sigma=sigma, sample_weight=np.ones(40))


@pytest.mark.parametrize("value, stderr, text", [
    (3.2147, 0.0412, "3.215 ± 0.041"), (221.67, 1.3, "221.7 ± 1.3"), (5.0, 0.0, "5 ± 0"),
    (-0.5, 0.2, "-0.50 ± 0.20"), (2.5, np.inf, "2.5 ± inf"),
    (0.2038735983690112, 2.5e-18, "0.2038735984 ± 2.5e-18")])
def test_values_are_printed_to_the_precision_of_their_errors(value, stderr, text):
    assert format_uncertain(value, stderr) == text


@pytest.mark.slow  # ~10 s (the fit of its own equation stays in make test)
def test_constants_agree_with_curve_fit_on_real_measurements():
    """R's Puromycin readings (treated cells): whatever equation is chosen, its constants and
    their standard errors are curve_fit's for that equation."""
    conc = np.array([0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.1, 1.1])
    rate = np.array([76, 47, 97, 107, 123, 139, 159, 152, 191, 201, 207, 200], dtype=float)
    reg = EquationRegressor(time_budget=10, random_state=0).fit(conc[:, None], rate)
    assert 1 <= len(reg.constants_) <= 3
    p, cov = _curve_fit_same_equation(reg.best_.expr, conc[:, None], rate)
    np.testing.assert_allclose(reg.constants_["value"], p, rtol=1e-4)
    np.testing.assert_allclose(reg.constants_["stderr"], np.sqrt(np.diag(cov)), rtol=0.05)
