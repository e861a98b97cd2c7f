"""Name the constants a fit found: match a number against products of physical constants.

A fit of Planck's law in SI units returns ``c2 = 0.014388`` (m K); :func:`identify` answers
``h*c/k_B``. Candidates ``± p/q * pi**k * C1**e1 * C2**e2 * ...`` over :data:`CONSTANTS` are
tabulated once by log-magnitude, so a query is a few vectorised binary searches. Units, when
given, keep only dimensionally consistent candidates.

>>> describe(0.014388, "m K")
'0.014388 ≈ h*c/k_B [m K] (error 0.0016 %)'
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Sequence

import numpy as np

from .units import BASE_UNITS, Dimension, parse_scaled, format_units, parse_units, si_factor

__all__ = ["BASE_UNITS", "CONSTANTS", "Match", "PhysicalConstant", "describe",
           "format_units", "identify", "parse_units", "si_factor"]

# ------------------------------------------------------------------------- constants
@dataclass(frozen=True)
class PhysicalConstant:
    """One entry of the constant table.

    Attributes
    ----------
    key, symbol, name : str
        Identifier used in :attr:`Match.expression` (``"hbar"``), display symbol (``"ħ"``)
        and full name.
    value : float
        CODATA 2018 value in SI units.
    units : str
        SI units as usually written, e.g. ``"J/K"``; ``dimension`` is ``parse_units(units)``.
    """

    key: str
    symbol: str
    name: str
    value: float
    units: str
    dimension: Dimension


def _constant(key: str, symbol: str, name: str, value: float, units: str) -> PhysicalConstant:
    return PhysicalConstant(key, symbol, name, value, units, parse_units(units))


_H, _C, _K_B, _N_A = 6.62607015e-34, 299792458.0, 1.380649e-23, 6.02214076e23
_TABLE = [  # CODATA 2018; h, c, k_B, e, N_A exact by definition; hbar, R, sigma exact from them
    _constant("h", "h", "Planck constant", _H, "J s"),
    _constant("hbar", "ħ", "reduced Planck constant", _H / (2 * math.pi), "J s"),
    _constant("c", "c", "speed of light in vacuum", _C, "m/s"),
    _constant("k_B", "k_B", "Boltzmann constant", _K_B, "J/K"),
    _constant("e", "e", "elementary charge", 1.602176634e-19, "C"),
    _constant("eps0", "ε₀", "vacuum electric permittivity", 8.8541878128e-12, "F/m"),
    _constant("mu0", "μ₀", "vacuum magnetic permeability", 1.25663706212e-6, "N/A^2"),
    _constant("G", "G", "Newtonian constant of gravitation", 6.67430e-11, "m^3 kg^-1 s^-2"),
    _constant("m_e", "m_e", "electron mass", 9.1093837015e-31, "kg"),
    _constant("m_p", "m_p", "proton mass", 1.67262192369e-27, "kg"),
    _constant("N_A", "N_A", "Avogadro constant", _N_A, "mol^-1"),
    _constant("R", "R", "molar gas constant", _N_A * _K_B, "J/(mol K)"),
    _constant("sigma", "σ", "Stefan-Boltzmann constant",
              2 * math.pi**5 * _K_B**4 / (15 * _H**3 * _C**2), "W m^-2 K^-4"),
    _constant("a0", "a₀", "Bohr radius", 5.29177210903e-11, "m"),
    _constant("alpha", "α", "fine-structure constant", 7.2973525693e-3, "1"),
    _constant("g", "g", "standard acceleration of gravity", 9.80665, "m s^-2"),
    _constant("pi", "π", "pi", math.pi, "1"),
]
CONSTANTS: dict[str, PhysicalConstant] = {const.key: const for const in _TABLE}
"""The constant table, keyed by :attr:`PhysicalConstant.key`, in display order."""

# ------------------------------------------------------------------------------ search
_BASIS = [const for const in _TABLE if const.key != "pi"]  # pi enters as its own power
_PREFACTORS = sorted({Fraction(p, q) for p in range(1, 7) for q in range(1, 7)}
                     | {Fraction(2) ** k for k in range(-5, 6)})
_ERROR_FLOOR = 1e-9  # errors below this reflect CODATA uncertainties, not the number
_MAX_PRODUCTS = 5_000_000  # about 100 MB of tables


@dataclass(frozen=True)
class _CandidatePool:
    """All constant products of one search shape, sorted by log-magnitude."""

    exponents: np.ndarray   # (n, len(_BASIS)) int8
    log_values: np.ndarray  # (n,) ascending
    dimensions: np.ndarray  # (n, 6)
    complexity: np.ndarray  # (n,)


@lru_cache(maxsize=8)
def _candidate_pool(max_terms: int, max_power: int) -> _CandidatePool:
    n_basis = len(_BASIS)
    powers = [p for p in range(-max_power, max_power + 1) if p != 0]
    blocks = [np.zeros((1, n_basis), np.int8)]  # the empty product: prefactor and pi only
    for n_terms in range(1, max_terms + 1):
        combos = np.array(list(itertools.combinations(range(n_basis), n_terms)))
        choices = np.array(list(itertools.product(powers, repeat=n_terms)), np.int8)
        block = np.zeros((len(combos), len(choices), n_basis), np.int8)
        rows, cols = np.arange(len(combos))[:, None], np.arange(len(choices))[None, :]
        for term in range(n_terms):
            block[rows, cols, combos[:, term][:, None]] = choices[:, term][None, :]
        blocks.append(block.reshape(-1, n_basis))
    exponents = np.concatenate(blocks)
    log_values = exponents @ np.log([const.value for const in _BASIS])
    order = np.argsort(log_values, kind="stable")
    exponents = exponents[order]
    complexity = np.where(exponents != 0, 1 + np.abs(exponents.astype(np.int16)), 0).sum(1)
    dimensions = exponents @ np.array([const.dimension for const in _BASIS], np.int16)
    pool = _CandidatePool(exponents, log_values[order], dimensions, complexity)
    for array in (pool.exponents, pool.log_values, pool.dimensions, pool.complexity):
        array.flags.writeable = False
    return pool


def _integer_cost(n: int) -> int:
    return 0 if n == 1 else 1 if n <= 6 else 2


@lru_cache(maxsize=8)
def _offsets(max_pi_power: int) -> tuple[list[tuple[Fraction, int]], np.ndarray, np.ndarray]:
    """Every (prefactor, pi power) pair, with its log-magnitude and its complexity."""
    pairs = [(f, k) for f in _PREFACTORS for k in range(-max_pi_power, max_pi_power + 1)]
    logs = np.array([math.log(f) + k * math.log(math.pi) for f, k in pairs])
    costs = np.array([_integer_cost(f.numerator) + _integer_cost(f.denominator) + abs(k)
                      for f, k in pairs])
    return pairs, logs, costs


def _window_hits(log_values: np.ndarray, targets: np.ndarray, tol: float):
    """Index pairs (candidate, target) of all ``|log_values[c] - targets[t]| <= tol``."""
    lo = np.searchsorted(log_values, targets - tol, side="left")
    hi = np.searchsorted(log_values, targets + tol, side="right")
    counts = hi - lo
    first_of_run = np.repeat(np.cumsum(counts) - counts, counts)
    candidate_idx = np.repeat(lo, counts) + np.arange(counts.sum()) - first_of_run
    return candidate_idx, np.repeat(np.arange(len(targets)), counts)


def _best_distinct(pool: _CandidatePool, max_pi_power: int, target: float,
                   dimension: np.ndarray | None, rtol: float, top: int) -> list[tuple]:
    """``(candidate, offset pair, complexity)`` of the ``top`` best hits within ``rtol``,
    skipping any equivalent (same dimension, value within 1e-9) to a better one."""
    _, offset_logs, offset_costs = _offsets(max_pi_power)
    log_target = math.log(abs(target))
    cand, pair = _window_hits(pool.log_values, log_target - offset_logs, -math.log1p(-rtol))
    log_values = pool.log_values[cand] + offset_logs[pair]
    error = np.abs(np.expm1(log_values - log_target))
    keep = error <= rtol
    if dimension is not None:
        keep &= (pool.dimensions[cand] == dimension).all(axis=1)
    cand, pair, log_values, error = cand[keep], pair[keep], log_values[keep], error[keep]
    complexity = pool.complexity[cand] + offset_costs[pair]
    score = complexity + np.log10(np.maximum(error, _ERROR_FLOOR) / rtol)
    chosen: list[int] = []
    for i in np.lexsort((error, complexity, score)):
        if len(chosen) == top:
            break
        if not any(abs(log_values[i] - log_values[j]) <= _ERROR_FLOOR
                   and (pool.dimensions[cand[i]] == pool.dimensions[cand[j]]).all()
                   for j in chosen):
            chosen.append(i)
    return [(cand[i], pair[i], complexity[i]) for i in chosen]


# ------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Match:
    """One candidate expression for a number.

    Attributes
    ----------
    expression : str
        Readable, sympy-parsable product such as ``"h*c/k_B"`` or ``"-2*pi*h*c**2"``, in
        :attr:`PhysicalConstant.key` names and ``pi``.
    value : float
        The expression's value in SI units.
    relative_error : float
        ``|value - target| / |target|``, the target converted to SI.
    units : str
        The expression's SI dimension in base units, e.g. ``"m K"`` (``"1"``: none).
    complexity : int
        Lower is simpler: ``1 + |exponent|`` per constant, ``|k|`` for ``pi**k``, 1 for
        each integer 2..6 in the prefactor and 2 for 8, 16 or 32.
    prefactor : Fraction
        Signed rational prefactor; ``pi_power`` the power of pi; ``factors`` the
        ``(key, exponent)`` pair of each constant, in table order.
    """

    expression: str
    value: float
    relative_error: float
    units: str
    complexity: int
    prefactor: Fraction
    pi_power: int
    factors: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        units = "" if self.units == "1" else f" [{self.units}]"
        return (f"{self.value:.5g} ≈ {self.expression}{units} "
                f"(error {100 * self.relative_error:.2g} %)")


def _expression_text(prefactor: Fraction, pi_power: int,
                     factors: tuple[tuple[str, int], ...]) -> str:
    numerator, denominator = [], []
    if abs(prefactor.numerator) != 1:
        numerator.append(str(abs(prefactor.numerator)))
    if prefactor.denominator != 1:
        denominator.append(str(prefactor.denominator))
    for name, power in [("pi", pi_power), *factors]:
        if power:
            text = name if abs(power) == 1 else f"{name}**{abs(power)}"
            (numerator if power > 0 else denominator).append(text)
    text = "*".join(numerator) or "1"
    if denominator:
        text += "/" + (denominator[0] if len(denominator) == 1 else f"({'*'.join(denominator)})")
    return ("-" if prefactor < 0 else "") + text


def _build_match(exponents: np.ndarray, prefactor: Fraction, pi_power: int,
                 target: float, complexity: int) -> Match:
    """Match for one hit, its value recomputed directly from the table (not from logs)."""
    factors = tuple((const.key, int(p)) for const, p in zip(_BASIS, exponents) if p)
    value = float(prefactor) * math.pi**pi_power
    dimension = np.zeros(len(BASE_UNITS), int)
    for key, power in factors:
        value *= CONSTANTS[key].value ** power
        dimension += power * np.array(CONSTANTS[key].dimension)
    return Match(expression=_expression_text(prefactor, pi_power, factors), value=value,
                 relative_error=abs(value - target) / abs(target),
                 units=format_units(dimension), complexity=int(complexity),
                 prefactor=prefactor, pi_power=pi_power, factors=factors)


# ------------------------------------------------------------------------------ public
def _target_units(units: str | Sequence[int] | None) -> tuple[float, np.ndarray | None]:
    """(factor to SI, dimension) of the ``units`` argument of :func:`identify`."""
    if units is None:
        return 1.0, None
    if isinstance(units, str):
        return parse_scaled(units)
    if len(units) != len(BASE_UNITS):
        raise ValueError(f"a dimension vector needs {len(BASE_UNITS)} exponents {BASE_UNITS}")
    return 1.0, np.asarray(units, int)


def _check_settings(rtol: float, max_terms: int, max_power: int, top: int,
                    max_pi_power: int) -> None:
    if not 0 < rtol < 1 or not 0 <= max_terms <= len(_BASIS):
        raise ValueError(f"need 0 < rtol < 1 and 0 <= max_terms <= {len(_BASIS)}")
    if max_power < 1 or top < 1 or max_pi_power < 0:
        raise ValueError("need max_power >= 1, top >= 1 and max_pi_power >= 0")
    n_products = sum(math.comb(len(_BASIS), k) * (2 * max_power)**k for k in range(max_terms + 1))
    if n_products > _MAX_PRODUCTS:
        raise ValueError(f"{n_products} products to tabulate; lower max_terms or max_power")


def identify(value: float, units: str | Sequence[int] | None = None, *, rtol: float = 1e-3,
             max_terms: int = 3, max_power: int = 3, top: int = 5,
             max_pi_power: int = 2) -> list[Match]:
    """Candidate expressions in physical constants for a number, best first.

    Searches ``± p/q * pi**k * C1**e1 * ... * Cn**en``: at most ``max_terms`` distinct
    constants of :data:`CONSTANTS` with exponents ``e`` in ``-max_power..max_power`` (not
    0), ``|k| <= max_pi_power``, and ``p/q`` with ``p, q`` in 1..6 or a power of two from
    1/32 to 32. The sign of ``value`` goes into the prefactor. Candidates are ranked by
    ``complexity + log10(max(relative_error, 1e-9) / rtol)``: simplicity first, with each
    decade of accuracy beyond ``rtol`` worth one unit of complexity (so ``h*c/k_B`` at
    0.0016 % beats ``c**2*e`` at 0.08 %), then by complexity and error. Of equivalent
    candidates (same dimension, values within 1e-9, e.g. ``hbar`` and ``h/(2*pi)``) only
    the best is kept.

    Parameters
    ----------
    value : float
        The number, e.g. a fitted constant. Zero has no magnitude to match and gives ``[]``.
    units : str or sequence of int, optional
        Units of ``value`` (see :func:`parse_units`) or a dimension vector. The value is
        converted to SI (``"nm K"`` is scaled by 1e-9) and only candidates of the same
        dimension count. Without units every dimension counts.
    rtol : float
        Largest relative error accepted, in (0, 1).
    max_terms, max_power, max_pi_power : int
        Shape of the products searched. The first call with a new ``(max_terms,
        max_power)`` tabulates all products (0.1 s for the defaults); later calls reuse it.
    top : int
        How many matches to return.

    Returns
    -------
    list of Match
        The best ``top`` candidates within ``rtol``; empty when there is none.

    Raises
    ------
    ValueError
        For a NaN or infinite value, bad units, or out-of-range search settings.

    Examples
    --------
    >>> [m.expression for m in identify(0.014388, top=2)]
    ['h*c/k_B', 'c**2*e']
    """
    _check_settings(rtol, max_terms, max_power, top, max_pi_power)
    if not math.isfinite(value := float(value)):
        raise ValueError(f"cannot identify a non-finite value ({value})")
    scale, dimension = _target_units(units)
    if (target := value * scale) == 0:
        return []
    pool = _candidate_pool(max_terms, max_power)
    pairs = _offsets(max_pi_power)[0]
    sign = 1 if target > 0 else -1
    return [_build_match(pool.exponents[c], sign * pairs[p][0], pairs[p][1], target, cost)
            for c, p, cost in _best_distinct(pool, max_pi_power, target, dimension, rtol, top)]


def describe(value: float, units: str | Sequence[int] | None = None, **search) -> str:
    """One line naming the best match for ``value`` (see :func:`identify`, whose keyword
    arguments ``search`` are passed on), or ``"<value>: no match"``.

    >>> describe(0.123456, "m")
    '0.123456: no match'
    """
    matches = identify(value, units, **{**search, "top": 1})
    return str(matches[0]) if matches else f"{value:.6g}: no match"
