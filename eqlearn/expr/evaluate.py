"""Vectorised numpy evaluation of trees.

Evaluation never raises on domain errors: ``log(-1)`` gives NaN, ``1/0`` gives inf, and
:func:`evaluate_counted` reports how many points were not finite. :func:`r2` scores the
values against the data (the one R² of the package: estimator, held-out figures, benchmarks).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .operators import OPERATORS
from .tree import Const, Expr, Node, Num, Var

__all__ = ["evaluate", "evaluate_counted", "compile_numpy", "as_2d", "r2", "weighted_variance"]


def as_2d(X) -> np.ndarray:
    """Inputs as a float64 array of shape (n_points, n_vars)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"inputs must be 1-d or 2-d, got shape {X.shape}")
    return X


def evaluate(expr: Expr, X, constants: Sequence[float] | None = None) -> np.ndarray:
    """Values of ``expr`` at the rows of ``X``, shape (n_points,).

    Parameters
    ----------
    expr : Expr
        The expression. Its constants are used unless ``constants`` is given.
    X : array-like, shape (n_points, n_vars)
        Inputs; column ``i`` is variable ``x{i+1}``.
    constants : sequence of float, optional
        Values for the constants in prefix order (required for placeholders).
    """
    X = as_2d(X)
    needed = max(expr.variables(), default=-1) + 1
    if needed > X.shape[1]:
        raise ValueError(f"expression uses x{needed} but X has {X.shape[1]} columns")
    consts = _constant_values(expr, constants)
    with np.errstate(all="ignore"):
        out = _eval(expr, X, iter(consts))
        return np.broadcast_to(np.asarray(out, dtype=np.float64), (X.shape[0],)).copy()


def evaluate_counted(expr: Expr, X, constants=None) -> tuple[np.ndarray, int]:
    """Like :func:`evaluate`, also returning the number of non-finite values."""
    y = evaluate(expr, X, constants)
    return y, int(np.count_nonzero(~np.isfinite(y)))


def _constant_values(expr: Expr, constants) -> list[float]:
    leaves = expr.constants()
    if constants is None:
        if any(c.value is None for c in leaves):
            raise ValueError("expression has constant placeholders: pass `constants=`")
        return [c.value for c in leaves]
    constants = [float(v) for v in np.ravel(constants)]
    if len(constants) != len(leaves):
        raise ValueError(f"expression has {len(leaves)} constants, got {len(constants)} values")
    return constants


def _eval(e: Expr, X: np.ndarray, consts) -> np.ndarray | float:
    if isinstance(e, Var):
        return X[:, e.index]
    if isinstance(e, Const):
        return next(consts)
    if isinstance(e, Num):
        return float(e.value)
    assert isinstance(e, Node)
    args = [_eval(a, X, consts) for a in e.args]
    return OPERATORS[e.op].numpy_fn(*args)


def compile_numpy(expr: Expr) -> Callable[[np.ndarray, Sequence[float]], np.ndarray]:
    """A fast numpy function ``f(X, c)`` for ``expr``: ``c`` gives its constants in prefix
    order (defaults to the expression's own values). Built once by code generation, so
    calling it costs only the numpy operations."""
    namespace: dict[str, object] = {"np": np}
    counter = iter(range(10**9))

    def emit(e: Expr) -> str:
        if isinstance(e, Var):
            return f"X[:, {e.index}]"
        if isinstance(e, Const):
            return f"c[{next(counter)}]"
        if isinstance(e, Num):
            return repr(float(e.value))
        fn = f"op_{e.op}"
        namespace[fn] = OPERATORS[e.op].numpy_fn
        return f"{fn}({', '.join(emit(a) for a in e.args)})"

    body = emit(expr)
    default = [c.value for c in expr.constants()]
    source = (
        "def f(X, c=None):\n"
        "    X = as_2d(X)\n"
        "    c = default if c is None else c\n"
        "    with np.errstate(all='ignore'):\n"
        f"        out = {body}\n"
        "    return np.broadcast_to(np.asarray(out, dtype=np.float64), (X.shape[0],)).copy()\n"
    )
    namespace.update(as_2d=as_2d, default=default)
    exec(compile(source, "<eqlearn-expression>", "exec"), namespace)  # noqa: S102 - own codegen
    f = namespace["f"]
    f.__doc__ = f"numpy function of {expr}"
    return f


def weighted_variance(y: np.ndarray, w: np.ndarray | None = None) -> float:
    """Variance of ``y`` about its mean, each reading weighted by ``w`` (None: equally)."""
    if w is None:
        return float(np.var(y))
    return float(np.average((y - np.average(y, weights=w)) ** 2, weights=w))


def r2(y, yhat) -> float:
    """Coefficient of determination of predictions ``yhat`` for data ``y``.

    ``-inf`` when a prediction is not finite. For a constant ``y`` (no spread to explain):
    1.0 when the predictions equal it to rounding, else ``-inf``.
    """
    y, yhat = np.asarray(y, float).ravel(), np.asarray(yhat, float).ravel()
    if y.shape != yhat.shape:
        raise ValueError(f"y has shape {y.shape}, yhat {yhat.shape}")
    if not np.all(np.isfinite(yhat)):
        return float("-inf")
    with np.errstate(over="ignore"):
        residual = float(np.sum((y - yhat) ** 2))
        total = float(np.sum((y - y.mean()) ** 2))
    if total == 0:
        return 1.0 if np.allclose(yhat, y, rtol=1e-12, atol=0) else float("-inf")
    return 1.0 - residual / total if np.isfinite(residual) else float("-inf")
