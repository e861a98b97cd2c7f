"""Immutable expression trees.

Four node kinds, sympy-style (``e.func(*e.args) == e``):

* :class:`Var` — input variable ``x{index+1}``;
* :class:`Const` — a real constant; ``value=None`` makes it a *placeholder* (skeleton);
* :class:`Num` — an exact rational leaf (integers, exponents such as 1/2);
* :class:`Node` — an operator from :mod:`eqlearn.expr.operators` applied to arguments.

Trees are hashable and never change; every transformation returns a new tree.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, Sequence

__all__ = ["Expr", "Var", "Const", "Num", "Node", "C", "x", "num", "to_infix", "PLACEHOLDER_TOKEN"]

PLACEHOLDER_TOKEN = "C"  #: how a placeholder constant is written (infix and tokens)


class Expr:
    """Base class of all tree nodes."""

    __slots__ = ()
    args: tuple["Expr", ...] = ()

    # -- structure -----------------------------------------------------------------
    @property
    def func(self) -> Callable[..., "Expr"]:
        return lambda *args: self

    @property
    def is_leaf(self) -> bool:
        return not self.args

    def preorder(self) -> Iterator["Expr"]:
        """All nodes, parents before children (the order of prefix tokens)."""
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.args))

    def size(self) -> int:
        """Number of nodes."""
        return sum(1 for _ in self.preorder())

    def depth(self) -> int:
        return 1 + max((a.depth() for a in self.args), default=0)

    def variables(self) -> frozenset[int]:
        """Indices of the variables that occur."""
        return frozenset(n.index for n in self.preorder() if isinstance(n, Var))

    def constants(self) -> list[Const]:
        """Constant leaves in prefix order."""
        return [n for n in self.preorder() if isinstance(n, Const)]

    def n_constants(self) -> int:
        return len(self.constants())

    def has_var(self) -> bool:
        return any(isinstance(n, Var) for n in self.preorder())

    def has_placeholder(self) -> bool:
        return any(isinstance(n, Const) and n.value is None for n in self.preorder())

    # -- transformations ---------------------------------------------------------------
    def map_leaves(self, fn: Callable[["Expr"], "Expr"]) -> "Expr":
        """Rebuild the tree with ``fn`` applied to every leaf."""
        if not self.args:
            return fn(self)
        return self.func(*(a.map_leaves(fn) for a in self.args))

    def skeleton(self) -> "Expr":
        """The same tree with every constant replaced by a placeholder."""
        return self.map_leaves(lambda n: PLACEHOLDER if isinstance(n, Const) else n)

    def with_constants(self, values) -> "Expr":
        """Fill constants (placeholders or not) with ``values``, in prefix order."""
        values = [float(v) for v in values]
        it = iter(values)
        n_needed = self.n_constants()
        if len(values) != n_needed:
            raise ValueError(f"expression has {n_needed} constants, got {len(values)} values")
        return self.map_leaves(lambda n: Const(next(it)) if isinstance(n, Const) else n)

    def substitute(self, mapping: dict[int, "Expr"]) -> "Expr":
        """Replace variables ``Var(i)`` by ``mapping[i]``."""
        return self.map_leaves(
            lambda n: mapping.get(n.index, n) if isinstance(n, Var) else n
        )

    def compact_variables(self) -> "Expr":
        """Renumber the variables that occur to x1..xk, keeping their order."""
        used = sorted(self.variables())
        if used == list(range(len(used))):
            return self
        return self.substitute({old: Var(new) for new, old in enumerate(used)})

    # -- convenience construction: x(0) * 2 + C ----------------------------------------
    def __add__(self, other):
        return Node("add", (self, _wrap(other)))

    def __radd__(self, other):
        return Node("add", (_wrap(other), self))

    def __sub__(self, other):
        return Node("sub", (self, _wrap(other)))

    def __rsub__(self, other):
        return Node("sub", (_wrap(other), self))

    def __mul__(self, other):
        return Node("mul", (self, _wrap(other)))

    def __rmul__(self, other):
        return Node("mul", (_wrap(other), self))

    def __truediv__(self, other):
        return Node("div", (self, _wrap(other)))

    def __rtruediv__(self, other):
        return Node("div", (_wrap(other), self))

    def __pow__(self, other):
        return Node("pow", (self, _wrap(other)))

    def __neg__(self):
        return Node("neg", (self,))

    def __str__(self) -> str:
        return to_infix(self)


@dataclass(frozen=True, slots=True, repr=False)
class Var(Expr):
    """Input variable number ``index`` (0-based), printed ``x{index+1}``."""

    index: int

    def __repr__(self) -> str:
        return f"x{self.index + 1}"


@dataclass(frozen=True, slots=True, repr=False)
class Const(Expr):
    """A real constant; ``value=None`` marks a placeholder to be fitted."""

    value: float | None = None

    def __repr__(self) -> str:
        return "C" if self.value is None else f"Const({self.value!r})"


@dataclass(frozen=True, slots=True, repr=False)
class Num(Expr):
    """An exact rational leaf, e.g. the 2 of ``x**2`` or the 1 of ``x + 1``."""

    value: Fraction

    def __post_init__(self):
        if not isinstance(self.value, Fraction):
            object.__setattr__(self, "value", Fraction(self.value))

    def __repr__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True, repr=False)
class Node(Expr):
    """Operator ``op`` applied to ``args``."""

    op: str
    args: tuple[Expr, ...]

    @property
    def func(self) -> Callable[..., Expr]:
        op = self.op
        return lambda *args: Node(op, tuple(args))

    @property
    def is_leaf(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"{self.op}({', '.join(map(repr, self.args))})"


PLACEHOLDER = Const(None)
C = PLACEHOLDER


def x(i: int) -> Var:
    """Variable ``x{i}`` with 1-based ``i`` as printed, e.g. ``x(1)`` is ``x1``."""
    if i < 1:
        raise ValueError("variables are numbered from 1: x(1), x(2), ...")
    return Var(i - 1)


def num(value) -> Num:
    return Num(Fraction(value))


def _wrap(value) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, (int, Fraction)):
        return Num(Fraction(value))
    if isinstance(value, float):
        return Const(value)
    raise TypeError(f"cannot use {type(value).__name__} in an expression")


# -- infix text ---------------------------------------------------------------------------
_BINARY = {"add": (" + ", 1), "sub": (" - ", 1), "mul": ("*", 2), "div": ("/", 2), "pow": ("**", 4)}


def to_infix(expr: Expr, names: Sequence[str] | None = None, precision: int = 6) -> str:
    """Readable infix string, e.g. ``C*x1**2 + sin(x2)``."""
    text, _ = _infix(expr, names, precision)
    return text


def _infix(e: Expr, names, precision) -> tuple[str, int]:
    if isinstance(e, Var):
        return (names[e.index] if names else f"x{e.index + 1}"), 9
    if isinstance(e, Const):
        if e.value is None:
            return PLACEHOLDER_TOKEN, 9
        text = f"{e.value:.{precision}g}"
        return text, (9 if e.value >= 0 else 3)
    if isinstance(e, Num):
        if max(abs(e.value.numerator), e.value.denominator) >= 10**6:  # 1e+13, not 13 digits
            return f"{float(e.value):.{precision}g}", (9 if e.value >= 0 else 3)
        if e.value.denominator != 1:
            return str(e.value), 2
        return str(e.value), (9 if e.value >= 0 else 3)
    assert isinstance(e, Node)
    if e.op in _BINARY:
        sym, prec = _BINARY[e.op]
        left, lp = _infix(e.args[0], names, precision)
        right, rp = _infix(e.args[1], names, precision)
        if e.op == "mul" and "1" in (left, right):  # 1*f, or 0.9999999999999999*f
            return (right, rp) if left == "1" else (left, lp)
        if e.op in ("add", "sub") and right.startswith("-") and rp >= 2:  # x + -c*y: x - c*y
            sym, right = (" - " if e.op == "add" else " + "), right[1:]
        right_assoc = e.op == "pow"
        if lp < prec or (right_assoc and lp == prec):
            left = f"({left})"
        if rp < prec or (not right_assoc and rp == prec and e.op in ("sub", "div")):
            right = f"({right})"
        return f"{left}{sym}{right}", prec
    if e.op == "neg":
        inner, ip = _infix(e.args[0], names, precision)
        return f"-({inner})" if ip < 2 else f"-{inner}", 2  # -(a*b) is written -a*b
    inner = ", ".join(_infix(a, names, precision)[0] for a in e.args)
    return f"{e.op}({inner})", 9
