"""Values and exact derivatives w.r.t. the constants, by forward-mode differentiation.

Every node carries its values (n_points,) and its tangent (n_points, n_constants); the
operator table's partial derivatives combine them (chain rule). One pass gives the model
output and the full Jacobian that least-squares and BFGS fits need.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .evaluate import as_2d
from .operators import OPERATORS, SUM_SIGNS
from .tree import Const, Expr, Node, Num, Var

__all__ = ["value_and_jacobian", "JacobianProgram"]


class JacobianProgram:
    """A tree flattened to a post-order program for repeated value+Jacobian evaluation.

    Examples
    --------
    >>> from eqlearn.expr import parse_expr
    >>> prog = JacobianProgram(parse_expr("C*exp(C*x1)"))
    >>> y, J = prog(np.array([[0.0], [1.0]]), [2.0, 0.5])
    >>> J.shape
    (2, 2)
    """

    def __init__(self, expr: Expr):
        self.expr = expr
        self.steps: list[tuple] = []  # (kind, payload, child slots)
        self.n_constants = 0
        self._flatten(expr)

    def _flatten(self, e: Expr) -> int:
        if isinstance(e, Var):
            self.steps.append(("var", e.index, ()))
        elif isinstance(e, Const):
            self.steps.append(("const", self.n_constants, ()))
            self.n_constants += 1
        elif isinstance(e, Num):
            self.steps.append(("num", float(e.value), ()))
        else:
            assert isinstance(e, Node)
            slots = tuple(self._flatten(a) for a in e.args)
            op = OPERATORS[e.op]
            if e.op in SUM_SIGNS:  # tangents combine with fixed signs: no partials to evaluate
                self.steps.append(("linear", (op.numpy_fn, SUM_SIGNS[e.op]), slots))
            else:
                self.steps.append(("op", (op.numpy_fn, op.partials()), slots))
        return len(self.steps) - 1

    def __call__(self, X, constants: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(values (n,), Jacobian (n, k)); non-finite entries are left as they are."""
        X = as_2d(X)
        n, k = X.shape[0], self.n_constants
        c = np.asarray(constants, dtype=float).ravel()
        if len(c) != k:
            raise ValueError(f"expression has {k} constants, got {len(c)} values")
        vals: list = []
        tans: list = []
        with np.errstate(all="ignore"):
            for kind, payload, slots in self.steps:
                if kind == "var":
                    vals.append(X[:, payload])
                    tans.append(None)
                elif kind == "num":
                    vals.append(np.full(n, payload))
                    tans.append(None)
                elif kind == "const":
                    vals.append(np.full(n, c[payload]))
                    t = np.zeros((n, k))
                    t[:, payload] = 1.0
                    tans.append(t)
                elif kind == "linear":
                    fn, signs = payload
                    vals.append(_full(fn(*(vals[s] for s in slots)), n))
                    tans.append(_signed_sum([tans[s] for s in slots], signs))
                else:
                    fn, partials = payload
                    args = [vals[s] for s in slots]
                    vals.append(_full(fn(*args), n))
                    tangent = None
                    for s, partial in zip(slots, partials):
                        if tans[s] is None:
                            continue
                        term = _full(partial(*args), n)[:, None] * tans[s]
                        tangent = term if tangent is None else tangent + term
                    tans.append(tangent)
        J = tans[-1] if tans[-1] is not None else np.zeros((n, k))
        return vals[-1], J


def _signed_sum(tangents: list, signs: tuple[float, ...]) -> np.ndarray | None:
    """``sum(sign * tangent)`` over the tangents that are not None."""
    out = None
    for t, sign in zip(tangents, signs):
        if t is None:
            continue
        term = t if sign > 0 else -t
        out = term if out is None else out + term
    return out


def _full(values, n: int) -> np.ndarray:
    """``values`` as a float array of shape (n,) (scalars broadcast)."""
    values = np.asarray(values, dtype=float)
    return values if values.shape == (n,) else np.broadcast_to(values, (n,))


def value_and_jacobian(expr: Expr, X, constants) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``expr`` and their derivatives w.r.t. its constants (prefix order)."""
    return JacobianProgram(expr)(X, constants)
