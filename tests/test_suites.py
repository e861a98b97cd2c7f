"""Benchmark suites: bundled contents, formula parsing, sampling, noise, loading."""
import json
from functools import lru_cache

import numpy as np
import pytest

from eqlearn.data.suites import Problem, Suite, list_suites, load_suite, suite_from_csv
from eqlearn.expr import evaluate, parse_expr

EXPECTED_SIZES = {"blackbody": 6, "families": 30, "feynman": 119, "nguyen": 12, "strogatz": 14}
# formulas whose functions the operator table lacks; drop an entry once the operator exists
KNOWN_UNPARSABLE = {
    ("strogatz", "strogatz_shearflow1"): "no cot operator",
}
H, C, K_B = 6.62607015e-34, 299792458.0, 1.380649e-23


@lru_cache(maxsize=None)
def suite(name: str) -> Suite:
    return load_suite(name)


def all_problems():
    return [pytest.param(name, p, id=f"{name}/{p.id}")
            for name in EXPECTED_SIZES for p in suite(name)]


def all_problems_marked():
    params = []
    for param in all_problems():
        name, problem = param.values
        reason = KNOWN_UNPARSABLE.get((name, problem.id))
        xfail = pytest.mark.xfail(reason=reason, raises=ValueError, strict=True)
        marks = [xfail] if reason else []
        params.append(pytest.param(name, problem, id=param.id, marks=marks))
    return params


def test_bundled_suites_are_listed():
    assert list_suites() == sorted(EXPECTED_SIZES)


@pytest.mark.parametrize("name,size", EXPECTED_SIZES.items())
def test_suite_sizes(name, size):
    assert len(suite(name)) == size
    assert len(set(suite(name).ids)) == size
    assert suite(name).description


def test_feynman_tags_and_units():
    feynman = suite("feynman")
    assert len(feynman.filter(tags={"bonus": True})) == 20
    excluded = {p.id for p in feynman.filter(tags={"srbench2021": False})}
    assert excluded == {"I.26.2", "I.30.5", "test.10"}
    assert feynman.get("feynman_test_10") is feynman.get("test.10")
    for p in feynman:
        assert p.tags["n_vars"] == p.n_vars
        assert set(p.units["variables"]) == set(p.variables)
    planck = feynman.get("I.41.16")
    assert planck.units["variables"]["T"] == {"K": 1}
    assert planck.units["output"] == {"s": -2, "kg": 1}


def test_filter_by_number_of_variables_and_tags():
    feynman = suite("feynman")
    small = feynman.filter(max_vars=3)
    assert len(small) == 53
    assert all(p.n_vars <= 3 for p in small)
    assert len(feynman.filter(max_vars=3, tags={"srbench2021": True})) == 50
    assert len(suite("nguyen").filter(max_vars=1)) == 8
    assert len(feynman.filter(tags={"no_such_tag": True})) == 0


@pytest.mark.parametrize("name,problem", all_problems())
def test_formula_parses_with_sympy_in_time(name, problem):
    expr = problem.sympy(timeout=5.0)
    assert {s.name for s in expr.free_symbols} <= set(problem.variables)
    assert all(s.is_real for s in expr.free_symbols)


@pytest.mark.parametrize("name,problem", all_problems())
def test_samples_are_finite_and_within_ranges(name, problem):
    X, y = problem.sample(200, rng=1)
    assert X.shape == (200, problem.n_vars) and y.shape == (200,)
    assert np.all(np.isfinite(y))
    low, high = np.array(problem.ranges).T
    assert np.all((X >= low) & (X <= high))


@pytest.mark.parametrize("name,problem", all_problems_marked())
def test_formula_parses_into_an_expression_tree(name, problem):
    tree = parse_expr(problem.formula, problem.variables)
    X, y = problem.sample(50, rng=2)
    np.testing.assert_allclose(evaluate(tree, X), y, rtol=1e-9, atol=1e-300)


def test_sampling_is_deterministic_for_a_seed():
    problem = suite("feynman").get("I.9.18")
    X1, y1 = problem.sample(100, rng=np.random.default_rng(7), noise=0.1)
    X2, y2 = problem.sample(100, rng=np.random.default_rng(7), noise=0.1)
    X3, _ = problem.sample(100, rng=np.random.default_rng(8), noise=0.1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_nguyen1_matches_numpy(rng):
    problem = suite("nguyen").get("Nguyen-1")
    X, y = problem.sample(rng=rng)
    x = X[:, 0]
    assert X.shape == (20, 1)
    np.testing.assert_allclose(y, x**3 + x**2 + x, rtol=1e-12, atol=1e-15)


def test_noise_has_the_requested_relative_rms():
    problem = suite("feynman").get("I.6.2a")
    _, clean = problem.sample(20_000, rng=3)
    _, noisy = problem.sample(20_000, rng=3, noise=0.1)
    relative = np.std(noisy - clean) / np.sqrt(np.mean(clean**2))
    assert relative == pytest.approx(0.1, rel=0.03)


def test_loguniform_sampling_spreads_over_decades():
    problem = suite("blackbody").get("planck_frequency")
    X, _ = problem.sample(4000, rng=4)
    log_nu, log_t = np.log10(X).T
    assert np.median(log_nu) == pytest.approx(12.5, abs=0.15)
    assert np.median(log_t) == pytest.approx(np.log10(100 * 6000) / 2, abs=0.05)
    counts = np.histogram(log_nu, bins=np.arange(9, 17))[0]  # one bin per decade
    assert counts.min() > 0.8 * 4000 / 7


def planck_wavelength(lam, T):
    return 2 * np.pi * H * C**2 / lam**5 / np.expm1(H * C / (lam * K_B * T))


def planck_frequency(nu, T):
    return 2 * H * nu**3 / C**2 / np.expm1(H * nu / (K_B * T))


def test_blackbody_planck_matches_numpy():
    lam_t = np.array([[5e-7, 5772.0], [1e-5, 1e3], [1e-7, 1e4], [2.9e-6, 1e3]])
    got = suite("blackbody").get("planck_wavelength").evaluate(lam_t)
    np.testing.assert_allclose(got, planck_wavelength(*lam_t.T), rtol=1e-10)
    nu_t = np.array([[5.4e14, 5772.0], [1e9, 100.0], [1e16, 6000.0], [1e11, 2.725e2]])
    got = suite("blackbody").get("planck_frequency").evaluate(nu_t)
    np.testing.assert_allclose(got, planck_frequency(*nu_t.T), rtol=1e-10)


def test_blackbody_limits_agree_with_planck():
    blackbody = suite("blackbody")
    long_waves = np.array([[1e-5, 1e4]])
    x = H * C / (1e-5 * K_B * 1e4)  # 0.14: Rayleigh-Jeans / Planck = (e^x - 1) / x
    ratio = (blackbody.get("rayleigh_jeans_wavelength").evaluate(long_waves)
             / blackbody.get("planck_wavelength").evaluate(long_waves))
    assert ratio[0] == pytest.approx(np.expm1(x) / x, rel=1e-10)
    assert ratio[0] == pytest.approx(1.07, abs=0.01)
    short_waves = np.array([[1e-7, 1e3]])  # h c / (lam k T) = 144
    ratio = (blackbody.get("wien_wavelength").evaluate(short_waves)
             / blackbody.get("planck_wavelength").evaluate(short_waves))
    assert ratio[0] == pytest.approx(1.0, rel=1e-12)


def test_bad_suite_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown suite 'feinman'.*feynman"):
        load_suite("feinman")


def test_suite_round_trips_through_a_json_file(tmp_path):
    small = suite("nguyen").filter(max_vars=1)
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small.to_dict()))
    assert load_suite(path) == small
    path.write_text("{}")
    with pytest.raises(ValueError, match="not a valid suite file"):
        load_suite(path)


def test_names_that_sympy_or_python_reserve_are_plain_symbols():
    names = ("lambda", "I", "E", "S", "N", "beta", "gamma")
    problem = Problem(id="names", formula="lambda*I + E*S - N*beta/gamma", variables=names,
                      ranges=((1.0, 2.0),) * 7, sampling=("uniform",) * 7, n_points=10,
                      output="y")
    expr = problem.sympy()
    assert sorted(s.name for s in expr.free_symbols) == sorted(names)
    X, y = problem.sample(rng=5)
    lam, i, e, s, n, beta, gamma = X.T
    np.testing.assert_allclose(y, lam * i + e * s - n * beta / gamma, rtol=1e-12)


def test_unknown_names_in_a_formula_are_rejected():
    problem = Problem(id="typo", formula="x*y", variables=("x",), ranges=((0.0, 1.0),),
                      sampling=("uniform",), n_points=5, output="f")
    with pytest.raises(ValueError, match="not among its variables"):
        problem.sympy()
    with pytest.raises(ValueError, match="cannot parse"):
        Problem(id="open", formula="(x + 1", variables=("x",), ranges=((0.0, 1.0),),
                sampling=("uniform",), n_points=5, output="f").sympy()


def test_points_where_the_formula_is_undefined_are_redrawn():
    problem = Problem(id="log", formula="log(x)", variables=("x",), ranges=((-1.0, 1.0),),
                      sampling=("uniform",), n_points=500, output="y")
    X, y = problem.sample(rng=6)
    assert np.all(X > 0) and np.all(np.isfinite(y))
    nowhere = Problem(id="nan", formula="sqrt(-1 - x**2)", variables=("x",),
                      ranges=((-1.0, 1.0),), sampling=("uniform",), n_points=5, output="y")
    with pytest.raises(RuntimeError, match="not finite"):
        nowhere.sample(rng=6)


@pytest.mark.parametrize("sampling,ranges", [("normal", (0.0, 1.0)),
                                             ("loguniform", (0.0, 1.0)),
                                             ("uniform", (2.0, 1.0))])
def test_invalid_problem_definitions_are_rejected(sampling, ranges):
    with pytest.raises(ValueError):
        Problem(id="bad", formula="x", variables=("x",), ranges=(ranges,),
                sampling=(sampling,), n_points=5, output="y")


def test_suite_from_csv_serves_the_file_rows(tmp_path):
    path = tmp_path / "pendulum.csv"
    path.write_text("L,g,T\n1.0,9.81,2.006\n2.0,9.81,2.837\n0.5,1.62,3.49\n")
    data = suite_from_csv(path, target="T")
    (problem,) = data
    assert data.name == "pendulum" and problem.formula is None
    assert problem.variables == ("L", "g") and problem.ranges == ((0.5, 2.0), (1.62, 9.81))
    X, y = problem.sample()
    np.testing.assert_array_equal(X, [[1.0, 9.81], [2.0, 9.81], [0.5, 1.62]])
    np.testing.assert_array_equal(y, [2.006, 2.837, 3.49])
    X2, y2 = problem.sample(2, rng=0)
    assert X2.shape == (2, 2) and set(y2) <= set(y)
    with pytest.raises(ValueError, match="without a known formula"):
        problem.sympy()
    with pytest.raises(ValueError, match="no column 'period'"):
        suite_from_csv(path, target="period")
