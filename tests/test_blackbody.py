"""The flagship's checks: units by dimensional analysis, naming constants, Planck's test."""
import numpy as np
import pytest

from eqlearn.demos.blackbody import (_true_constants, make_case, matches_law, name_constants,
                                     synthesise)
from eqlearn.expr import canonicalize, parse_expr
from eqlearn.units import format_units, infer_constant_units


def _law(case, scale_c2=1.0):
    t = _true_constants(case)
    text = case.law.replace("c1", repr(t["c1"])).replace("c2", repr(t["c2"] * scale_c2))
    return canonicalize(parse_expr(text, list(case.names)))


@pytest.mark.parametrize("form", ["wavelength", "frequency"])
@pytest.mark.parametrize("units", ["si", "scaled"])
def test_planck_constants_are_named(form, units):
    case = make_case(form, units)
    reports = name_constants(_law(case), case)
    names = sorted(r.name for r in reports)
    expected = {"wavelength": ["2*pi*h*c**2", "h*c/k_B"], "frequency": ["2*h/c**2", "h/k_B"]}
    assert names == expected[form]
    assert all(r.error < 1e-9 for r in reports)


def test_matches_law_accepts_planck_and_rejects_near_misses():
    case = make_case("wavelength")
    assert matches_law(_law(case), case)
    assert not matches_law(_law(case, scale_c2=1.01), case)  # constant 1 % off
    t = _true_constants(case)
    wien = parse_expr(f"{t['c1']!r}/lam**5*exp(-{t['c2']!r}/(lam*T))", ["lam", "T"])
    assert not matches_law(wien, case)  # right constants, wrong law
    c1, c2 = t["c1"], t["c2"]
    near = parse_expr(f"{c1!r}/((exp({c2!r}/(lam*T)) - 1.0003)*lam**5)", ["lam", "T"])
    assert matches_law(near, case)  # the law's 1 fitted to 0.03 %
    off = parse_expr(f"{c1!r}/((exp({c2!r}/(lam*T)) - 1.01)*lam**5)", ["lam", "T"])
    assert not matches_law(off, case)
    freq = make_case("frequency")
    t = _true_constants(freq)
    cubed = f"{t['c1']!r}*(nu**2)**(3/2)/(exp({t['c2']!r}*nu/T) - 1)"
    assert matches_law(parse_expr(cubed, ["nu", "T"]), freq)  # nu > 0: (nu**2)**(3/2) = nu**3


def test_units_of_constants_follow_from_the_equation():
    tree = parse_expr("C*m*v**2 + C*m*g*h", ["m", "v", "g", "h"])
    units = infer_constant_units(tree, ["kg", "m s^-1", "m s^-2", "m"], "J")
    assert {format_units(d) for d, _ in units.values()} == {"1"}
    tree = parse_expr("C*exp(-C/(k*T))", ["k", "T"])
    units = infer_constant_units(tree, ["J K^-1", "K"], "m")
    assert format_units(units[0][0]) == "m" and format_units(units[1][0]) == "m^2 kg s^-2"
    # not dimensionally consistent: nothing is claimed
    assert infer_constant_units(parse_expr("x + exp(x)", ["x"]), ["m"], "m") == {}
    # under-determined: C1*C2 only fixes the product
    assert infer_constant_units(parse_expr("C*C*x", ["x"]), ["m"], "m") == {}


def test_synthetic_data_span_the_requested_ranges():
    case = make_case("wavelength")
    X, y = synthesise(case, 300, 0.0, seed=1)
    assert X.shape == (300, 2) and np.all(y > 0)
    assert 1e-7 <= X[:, 0].min() and X[:, 0].max() <= 1e-5
    assert np.log10(y.max() / y.min()) > 20  # the exponential tail is in the data
    _, noisy = synthesise(case, 300, 0.01, seed=1)
    assert np.std(noisy / y - 1) == pytest.approx(0.01, rel=0.2)
