"""The lack-of-fit test against a smooth model: against planted laws (the reference), a
member that misses the readings by far more than their scatter is not chosen, however short;
members that fit within the noise all pass."""
import numpy as np
import pytest
from scipy.optimize import curve_fit

from eqlearn.expr import evaluate, parse_expr
from eqlearn.search.choice import choose_equation
from eqlearn.search.lack_of_fit import consistent_with_noise, member_reference, noise_reference
from eqlearn.search.selection import Candidate, complexity
from eqlearn.search.uncertainty import constant_errors


def _bateman(n: int, noise: float, seed: int = 0):
    """A drug's concentration rising and falling (a one-compartment oral dose), ``n``
    readings over a day with relative noise."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.25, 24.0, n))
    f = 10.0 * (np.exp(-0.1 * t) - np.exp(-1.5 * t))
    return t[:, None], f, f + noise * np.sqrt(np.mean(f**2)) * rng.normal(size=n)


def _member(text: str, X, y, p0) -> Candidate:
    """``text`` (constants ``C``) fitted by scipy's curve_fit from ``p0``."""
    skeleton = parse_expr(text)
    f = lambda _, *c: evaluate(skeleton.with_constants(list(c)), X)  # noqa: E731
    p, _ = curve_fit(f, np.zeros(len(y)), y, p0=p0, maxfev=20000)
    expr = skeleton.with_constants(list(p))
    loss = float(np.mean((evaluate(expr, X) - y) ** 2) / y.var())
    return Candidate(expr, loss, complexity(expr))


LAW, START = "C*(exp(C*x1) - exp(C*x1))", [8.0, -0.2, -1.0]


def test_a_constant_misses_a_rise_and_fall_by_far_more_than_its_scatter():
    X, f, y = _bateman(11, 0.1)
    w = np.ones(len(y))
    reference = noise_reference(X, y, w)
    assert reference is not None
    members = [_member("C", X, y, [1.0]), _member(LAW, X, y, START)]
    errors = [constant_errors(m.expr, X, y, w) for m in members]
    assert np.sqrt(np.mean((evaluate(members[1].expr, X) - f) ** 2)) < 0.1 * np.sqrt(np.mean(f**2))
    assert consistent_with_noise(errors, w, reference).tolist() == [False, True]


@pytest.mark.parametrize("seed", range(5))
def test_equations_that_fit_within_the_noise_pass(seed):
    """Pure noise about a line, 30 readings: the line and the line with a spare term both
    pass (the smooth model's error is the noise's or more)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 5, (30, 1))
    y = 2.0 + 0.5 * X[:, 0] + rng.normal(0, 0.3, 30)
    w = np.ones(30)
    members = [_member("C*x1 + C", X, y, [1.0, 1.0]),
               _member("C*x1 + C + C*x1**2", X, y, [1.0, 1.0, 0.0])]
    errors = [constant_errors(m.expr, X, y, w) for m in members]
    assert consistent_with_noise(errors, w, noise_reference(X, y, w)).all()


def test_too_few_or_unusable_readings_give_no_reference():
    X, _, y = _bateman(9, 0.1)
    assert noise_reference(X, y, np.ones(9)) is None
    X, _, y = _bateman(20, 0.1)
    y[3] = np.nan
    assert noise_reference(X, y, np.ones(20)) is None
    X, _, y = _bateman(9, 0.1)  # nor do the members' own errors, on 9 readings
    members = [_member("C", X, y, [1.0]), _member(LAW, X, y, START)]
    errors = [constant_errors(m.expr, X, y, np.ones(9)) for m in members]
    assert member_reference([m.expr for m in members], errors, X, y, np.ones(9),
                            loss="mse") is None


def test_the_choice_takes_the_law_over_a_constant_on_eleven_noisy_readings():
    """On 11 readings with 10 % noise the description length alone prefers the constant
    (the form costs more than its fit gains); the lack-of-fit test leaves the law."""
    X, f, y = _bateman(11, 0.1)
    w = np.ones(len(y))
    front = [_member("C", X, y, [1.0]), _member(LAW, X, y, START)]
    choice = choose_equation(front, X, y, w, loss="mse")
    assert np.isinf(choice.scores[0]) and choice.index == 1
    chosen = choice.front[choice.index].expr
    assert np.sqrt(np.mean((evaluate(chosen, X) - f) ** 2)) < 0.1 * np.sqrt(np.mean(f**2))


def test_on_few_uneven_readings_the_members_own_errors_are_the_reference():
    """Readings crowded early and sparse late (a dosing study's schedule): the kernel model
    fits the sharp rise poorly, its error passes a constant; the law's leave-one-out error
    is near the noise and does not."""
    rng = np.random.default_rng(1)
    t = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 9.0, 12.0, 24.0])
    f = 10.0 * (np.exp(-0.1 * t) - np.exp(-1.5 * t))
    y = f + 0.05 * np.sqrt(np.mean(f**2)) * rng.normal(size=len(t))
    X, w = t[:, None], np.ones(len(t))
    members = [_member("C", X, y, [1.0]), _member(LAW, X, y, START)]
    errors = [constant_errors(m.expr, X, y, w) for m in members]
    kernel = noise_reference(X, y, w)
    own = member_reference([m.expr for m in members], errors, X, y, w, loss="mse")
    assert own[0] < kernel[0]
    assert consistent_with_noise(errors, w, kernel).tolist() == [True, True]
    assert consistent_with_noise(errors, w, own).tolist() == [False, True]


def test_on_many_readings_there_is_no_test():
    """Above 30 readings the description length's fit term rules: no reference."""
    X, _, y = _bateman(31, 0.1)
    assert noise_reference(X, y, np.ones(31)) is None
