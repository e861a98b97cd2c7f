"""Common factors taken out of sums.

A search may reach a law with a factor written into every term of a sum, e.g. Planck's
``c/((a*exp(u)*x**2 - a*x**2)*x**3)`` for ``c'/((exp(u) - 1)*x**5)``: exact, but ten
complexity units longer, with a spare constant, and not how a physicist writes it. The
canonical form never factors (it flattens products and collects like terms only), so
:func:`factor_sums` does it on request: for a sum whose terms all share a base (with
exponents of one sign), ``a*F**2*u + b*F**3*v → a*F**2*(u + (b/a)*F*v)``. Polynomials are
left alone: written out is how they are read (``x**3 + x**2``, not ``(x + 1)*x**2``).

Exact on valued constants (the first term's coefficient is taken out; a ratio of two
coefficients that is an integer to 1e-9 becomes that integer), pure tree arithmetic: no
sympy, no time bound needed. :func:`merged_roots` writes ``sqrt(a)·sqrt(b)`` as one root
and :func:`root_of_square` finds the perfect squares under square
roots that the rational fits of ``y²`` write (``sqrt(1/v² + 2·cos θ/v + cos² θ)``), checked
on the data.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .coefficients import (Coef, as_float, coef_leaf, coef_mul, coef_pow, coef_sign,
                           is_placeholder)
from .evaluate import evaluate
# the canonical form's own term and factor collection: a factored sum is rebuilt the way the
# canonicaliser builds sums and products, so canonicalising it again leaves it factored
from .simplify import (ONE, build_product, build_sum, collect_factors, collect_terms,
                       canonicalize, sort_key)
from .tree import Const, Expr, Node, Num, Var

__all__ = ["absorb_constant_factors", "factor_sums", "merged_roots", "root_of_square",
           "pythagorean_root"]

_SUMS = ("add", "sub")


def factor_sums(expr: Expr, limit: int = 8) -> list[Expr]:
    """Canonical versions of ``expr`` (an equation with valued constants) with the common
    factor of one sum taken out, one version per sum that has one (at most ``limit``).
    Sums are those of the canonical form, whose sums are folded left: a prefix of a sum's
    sorted terms is a sum too, so a factor shared by the first terms only is found."""
    out: list[Expr] = []
    for version in _versions(canonicalize(expr)):
        version = canonicalize(version)
        if version not in out:
            out.append(version)
        if len(out) >= limit:
            break
    return out


def _versions(e: Expr):
    if not isinstance(e, Node):
        return
    if e.op in _SUMS:
        factored = _factor(e)
        if factored is not None:
            yield factored
    for i, arg in enumerate(e.args):
        for new in _versions(arg):
            yield Node(e.op, e.args[:i] + (new,) + e.args[i + 1:])


def _factor(total: Node) -> Expr | None:
    """``total`` written as (common factor) × (sum of what is left), or None when its terms
    share no base or a coefficient is a placeholder (a skeleton: placeholders would absorb
    the factor again)."""
    terms = collect_terms(total)
    if any(mono is None or is_placeholder(c) for c, mono in terms):
        return None
    powers = [collect_factors(mono)[1] for _, mono in terms]
    if all(_monomial(p) for p in powers):
        return None  # a polynomial stays written out (the search's expansion step)
    common = {}
    for key, (base, _) in powers[0].items():
        ks = [p[key][1] if key in p else 0 for p in powers]
        if all(k > 0 for k in ks) or all(k < 0 for k in ks):
            common[key] = [base, min(ks, key=abs)]
    if not common:
        return None
    lead = terms[0][0]
    rest = []
    for (coef, _), factors in zip(terms, powers):
        left = {key: [base, k - common[key][1] if key in common else k]
                for key, (base, k) in factors.items()}
        left = {key: f for key, f in left.items() if f[1] != 0}
        rest.append((_ratio(coef, lead), build_product(ONE, left) if left else None))
    rest[0] = (ONE, rest[0][1])
    return Node("mul", (build_product(lead, common), build_sum(rest)))


def _monomial(factors: dict) -> bool:
    return all(isinstance(base, Var) and k > 0 and k.denominator == 1
               for base, k in factors.values())


def _ratio(a: Coef, b: Coef) -> Coef:
    """``a / b``; an integer when it is one to 1e-9 (``1e12 / 1e12``, ``-2.0 / 1.0``)."""
    r = coef_mul(a, coef_pow(b, Fraction(-1)))
    if isinstance(r, Const) and math.isfinite(as_float(r)):
        n = round(as_float(r))
        if n != 0 and abs(as_float(r) - n) <= 1e-9 * abs(n):
            return Fraction(n)
    return r


def root_of_square(total: Expr, X: np.ndarray, rtol: float = 1e-6) -> Expr | None:
    """``u`` whose square equals ``total`` on the rows of ``X`` (to ``rtol``) when
    ``total`` is a sum of three terms ``p ± q + r`` with ``q = 2·sqrt(p)·sqrt(r)``
    (``1/v² + 2·cos θ/v + cos² θ`` is ``(1/v + cos θ)²``), else None; ``sqrt(total)`` is
    then ``|u|``. The halves take the square roots of the coefficients and halve the
    exponents (``cos(θ)**2`` → ``cos(θ)``)."""
    if not (isinstance(total, Node) and total.op in _SUMS):
        return None
    terms = collect_terms(total)
    if len(terms) != 3 or any(is_placeholder(c) for c, _ in terms):
        return None
    with np.errstate(all="ignore"):
        target = evaluate(total, X)
        for m in range(3):
            outer = [terms[j] for j in range(3) if j != m]
            if any(coef_sign(c) <= 0 for c, _ in outer):
                continue
            u = Node("add" if coef_sign(terms[m][0]) > 0 else "sub",
                     tuple(_half(c, mono) for c, mono in outer))
            if np.allclose(evaluate(u, X) ** 2, target, rtol=rtol, atol=0):
                return canonicalize(u)
    return None


def pythagorean_root(total: Expr, X: np.ndarray, rtol: float = 1e-9) -> Expr | None:
    """``cos(a)`` (``sin(a)``) when its square equals ``total`` on the rows of ``X`` for a
    ``sin(a)`` (``cos(a)``) inside it: ``sqrt(1 − sin(θ)²)`` is ``|cos θ|``, which the
    rational fits of a transformed target write; else None."""
    partner = {"sin": "cos", "cos": "sin"}
    seen = set()
    with np.errstate(all="ignore"):
        target = evaluate(total, X)
        for node in total.preorder():
            if not (isinstance(node, Node) and node.op in partner) or node in seen:
                continue
            seen.add(node)
            u = Node(partner[node.op], node.args)
            if np.allclose(evaluate(u, X) ** 2, target, rtol=rtol, atol=0):
                return u
    return None


def _half(coef: Coef, mono: Expr | None) -> Expr:
    """The positive square root of the term ``coef·mono`` (``coef`` > 0)."""
    root = coef_pow(coef, Fraction(1, 2))
    if mono is None:
        return coef_leaf(root)
    inner, factors = collect_factors(mono)
    halved = {key: [base, k / 2] for key, (base, k) in factors.items()}
    return build_product(coef_mul(root, coef_pow(inner, Fraction(1, 2))), halved)


def merged_roots(expr: Expr, X: np.ndarray) -> Expr | None:
    """``expr`` with the square roots in its outermost product merged into one,
    ``sqrt(a)·sqrt(b)/sqrt(c)`` → ``sqrt(a·b/c)`` (dimensional analysis writes
    ``sqrt(E − U)·sqrt(2 − u)/sqrt(m)``), when a, b and c are positive on the rows of X;
    None when there are fewer than two roots or one is not."""
    coef, factors = collect_factors(expr)
    roots = {key: f for key, f in factors.items() if abs(f[1]) == Fraction(1, 2)}
    if len(roots) < 2:
        return None
    with np.errstate(all="ignore"):
        if not all(np.all(evaluate(base, X) > 0) for base, _ in roots.values()):
            return None
    root = Node("sqrt", (build_product(ONE, {key: [base, 2 * k]
                                              for key, (base, k) in roots.items()}),))
    rest = {key: f for key, f in factors.items() if key not in roots}
    rest[sort_key(root)] = [root, Fraction(1)]
    return canonicalize(build_product(coef, rest))


def absorb_constant_factors(expr: Expr) -> Expr:
    """``expr`` with each fitted constant factor of a sum multiplied into its terms' own
    constants, where every term has one (``100*(2.2 - 0.2/(x + 0.1))`` → ``220 - 20/(x +
    0.1)``, the form rescaled data leaves); otherwise unchanged. Exact up to rounding."""
    if not isinstance(expr, Node):
        return expr
    args = tuple(absorb_constant_factors(a) for a in expr.args)
    node = Node(expr.op, args)
    if node.op == "mul":
        for i in (0, 1):
            factor = _number(args[i])
            if factor is not None:
                exact = args[i] if isinstance(args[i], Num) else None
                scaled = _scaled(args[1 - i], factor, top=True, exact=exact)
                if scaled is not None:
                    return scaled
    if node.op == "div" and _number(args[1]):
        scaled = _scaled(args[0], 1.0 / _number(args[1]), top=True)
        if scaled is not None:
            return scaled
    if node.op == "div" and isinstance(args[0], Node) and args[0].op == "mul":
        for i in (0, 1):  # a*N/D: a into the denominator's constants, N/(D/a)
            factor = _number(args[0].args[i])
            scaled = None if not factor else _scaled(args[1], 1.0 / factor, top=True)
            if scaled is not None:
                return Node("div", (args[0].args[1 - i], scaled))
    return node


def _number(e: Expr) -> float | None:
    """The value of a fitted constant or an exact number leaf, else None."""
    if isinstance(e, Const) and e.value is not None:
        return e.value
    return float(e.value) if isinstance(e, Num) else None


def _scaled(e: Expr, a: float, top: bool = False, exact: Num | None = None) -> Expr | None:
    """``a*e`` written by scaling constants inside ``e``: every term of a sum, a product's
    or a quotient's numerator factor; None where there is none to scale (at the top, a
    lone term is left alone: ``C*f`` is already as simple). An ``exact`` factor (a power of
    ten that rescaling left) also goes onto the terms of a sum that hold no constant:
    ``100*(3.01 - x**c)`` → ``301 - 100*x**c``."""
    if isinstance(e, Const) and e.value is not None:
        return None if top else Const(a * e.value)
    if not isinstance(e, Node):
        return None
    if e.op in _SUMS:
        parts = [_scaled(t, a) for t in e.args]
        if exact is not None and any(p is not None for p in parts):
            parts = [Node("mul", (exact, t)) if p is None else p for p, t in zip(parts, e.args)]
        return None if any(p is None for p in parts) else Node(e.op, tuple(parts))
    if e.op == "neg":
        inner = _scaled(e.args[0], a, top)
        return None if inner is None else Node("neg", (inner,))
    if top:
        return None
    if e.op == "mul":
        for i in (0, 1):
            part = _scaled(e.args[i], a)
            if part is not None and isinstance(e.args[i], Const):
                return Node("mul", (part, e.args[1]) if i == 0 else (e.args[0], part))
        for i in (0, 1):
            part = _scaled(e.args[i], a)
            if part is not None:
                return Node("mul", (part, e.args[1]) if i == 0 else (e.args[0], part))
        return None
    if e.op == "div":
        part = _scaled(e.args[0], a)
        return None if part is None else Node("div", (part, e.args[1]))
    return None
