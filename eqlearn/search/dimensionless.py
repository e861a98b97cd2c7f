"""Dimensional analysis before the search (Buckingham's π theorem).

With the SI units of the variables and of y, a law without dimensional constants of its
own can be written ``y = M(x) · f(π1, …, πk)``: ``M`` is a product of powers of the
variables with the units of y, each ``πi`` a dimensionless product of powers, and
``k = n − rank`` of the variables' dimension matrix. The search then looks for ``f`` in
``k`` variables instead of ``n`` — ``m = m0 / sqrt(1 − v²/c²)`` becomes
``z = f(v/c)`` with ``z = m / m0`` — and the equation found is mapped back to the
original variables. AI Feynman (Udrescu & Tegmark 2020) does the same as its first step.

The basis is chosen among the "repeating variables" sets (``rank`` variables whose
dimensions are independent; every other variable gives one group, itself divided by a
product of powers of them): the fewest columns that change sign with an odd power in ``M``
(see :meth:`PiGroups.sign_changes`), then the smallest total of the exponents' magnitudes,
then the ``M`` that leaves the least variation in ``log |y / M|``, then the fewest powers in
the groups' denominators (``E·t/h`` rather than ``h/(E·t)``), then the first set in column
order.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Sequence

import numpy as np

from ..expr.simplify import canonicalize
from ..expr.tree import Expr, Node, Num, Var
from ..units import parse_units

__all__ = ["PiGroups", "as_dimension", "units_by_column"]

MAX_VARIABLES = 12     #: larger problems are searched as given (the basis search is combinatorial)
MAX_DENOMINATOR = 12   #: exponents are rationals with at most this denominator

Exponents = tuple[Fraction, ...]


def as_dimension(units) -> tuple[int, ...]:
    """SI dimension vector of ``units``: a unit string (``"m s^-1"``, ``""`` for none) or a
    mapping of unit names to exponents (``{"m": 1, "s": -1}``)."""
    if isinstance(units, Mapping):
        units = " ".join(f"{name}^{int(power)}" for name, power in units.items() if power)
    if not isinstance(units, str):
        raise TypeError(f"units must be a string such as 'm s^-1' or a mapping such as "
                        f"{{'m': 1, 's': -1}}, got {type(units).__name__}")
    return parse_units(units)


def units_by_column(X_units, y_units, names: Sequence[str]) -> list:
    """``X_units`` as one entry per column (given so, or as a mapping from name to units),
    after checking that ``y_units`` comes with it; a clear error otherwise."""
    if X_units is None or y_units is None:
        raise ValueError("give both X_units and y_units, or neither")
    if isinstance(X_units, Mapping):
        missing = [n for n in names if n not in X_units]
        if missing:
            raise ValueError(f"X_units has no units for {', '.join(missing)}")
        X_units = [X_units[n] for n in names]
    if isinstance(X_units, str) or len(X_units) != len(names):
        raise ValueError(f"X_units needs one entry per column ({len(names)}), "
                         f"got {X_units!r}")
    return list(X_units)


def _solve(A: np.ndarray, b: np.ndarray) -> Exponents | None:
    """The exact rational solution of the square system ``A e = b``, or None."""
    try:
        e = np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return None
    exact = tuple(Fraction(float(v)).limit_denominator(MAX_DENOMINATOR) for v in e)
    residual = [sum(Fraction(int(a)) * x for a, x in zip(row, exact)) - int(t)
                for row, t in zip(A, b)]
    return exact if not any(residual) else None


def _monomial(X: np.ndarray, exponents: Exponents) -> np.ndarray:
    out = np.ones(X.shape[0])
    with np.errstate(all="ignore"):
        for j, e in enumerate(exponents):
            if e:
                out = out * np.power(X[:, j], float(e))
    return out


def _monomial_tree(exponents: Exponents) -> Expr | None:
    """``x1**a * x2**b / x3**c`` as a tree (None for the empty product)."""
    num = _product([(j, e) for j, e in enumerate(exponents) if e > 0])
    den = _product([(j, -e) for j, e in enumerate(exponents) if e < 0])
    if den is None:
        return num
    return Node("div", (num if num is not None else Num(1), den))


def _product(powers: list[tuple[int, Fraction]]) -> Expr | None:
    out = None
    for j, p in powers:
        factor = Var(j) if p == 1 else Node("pow", (Var(j), Num(p)))
        out = factor if out is None else Node("mul", (out, factor))
    return out


@dataclass(frozen=True)
class PiGroups:
    """``y = M(x) · f(π(x))``: the exponents of each group and of ``M`` over the columns.

    Examples
    --------
    >>> pi = PiGroups.from_units(["kg", "m s^-1", "m s^-1"], "kg")  # m0, v, c -> m
    >>> pi.describe(["m0", "v", "c"])
    (['v/c'], 'm0')
    """

    groups: tuple[Exponents, ...]
    output: Exponents

    @property
    def n_groups(self) -> int:
        return len(self.groups)

    @classmethod
    def from_units(cls, x_units: Sequence, y_units, X: np.ndarray | None = None,
                   y: np.ndarray | None = None) -> "PiGroups | None":
        """The simplest basis (see the module docstring), or None when there is none: y's
        units are not a product of powers of the variables' (the law then holds dimensional
        constants of its own), more than :data:`MAX_VARIABLES` variables, or exponents
        beyond :data:`MAX_DENOMINATOR`. ``X`` and ``y`` break ties between bases."""
        D = np.array([as_dimension(u) for u in x_units], dtype=float).T  # (axes, n)
        return cls.from_dimensions(D, np.array(as_dimension(y_units), dtype=float), X, y)

    @classmethod
    def from_dimensions(cls, D: np.ndarray, target: np.ndarray, X: np.ndarray | None = None,
                        y: np.ndarray | None = None) -> "PiGroups | None":
        """:meth:`from_units` for a dimension matrix ``D`` (base dimensions × columns, as
        numbers) and y's dimensions ``target``."""
        D, target = np.asarray(D, dtype=float), np.asarray(target, dtype=float)
        n = D.shape[1]
        if n > MAX_VARIABLES:
            return None
        rank = np.linalg.matrix_rank(D) if n else 0
        if rank and np.linalg.matrix_rank(np.column_stack([D, target])) > rank:
            return None
        if not rank and target.any():
            return None
        best, best_key = None, None
        for basis in itertools.combinations(range(n), rank):
            found = cls._for_basis(D, target, list(basis))
            if found is None:
                continue
            key = (found.sign_changes(X), found._size(), found._spread(X, y),
                   found._denominators(), basis)
            if best_key is None or key < best_key:
                best, best_key = found, key
        return best

    @classmethod
    def for_data(cls, X_units, y_units, X: np.ndarray, y: np.ndarray,
                 names: Sequence[str]) -> "tuple[PiGroups | None, str | None]":
        """The groups for a fit, after checking the units given (``X_units`` one entry per
        column, or a mapping from name to units), or None and why they cannot be used
        (None, None when there is nothing to reduce: all variables dimensionless)."""
        X_units = units_by_column(X_units, y_units, names)
        if X.shape[1] > MAX_VARIABLES:
            return None, f"more than {MAX_VARIABLES} variables"
        pi = cls.from_units(list(X_units), y_units, X, y)
        if pi is None:
            return None, "y's units are not a product of powers of the variables' units"
        if pi.n_groups == 0:
            return None, "they leave no dimensionless group (y = C times a product of powers)"
        if pi.n_groups == X.shape[1]:
            return None, None
        P, z = pi.transform(X, y)
        if not (np.all(np.isfinite(P)) and np.all(np.isfinite(z))):
            return None, "the dimensionless groups are not finite on every row (zeros?)"
        return pi, None

    @classmethod
    def _for_basis(cls, D: np.ndarray, target: np.ndarray, basis: list[int]):
        n = D.shape[1]
        rows = _independent_rows(D[:, basis]) if basis else []
        if len(rows) < len(basis):  # the basis' dimensions are not independent
            return None
        A = D[np.ix_(rows, basis)]
        groups = []
        for i in (i for i in range(n) if i not in basis):
            sol = _solve(A, -D[rows, i]) if basis else ()
            if sol is None:
                return None
            e = [Fraction(0)] * n
            e[i] = Fraction(1)
            for j, v in zip(basis, sol):
                e[j] = v
            groups.append(integral_exponents(e))
        out = _solve(A, target[rows]) if basis else ()
        if out is None:
            return None
        output = [Fraction(0)] * n
        for j, v in zip(basis, out):
            output[j] = v
        return cls(tuple(groups), tuple(output))

    def sign_changes(self, X: np.ndarray | None) -> int:
        """Columns of X that change sign and enter ``M`` with an odd (or a fractional)
        power: then y/M need not be a function of the groups (``sqrt(a² + b²)`` is
        ``|b|·sqrt(1 + (a/b)²)``), so bases without them come first."""
        if X is None:
            return 0
        return sum(1 for j, e in enumerate(self.output)
                   if e % 2 and np.any(X[:, j] > 0) and np.any(X[:, j] < 0))

    def _size(self) -> Fraction:
        return sum(abs(e) for g in (*self.groups, self.output) for e in g)

    def _denominators(self) -> Fraction:
        return sum(-e for g in self.groups for e in g if e < 0)

    def _spread(self, X, y) -> float:
        if X is None or y is None:
            return 0.0
        z = np.abs(y / _monomial(X, self.output))
        z = z[np.isfinite(z) & (z > 0)]
        return float(np.var(np.log(z))) if z.size else np.inf

    def transform(self, X: np.ndarray, y: np.ndarray | None = None):
        """The groups' values (rows × groups) and, with ``y``, ``y / M``."""
        P = np.column_stack([_monomial(X, g) for g in self.groups]) if self.groups else \
            np.empty((X.shape[0], 0))
        return P if y is None else (P, y / _monomial(X, self.output))

    def to_original(self, expr: Expr) -> Expr:
        """``M(x) · f(π(x))`` for ``f = expr`` written in the groups (``x1`` = π1 …)."""
        inner = expr.substitute({i: _monomial_tree(g) for i, g in enumerate(self.groups)})
        scale = _monomial_tree(self.output)
        return canonicalize(inner if scale is None else Node("mul", (scale, inner)))

    def describe(self, names: Sequence[str]) -> tuple[list[str], str]:
        """The groups and ``M`` written in ``names`` (``(['v/c'], 'm0')``)."""
        from ..expr.tokens import to_infix

        def text(e):
            tree = _monomial_tree(e)
            return "1" if tree is None else to_infix(tree, names)
        return [text(g) for g in self.groups], text(self.output)


def _independent_rows(M: np.ndarray) -> list[int]:
    rows: list[int] = []
    for i in range(M.shape[0]):
        if np.linalg.matrix_rank(M[rows + [i]]) > len(rows):
            rows.append(i)
    return rows


def integral_exponents(e: list[Fraction]) -> Exponents:
    """Scale a group's exponents to integers (a power of a group is a group too); its own
    variable keeps a positive exponent."""
    lcm = 1
    for v in e:
        lcm = lcm * v.denominator // int(np.gcd(lcm, v.denominator))
    return tuple(v * lcm for v in e)
