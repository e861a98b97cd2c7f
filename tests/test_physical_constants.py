"""eqlearn.physical_constants against independent references: scipy's CODATA table (values and unit
strings), sympy evaluation of the returned expressions, and a brute-force planted search."""
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.constants as sc
import sympy

from eqlearn.physical_constants import (
    CONSTANTS, describe, format_units, identify, parse_units, si_factor,
)

CODATA = sc.physical_constants
SCIPY_NAMES = {  # our key -> scipy's CODATA name
    "h": "Planck constant", "hbar": "reduced Planck constant",
    "c": "speed of light in vacuum", "k_B": "Boltzmann constant", "e": "elementary charge",
    "eps0": "vacuum electric permittivity", "mu0": "vacuum mag. permeability",
    "G": "Newtonian constant of gravitation", "m_e": "electron mass", "m_p": "proton mass",
    "N_A": "Avogadro constant", "R": "molar gas constant",
    "sigma": "Stefan-Boltzmann constant", "a0": "Bohr radius",
    "alpha": "fine-structure constant", "g": "standard acceleration of gravity",
}


def _evaluate(expression: str) -> float:
    """Value of a match expression, computed by sympy from scipy's constants."""
    names = {key: sympy.Float(CODATA[name][0], 30) for key, name in SCIPY_NAMES.items()}
    return float(sympy.parse_expr(expression, local_dict={**names, "pi": sympy.pi}))


# --------------------------------------------------------------------------- the table
@pytest.mark.parametrize("key", sorted(SCIPY_NAMES))
def test_table_agrees_with_scipy_codata(key):
    value, units, _ = CODATA[SCIPY_NAMES[key]]
    const = CONSTANTS[key]
    assert const.value == pytest.approx(value, rel=1e-8)  # scipy may be a later CODATA
    assert const.dimension == parse_units(units)


def test_table_has_display_symbols_and_pi():
    assert CONSTANTS["hbar"].symbol == "ħ" and CONSTANTS["k_B"].symbol == "k_B"
    assert CONSTANTS["pi"].value == math.pi and CONSTANTS["pi"].dimension == (0,) * 6
    assert CONSTANTS["k_B"].dimension == (2, 1, -2, 0, -1, 0)
    assert CONSTANTS["eps0"].dimension == (-3, -1, 4, 2, 0, 0)
    for key in ("h", "c", "k_B", "e", "N_A"):  # exact by definition in the 2019 SI
        assert CONSTANTS[key].value == CODATA[SCIPY_NAMES[key]][0]


# --------------------------------------------------------------------------- units
@pytest.mark.parametrize("left, right", [
    ("J", "kg m^2 s^-2"), ("W", "J/s"), ("N", "kg*m/s^2"), ("Pa", "N m^-2"), ("V", "W/A"),
    ("Ohm", "V/A"), ("Ω", "ohm"), ("F", "C/V"), ("T", "V s m^-2"), ("eV", "J"),
    ("Hz", "1/s"), ("sr", "1"), ("rad", ""), ("W m^-2 sr^-1", "kg s^-3"),
    ("J/(mol K)", "J mol^-1 K^-1"), ("m*K", "m K"), ("m·K", "m K"), ("nm", "m"),
    ("µm", "um"), ("mK", "K"), ("(m/s)^2", "m^2 s^-2"), ("kg m**2 s^-2", "J"),
])
def test_parse_units_equivalent_spellings(left, right):
    assert parse_units(left) == parse_units(right)
    assert parse_units(format_units(parse_units(left))) == parse_units(left)


def test_parse_units_values():
    assert parse_units("W m^-2 sr^-1") == (0, 1, -3, 0, 0, 0)
    assert parse_units("m K") == (1, 0, 0, 0, 1, 0)
    assert parse_units("1") == parse_units("") == (0, 0, 0, 0, 0, 0)
    assert format_units((1, 0, 0, 0, 1, 0)) == "m K"
    assert format_units((4, 1, -3, 0, 0, 0)) == "m^4 kg s^-3"
    assert format_units((0,) * 6) == "1"


@pytest.mark.parametrize("units, factor", [
    ("nm", 1e-9), ("km", 1e3), ("mK", 1e-3), ("g", 1e-3), ("kg", 1.0), ("um", 1e-6),
    ("eV", sc.eV), ("nm K", 1e-9), ("m^-1", 1.0), ("km^2", 1e6),
])
def test_si_factor(units, factor):
    assert si_factor(units) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize("bad, message", [
    ("furlong", "unknown unit 'furlong'"), ("m^", "cannot read units"),
    ("s-1", "cannot read units"), ("m^x", "cannot read units"), ("((m))", "cannot read units"),
    ("Kelvin", "unknown unit 'Kelvin'"), ("xm", "unknown unit 'xm'"),
])
def test_bad_units_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_units(bad)


# ------------------------------------------------------------------------- identify
@pytest.mark.parametrize("units", ["m K", None])
def test_second_radiation_constant(units):
    best = identify(0.014388, units)[0]
    assert best.expression == "h*c/k_B"
    assert best.units == "m K"
    reference = CODATA["second radiation constant"][0]  # 0.01438776877... m K
    assert best.value == pytest.approx(reference, rel=1e-12)
    assert best.relative_error == pytest.approx(abs(reference - 0.014388) / 0.014388, rel=1e-9)
    assert str(best).startswith("0.014388 ≈ h*c/k_B") and str(best).endswith("%)")


@pytest.mark.parametrize("units", ["W m^2", None])
def test_first_radiation_constant(units):
    best = identify(3.741771852e-16, units)[0]
    assert best.expression == "2*pi*h*c**2"
    assert best.units == format_units(parse_units("W m^2"))
    assert (best.prefactor, best.pi_power) == (Fraction(2), 1)
    assert best.factors == (("h", 1), ("c", 2))


@pytest.mark.parametrize("name, expected", [
    ("second radiation constant", "h*c/k_B"),
    ("first radiation constant", "2*pi*h*c**2"),
    ("Stefan-Boltzmann constant", "sigma"),
    ("reduced Planck constant", "hbar"),
    ("Rydberg constant", "alpha/(4*pi*a0)"),
    ("Bohr magneton", "hbar*e/(2*m_e)"),
    ("Faraday constant", "e*N_A"),
    ("von Klitzing constant", "h/e**2"),
    ("classical electron radius", "a0*alpha**2"),
])
def test_identifies_scipy_codata_combinations(name, expected):
    value, units, _ = CODATA[name]
    best = identify(value, units)[0]
    assert best.expression == expected
    assert best.units == format_units(parse_units(units))
    assert _evaluate(best.expression) == pytest.approx(value, rel=1e-8)


def test_hbar_from_h_over_two_pi():
    assert identify(sc.h / (2 * sc.pi))[0].expression == "hbar"
    assert identify(sc.h / (2 * sc.pi), "J s")[0].expression == "hbar"


def test_stefan_boltzmann_from_its_value():
    assert identify(5.670374419e-8)[0].expression == "sigma"
    assert identify(5.6704e-8, "W m^-2 K^-4")[0].expression == "sigma"


def test_expressions_evaluate_to_their_values():
    for value in (0.014388, 3.7418e-16, 1.0973e7, 2.5, 6.674e-11, 1e-3):
        for match in identify(value, top=5):
            assert _evaluate(match.expression) == pytest.approx(match.value, rel=1e-7)
            assert match.relative_error <= 1e-3
            error = abs(match.value - value) / value
            assert match.relative_error == pytest.approx(error, abs=1e-12)


def test_results_are_distinct_values():
    matches = identify(sc.h / (2 * sc.pi), top=5)
    values = [m.value for m in matches]
    assert all(abs(a / b - 1) > 1e-9 for i, a in enumerate(values) for b in values[:i])


def test_random_number_gives_no_match():
    assert identify(0.123456, "m", rtol=1e-4) == []
    assert describe(0.123456, "m", rtol=1e-4) == "0.123456: no match"


def test_disagreeing_units_exclude_the_right_valued_candidate():
    for units in ("m", "K", "m K^-1", "J"):
        matches = identify(0.014388, units)
        assert all(m.expression != "h*c/k_B" for m in matches)
        assert all(parse_units(m.units) == parse_units(units) for m in matches)


def test_dimension_vector_and_prefixed_units():
    assert identify(0.014388, (1, 0, 0, 0, 1, 0))[0].expression == "h*c/k_B"
    best = identify(1.4388e7, "nm K")[0]  # converted to SI before the search
    assert best.expression == "h*c/k_B" and best.value == pytest.approx(0.0143877, rel=1e-5)


def test_planted_products_are_recovered(rng):
    keys = [key for key in CONSTANTS if key != "pi"]
    for _ in range(20):
        chosen = rng.choice(len(keys), size=3, replace=False)
        powers = rng.choice([-3, -2, -1, 1, 2, 3], size=3)
        prefactor = Fraction(int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        pi_power = int(rng.integers(-2, 3))
        value = float(prefactor) * math.pi**pi_power
        dimension = np.zeros(6, int)
        for index, power in zip(chosen, powers):
            value *= CONSTANTS[keys[index]].value ** int(power)
            dimension += int(power) * np.array(CONSTANTS[keys[index]].dimension)
        matches = identify(value, tuple(dimension), rtol=1e-6)
        assert any(abs(m.value / value - 1) < 1e-9 for m in matches), (keys, chosen, powers)


def test_negative_values_carry_the_sign_in_the_prefactor():
    best = identify(-0.014388, "m K")[0]
    assert best.expression == "-h*c/k_B"
    assert best.prefactor == -1 and best.value < 0
    assert _evaluate(best.expression) == pytest.approx(best.value, rel=1e-8)


def test_zero_and_non_finite_values():
    assert identify(0.0) == [] and identify(-0.0, "m") == []
    assert describe(0.0) == "0: no match"
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="non-finite"):
            identify(bad)


@pytest.mark.parametrize("settings", [
    {"rtol": 0}, {"rtol": 1.5}, {"top": 0}, {"max_power": 0}, {"max_terms": -1},
    {"max_pi_power": -1}, {"max_terms": 6, "max_power": 6},
])
def test_bad_search_settings_raise(settings):
    with pytest.raises(ValueError):
        identify(1.0, **settings)


def test_describe_one_line():
    line = describe(0.014388, "m K")
    assert line.startswith("0.014388 ≈ h*c/k_B [m K] (error ") and "\n" not in line


def test_identify_tabulates_the_products_once():
    """What keeps identify fast (documented: the first call with a new shape tabulates all
    products, later calls reuse them): forty values, with and without units, build no
    table after the first."""
    from eqlearn.physical_constants import _candidate_pool

    identify(1.0)  # builds the cached product table
    before = _candidate_pool.cache_info()
    for value in np.geomspace(1e-30, 1e30, 40):
        identify(value)
        identify(value, "m")
    after = _candidate_pool.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 80
