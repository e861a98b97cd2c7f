"""Coefficient algebra of the canonicaliser: exact rationals, valued constants and
placeholders combine like numbers, and a placeholder absorbs whatever it meets
(``C + 2 → C``, ``C * 1.5 → C``)."""
from __future__ import annotations

from fractions import Fraction
from typing import Union

import numpy as np

from .tree import PLACEHOLDER, Const, Expr, Num

Coef = Union[Fraction, Const]

def is_placeholder(c: Coef) -> bool:
    return isinstance(c, Const) and c.value is None


def as_float(c: Coef) -> float:
    return float(c.value) if isinstance(c, Const) else float(c)


def coef_add(a: Coef, b: Coef) -> Coef:
    if is_placeholder(a) or is_placeholder(b):
        return PLACEHOLDER
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a + b
    return Const(as_float(a) + as_float(b))


def coef_mul(a: Coef, b: Coef) -> Coef:
    if is_placeholder(a) or is_placeholder(b):
        return PLACEHOLDER
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a * b
    return Const(as_float(a) * as_float(b))


def coef_pow(a: Coef, k: Fraction) -> Coef:
    if is_placeholder(a):
        return PLACEHOLDER
    if isinstance(a, Fraction) and k.denominator == 1 and abs(k) <= 64:
        if a == 0 and k < 0:
            return Const(float("nan"))
        return a ** int(k)
    with np.errstate(all="ignore"):
        return Const(float(np.power(as_float(a), float(k))))


def coef_sign(c: Coef) -> int:
    if is_placeholder(c):
        return 1
    return -1 if as_float(c) < 0 else 1


def coef_abs(c: Coef) -> Coef:
    if is_placeholder(c) or coef_sign(c) > 0:
        return c
    return -c if isinstance(c, Fraction) else Const(-c.value)


def coef_is(c: Coef, value: Fraction) -> bool:
    return isinstance(c, Fraction) and c == value


def coef_leaf(c: Coef) -> Expr:
    return Num(c) if isinstance(c, Fraction) else c


def exact_numbers(expr: Expr) -> list[Fraction]:
    """The exact numbers ``expr`` is written with, products and quotients of them taken
    together (``5*x/7`` holds 5/7, ``x/10 + 100`` holds 1/10 and 100; an exponent stands
    alone: ``x**(1/3)`` holds 1/3)."""
    from .tree import Node

    out: list[Fraction] = []

    def product(e: Expr) -> Fraction:
        """The numeric factor of a product or quotient chain; its other parts visited."""
        if isinstance(e, Num):
            return e.value
        if isinstance(e, Node) and e.op == "mul":
            return product(e.args[0]) * product(e.args[1])
        if isinstance(e, Node) and e.op == "div":
            denominator = product(e.args[1])
            return product(e.args[0]) / denominator if denominator else Fraction(1)
        if isinstance(e, Node) and e.op == "neg":
            return -product(e.args[0])
        visit(e)
        return Fraction(1)

    def visit(e: Expr) -> None:
        if isinstance(e, Num):
            out.append(e.value)
        elif isinstance(e, Node) and e.op in ("mul", "div", "neg"):
            factor = product(e)
            if factor not in (1, -1):
                out.append(factor)
        elif isinstance(e, Node):
            for a in e.args:
                visit(a)

    visit(expr)
    return out
