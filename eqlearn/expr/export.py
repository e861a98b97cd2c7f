"""Conversions between trees and sympy, LaTeX, numpy callables and text.

Every sympy call that can run long is time-bounded (:mod:`eqlearn.timeout`).
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Sequence

import numpy as np
import sympy

from ..timeout import call_with_timeout
from .evaluate import compile_numpy
from .operators import OPERATORS
from .tree import PLACEHOLDER, Const, Expr, Node, Num, Var

__all__ = ["to_sympy", "from_sympy", "to_latex", "to_numpy", "parse_expr", "variable_symbols"]

_PLACEHOLDER_NAME = re.compile(r"^C\d*$")
_DEFAULT_VAR = re.compile(r"^x(\d+)$")


def variable_symbols(names: Sequence[str]) -> list[sympy.Symbol]:
    return [sympy.Symbol(n, real=True) for n in names]


def _default_names(expr: Expr) -> list[str]:
    n = max(expr.variables(), default=-1) + 1
    return [f"x{i + 1}" for i in range(n)]


def pi_form(value: float, rtol: float = 1e-10) -> sympy.Expr | None:
    """``value`` as ``(p/q)·π^k`` (k = ±1, ±2) or the square root of ``(p/q)·π^k``
    (k = ±1), q ≤ 12 and |p| ≤ 48, when it is one to ``rtol``; else None.

    >>> pi_form(12.566370614359172), pi_form(0.3989422804014327)
    (4*pi, sqrt(2)/(2*sqrt(pi)))
    """
    if not 1e-3 < abs(value) < 1e3:  # (the forms lie within; beyond, value² may overflow)
        return None
    for square, powers in ((False, (1, 2, -1, -2)), (True, (1, -1))):
        target = value * value if square else value
        for k in powers:
            ratio = Fraction(target / np.pi ** k).limit_denominator(12)
            if not 0 < abs(ratio.numerator) <= 48:
                continue
            exact = float(ratio) * np.pi ** k
            if abs(exact - target) <= rtol * abs(target):
                form = sympy.Rational(ratio.numerator, ratio.denominator) * sympy.pi ** k
                return (sympy.sign(value) * sympy.sqrt(form)) if square else form
    return None


def to_sympy(expr: Expr, names: Sequence[str] | None = None, *, rational: bool = False,
             placeholder_names: Sequence[str] | None = None,
             name_pi: bool = False) -> sympy.Expr:
    """The sympy form of ``expr``.

    Placeholders become distinct real symbols ``C0, C1, …`` in prefix order (or the names
    given in ``placeholder_names``, e.g. as recorded by :func:`from_sympy`); valued
    constants become ``sympy.Float`` (or the nearest small rational with ``rational=True``;
    with ``name_pi``, a rational multiple of a power of π, or its root, when equal to 1e-10
    — :func:`pi_form`). Variables are real symbols named by ``names`` (default ``x1, x2, …``).
    ``exp(a*log(b))`` is written ``b**a``.
    """
    names = list(names) if names is not None else _default_names(expr)
    if len(names) <= max(expr.variables(), default=-1):
        raise ValueError(f"{len(names)} variable names for an expression that uses "
                         f"x{max(expr.variables()) + 1}")
    symbols = variable_symbols(names)
    counter = iter(range(10**9))

    def convert(e: Expr) -> sympy.Expr:
        if isinstance(e, Var):
            return symbols[e.index]
        if isinstance(e, Const):
            if e.value is None:
                i = next(counter)
                name = placeholder_names[i] if placeholder_names else f"C{i}"
                return sympy.Symbol(name, real=True)
            if rational:
                return sympy.nsimplify(e.value, rational=True, tolerance=1e-12)
            named = pi_form(e.value) if name_pi else None
            return sympy.Float(e.value) if named is None else named
        if isinstance(e, Num):
            return sympy.Rational(e.value.numerator, e.value.denominator)
        args = [convert(a) for a in e.args]
        return _power_of_exp(args[0]) if e.op == "exp" else OPERATORS[e.op].sympy_fn(*args)

    return convert(expr)


def _power_of_exp(arg: sympy.Expr) -> sympy.Expr:
    """``exp(arg)``, but ``b**a`` for ``arg = a*log(b)`` (the same by definition, principal
    branches): ``x1**x2`` rather than ``exp(x2*log(x1))``."""
    if isinstance(arg, sympy.Mul):
        logs = [f for f in arg.args if isinstance(f, sympy.log)]
        if len(logs) == 1:
            return logs[0].args[0] ** (arg / logs[0])
    return OPERATORS["exp"].sympy_fn(arg)


def _function_map() -> dict[type, str]:
    """sympy function class → operator name, for operators that map to one sympy class."""
    key = tuple(OPERATORS)
    if _FUNCTION_MAP_CACHE.get("key") != key:
        mapping: dict[type, str] = {}
        for op in OPERATORS.values():
            if op.name in ("add", "sub", "mul", "div", "pow", "neg", "inv", "sqrt"):
                continue
            probe = op.sympy_fn(*sympy.symbols(f"u0:{op.arity}", real=True))
            if isinstance(probe, sympy.Function) or isinstance(probe.func, sympy.FunctionClass):
                mapping.setdefault(probe.func, op.name)
        _FUNCTION_MAP_CACHE.update(key=key, map=mapping)
    return _FUNCTION_MAP_CACHE["map"]


_FUNCTION_MAP_CACHE: dict[str, object] = {}


def from_sympy(sexpr, names: Sequence[str] | None = None,
               placeholders_out: list[str] | None = None) -> Expr:
    """A tree from a sympy expression.

    Symbols named in ``names`` become variables (default: ``x1, x2, …``); symbols named
    ``C``/``C0``/``C1``… become placeholders; floats become valued constants; rationals
    become exact numbers. Divisions, subtractions and square roots are recovered from
    sympy's ``Mul``/``Pow`` forms. If ``placeholders_out`` is a list, the names of the
    placeholder symbols are appended to it in the prefix order of the returned tree.
    """
    return _SympyReader(names, placeholders_out).convert(sympy.sympify(sexpr))


class _SympyReader:
    """The conversion behind :func:`from_sympy`, one method per kind of sympy node."""

    def __init__(self, names: Sequence[str] | None, placeholders_out: list[str] | None):
        self.names = names
        self.var_index = {n: i for i, n in enumerate(names)} if names is not None else None
        self.placeholders_out = placeholders_out
        self.functions = _function_map()

    def symbol(self, s: sympy.Symbol) -> Expr:
        if self.var_index is not None and s.name in self.var_index:
            return Var(self.var_index[s.name])
        if self.var_index is None and (m := _DEFAULT_VAR.match(s.name)) and int(m.group(1)) >= 1:
            return Var(int(m.group(1)) - 1)
        if _PLACEHOLDER_NAME.match(s.name):
            if self.placeholders_out is not None:  # conversion order is prefix order
                self.placeholders_out.append(s.name)
            return PLACEHOLDER
        raise ValueError(f"unknown symbol {s.name!r} (variables: {self.names or 'x1, x2, ...'})")

    def convert(self, e) -> Expr:
        if isinstance(e, sympy.Symbol):
            return self.symbol(e)
        if isinstance(e, sympy.Rational):
            return Num(Fraction(int(e.p), int(e.q)))
        if e.is_Number or isinstance(e, sympy.NumberSymbol):
            if not e.is_real:
                raise ValueError(f"complex number {e} in expression")
            return Const(float(e))
        if isinstance(e, sympy.Add):
            return self.sum(e)
        if isinstance(e, sympy.Mul):
            return self.product(e)
        if isinstance(e, sympy.Pow):
            return self.power(e)
        if isinstance(e, sympy.exp):
            return Node("exp", (self.convert(e.args[0]),))
        op = self.functions.get(e.func)
        if op is None or len(e.args) != OPERATORS[op].arity:
            raise ValueError(f"no operator for sympy function {e.func}")
        return Node(op, tuple(self.convert(a) for a in e.args))

    def sum(self, e) -> Expr:
        pos, neg = [], []
        for term in e.args:
            (neg if term.could_extract_minus_sign() else pos).append(term)
        out = self.convert(pos[0]) if pos else Node("neg", (self.convert(-neg.pop(0)),))
        for term in pos[1:]:
            out = Node("add", (out, self.convert(term)))
        for term in neg:
            out = Node("sub", (out, self.convert(-term)))
        return out

    def product(self, e) -> Expr:
        coeff, factors = e.as_coeff_mul()
        sign = 1
        num_f: list[Expr] = []
        den_f: list[Expr] = []
        if coeff.is_Rational:
            if coeff < 0:
                sign, coeff = -1, -coeff
            if coeff.p != 1:
                num_f.append(Num(int(coeff.p)))
            if coeff.q != 1:
                den_f.append(Num(int(coeff.q)))
        elif coeff != 1:
            num_f.append(self.convert(coeff))
        denominator = [f for f in factors
                       if isinstance(f, sympy.Pow) and f.exp.is_Rational and f.exp < 0]
        num_f.extend(self.convert(f) for f in factors if f not in denominator)
        den_f.extend(self.convert(sympy.Pow(f.base, -f.exp)) for f in denominator)
        out = _fold("mul", num_f) if num_f else Num(1)
        if den_f:
            out = Node("div", (out, _fold("mul", den_f)))
        return Node("neg", (out,)) if sign < 0 else out

    def power(self, e) -> Expr:
        base, ex = e.args
        if base is sympy.E:
            return Node("exp", (self.convert(ex),))
        if ex == sympy.Rational(1, 2):
            return Node("sqrt", (self.convert(base),))
        if ex.is_Rational and ex < 0:
            return Node("div", (Num(1), self.convert(sympy.Pow(base, -ex))))
        return Node("pow", (self.convert(base), self.convert(ex)))


def _fold(op: str, items: list[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = Node(op, (out, item))
    return out


def parse_expr(text: str, names: Sequence[str] | None = None, timeout: float = 5.0) -> Expr:
    """Parse a formula such as ``"C*x1**2 + sin(x2)"`` into a tree (time-bounded)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("formula must be a non-empty string")
    local = {n: s for n, s in zip(names, variable_symbols(names))} if names else {}
    if names is None:
        local.update({f"x{i}": sympy.Symbol(f"x{i}", real=True) for i in range(1, 21)})
    if "C" not in local:  # a bare C is a placeholder, each occurrence a separate one
        counter = iter(range(10**9))
        text = re.sub(r"\bC\b", lambda m: f"C{next(counter)}", text)
        local.update({f"C{i}": sympy.Symbol(f"C{i}", real=True) for i in range(64)})

    def _parse():
        return sympy.parse_expr(text, local_dict=local, evaluate=True)

    try:
        sexpr = call_with_timeout(_parse, timeout=timeout)
    except (SyntaxError, TypeError, sympy.SympifyError, TokenErrorSympy) as exc:
        raise ValueError(f"cannot parse formula {text!r}: {exc}") from None
    return from_sympy(sexpr, names)


try:  # sympy's tokenizer error type moved between versions
    from sympy.parsing.sympy_parser import TokenError as TokenErrorSympy
except ImportError:  # pragma: no cover
    TokenErrorSympy = SyntaxError


def to_latex(expr: Expr, names: Sequence[str] | None = None, precision: int = 4,
             timeout: float = 5.0) -> str:
    """LaTeX string of ``expr`` with constants shown to ``precision`` significant digits."""
    def _latex():
        s = to_sympy(expr, names)
        s = s.xreplace({f: sympy.Float(f, precision) for f in s.atoms(sympy.Float)})
        return sympy.latex(s)

    return call_with_timeout(_latex, timeout=timeout)


def to_numpy(expr: Expr):
    """A numpy callable ``f(X)`` (and ``f(X, constants)``) for ``expr``."""
    return compile_numpy(expr)


def cancelled(expr: Expr, seconds: float = 1.0, positive: Sequence[int] = ()) -> Expr | None:
    """``expr`` written as one fraction with its common factors cancelled (sympy's
    ``cancel``): ``(a/b + c/d)·d/(a/b + 1) → (a·d + b·c)/(a + b)``. Where that leaves an
    ``|x|``, the variables numbered in ``positive`` (0-based) are taken as positive and it
    is cancelled again, so that a factor goes into a root: ``b·sqrt(a²/b² + 1) →
    sqrt(a² + b²)``, not ``sqrt(a² + b²)·b/|b|`` (and ``m0/sqrt(1 − v²/c²)`` is not turned
    into ``m0·c/sqrt(c² − v²)``). None when sympy fails, runs past ``seconds``, or the tree
    is unchanged."""
    from .simplify import canonicalize

    names = _default_names(expr)
    wanted = {names[i] for i in positive if i < len(names)}

    def run():
        s = to_sympy(expr, names)
        out = from_sympy(sympy.cancel(sympy.together(s)))
        if wanted and any(isinstance(n, Node) and n.op == "abs" for n in out.preorder()):
            s = s.xreplace({v: sympy.Symbol(v.name, positive=True) for v in s.free_symbols
                            if v.name in wanted})
            out = from_sympy(sympy.cancel(sympy.together(s)))
        return out
    try:
        out = canonicalize(call_with_timeout(run, timeout=seconds))
    except Exception:  # noqa: BLE001 - sympy's failures are many; the tree stays as it is
        return None
    return None if out == expr else out


def partial_fractions(expr: Expr, var: int, seconds: float = 1.0) -> Expr | None:
    """``expr`` as a sum of partial fractions in variable ``var`` (0-based; sympy's
    ``apart``, the others as parameters): ``(a·u² + b·T·u³ − c)/(u²·(d·u − 1))`` →
    ``e·T/(u − f) − g/u² + …``, a law of two terms that a rational fit wrote as one
    fraction. Constants go through the nearest rationals (``apart`` needs exact
    coefficients) and come back as valued constants, to be refitted. None when sympy fails,
    runs past ``seconds``, or nothing changes."""
    from .simplify import canonicalize

    names = _default_names(expr)
    if var >= len(names):
        return None

    def run():
        s = sympy.nsimplify(to_sympy(expr, names), rational=True)
        parts = sympy.apart(s, variable_symbols(names)[var])
        powers = {p.exp for p in parts.atoms(sympy.Pow)}  # exponents stay exact
        floats = parts.xreplace({r: sympy.Float(r) for r in parts.atoms(sympy.Rational)
                                 if r not in powers and (not r.is_Integer or abs(r) > 1)})
        return from_sympy(floats)
    try:
        out = canonicalize(call_with_timeout(run, timeout=seconds))
    except Exception:  # noqa: BLE001 - sympy's failures are many; the tree stays as it is
        return None
    return None if out == expr else out
