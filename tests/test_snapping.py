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
from eqlearn.search.choice import choose_equation, description_lengths
from eqlearn.search.selection import Candidate, complexity
from eqlearn.search.snapping import simple_number, snap_front
from eqlearn.search.uncertainty import constant_errors


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


@pytest.mark.parametrize("text", [
    "x1*x2**2*(C*(x3/x2)**2 + C)", "C*x1 - C*x2/x3 + exp(C*x1)", "x1/(C - C*x2*x3)",
    "-(C*x1) + C*x2 - C*x3", "C*x1 + sin(C*x2 + C*x3)"])
def test_a_tie_writes_the_same_function_when_the_coefficients_agree(text):
    """Each tie of a sum's two coefficients, evaluated with the second coefficient set to
    ±the first (as the tie says), is the original equation: checked on random points."""
    from eqlearn.search.ties import ties, tied
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2.0, (20, 3))
    skeleton = parse_expr(text, ["x1", "x2", "x3"])
    found = list(ties(skeleton.with_constants(np.ones(skeleton.n_constants()))))
    assert found and all(t.sign in (1, -1) for t in found)
    for tie in found:
        values = rng.uniform(0.5, 2.0, skeleton.n_constants())
        values[tie.j] = tie.sign * values[tie.i]
        expr = skeleton.with_constants(values)
        joint = tied(expr, tie)
        assert joint.n_constants() == expr.n_constants() - 1
        np.testing.assert_allclose(evaluate(joint, X), evaluate(expr, X), rtol=1e-12)


def test_two_coefficients_the_data_cannot_tell_apart_become_one():
    """0.3·x1²·(x2² + 1) with 1 % noise, fitted as ``C·x1²·x2² + C·x1²``: curve_fit's two
    coefficients differ by less than their errors; the chosen equation has one constant,
    sympy-equal to the law with it, and close to curve_fit's."""
    X, y = _planted(lambda a, b: 0.3 * a**2 * (b**2 + 1), 0.01, n=60, seed=2)
    cand, p, half = _fitted("C*x1**2*x2**2 + C*x1**2", X, y, [0.2, 0.4])
    assert abs(p[0] - p[1]) < np.hypot(*half) and abs(p[0] - p[1]) > 1e-5
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    chosen = choice.front[choice.index].expr
    assert chosen.n_constants() == 1
    c = chosen.constants()[0].value
    assert abs(c - 0.3) < max(half) and min(p) - max(half) < c < max(p) + max(half)
    a, b = variable_symbols(["x1", "x2"])
    law = sympy.Float(c) * a**2 * (b**2 + 1)
    assert abs(sympy.expand(to_sympy(chosen, ["x1", "x2"]) - law).subs({a: 1.3, b: 0.7})) < 1e-9


def test_coefficients_the_data_tell_apart_stay_two():
    """0.3·x1²·x2² + 0.36·x1² with 1 % noise: the coefficients are many errors apart."""
    X, y = _planted(lambda a, b: 0.3 * a**2 * b**2 + 0.36 * a**2, 0.01, n=60, seed=2)
    cand, p, half = _fitted("C*x1**2*x2**2 + C*x1**2", X, y, [0.2, 0.4])
    assert abs(p[0] - p[1]) > 3 * np.hypot(*half)
    choice = choose_equation([cand], X, y, np.ones(len(y)), loss="mse")
    values = choice.errors[choice.index].values
    assert np.allclose(sorted(values), sorted(p), rtol=1e-4)


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


def test_the_member_likeliest_chosen_is_snapped_first():
    """The snapping takes members in order of description length (the likeliest choice
    first, while the choice's time lasts), not of complexity: the law's form is longer
    than the line's but describes the data shorter, so it is snapped first."""
    X, y = _planted(lambda a, b: a * np.exp(-b / 2), 0.03)
    law, *_ = _fitted("C*x1*exp(C*x2)", X, y, [1.0, -0.4])
    line, *_ = _fitted("C*x1 + C", X, y, [1.0, 0.0])
    assert line.complexity < law.complexity
    w = np.ones(len(y))
    front = [line, law]
    errors = [constant_errors(c.expr, X, y, w) for c in front]
    seen = []

    def length(c, e):
        seen.append(c.expr)
        return description_lengths([c], [e], y, w, 13, False)[0]

    snapped, _ = snap_front(front, errors, X, y, w, loss="mse", sigma=None,
                            deadline=np.inf, length=length)
    assert seen[len(front)] is law.expr  # after one length per member: the law's snapping
    assert snapped[1].expr.n_constants() == 0


def _factor_off_one(z: float, n: int = 200):
    """x1·e^(0.4·x2)·(1 + z·se) with 3 % noise, where se is the factor's standard error on
    these readings: a factor ``z`` standard errors from 1."""
    rng = np.random.default_rng(5)
    X = rng.uniform(0.5, 3.0, (n, 2))
    shape = X[:, 0] * np.exp(0.4 * X[:, 1])
    noise = rng.normal(0.0, 0.03 * shape.std(), n)
    _, p, half = _fitted("C*x1*exp(C*x2)", X, shape + noise, [1.0, 0.5])
    se = half[0] / stats.t.ppf(0.975, n - 2)
    y = (1 + z * se) * shape + noise
    return X, y


@pytest.mark.parametrize("z, fixed", [(3.0, True), (6.0, False)])
def test_a_factor_outside_its_interval_becomes_one_when_the_description_is_shorter(z, fixed):
    """A factor 3 standard errors from 1 lies outside its 95 % interval, yet fixing it
    spares its price (ln(n)/2) and two nodes (the product with it), more than the fit loses
    (about z²/2 nats): by hand, with curve_fit's fits, the description is shorter, and the
    choice fixes it. At 6 standard errors it is longer, and the factor stays."""
    X, y = _factor_off_one(z)
    free, p, half = _fitted("C*x1*exp(C*x2)", X, y, [1.0, 0.5])
    one, q, _ = _fitted("x1*exp(C*x2)", X, y, [0.5])
    assert abs(p[0] - 1) > half[0]                     # outside the 95 % interval
    n, symbols, w = len(y), 13, np.ones(len(y))
    lengths = [n / 2 * np.log(np.sum((evaluate(c.expr, X) - y) ** 2)) + k / 2 * np.log(n)
               + c.complexity * np.log(symbols) for c, k in ((free, 2), (one, 1))]
    assert (lengths[1] < lengths[0]) == fixed
    choice = choose_equation([free], X, y, w, loss="mse", n_operators=10)
    chosen = choice.front[choice.index].expr
    assert chosen.n_constants() == (1 if fixed else 2)
    if fixed:
        a, b = variable_symbols(["x1", "x2"])
        rate = choice.errors[choice.index].values[0]
        assert abs(rate - q[0]) < 1e-4
        law = a * sympy.exp(sympy.Float(rate) * b)
        assert sympy.simplify(to_sympy(chosen, ["x1", "x2"]) - law) == 0
