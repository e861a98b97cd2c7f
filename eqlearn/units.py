"""SI units: parsing unit strings into dimension vectors, and inferring the units of the
constants of an equation from the units of its variables and output (dimensional analysis).

>>> parse_units("W m^-2") == parse_units("kg s^-3")
True
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .expr.tree import Const, Expr, Node, Num, Var

__all__ = ["BASE_UNITS", "parse_units", "format_units", "si_factor", "infer_constant_units"]

BASE_UNITS = ("m", "kg", "s", "A", "K", "mol")
"""The axes of a dimension vector: exponents of these SI base units, in this order."""

Dimension = tuple[int, ...]


def _dim(m: int = 0, kg: int = 0, s: int = 0, A: int = 0, K: int = 0, mol: int = 0) -> Dimension:
    return (m, kg, s, A, K, mol)


# ----------------------------------------------------------------------------- units
_PREFIXES = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3,
             "c": 1e-2, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}

_OHM = _dim(m=2, kg=1, s=-3, A=-2)
_UNITS: dict[str, tuple[float, Dimension]] = {  # name -> (value in SI, dimension)
    "m": (1.0, _dim(m=1)), "g": (1e-3, _dim(kg=1)), "kg": (1.0, _dim(kg=1)),
    "s": (1.0, _dim(s=1)), "A": (1.0, _dim(A=1)), "K": (1.0, _dim(K=1)),
    "mol": (1.0, _dim(mol=1)), "N": (1.0, _dim(m=1, kg=1, s=-2)),
    "J": (1.0, _dim(m=2, kg=1, s=-2)), "W": (1.0, _dim(m=2, kg=1, s=-3)),
    "Pa": (1.0, _dim(m=-1, kg=1, s=-2)), "C": (1.0, _dim(s=1, A=1)),
    "V": (1.0, _dim(m=2, kg=1, s=-3, A=-1)), "Hz": (1.0, _dim(s=-1)), "Ohm": (1.0, _OHM),
    "ohm": (1.0, _OHM), "Ω": (1.0, _OHM), "F": (1.0, _dim(m=-2, kg=-1, s=4, A=2)),
    "T": (1.0, _dim(kg=1, s=-2, A=-1)), "eV": (1.602176634e-19, _dim(m=2, kg=1, s=-2)),
    "sr": (1.0, _dim()), "rad": (1.0, _dim()), "1": (1.0, _dim()),
}
# one factor: [separator] (name | "(" group without parentheses ")") [(^ | **) integer]
_FACTOR = re.compile(r"\s*([*/·]?)\s*(?:([A-Za-zµμΩ_]+|1)|\(([^()]*)\))"
                     r"(?:\s*(?:\^|\*\*)\s*([-+]?\d+))?\s*")


def _lookup_unit(name: str) -> tuple[float, np.ndarray]:
    """SI value and dimension of one unit name, allowing a decimal prefix (``nm``, ``mK``)."""
    if name in _UNITS:
        scale, dim = _UNITS[name]
    elif name[:1] in _PREFIXES and name[1:] in _UNITS:
        scale, dim = _UNITS[name[1:]]
        scale *= _PREFIXES[name[:1]]
    else:
        raise ValueError(f"unknown unit {name!r}; known units: {', '.join(_UNITS)} "
                         f"(optionally prefixed by one of {''.join(_PREFIXES)})")
    return scale, np.array(dim)


def parse_scaled(text: str) -> tuple[float, np.ndarray]:
    """(factor to SI, dimension vector) of a unit string; see :func:`parse_units`."""
    scale, dim, pos = 1.0, np.zeros(len(BASE_UNITS), int), 0
    while pos < len(text.rstrip()):
        match = _FACTOR.match(text, pos)
        if match is None:
            raise ValueError(f"cannot read units {text!r} from {text[pos:].strip()!r} on")
        separator, name, group, power = match.groups()
        part_scale, part_dim = _lookup_unit(name) if name else parse_scaled(group)
        exponent = int(power or 1) * (-1 if separator == "/" else 1)
        scale, dim = scale * part_scale**exponent, dim + exponent * part_dim
        pos = match.end()
    return scale, dim


def parse_units(text: str) -> Dimension:
    """SI dimension of a unit string, as exponents over :data:`BASE_UNITS`.

    Parameters
    ----------
    text : str
        Units such as ``"W m^-2 sr^-1"``, ``"m*K"``, ``"J/s"``, ``"J/(mol K)"``,
        ``"kg m**2 s^-2"``; ``"1"`` or ``""`` for dimensionless. A ``/`` divides by the one
        factor after it; parentheses (one level) group. Known units: the SI base units, g,
        N, J, W, Pa, C, V, Hz, Ohm (ohm, Ω), F, T, eV, and the dimensionless sr, rad; each may
        carry one decimal prefix (f p n u µ m c k M G T).

    Returns
    -------
    tuple of int
        Exponents of (m, kg, s, A, K, mol).

    Raises
    ------
    ValueError
        For an unknown unit or a malformed string.

    Examples
    --------
    >>> parse_units("J") == parse_units("kg m^2 s^-2")
    True
    """
    return tuple(int(x) for x in parse_scaled(text)[1])


def si_factor(text: str) -> float:
    """The factor that converts a value in ``text`` units to SI (``si_factor("nm") == 1e-9``)."""
    return parse_scaled(text)[0]


def format_units(dimension: Sequence[int]) -> str:
    """Write a dimension vector in base units: ``(1, 0, 0, 0, 1, 0)`` -> ``"m K"``, and
    ``"1"`` when dimensionless."""
    parts = [unit if p == 1 else f"{unit}^{p}" for unit, p in zip(BASE_UNITS, dimension) if p]
    return " ".join(parts) or "1"


# ----------------------------------------------------------------- dimensional analysis
class _Units:
    """Dimension of a subtree: ``base + sum_i coeff_i * u_i`` with ``u_i`` the unknown
    dimension of constant i."""

    def __init__(self, base, coeffs: dict[int, float] | None = None):  # noqa: D107
        self.base = np.asarray(base, dtype=float)
        self.coeffs = dict(coeffs or {})

    def __add__(self, other: "_Units") -> "_Units":
        coeffs = dict(self.coeffs)
        for i, c in other.coeffs.items():
            coeffs[i] = coeffs.get(i, 0.0) + c
        return _Units(self.base + other.base, coeffs)

    def scale(self, k: float) -> "_Units":
        return _Units(self.base * k, {i: c * k for i, c in self.coeffs.items()})


_AXES = len(BASE_UNITS) + 1  # the base units, and log10 of the factor to SI
_NONE = np.zeros(_AXES)
_SAME = ("neg", "abs")


def _axes(units: Sequence[int] | str) -> np.ndarray:
    if isinstance(units, str):
        scale, dim = parse_scaled(units)
        return np.append(dim.astype(float), np.log10(scale))
    return np.append(np.asarray(units, dtype=float), 0.0)


def infer_constant_units(expr: Expr, variables: Sequence[Sequence[int] | str],
                         output: Sequence[int] | str) -> dict[int, tuple[tuple, float]]:
    """Units of the constants of ``expr`` (by prefix position) that dimensional analysis
    determines, given the units of the variables and of the output.

    Sums need equal units on both sides; arguments of ``exp``, ``log``, ``sin``… and
    non-numeric exponents must be dimensionless; the whole equation has the output's units.
    The linear equations in the unknown units are solved by least squares; a constant is
    reported only when its units are pinned down, as ``(dimension, si_factor)``: its SI
    dimension and the factor that converts its value to SI (units such as ``"um"`` or
    ``"THz"`` given for the data make it differ from 1).

    Examples
    --------
    >>> from eqlearn.expr import parse_expr
    >>> tree = parse_expr("C/(lam**5*(exp(C/(lam*T)) - 1))", ["lam", "T"])
    >>> units = infer_constant_units(tree, ["m", "K"], "W m^-3")
    >>> sorted(format_units(dim) for dim, _ in units.values())
    ['m K', 'm^4 kg s^-3']
    >>> infer_constant_units(tree, ["um", "K"], "W m^-2 um^-1")[1]
    ((1, 0, 0, 0, 1, 0), 1e-06)
    """
    dims = [_axes(v) for v in variables]
    out = _axes(output)
    constraints: list[tuple[_Units, _Units]] = []
    counter = iter(range(10**6))

    def walk(e: Expr) -> _Units:
        if isinstance(e, Var):
            return _Units(dims[e.index])
        if isinstance(e, Const):
            return _Units(_NONE, {next(counter): 1.0})
        if isinstance(e, Num):
            return _Units(_NONE)
        assert isinstance(e, Node)
        args = [walk(a) for a in e.args]
        op = e.op
        if op in ("add", "sub"):
            constraints.append((args[0], args[1]))
            return args[0]
        if op in _SAME:
            return args[0]
        if op == "mul":
            return args[0] + args[1]
        if op == "div":
            return args[0] + args[1].scale(-1)
        if op == "inv":
            return args[0].scale(-1)
        if op == "sqrt":
            return args[0].scale(0.5)
        if op == "pow" and isinstance(e.args[1], Num):
            return args[0].scale(float(e.args[1].value))
        for a in args:  # transcendental functions, general powers: dimensionless
            constraints.append((a, _Units(_NONE)))
        return _Units(_NONE)

    constraints.append((walk(expr), _Units(out)))
    return _solve(constraints, next(counter))


def _solve(constraints, n_consts: int) -> dict[int, tuple[tuple, float]]:
    if n_consts == 0:
        return {}
    A = np.zeros((len(constraints), n_consts))
    B = np.zeros((len(constraints), _AXES))
    for row, (left, right) in enumerate(constraints):
        for i, c in left.coeffs.items():
            A[row, i] += c
        for i, c in right.coeffs.items():
            A[row, i] -= c
        B[row] = right.base - left.base
    pinv = np.linalg.pinv(A)
    U = pinv @ B
    if not np.allclose(A @ U, B, atol=1e-6):
        return {}  # the equation is not dimensionally consistent
    free = np.eye(n_consts) - pinv @ A  # projector on the unknowns' undetermined directions
    return {i: (tuple(_tidy(u) for u in U[i, :-1]), float(10.0 ** np.round(U[i, -1], 9)))
            for i in range(n_consts) if np.abs(free[i]).max() < 1e-9}


def _tidy(x: float) -> int | float:
    half = float(np.round(x * 2) / 2)
    return int(half) if half.is_integer() else half
