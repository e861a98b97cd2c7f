"""A fast rule-based canonicaliser on our own trees (no sympy in the hot path).

``canonicalize`` rewrites a tree into a canonical form so that equivalent skeletons mostly
get identical tokens:

* constant folding (exact on rationals: ``2*3 → 6``, ``x**0 → 1``);
* placeholders absorb constants: ``C*C → C``, ``C + C → C``, ``C*2*x → C*x``, ``f(C) → C``,
  ``exp(x + C) → C*exp(x)``, ``log(C*x) → log(x) + C``, ``C*(x + C*y) → C*x + C*y``;
* sums are flattened, like terms collected (``x - x → 0``, ``x + x → 2*x``,
  ``C*x + x → C*x``) and sorted;
* products are flattened into powers of bases, exponents added (``x*x → x**2``,
  ``x/x → 1``, ``sqrt(x)**2 → x``), sorted, and written ``numerator / denominator``;
* a few identities: ``log(exp(u)) → u``, ``exp(log(u)) → u``, ``abs(-u) → abs(u)``.

Valued constants are merged with their exact values, so the canonical form of an
expression with constants evaluates like the original (up to domain extensions such as
``x/x → 1``).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .operators import OPERATORS, SUM_SIGNS
from .coefficients import (Coef, coef_abs, coef_add, coef_is, coef_leaf, coef_mul,
                           coef_pow, coef_sign, is_placeholder)
from .tree import PLACEHOLDER, Const, Expr, Node, Num, Var

__all__ = ["canonicalize", "canonical_skeleton", "sort_key"]

_SUM_OPS = frozenset(SUM_SIGNS)
_PRODUCT_OPS = frozenset({"mul", "div", "inv", "sqrt", "pow"})
_EXACT_OPS = frozenset({"add", "sub", "mul", "div", "neg", "inv", "pow", "abs"})
ONE, ZERO = Fraction(1), Fraction(0)


def canonical_skeleton(expr: Expr, max_rounds: int = 3) -> Expr:
    """Canonical form with every constant a placeholder and variables renumbered x1..xk
    (repeated until it settles)."""
    current = canonicalize(expr).skeleton().compact_variables()
    for _ in range(max_rounds):
        nxt = canonicalize(current).skeleton().compact_variables()
        if nxt == current:
            break
        current = nxt
    return current


def canonicalize(expr: Expr) -> Expr:
    """The canonical form of ``expr`` (idempotent: canonicalising twice changes nothing)."""
    if not isinstance(expr, Node):
        return expr
    args = tuple(canonicalize(a) for a in expr.args)
    op = expr.op
    if all(isinstance(a, (Num, Const)) for a in args):
        return _fold(op, args)
    node = Node(op, args)
    if op in _SUM_OPS:
        return build_sum(collect_terms(node))
    if op in _PRODUCT_OPS and (op != "pow" or isinstance(args[1], Num)):
        coef, factors = collect_factors(node)
        return _product(coef, factors)
    if op == "exp":
        return _canon_exp(args[0], node)
    if op == "log":
        return _canon_log(args[0], node)
    if op == "abs" and isinstance(args[0], Node) and args[0].op in ("abs", "neg"):
        return canonicalize(Node("abs", args[0].args)) if args[0].op == "neg" else args[0]
    return node


def sort_key(e: Expr) -> tuple[str, ...]:
    """A total order on trees: prefix tokens, with constant values spelled out."""
    out = []
    for n in e.preorder():
        if isinstance(n, Node):
            out.append(n.op)
        elif isinstance(n, Var):
            out.append(f"x{n.index + 1:03d}")
        elif isinstance(n, Const):
            out.append("C" if n.value is None else f"C{n.value!r}")
        else:
            out.append(f"#{n.value}")
    return tuple(out)


# -- folding of constant subtrees -------------------------------------------------------
def _fold(op: str, args: tuple[Expr, ...]) -> Expr:
    if any(isinstance(a, Const) and a.value is None for a in args):
        return PLACEHOLDER
    if all(isinstance(a, Num) for a in args) and op in _EXACT_OPS:
        exact = _fold_exact(op, [a.value for a in args])
        if exact is not None:
            return exact
    values = [float(a.value) for a in args]
    with np.errstate(all="ignore"):
        result = float(OPERATORS[op].numpy_fn(*values))
    if all(isinstance(a, Num) for a in args) and result.is_integer() and abs(result) < 1e6:
        return Num(int(result))
    return Const(result)


def _fold_exact(op: str, v: list[Fraction]) -> Expr | None:
    if op == "add":
        return Num(v[0] + v[1])
    if op == "sub":
        return Num(v[0] - v[1])
    if op == "mul":
        return Num(v[0] * v[1])
    if op == "neg":
        return Num(-v[0])
    if op == "abs":
        return Num(abs(v[0]))
    if op in ("div", "inv"):
        num, den = (v[0], v[1]) if op == "div" else (ONE, v[0])
        return Const(float("nan")) if den == 0 else Num(num / den)
    result = coef_pow(v[0], v[1])  # pow
    return Num(result) if isinstance(result, Fraction) else None


# -- sums ---------------------------------------------------------------------------------
def collect_terms(e: Expr, sign: int = 1, out=None) -> list[tuple[Coef, Expr | None]]:
    out = [] if out is None else out
    if isinstance(e, Node) and e.op in _SUM_OPS:
        if e.op == "add":
            collect_terms(e.args[0], sign, out)
            collect_terms(e.args[1], sign, out)
        elif e.op == "sub":
            collect_terms(e.args[0], sign, out)
            collect_terms(e.args[1], -sign, out)
        else:
            collect_terms(e.args[0], -sign, out)
        return out
    coef, mono = _split_term(e)
    out.append((coef if sign > 0 else coef_mul(coef, Fraction(-1)), mono))
    return out


def _split_term(e: Expr) -> tuple[Coef, Expr | None]:
    """A canonical term as (coefficient, monomial without coefficient)."""
    if isinstance(e, Num):
        return e.value, None
    if isinstance(e, Const):
        return e, None
    coef, factors = collect_factors(e)
    if not factors:
        return coef, None
    return coef, build_product(ONE, factors)


def build_sum(terms: list[tuple[Coef, Expr | None]]) -> Expr:
    groups: dict[tuple, list] = {}
    for coef, mono in terms:
        key = () if mono is None else sort_key(mono)
        if key in groups:
            groups[key][0] = coef_add(groups[key][0], coef)
        else:
            groups[key] = [coef, mono]
    constant = groups.pop((), None)
    ordered = [groups[k] for k in sorted(groups)]
    if constant is not None:
        ordered.append(constant)
    signed = []
    for coef, mono in ordered:
        if coef_is(coef, ZERO) or (isinstance(coef, Const) and coef.value == 0.0):
            continue
        sign = coef_sign(coef)
        magnitude = coef_abs(coef)
        if mono is None:
            term = coef_leaf(magnitude)
        else:
            term = _product(*_merge_coef(magnitude, collect_factors(mono)))
        signed.append((sign, term))
    if not signed:
        return Num(0)
    if any(isinstance(t, Node) and t.op in _SUM_OPS for _, t in signed):
        # a term became a sum (C*(x + C) → C*x + C): flatten it into this sum
        flat: list = []
        for sign, term in signed:
            collect_terms(term, sign, flat)
        return build_sum(flat)
    signed.sort(key=lambda st: st[0] < 0)  # stable: positive terms first
    sign, out = signed[0]
    if sign < 0:
        out = _negate(out)
    for sign, term in signed[1:]:
        out = Node("add" if sign > 0 else "sub", (out, term))
    return out


def _negate(e: Expr) -> Expr:
    if isinstance(e, Num):
        return Num(-e.value)
    if isinstance(e, Const) and e.value is not None:
        return Const(-e.value)
    return Node("neg", (e,))


def _merge_coef(coef: Coef, collected: tuple[Coef, dict]) -> tuple[Coef, dict]:
    inner, factors = collected
    return coef_mul(coef, inner), factors


# -- products -----------------------------------------------------------------------------
def collect_factors(e: Expr) -> tuple[Coef, dict]:
    """A canonical product as (coefficient, {key: [base, exponent]})."""
    state: list = [ONE, {}]
    _walk_factors(e, ONE, state)
    return state[0], state[1]


def _add_factor(base: Expr, k: Fraction, state: list) -> None:
    key = sort_key(base)
    if key in state[1]:
        state[1][key][1] += k
    else:
        state[1][key] = [base, k]


def _walk_factors(e: Expr, m: Fraction, state: list) -> None:
    if isinstance(e, Num):
        state[0] = coef_mul(state[0], coef_pow(e.value, m))
        return
    if isinstance(e, Const):
        state[0] = coef_mul(state[0], coef_pow(e, m) if e.value is not None else e)
        return
    if not isinstance(e, Node) or m.denominator != 1:
        _add_factor(e, m, state)
        return
    op = e.op
    if op == "mul":
        _walk_factors(e.args[0], m, state)
        _walk_factors(e.args[1], m, state)
    elif op == "div":
        _walk_factors(e.args[0], m, state)
        _walk_factors(e.args[1], -m, state)
    elif op == "inv":
        _walk_factors(e.args[0], -m, state)
    elif op == "neg":
        state[0] = coef_mul(state[0], Fraction(-1) ** int(m))
        _walk_factors(e.args[0], m, state)
    elif op in ("sqrt", "pow") and (op == "sqrt" or isinstance(e.args[1], Num)):
        # (b**e)**m == b**(e*m) for integer m; b is only split further if e*m is an integer
        k = m * (Fraction(1, 2) if op == "sqrt" else e.args[1].value)
        if k.denominator == 1:
            _walk_factors(e.args[0], k, state)
        else:
            _add_fractional_power(e.args[0], k, state)
    else:
        _add_factor(e, m, state)


def _add_fractional_power(base: Expr, k: Fraction, state: list) -> None:
    """``(c*u)**k → c**k * u**k`` when the coefficient c is a placeholder or positive; the
    rest of the base stays whole (``sqrt(x*y)`` is not ``sqrt(x)*sqrt(y)`` for x, y < 0)."""
    coef, factors = collect_factors(base)
    if not factors or not (is_placeholder(coef) or coef_sign(coef) > 0) or coef_is(coef, ONE):
        _add_factor(base, k, state)
        return
    state[0] = coef_mul(state[0], coef_pow(coef, k))
    _add_factor(build_product(ONE, factors), k, state)


def _power_of(base: Expr, k: Fraction) -> Expr:
    if k == 1:
        return base
    if k == Fraction(1, 2):
        return Node("sqrt", (base,))
    return Node("pow", (base, Num(k)))


def _fold_mul(items: list[Expr]) -> Expr:
    out = items[0]
    for item in items[1:]:
        out = Node("mul", (out, item))
    return out


def build_product(coef: Coef, factors: dict) -> Expr:
    if coef_is(coef, ZERO):
        return Num(0)
    if not any(k != 0 for _, k in factors.values()):
        return coef_leaf(coef)
    entries = sorted((key, base, k) for key, (base, k) in factors.items() if k != 0)
    sign = coef_sign(coef)
    magnitude = coef_abs(coef)
    num: list[Expr] = []
    den: list[Expr] = []
    if isinstance(magnitude, Fraction):
        if magnitude.numerator != 1:
            num.append(Num(magnitude.numerator))
        if magnitude.denominator != 1:
            den.append(Num(magnitude.denominator))
    elif magnitude.value is None or magnitude.value != 1.0:
        num.append(magnitude)
    for _, base, k in entries:
        (num if k > 0 else den).append(_power_of(base, abs(k)))
    out = _fold_mul(num) if num else Num(1)
    if den:
        out = Node("div", (out, _fold_mul(den)))
    return Node("neg", (out,)) if sign < 0 else out


def _product(coef: Coef, factors: dict) -> Expr:
    return _absorb_into_sum(coef, factors) or build_product(coef, factors)


def _absorb_into_sum(coef: Coef, factors: dict) -> Expr | None:
    """``C*(C*a + b + C)*d → (C*a + C*b + C)*d``: a placeholder coefficient spreads over a
    sum factor in which at most one term lacks a placeholder coefficient (same family, same
    number of free constants); ``-(a - b) → b - a``. None when no rule applies."""
    factors = {key: f for key, f in factors.items() if f[1] != 0}
    if coef_is(coef, Fraction(-1)) and len(factors) == 1:
        ((base, k),) = factors.values()
        if k == 1 and isinstance(base, Node) and base.op in _SUM_OPS:
            return build_sum(collect_terms(base, -1))
    if not is_placeholder(coef):
        return None
    for key in sorted(factors):
        base, k = factors[key]
        if k != 1 or not (isinstance(base, Node) and base.op in _SUM_OPS):
            continue
        terms = collect_terms(base)
        if sum(1 for c, _ in terms if not is_placeholder(c)) > 1:
            continue
        absorbed = build_sum([(PLACEHOLDER, mono) for _, mono in terms])
        rest = {k2: v for k2, v in factors.items() if k2 != key}
        state: list = [ONE, rest]
        _walk_factors(absorbed, ONE, state)
        return build_product(state[0], state[1])
    return None


# -- exp and log --------------------------------------------------------------------------
def _canon_exp(arg: Expr, node: Node) -> Expr:
    if isinstance(arg, Node) and arg.op == "log":
        return arg.args[0]
    if not (isinstance(arg, Node) and arg.op in _SUM_OPS):
        return node
    terms = collect_terms(arg)
    constant = [c for c, mono in terms if mono is None and isinstance(c, Const)]
    if not constant:
        return node
    rest = build_sum([(c, mono) for c, mono in terms if mono is not None or isinstance(c, Fraction)])
    factor = constant[0]
    for c in constant[1:]:
        factor = coef_add(factor, c)
    if factor.value is not None:
        with np.errstate(over="ignore"):
            factor = Const(float(np.exp(factor.value)))
    return canonicalize(Node("mul", (factor, Node("exp", (rest,)))))


def _canon_log(arg: Expr, node: Node) -> Expr:
    if isinstance(arg, Node) and arg.op == "exp":
        return arg.args[0]
    if not (isinstance(arg, Node) and arg.op in ("mul", "div")):
        return node
    coef, factors = collect_factors(arg)
    if not isinstance(coef, Const) or (coef.value is not None and coef.value <= 0) or not factors:
        return node
    rest = build_product(ONE, factors)
    shift = PLACEHOLDER if coef.value is None else Const(float(np.log(coef.value)))
    return canonicalize(Node("add", (Node("log", (rest,)), shift)))
