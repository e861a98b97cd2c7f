"""A tree as a linear model of its additive terms, for scoring in the search.

Linear scaling (Keijzer 2003) fits ``a*f + b`` to the data in closed form, so the search
need not find a tree's outer constants. For a sum ``f = t1 + t2 - t3`` it fits each term
its own coefficient, ``a1*t1 + a2*t2 + a3*t3 + b`` (as FFX and Operon's linear terms do), so
``x2*exp(-x1) + 0.3*x1`` scores as exact once the search writes ``x2*exp(-x1) + x1``.

:class:`TermModel` splits a tree into the terms that get a coefficient (those with a
variable; constant terms are absorbed into ``b``) and gives their values and Jacobians with
respect to the constants inside them.
"""
from __future__ import annotations

from functools import cached_property

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.jacobian import JacobianProgram
from ..expr.operators import SUM_SIGNS
from ..expr.tree import Const, Expr, Node

__all__ = ["additive_terms", "TermModel", "weighted_lstsq"]

MAX_TERMS = 4  #: sums with more varying terms are scored as one column


def additive_terms(expr: Expr) -> list[tuple[float, Expr]]:
    """The terms of the top-level sum of ``expr`` (through add, sub and neg) with their
    signs, in prefix order: ``x1 - 2*x2`` gives ``[(1.0, x1), (-1.0, 2*x2)]``."""
    out: list[tuple[float, Expr]] = []
    stack = [(1.0, expr)]
    while stack:
        sign, e = stack.pop()
        if isinstance(e, Node) and e.op in SUM_SIGNS:
            stack.extend(reversed([(sign * s, a) for s, a in zip(SUM_SIGNS[e.op], e.args)]))
        else:
            out.append((sign, e))
    return out


class TermModel:
    """The columns a tree is fitted with: its varying additive terms when ``per_term`` and
    there are 2 to :data:`MAX_TERMS` of them, else the tree itself as one column.

    ``free`` holds the indices (prefix order) of the constants inside those columns; the
    constants of constant-only terms are not free (the intercept replaces those terms).
    """

    def __init__(self, expr: Expr, per_term: bool = True):
        self.expr = expr
        self.terms = [(1.0, expr, True)]  # (sign, term, has a column)
        if per_term and isinstance(expr, Node) and expr.op in SUM_SIGNS:
            terms = [(s, t, bool(t.variables())) for s, t in additive_terms(expr)]
            if 2 <= sum(keep for _, _, keep in terms) <= MAX_TERMS:
                self.terms = terms
        self.columns = [t for _, t, keep in self.terms if keep]

    @cached_property
    def free(self) -> np.ndarray:
        """Indices (prefix order) of the constants inside the columns."""
        free, start = [], 0
        for _, term, keep in self.terms:
            k = term.n_constants()
            if keep:
                free.extend(range(start, start + k))
            start += k
        return np.array(free, dtype=int)

    @property
    def single(self) -> bool:
        """True when the tree is its only column."""
        return len(self.columns) == 1 and self.columns[0] is self.expr

    def values(self, X) -> tuple[np.ndarray, np.ndarray]:
        """The tree's values (n,) and its column values (n, k), each term evaluated once."""
        if self.single:
            f = evaluate(self.expr, X)
            return f, f[:, None]
        n = X.shape[0]
        pred, columns = np.zeros(n), []
        for sign, term, keep in self.terms:
            v = evaluate(term, X)
            pred = pred + sign * v
            if keep:
                columns.append(v)
        return pred, np.column_stack(columns)

    @cached_property
    def _programs(self) -> list[tuple[JacobianProgram, slice]]:
        """Per column, its Jacobian program and its part of the free constants."""
        out, p = [], 0
        for term in self.columns:
            prog = JacobianProgram(term)
            out.append((prog, slice(p, p + prog.n_constants)))
            p += prog.n_constants
        return out

    def jacobians(self, X, free_values) -> tuple[np.ndarray, list[np.ndarray]]:
        """Column values (n, k) and, per column, its Jacobian w.r.t. its own free constants."""
        values, jacobians = [], []
        for prog, part in self._programs:
            f, J = prog(X, free_values[part])
            values.append(f)
            jacobians.append(J)
        return np.column_stack(values), jacobians

    def rebuild(self, free_values) -> Expr:
        """The tree with its free constants replaced by ``free_values``."""
        c = np.array([n.value for n in self.expr.constants()], dtype=float)
        c[self.free] = free_values
        return self.expr.with_constants(c)

    def write(self, coefs, intercept: float) -> Expr:
        """``coefs[0]*column0 + ... + intercept`` (not canonicalised)."""
        out = None
        for a, term in zip(coefs, self.columns):
            piece = Node("mul", (Const(float(a)), term))
            out = piece if out is None else Node("add", (out, piece))
        return out if intercept == 0.0 else Node("add", (out, Const(float(intercept))))


def weighted_lstsq(F: np.ndarray, y: np.ndarray, ww: np.ndarray) -> tuple[np.ndarray, float]:
    """Coefficients ``a`` and intercept ``b`` minimising ``sum(ww * (F @ a + b - y)**2)``;
    one column in closed form, more by SVD on columns scaled to unit maximum (the
    minimum-norm solution when they are collinear). Zeros when the fit is undefined (LAPACK's
    SVD can loop forever on non-finite input, so none reaches it)."""
    k = F.shape[1]
    sw = ww.sum()
    mean_f, mean_y = ww @ F / sw, float(ww @ y / sw)
    Fc, yc = F - mean_f, y - mean_y
    if k == 1:
        var = float(ww @ (Fc[:, 0] ** 2))
        if not np.isfinite(var) or var <= 1e-300:
            return np.zeros(1), mean_y
        a = np.array([float(ww @ (Fc[:, 0] * yc)) / var])
        return a, float(mean_y - mean_f @ a)
    A = Fc * np.sqrt(ww)[:, None]
    size = np.abs(A).max(axis=0) if A.size else np.zeros(k)
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(yc))) or not np.any(size > 0):
        return np.zeros(k), mean_y
    size[size == 0] = 1.0
    try:
        a = np.linalg.lstsq(A / size, yc * np.sqrt(ww), rcond=None)[0] / size
    except np.linalg.LinAlgError:
        return np.zeros(k), mean_y
    if not np.all(np.isfinite(a)):
        return np.zeros(k), mean_y
    return a, float(mean_y - mean_f @ a)
