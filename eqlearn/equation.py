"""One equation of a fitted Pareto front, in the user's units and variable names."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .expr.evaluate import compile_numpy
from .expr.export import to_latex, to_sympy
from .expr.tokens import to_infix
from .expr.tree import Expr

__all__ = ["Equation", "equations_table"]


@dataclass(frozen=True)
class Equation:
    """One equation of the Pareto front, in the user's units and variable names."""

    expr: Expr
    names: tuple[str, ...]
    complexity: int
    loss: float          #: normalised loss (see ``EquationRegressor``)
    r2: float
    source: str

    def __str__(self) -> str:
        return to_infix(self.expr, self.names, precision=6)

    def sympy(self):
        """The sympy form; constants equal to a rational multiple of a power of π (or its
        root) to 1e-10 are written so (``12.566370614359172`` → ``4*pi``)."""
        return to_sympy(self.expr, self.names, name_pi=True)

    def latex(self, precision: int = 4) -> str:
        return to_latex(self.expr, self.names, precision=precision)

    def to_callable(self):
        """``f(X)`` on an array with the fitted columns."""
        return compile_numpy(self.expr)

    def constants(self) -> list[float]:
        return [c.value for c in self.expr.constants()]


def equations_table(front: list[Equation], selected: int) -> pd.DataFrame:
    """The front as a table (``EquationRegressor.equations_``), simplest first."""
    table = pd.DataFrame({
        "equation": [str(e) for e in front],
        "complexity": [e.complexity for e in front],
        "loss": [e.loss for e in front],
        "r2": [e.r2 for e in front],
        "source": [e.source for e in front],
        "sympy": [e.sympy() for e in front],
    })
    table["selected"] = np.arange(len(front)) == selected
    return table
