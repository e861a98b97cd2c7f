"""One equation of a fitted Pareto front, in the user's units and variable names."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .expr.evaluate import compile_numpy
from .expr.export import to_latex, to_sympy
from .expr.tokens import to_infix
from .expr.tree import Expr
from .search.uncertainty import ConstantErrors

__all__ = ["Equation", "EquationFunction", "equations_table", "format_uncertain"]


@dataclass(frozen=True)
class Equation:
    """One equation of the Pareto front, in the user's units and variable names."""

    expr: Expr
    names: tuple[str, ...]
    complexity: int
    loss: float          #: normalised loss (see ``EquationRegressor``)
    r2: float
    source: str
    errors: ConstantErrors | None = None  #: how well the constants are determined

    def __str__(self) -> str:
        return to_infix(self.expr, self.names, precision=6)

    def sympy(self):
        """The sympy form; constants equal to a rational multiple of a power of π (or its
        root) to 1e-10 are written so (``12.566370614359172`` → ``4*pi``)."""
        return to_sympy(self.expr, self.names, name_pi=True)

    def latex(self, precision: int = 4) -> str:
        return to_latex(self.expr, self.names, precision=precision)

    def to_callable(self):
        """The equation as a numpy function, called in any of three ways.

        * ``f(X)``: one 2-D array (or DataFrame) with the fitted columns, in the order given
          to ``fit`` (a DataFrame holding every variable's column is matched by name);
        * ``f(S, I)``: one number or array per variable, in that order (arrays broadcast
          against each other: meshgrids work, and the result has their shape; with one
          variable a 2-D array is read as the table, so pass a grid by name);
        * ``f(S=..., I=...)``: the same by variable name (positional first, then keywords).

        Every variable the equation was fitted with must be given, used or not. A wrong
        number of arguments, or an unknown or repeated name, raises ``TypeError``; a table
        with the wrong number of columns, or arrays that do not broadcast, ``ValueError``.
        Points where the equation is undefined give NaN (no warning).

        Examples
        --------
        For ``y = S*I + 2`` fitted on the columns ``S`` and ``I``:

        >>> f = reg.best_.to_callable()              # doctest: +SKIP
        >>> f(np.array([[1.0, 2.0], [3.0, 4.0]]))    # doctest: +SKIP
        array([ 4., 14.])
        >>> f(np.array([1.0, 3.0]), np.array([2.0, 4.0]))   # doctest: +SKIP
        array([ 4., 14.])
        >>> float(f(S=3.0, I=4.0))                   # doctest: +SKIP
        14.0
        """
        return EquationFunction(compile_numpy(self.expr), self.names, str(self))

    def constants(self) -> list[float]:
        """The fitted constants, in the order they are printed."""
        return [c.value for c in self.expr.constants()]

    def constants_table(self) -> pd.DataFrame:
        """One row per constant as printed (``c1``, ``c2``, …): ``value``, ``stderr`` and the
        95 % confidence interval ``ci_low``, ``ci_high`` (NaN without errors)."""
        values = self.constants()
        e = self.errors
        nan = [np.nan] * len(values)
        return pd.DataFrame({"value": values,
                             "stderr": nan if e is None else e.stderr,
                             "ci_low": nan if e is None else e.ci_low,
                             "ci_high": nan if e is None else e.ci_high},
                            index=pd.Index([f"c{i + 1}" for i in range(len(values))],
                                           name="constant"))

    def constants_text(self) -> str:
        """The constants with their standard errors, ``2.51 ± 0.03, 0.816 ± 0.038``."""
        if self.errors is None:
            return ", ".join(f"{v:.6g}" for v in self.constants())
        return ", ".join(format_uncertain(v, s) for v, s in zip(self.constants(),
                                                                 self.errors.stderr))


def format_uncertain(value: float, stderr: float) -> str:
    """``value ± stderr`` with two significant digits of the error and the value rounded to
    the same place (``3.2147 ± 0.0412`` → ``3.215 ± 0.041``); ten significant digits of an
    exact fit's value."""
    if not np.isfinite(stderr):
        return f"{value:.6g} ± inf"
    if stderr == 0 or not np.isfinite(value):
        return f"{value:.6g} ± 0"
    if stderr < 1e-9 * abs(value):  # an exact fit: round-off, not ten more digits
        return f"{value:.10g} ± {stderr:.2g}"
    place = int(np.floor(np.log10(stderr))) - 1
    if abs(value) >= 1e6 or abs(value) < 1e-3 or abs(place) > 6:
        digits = max(1, int(np.floor(np.log10(abs(value) or 1))) - place)
        return f"{value:.{digits}e} ± {stderr:.2g}"
    decimals = max(0, -place)
    return f"{round(value, -place):.{decimals}f} ± {round(stderr, -place):.{decimals}f}"


class EquationFunction:
    """What :meth:`Equation.to_callable` returns: ``f(X)``, ``f(S, I)`` or ``f(S=..., I=...)``."""

    def __init__(self, compiled, names: tuple[str, ...], text: str):
        self._compiled, self.names, self._text = compiled, tuple(names), text
        self.__doc__ = f"{text} as a numpy function of ({', '.join(self.names)})"

    def __repr__(self) -> str:
        return f"<eqlearn function ({', '.join(self.names)}) -> {self._text}>"

    def __call__(self, *args, **kwargs) -> np.ndarray:
        if len(args) == 1 and not kwargs and np.ndim(args[0]) == 2:
            return self._compiled(self._table(args[0]))
        values = self._bind(args, kwargs)
        try:
            arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
        except ValueError:
            shapes = ", ".join(f"{n}: {np.shape(v)}" for n, v in zip(self.names, values))
            raise ValueError(f"the variables' arrays do not broadcast together ({shapes})") \
                from None
        shape = arrays[0].shape if arrays else ()
        X = np.stack([a.ravel() for a in arrays], axis=1) if arrays else np.empty((1, 0))
        return self._compiled(X).reshape(shape)[()]

    def _table(self, X) -> np.ndarray:
        """A 2-D table's columns in the fitted order (a DataFrame's by name when it can)."""
        if hasattr(X, "columns") and set(self.names) <= {str(c) for c in X.columns}:
            X = X.rename(columns=str)[list(self.names)]
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != len(self.names):
            raise ValueError(f"X has {X.shape[1]} columns, but the equation was fitted on "
                             f"{len(self.names)}: {', '.join(self.names)}")
        return X

    def _bind(self, args: tuple, kwargs: dict) -> list:
        """One value per variable, from positional arguments then keywords (as Python binds
        a function's arguments), with Python's kind of ``TypeError`` when they do not fit."""
        names = self.names
        expected = f"{len(names)} variable{'s' * (len(names) != 1)} ({', '.join(names)})"
        if len(args) > len(names):
            raise TypeError(f"the equation takes {expected}, got {len(args)} positional "
                            "arguments")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"unknown variable {name!r}: the equation takes {expected}")
            if name in values:
                raise TypeError(f"variable {name!r} given twice (positionally and by name)")
            values[name] = value
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"no value for {', '.join(map(repr, missing))}: the equation takes "
                            f"{expected}, or one 2-D array with {len(names)} columns")
        return [values[n] for n in names]


def equations_table(front: list[Equation], selected: int) -> pd.DataFrame:
    """The front as a table (``EquationRegressor.equations_``), simplest first."""
    table = pd.DataFrame({
        "equation": [str(e) for e in front],
        "complexity": [e.complexity for e in front],
        "loss": [e.loss for e in front],
        "r2": [e.r2 for e in front],
        "source": [e.source for e in front],
        "constants": [e.constants_text() for e in front],
        "sympy": [e.sympy() for e in front],
    })
    table["selected"] = np.arange(len(front)) == selected
    return table
