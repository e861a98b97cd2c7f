"""Equation.to_callable: one table, one array per variable, or keywords, each checked against
the same law written out in numpy by hand."""
import numpy as np
import pandas as pd
import pytest

from eqlearn.equation import Equation
from eqlearn.expr import parse_expr


def _equation(formula: str, names: tuple[str, ...]) -> Equation:
    return Equation(parse_expr(formula), names, complexity=7, loss=0.0, r2=1.0, source="test")


@pytest.fixture
def sir():
    """``beta*S*I/(S + I) - gamma*I`` as fitted on the columns S and I."""
    return _equation("0.3*x1*x2/(x1 + x2) - 0.1*x2", ("S", "I"))


def _by_hand(S, I):
    return 0.3 * S * I / (S + I) - 0.1 * I


@pytest.fixture
def points():
    rng = np.random.default_rng(0)
    return rng.uniform(1, 100, 50), rng.uniform(1, 100, 50)


def test_one_table_with_the_fitted_columns(sir, points):
    S, I = points
    f = sir.to_callable()
    np.testing.assert_allclose(f(np.c_[S, I]), _by_hand(S, I), rtol=1e-12)
    np.testing.assert_allclose(f(np.c_[S, I].tolist()), _by_hand(S, I), rtol=1e-12)


def test_a_dataframe_is_matched_by_column_name(sir, points):
    S, I = points
    reordered = pd.DataFrame({"I": I, "S": S, "other": 0.0})
    np.testing.assert_allclose(sir.to_callable()(reordered), _by_hand(S, I), rtol=1e-12)


def test_one_array_per_variable_positionally_and_by_name(sir, points):
    S, I = points
    f = sir.to_callable()
    expected = _by_hand(S, I)
    np.testing.assert_allclose(f(S, I), expected, rtol=1e-12)
    np.testing.assert_allclose(f(S=S, I=I), expected, rtol=1e-12)
    np.testing.assert_allclose(f(I=I, S=S), expected, rtol=1e-12)
    np.testing.assert_allclose(f(S, I=I), expected, rtol=1e-12)


def test_numbers_give_a_number_and_arrays_broadcast(sir):
    f = sir.to_callable()
    value = f(3.0, 4.0)
    assert np.ndim(value) == 0 and value == pytest.approx(_by_hand(3.0, 4.0), rel=1e-12)
    assert f(S=3.0, I=4.0) == pytest.approx(_by_hand(3.0, 4.0), rel=1e-12)
    S, I = np.meshgrid(np.linspace(1, 5, 4), np.linspace(1, 9, 3))
    grid = f(S, I)
    assert grid.shape == (3, 4)
    np.testing.assert_allclose(grid, _by_hand(S, I), rtol=1e-12)
    np.testing.assert_allclose(f(np.arange(1.0, 6.0), 2.0), _by_hand(np.arange(1.0, 6.0), 2.0),
                               rtol=1e-12)


def test_one_variable_takes_a_1d_array_or_a_column():
    f = _equation("2.0*x1**2 + 1.0", ("t",)).to_callable()
    t = np.linspace(-2, 2, 9)
    for call in (f(t), f(t[:, None]), f(t=t)):
        np.testing.assert_allclose(call, 2 * t**2 + 1, rtol=1e-12)
    grid = np.outer(t, t)
    np.testing.assert_allclose(f(t=grid), 2 * grid**2 + 1, rtol=1e-12)


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((1.0, 2.0, 3.0), {}, TypeError, "takes 2 variables \\(S, I\\), got 3 positional"),
    ((1.0,), {}, TypeError, "no value for 'I'"),
    ((), {}, TypeError, "no value for 'S', 'I'"),
    ((), {"S": 1.0, "J": 2.0}, TypeError, "unknown variable 'J'"),
    ((1.0,), {"S": 2.0}, TypeError, "'S' given twice"),
    ((np.ones((4, 3)),), {}, ValueError, "X has 3 columns, but the equation was fitted on 2"),
    ((np.ones(3), np.ones(4)), {}, ValueError, "do not broadcast"),
])
def test_wrong_calls_get_clear_errors(sir, args, kwargs, error, message):
    with pytest.raises(error, match=message):
        sir.to_callable()(*args, **kwargs)


def test_undefined_points_give_nan_without_warnings():
    f = _equation("log(x1)", ("x",)).to_callable()
    with np.errstate(all="raise"):
        out = f(np.array([-1.0, 1.0]))
    assert np.isnan(out[0]) and out[1] == 0.0


def test_the_function_says_what_it_computes(sir):
    f = sir.to_callable()
    assert "S" in repr(f) and "I" in repr(f)
    assert "(S, I)" in f.__doc__
    assert "f(S, I)" in Equation.to_callable.__doc__
