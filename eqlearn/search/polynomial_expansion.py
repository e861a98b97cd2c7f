"""Polynomials written out.

A search or the network may reach a polynomial law in a nested disguise, e.g.
``x·((x + 0.333)³ + 0.667·x + 0.963)`` for ``x⁴ + x³ + x² + x``: exact, but neither how a
physicist writes it nor, once its coefficients are refitted and snapped to integers, the
simplest form. :func:`expanded_polynomials` adds the expanded form of every fitted
polynomial on the Pareto front as a candidate; model selection then chooses between the two.

The expansion is exact arithmetic on monomials (a dict from exponent tuples to
coefficients) over our own trees: no sympy, no time bound needed.
"""
from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from ..expr.simplify import canonical_skeleton
from ..expr.evaluate import evaluate
from ..expr.tokens import to_prefix
from ..expr.tree import Const, Expr, Node, Num, Var
from .fitting import SearchSettings, fit_skeletons
from .selection import Candidate, pareto_front, skeleton_of

__all__ = ["expand_polynomial", "expanded_polynomials", "monomial_sum"]

Poly = dict[tuple[int, ...], float]  # exponents of x1..xn → coefficient


class _NotPolynomial(Exception):
    pass


def expand_polynomial(expr: Expr, n_vars: int, *, max_terms: int = 8,
                      max_degree: int = 8) -> Expr | None:
    """``expr`` (a fitted equation) as a sum of monomials with valued coefficients, highest
    degree first; None when it is not a polynomial in ``x1..x{n_vars}`` (any function of a
    variable, a variable in a denominator or exponent, a non-integer power) or when the
    expansion has more than ``max_terms`` terms or a degree above ``max_degree``."""
    try:
        poly = _Expander(n_vars, max_terms, max_degree).poly(expr)
    except _NotPolynomial:
        return None
    scale = max((abs(c) for c in poly.values()), default=0.0)
    terms = sorted(((m, c) for m, c in poly.items() if abs(c) > 1e-12 * scale),
                   key=lambda mc: (-sum(mc[0]), [-k for k in mc[0]]))
    if not terms or len(terms) > max_terms:
        return None
    return monomial_sum([(monomial, Const(float(coef))) for monomial, coef in terms])


def monomial_sum(terms: list[tuple[tuple[int, ...], Expr]]) -> Expr:
    """``c·x1^k1·x2^k2·…`` summed over ``terms`` (exponents of x1..xn, coefficient ``c`` — a
    valued constant or a placeholder), in the order given; ``terms`` must not be empty."""
    out: Expr | None = None
    for exponents, coef in terms:
        term = coef
        for i, k in enumerate(exponents):
            if k:
                term = Node("mul", (term, Var(i) if k == 1 else Node("pow", (Var(i), Num(k)))))
        out = term if out is None else Node("add", (out, term))
    return out


class _Expander:
    def __init__(self, n_vars: int, max_terms: int, max_degree: int):
        self.n, self.max_terms, self.max_degree = n_vars, max_terms, max_degree
        self.zero = (0,) * n_vars

    def poly(self, e: Expr) -> Poly:
        if not e.has_var():
            return {self.zero: self._value(e)}
        if isinstance(e, Var):
            return {tuple(int(i == e.index) for i in range(self.n)): 1.0}
        if not isinstance(e, Node):
            raise _NotPolynomial
        if e.op in ("add", "sub"):
            a, b = (self.poly(arg) for arg in e.args)
            return self._check(_add(a, b, -1.0 if e.op == "sub" else 1.0))
        if e.op == "neg":
            return {m: -c for m, c in self.poly(e.args[0]).items()}
        if e.op == "mul":
            return self._mul(*(self.poly(arg) for arg in e.args))
        if e.op == "div" and not e.args[1].has_var():
            d = self._value(e.args[1])
            if d == 0:
                raise _NotPolynomial
            return {m: c / d for m, c in self.poly(e.args[0]).items()}
        if e.op == "pow" and isinstance(e.args[1], Num):
            k = e.args[1].value
            if k.denominator != 1 or not 0 <= k <= self.max_degree:
                raise _NotPolynomial
            base, out = self.poly(e.args[0]), {self.zero: 1.0}
            for _ in range(int(k)):
                out = self._mul(out, base)
            return out
        raise _NotPolynomial

    def _value(self, e: Expr) -> float:
        if any(isinstance(c, Const) and c.value is None for c in e.constants()):
            raise _NotPolynomial  # a placeholder: not a fitted equation
        value = float(evaluate(e, np.zeros((1, max(self.n, 1))))[0])
        if not np.isfinite(value):
            raise _NotPolynomial
        return value

    def _mul(self, a: Poly, b: Poly) -> Poly:
        out: Poly = defaultdict(float)
        for ma, ca in a.items():
            for mb, cb in b.items():
                out[tuple(i + j for i, j in zip(ma, mb))] += ca * cb
        return self._check(dict(out))

    def _check(self, p: Poly) -> Poly:
        if len(p) > 4 * self.max_terms or any(sum(m) > self.max_degree for m in p):
            raise _NotPolynomial
        return p


def _add(a: Poly, b: Poly, sign: float) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0.0) + sign * c
    return out


def expanded_polynomials(candidates: list[Candidate], X: np.ndarray, y: np.ndarray,
                         w: np.ndarray, settings: SearchSettings, deadline: float, *,
                         width: int = 12) -> list[Candidate]:
    """Fits of the expanded forms of the polynomials among the ``width`` simplest candidates
    on the Pareto front, refitted from the expanded coefficients (those already expanded
    are left out)."""
    found: list[Candidate] = []
    seen: set[tuple[str, ...]] = set()
    for parent in pareto_front(candidates)[:width]:
        if time.perf_counter() > deadline:
            break
        expanded = expand_polynomial(parent.expr, X.shape[1])
        if expanded is None:
            continue
        key = tuple(to_prefix(canonical_skeleton(expanded)))
        if key in seen or key == tuple(to_prefix(skeleton_of(parent))):
            continue
        seen.add(key)
        found += fit_skeletons([(expanded, 0.0)], X, y, w, settings, deadline,
                               source=parent.source, warm=True)
    return found
