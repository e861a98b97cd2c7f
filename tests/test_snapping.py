"""Constants whose confidence interval holds a simple number become it, when the description
of the data gets shorter; references: scipy's curve_fit for the intervals, planted laws."""
from fractions import Fraction

import numpy as np
import pytest
import sympy
from scipy import stats
from scipy.optimize import curve_fit

from eqlearn.expr import evaluate, parse_expr
from eqlearn.expr.export import to_sympy, variable_symbols
from eqlearn.search.choice import choose_equation
from eqlearn.search.selection import Candidate, complexity
from eqlearn.search.snapping import simple_number


def test_the_simple_number_must_lie_inside_the_interval():
    assert simple_number(0.9977, 0.01) == 1
    assert simple_number(0.52, 0.03) == Fraction(1, 2)
    assert simple_number(0.004, 0.01) == 0
    assert simple_number(0.8, 0.05) is None            # 1/2 and 1 are outside
    assert simple_number(4.6, 0.2) == Fraction(9, 2)   # halves up to 5 ...
    assert simple_number(13.95, 0.5) is None           # ... no larger integers
    assert simple_number(1.0, np.inf) is None          # undetermined: nothing to test


def _fitted(text: str, X, y, p0):
    """``text`` (constants ``C``) fitted by curve_fit, as a front member; with curve_fit's
    95 % intervals."""
    skeleton = parse_expr(text)
    f = lambda _, *c: evaluate(skeleton.with_constants(list(c)), X)  # noqa: E731
    p, cov = curve_fit(f, np.zeros(len(y)), y, p0=p0, maxfev=20000)
    expr = skeleton.with_constants(list(p))
    loss = float(np.mean((evaluate(expr, X) - y) ** 2) / y.var())
    half = stats.t.ppf(0.975, len(y) - len(p)) * np.sqrt(np.diag(cov))
    return Candidate(expr, loss, complexity(expr)), p, half


def _planted(law, noise: float, n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 3.0, (n, 2))
    y = law(X[:, 0], X[:, 1])
    return X, y + rng.normal(0.0, noise * y.std(), n)


def test_a_rate_the_noise_cannot_tell_from_one_half_becomes_it():
    """x1·e^(−x2/2) with 3 % noise: curve_fit's intervals hold 1 and −1/2; the chosen
    equation has no free constant left and is sympy-equal to the law."""
    X, y = _planted(lambda a, b: a * np.exp(-b / 2), 0.03)
    cand, p, half = _fitted("C*x1*exp(C*x2)", X, y, [1.0, -0.4])
    assert abs(p[0] - 1) < half[0] and abs(p[1] + 0.5) < half[1] and abs(p[1] + 0.5) > 1e-3
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    chosen = choice.front[choice.index].expr
    assert chosen.n_constants() == 0
    a, b = variable_symbols(["x1", "x2"])
    assert sympy.simplify(to_sympy(chosen, ["x1", "x2"]) - a * sympy.exp(-b / 2)) == 0


def test_a_constant_the_data_tell_from_every_simple_number_stays():
    """2.3·x1·e^(−0.8·x2) with 1 % noise: 2.3 and 0.8 are far outside reach of a half."""
    X, y = _planted(lambda a, b: 2.3 * a * np.exp(-0.8 * b), 0.01)
    cand, p, half = _fitted("C*x1*exp(C*x2)", X, y, [1.0, -0.5])
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    values = choice.errors[choice.index].values
    assert len(values) == 2 and np.allclose(sorted(np.abs(values)), sorted(np.abs(p)), rtol=1e-4)


def test_a_half_snaps_though_its_canonical_form_is_longer():
    """2.5·x1·e^(−0.8·x2) with 1 % noise: curve_fit's interval of the factor holds 5/2,
    which is written as a fraction (the canonical form's ``5·x1·…/2`` is 3 nodes longer
    than the constant it replaces); 0.8 stays as fitted."""
    X, y = _planted(lambda a, b: 2.5 * a * np.exp(-0.8 * b), 0.01)
    cand, p, half = _fitted("C*x1*exp(C*x2)", X, y, [1.0, -0.5])
    assert abs(p[0] - 2.5) < half[0] and abs(p[1] + 0.8) < half[1]
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    chosen = choice.front[choice.index]
    assert chosen.expr.n_constants() == 1 and chosen.complexity <= cand.complexity
    rate = choice.errors[choice.index].values[0]
    a, b = variable_symbols(["x1", "x2"])
    law = sympy.Rational(5, 2) * a * sympy.exp(sympy.Float(rate) * b)
    assert sympy.simplify(to_sympy(chosen.expr, ["x1", "x2"]) - law) == 0
    assert abs(rate + 0.8) < half[1]


def test_an_exponent_of_a_ratio_snaps_to_two():
    """x1·((x1/x2)² + 1) with 1 % noise, fitted as ``C·x1·(C + (x1/x2)^C)``: the exponent's
    interval holds 2, and ``(x1/x2)²`` is kept as it is written (``x1²/x2²`` would be 2
    nodes longer); the other two hold 1: the law is left."""
    X, y = _planted(lambda a, b: a * ((a / b) ** 2 + 1), 0.01, n=60, seed=1)
    cand, p, half = _fitted("C*x1*(C + (x1/x2)**C)", X, y, [1.2, 0.8, 1.8])
    assert np.all(np.abs(p - [1, 1, 2]) < half) and np.all(np.abs(p - [1, 1, 2]) > 1e-4)
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    chosen = choice.front[choice.index].expr
    assert chosen.n_constants() == 0
    a, b = variable_symbols(["x1", "x2"])
    assert sympy.simplify(to_sympy(chosen, ["x1", "x2"]) - a * ((a / b) ** 2 + 1)) == 0


def test_a_term_the_data_do_not_need_goes():
    """x1 + x2² read with 2 % noise and fitted with an offset: the offset's interval holds
    0 and the 1s of both terms: the law is left."""
    X, y = _planted(lambda a, b: a + b**2, 0.02, n=30, seed=3)
    cand, p, half = _fitted("C*x1 + C*x2**2 + C", X, y, [1.0, 1.0, 0.0])
    assert sum(np.abs(p) < half) == 1 and sum(np.abs(p - 1) < half) == 2  # (in some order)
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    chosen = choice.front[choice.index]
    assert chosen.expr.n_constants() == 0 and str(chosen.expr) in ("x1 + x2**2", "x2**2 + x1")


@pytest.mark.parametrize("rule", ["accuracy", "validation"])
def test_other_rules_leave_the_constants_as_fitted(rule):
    X, y = _planted(lambda a, b: a * np.exp(-b / 2), 0.03)
    cand, p, _ = _fitted("C*x1*exp(C*x2)", X, y, [1.0, -0.4])
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse", rule=rule)
    assert choice.front[choice.index].expr.n_constants() == 2
