"""Power laws fitted in y, against planted laws, curve_fit and the plain log fit."""
from fractions import Fraction

import numpy as np
import sympy
from scipy.optimize import curve_fit

from eqlearn import EquationRegressor
from eqlearn.expr.evaluate import evaluate
from eqlearn.expr.tree import Node, Var
from eqlearn.search.power_law import power_laws


def _noisy_law(seed=0, noise=0.01):
    """``−0.37·a·b⁴/(c²d²e²)`` on [1, 5]⁵: eight decades, noise 1 % of y's RMS."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 5, (200, 5))
    y = -0.37 * X[:, 0] * X[:, 1] ** 4 / (X[:, 2] * X[:, 3] * X[:, 4]) ** 2
    return X, y + rng.normal(0, noise * np.sqrt(np.mean(y ** 2)), len(y))


def _exponents(law):
    """Variable → exponent of a proposed ``C·Π x_j^k``."""
    out = {}
    for node in law.preorder():
        if isinstance(node, Node) and node.op == "pow":
            out[node.args[0].index] = node.args[1].value
        elif isinstance(node, Node) and node.op == "mul":
            out.update({a.index: Fraction(1) for a in node.args if isinstance(a, Var)})
    return out


def test_the_planted_exponents_are_proposed_where_the_log_fit_misses_them():
    X, y = _noisy_law()
    truth = {0: 1, 1: 4, 2: -2, 3: -2, 4: -2}
    # the reason for the stage: in logs, the noisy small readings rule the fit
    keep = y < 0
    A = np.column_stack([np.log(X[keep]), np.ones(keep.sum())])
    k = np.linalg.lstsq(A, np.log(-y[keep]), rcond=None)[0][:5]
    assert {j: round(v) for j, v in enumerate(k)} != truth
    laws = [law for law, _ in power_laws(X, y)]
    assert truth in [_exponents(law) for law in laws]


def test_the_constant_is_curve_fits_for_the_rounded_exponents():
    X, y = _noisy_law(seed=1)
    law = next(e for e, _ in power_laws(X, y)
               if _exponents(e) == {0: 1, 1: 4, 2: -2, 3: -2, 4: -2})
    shape = X[:, 0] * X[:, 1] ** 4 / (X[:, 2] * X[:, 3] * X[:, 4]) ** 2
    (c,), _ = curve_fit(lambda s, c: c * s, shape, y, p0=[1.0])
    assert np.isclose(law.constants()[0].value, c, rtol=1e-8)
    assert np.allclose(evaluate(law, X), c * shape)


def test_a_clean_power_law_with_halves_and_a_negative_column_is_exact():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.uniform(0.5, 9, 100), -rng.uniform(1, 3, 100)])
    y = 4.2 * np.sqrt(X[:, 0]) / X[:, 1] ** 3
    best = min((e for e, _ in power_laws(X, y)),
               key=lambda e: np.mean((evaluate(e, X) - y) ** 2))
    assert np.allclose(evaluate(best, X), y, rtol=1e-9)
    assert _exponents(best) == {0: Fraction(1, 2), 1: -3}


def test_no_power_law_without_a_one_signed_column():
    x = np.linspace(-2, 2, 60)[:, None]
    assert power_laws(x, x[:, 0] ** 2 + 1) == []


def test_the_regressor_chooses_the_planted_law_on_noisy_readings():
    X, y = _noisy_law(seed=3)
    reg = EquationRegressor(time_budget=3, random_state=0, n_jobs=1).fit(X, y)
    found = reg.best_.sympy()
    names = {s.name: s for s in found.free_symbols}
    a, b, c, d, e = (names.get(n, sympy.Symbol(n)) for n in reg.variable_names_)
    ratio = sympy.simplify(found / (a * b ** 4 / (c * d * e) ** 2))
    assert ratio.is_number
    assert abs(float(ratio) + 0.37) < 0.01
