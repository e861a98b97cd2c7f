"""THE operator table: one place that drives tokens, numpy evaluation, sympy export,
derivatives and complexity.

Every operator is an :class:`Operator` record. Users add their own with
:func:`register_operator`; a registered operator then works in sampling, tokenisation,
evaluation, constant fitting and export like a built-in one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import sympy

__all__ = ["Operator", "OPERATORS", "SUM_SIGNS", "register_operator", "get_operator",
           "unregister_operator"]


@dataclass(frozen=True)
class Operator:
    """One operator of the expression language.

    Parameters
    ----------
    name : str
        Token and node name, e.g. ``"sin"``.
    arity : int
        1 (unary) or 2 (binary).
    numpy_fn : callable
        Vectorised numpy implementation; called under ``np.errstate(all="ignore")`` so that
        domain errors give NaN/inf rather than raising.
    sympy_fn : callable
        Builds the sympy form from sympy arguments.
    complexity : int
        Cost of the node in the PySR-style complexity measure (leaves cost 1).
    domain : str
        Human-readable note on where the operator is real and finite.
    commutative : bool
        Whether the arguments may be reordered (used by the canonicaliser).
    """

    name: str
    arity: int
    numpy_fn: Callable[..., np.ndarray]
    sympy_fn: Callable[..., sympy.Expr]
    complexity: int = 1
    domain: str = "all reals"
    commutative: bool = False
    derivatives: tuple[Callable[..., np.ndarray], ...] | None = field(default=None, compare=False)

    def partials(self) -> tuple[Callable[..., np.ndarray], ...]:
        """Numpy functions of the partial derivatives w.r.t. each argument.

        Taken from ``derivatives`` when given, otherwise derived once from the sympy form.
        """
        if self.derivatives is not None:
            return self.derivatives
        cached = _DERIVED.get(self.name)
        if cached is None:
            cached = _derive_partials(self)
            _DERIVED[self.name] = cached
        return cached


_DERIVED: dict[str, tuple[Callable[..., np.ndarray], ...]] = {}


def _derive_partials(op: Operator) -> tuple[Callable[..., np.ndarray], ...]:
    symbols = sympy.symbols(f"u0:{op.arity}", real=True)
    body = op.sympy_fn(*symbols)
    return tuple(
        sympy.lambdify(symbols, sympy.diff(body, s), modules="numpy") for s in symbols
    )


_BUILTINS = [
    Operator("add", 2, np.add, lambda a, b: a + b, commutative=True,
             derivatives=(lambda a, b: np.ones_like(a + b), lambda a, b: np.ones_like(a + b))),
    Operator("sub", 2, np.subtract, lambda a, b: a - b,
             derivatives=(lambda a, b: np.ones_like(a - b), lambda a, b: -np.ones_like(a - b))),
    Operator("mul", 2, np.multiply, lambda a, b: a * b, commutative=True,
             derivatives=(lambda a, b: b * np.ones_like(a), lambda a, b: a * np.ones_like(b))),
    Operator("div", 2, np.divide, lambda a, b: a / b, domain="b != 0",
             derivatives=(lambda a, b: 1.0 / b * np.ones_like(a), lambda a, b: -a / (b * b))),
    Operator("pow", 2, np.power, lambda a, b: a ** b, domain="a > 0 unless b is an integer",
             derivatives=(lambda a, b: b * np.power(a, b - 1.0),
                          lambda a, b: np.power(a, b) * np.log(a))),
    Operator("neg", 1, np.negative, lambda a: -a, derivatives=(lambda a: -np.ones_like(a),)),
    Operator("inv", 1, np.reciprocal, lambda a: 1 / a, domain="u != 0",
             derivatives=(lambda a: -1.0 / (a * a),)),
    Operator("sqrt", 1, np.sqrt, sympy.sqrt, domain="u >= 0",
             derivatives=(lambda a: 0.5 / np.sqrt(a),)),
    Operator("exp", 1, np.exp, sympy.exp, complexity=2, derivatives=(np.exp,)),
    Operator("log", 1, np.log, sympy.log, complexity=2, domain="u > 0",
             derivatives=(lambda a: 1.0 / a,)),
    Operator("sin", 1, np.sin, sympy.sin, complexity=2, derivatives=(np.cos,)),
    Operator("cos", 1, np.cos, sympy.cos, complexity=2, derivatives=(lambda a: -np.sin(a),)),
    Operator("tan", 1, np.tan, sympy.tan, complexity=2, domain="u != pi/2 + k pi",
             derivatives=(lambda a: 1.0 / np.cos(a) ** 2,)),
    Operator("asin", 1, np.arcsin, sympy.asin, complexity=2, domain="|u| <= 1",
             derivatives=(lambda a: 1.0 / np.sqrt(1.0 - a * a),)),
    Operator("acos", 1, np.arccos, sympy.acos, complexity=2, domain="|u| <= 1",
             derivatives=(lambda a: -1.0 / np.sqrt(1.0 - a * a),)),
    Operator("atan", 1, np.arctan, sympy.atan, complexity=2,
             derivatives=(lambda a: 1.0 / (1.0 + a * a),)),
    Operator("tanh", 1, np.tanh, sympy.tanh, complexity=2,
             derivatives=(lambda a: 1.0 - np.tanh(a) ** 2,)),
    Operator("sinh", 1, np.sinh, sympy.sinh, complexity=2, derivatives=(np.cosh,)),
    Operator("cosh", 1, np.cosh, sympy.cosh, complexity=2, derivatives=(np.sinh,)),
    Operator("abs", 1, np.abs, sympy.Abs, derivatives=(np.sign,)),
]

OPERATORS: dict[str, Operator] = {op.name: op for op in _BUILTINS}
BUILTIN_NAMES = frozenset(OPERATORS)
#: the operators that make sums, with the sign each argument enters with
SUM_SIGNS: dict[str, tuple[float, ...]] = {"add": (1.0, 1.0), "sub": (1.0, -1.0), "neg": (-1.0,)}


def get_operator(name: str) -> Operator:
    """Look an operator up by name, with a clear error for unknown names."""
    try:
        return OPERATORS[name]
    except KeyError:
        known = ", ".join(OPERATORS)
        raise KeyError(f"unknown operator {name!r}; known operators: {known}") from None


def register_operator(
    name: str,
    arity: int,
    numpy_fn: Callable[..., np.ndarray],
    sympy_fn: Callable[..., sympy.Expr],
    *,
    complexity: int = 1,
    domain: str = "",
    commutative: bool = False,
) -> Operator:
    """Add a user-defined operator to the table and return it.

    The numpy form is checked on test arrays (right shape, some finite values) and the
    sympy form on symbols, as gplearn's ``make_function`` does, so that a broken operator
    fails here rather than deep inside a fit.

    Examples
    --------
    >>> import numpy as np, sympy
    >>> op = register_operator("sigmoid", 1, lambda u: 1 / (1 + np.exp(-u)),
    ...                        lambda u: 1 / (1 + sympy.exp(-u)), complexity=3)
    >>> op.arity
    1
    """
    if not name.isidentifier() or name in {"C", "pad", "bos", "eos"} or name[:1] == "x":
        raise ValueError(f"operator name {name!r} must be an identifier not starting with 'x'")
    if name in BUILTIN_NAMES:
        raise ValueError(f"{name!r} is a built-in operator and cannot be replaced")
    if arity not in (1, 2):
        raise ValueError(f"arity must be 1 or 2, got {arity}")
    _check_numpy_form(name, arity, numpy_fn)
    symbols = sympy.symbols(f"u0:{arity}", real=True)
    try:
        sympy_form = sympy_fn(*symbols)
    except Exception as exc:  # noqa: BLE001 - report any failure of user code clearly
        raise ValueError(f"sympy form of {name!r} failed on symbols: {exc}") from exc
    if not hasattr(sympy_form, "free_symbols"):
        raise ValueError(f"sympy form of {name!r} must return a sympy expression")
    op = Operator(name, arity, numpy_fn, sympy_fn, complexity=complexity,
                  domain=domain or "user-defined", commutative=commutative)
    OPERATORS[name] = op
    _DERIVED.pop(name, None)
    return op


def unregister_operator(name: str) -> None:
    """Remove a user-defined operator (built-ins stay)."""
    if name in BUILTIN_NAMES:
        raise ValueError(f"{name!r} is a built-in operator")
    OPERATORS.pop(name, None)
    _DERIVED.pop(name, None)


def _check_numpy_form(name: str, arity: int, fn: Callable[..., np.ndarray]) -> None:
    probe = np.linspace(0.1, 2.0, 7)
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*([probe] * arity)), dtype=float)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"numpy form of {name!r} failed on a test array: {exc}") from exc
    if out.shape != probe.shape:
        raise ValueError(
            f"numpy form of {name!r} must be vectorised: shape {out.shape} for input {probe.shape}"
        )
    if not np.isfinite(out).any():
        raise ValueError(f"numpy form of {name!r} gives no finite value on (0.1, 2)")
