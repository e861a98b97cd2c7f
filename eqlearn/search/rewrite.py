"""Rewrites of fitted equations that keep what they compute, written simpler or tidier.

Constants that are small integers or halves in disguise are fixed to them (``exp(u) -
0.9989`` → ``exp(u) - 1``), phases that are quarter turns go (``sin(u - 1.5708)`` →
``-cos(u)``), factors common to every term of a sum are taken out, and ``|u|`` or
``sqrt(u**2)`` of a ``u`` with one sign on the data is written ``±u``. Each rewritten
version is refitted and replaces its parent only when as accurate, up to the price of one
free parameter.
"""
from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction
from typing import Callable, Iterator

import numpy as np

from ..expr.simplify import canonical_skeleton
from ..expr.evaluate import evaluate
from ..expr.factor import factor_sums, pythagorean_root, root_of_square
from ..expr.simplify import canonicalize
from ..expr.tokens import to_prefix
from ..expr.tree import Const, Expr, Node, Num
from .mutations import replace_at, subtrees
from .fitting import SearchSettings, fit_skeletons
from .selection import (ROUNDOFF, Candidate, accuracy_limit, complexity, pareto_front,
                        skeleton_of)
from .terms import additive_terms

__all__ = ["drop_roundoff", "drop_skeletons", "factor_common", "snap_constants"]

_QUARTER = np.pi / 2
EXACT_FORMS = 4  #: exact fits off the Pareto front that factor_common also rewrites
#: sin(u + k*pi/2) and cos(u + k*pi/2), k = 0…3, as (function of u, sign)
_TURNS = {"sin": (("sin", 1), ("cos", 1), ("sin", -1), ("cos", -1)),
          "cos": (("cos", 1), ("sin", -1), ("cos", -1), ("sin", 1))}


def snap_constants(candidates: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray,
                   settings: SearchSettings, deadline: float, *, width: int = 12,
                   rtol: float = 0.02, tolerance: float = 1.5, floor: float = ROUNDOFF,
                   keeps: Callable[[Expr, Fraction], bool] | None = None
                   ) -> tuple[list[Candidate], list[Candidate]]:
    """Fitted constants that are small integers or halves in disguise (``exp(u) - 0.9989``,
    ``exp(-0.4986*u**2)`` on noisy data) become them, and phases that are quarter turns go
    (``sin(u - 1.5708)`` is ``-cos(u)``). For each of ``width`` candidates on the Pareto
    front — those model selection chooses among first (within ``tolerance`` × the lowest
    loss), then the simplest others — every constant within ``rtol``
    of a nonzero multiple of 1/2 in −5…5 is fixed to it, every phase within 0.03 of a
    multiple of π/2 is turned into the equivalent sine or cosine, and the rest refit; the
    fixed version replaces its parent when its loss is within the price of one free
    parameter (a factor ``exp(ln(n)/n)``, Schwarz's Bayesian criterion, or under ``floor``).
    ``keeps(expr, number)``: whether a number written into ``expr`` stays that number in
    the user's units (:meth:`~eqlearn.search.scaling.Scaling.keeps`); others are not snapped.
    Greedy: one constant at a time, the best first. A replaced equation may uncover another
    fit of the same function on the front (another source's ``C*exp(C*x**2)`` for
    ``C/exp(C*x**2)``): the new front's untried members are snapped in turn. Returns
    ``(snapped, replaced)``."""
    def versions(cand: Candidate) -> list[Expr]:
        return _half_integer_versions(cand, rtol, keeps) + _quarter_turn_versions(cand)

    pool, tried, done, replaced = list(candidates), set(), [], []
    while time.perf_counter() < deadline:  # a replaced parent may uncover a twin, unsnapped
        front = pareto_front(pool)
        limit = accuracy_limit(front, tolerance, floor)
        ranked = sorted(front, key=lambda c: c.loss > limit)  # stable: simplest first
        front = [c for c in ranked[:width] if id(c) not in tried]
        if not front:
            break
        new, gone = _rewrite(front, X, y, w, settings, deadline, versions, warm=False,
                             shorter=False, floor=floor)
        tried.update(map(id, front + new))
        pool = drop_skeletons(pool, gone) + new
        done, replaced = drop_skeletons(done, gone) + new, replaced + gone
    return done, replaced


def factor_common(candidates: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray,
                  settings: SearchSettings, deadline: float, *, width: int = 12,
                  floor: float = ROUNDOFF) -> tuple[list[Candidate], list[Candidate]]:
    """Equations written shorter: sums with a factor in every term with it taken out
    (``a*e**u*x**2 - a*x**2 → a*(e**u - 1)*x**2``, see :func:`~eqlearn.expr.factor.
    factor_sums`), and ``|u|`` and ``sqrt(u**2)`` written ``±u`` where ``u`` has one sign
    on all the data (a temperature: ``sqrt(T**2)`` is ``T``). For each of the ``width`` most
    accurate candidates on the Pareto front, and the ``EXACT_FORMS`` simplest exact ones off
    it (another form of the law may rewrite shorter), the rewritten versions are refitted
    from the parent's values and replace it when simpler and as accurate (as for
    :func:`snap_constants`). Returns ``(rewritten, replaced)``."""
    def versions(cand: Candidate) -> list[Expr]:
        signed = _one_signed(cand.expr, X)  # canonical: compare with the canonical form,
        # or an equation merely written canonically would be refitted as a "version"
        return factor_sums(signed) + ([signed] if signed != canonicalize(cand.expr) else [])

    front = pareto_front(candidates)[::-1][:width]
    exact = sorted((c for c in candidates if c.loss <= floor and c not in front),
                   key=lambda c: c.complexity)[:EXACT_FORMS]  # off the front, maybe tidier
    return _rewrite(front + exact, X, y, w, settings, deadline, versions, warm=True,
                    shorter=True, floor=floor)


def _one_signed(expr: Expr, X: np.ndarray) -> Expr:
    """``expr`` with each ``|u|`` and ``sqrt(u**2)`` (or ``sqrt`` of a sum that is ``u**2``,
    :func:`~eqlearn.expr.factor.root_of_square`, or ``cos θ`` of ``1 − sin(θ)**2``,
    :func:`~eqlearn.expr.factor.pythagorean_root`) whose ``u`` is positive (negative) on
    every row of ``X`` written ``u`` (``-u``), in canonical form."""
    def visit(e: Expr) -> Expr:
        if not isinstance(e, Node):
            return e
        e = Node(e.op, tuple(visit(a) for a in e.args))
        if e.op == "abs":
            u = e.args[0]
        elif e.op == "sqrt" and isinstance(e.args[0], Node) and e.args[0].op == "pow" \
                and e.args[0].args[1] == Num(2):
            u = e.args[0].args[0]
        elif e.op == "sqrt":
            u = root_of_square(e.args[0], X) or pythagorean_root(e.args[0], X)
            if u is None:
                return e
        else:
            return e
        with np.errstate(all="ignore"):
            values = evaluate(u, X)
        if np.all(values > 0):
            return u
        return Node("neg", (u,)) if np.all(values < 0) else e

    return canonicalize(visit(expr))


def drop_roundoff(cand: Candidate, X: np.ndarray, y: np.ndarray, *, loss: str = "mse",
                  rtol: float = 1e-10) -> Candidate:
    """``cand`` with each constant that is round-off of 0 or of an integer (up to 5) set to
    it, where the predictions on ``X`` move by at most ``rtol`` of the loss's scale
    (the ``+ 2.2e-16`` and ``sqrt(x1·x2 + 8.8e-16)`` left by an exact fit): RMS(y) in all,
    or, for the ``"log"`` and ``"relative"`` losses, each prediction's own size (a constant
    of 524 is no round-off beside readings of 1e13 that a log loss weighs alike). One
    constant at a time, no refit, only evaluations."""
    with np.errstate(all="ignore"):
        before = evaluate(cand.expr, X)
    if not np.all(np.isfinite(before)):
        return cand
    relative = loss in ("log", "relative")
    tol = rtol * (np.abs(before) if relative else float(np.sqrt(np.mean(y ** 2))))
    if not np.all(tol > 0):
        return cand

    def unchanged(expr: Expr) -> bool:
        with np.errstate(all="ignore"):
            moved = np.abs(evaluate(expr, X) - before)
        if not np.all(np.isfinite(moved)):
            return False
        return bool(np.all(moved <= tol) if relative else np.sqrt(np.mean(moved ** 2)) <= tol)

    expr = cand.expr
    while (simpler := next(filter(unchanged, _integer_versions(expr)), None)) is not None:
        expr = simpler
    if expr is cand.expr:
        return cand
    return replace(cand, expr=expr, complexity=complexity(expr))


def _integer_versions(expr: Expr) -> Iterator[Expr]:
    """``expr`` with one fitted constant set to 0 or to its nearest integer (up to 5; a
    2.5 is exact and stays written so), canonical, constants in prefix order."""
    for path, node in subtrees(expr):
        if isinstance(node, Const) and node.value is not None:
            whole = Fraction(round(node.value))
            for number in dict.fromkeys((Fraction(0), whole) if abs(whole) <= 5 else (Fraction(0),)):
                yield canonicalize(replace_at(expr, path, Num(number)))


def _rewrite(front: list[Candidate], X, y, w, settings, deadline, versions, *, warm: bool,
             shorter: bool, floor: float) -> tuple[list[Candidate], list[Candidate]]:
    """Greedy rewriting of the candidates in ``front``: fit the ``versions`` of the current
    equation (``warm``: from its values), go on from the best one whose loss is within the
    price of one free parameter (and, with ``shorter``, whose complexity is lower), until
    none is. Returns ``(rewritten, replaced)``."""
    done, replaced = [], []
    quick = replace(settings, n_restarts=min(settings.n_restarts, 2))
    price = float(np.exp(np.log(len(y)) / len(y)))
    for parent in front:
        current = parent
        while time.perf_counter() < deadline:
            todo = [(s, 0.0) for s in versions(current)]
            fits = fit_skeletons(todo, X, y, w, quick, deadline, source=parent.source,
                                 warm=warm)
            good = [c for c in fits if c.loss <= max(price * current.loss, floor)
                    and (not shorter or c.complexity < current.complexity)]
            if not good:
                break
            current = min(good, key=lambda c: c.loss)
        if current is not parent:
            done.append(current)
            replaced.append(parent)
    return done, replaced


def _half_integer_versions(cand: Candidate, rtol: float,
                           keeps: Callable[[Expr, Fraction], bool] | None = None) -> list[Expr]:
    """Skeletons of ``cand`` with one fitted constant set to the multiple of 1/2 it is near
    (the ``-1/2`` of a Gaussian's ``exp(-0.4986·θ²)`` on noisy data, the ``1`` of
    ``exp(u) − 0.9989``); on an exact fit, to the integer (its ``2.5`` is already exact and
    stays written so). The swap is made on the fitted tree, where each constant keeps its
    sign (the canonical skeleton may have folded ``a - 0.999`` into ``a + C``)."""
    scale = _overall_factor(cand.expr)
    parts = 2 if cand.loss > ROUNDOFF else 1
    out = []
    for path, node in subtrees(cand.expr):
        if not isinstance(node, Const) or node.value is None or not abs(node.value) < 6 \
                or path == scale:
            continue
        n = Fraction(round(parts * node.value), parts)
        if n != 0 and abs(n) <= 5 and abs(node.value - n) <= rtol * abs(n):
            snapped = replace_at(cand.expr, path, Num(n))
            if keeps is None or keeps(snapped, n):
                out.append(canonical_skeleton(snapped))
    return out


def _overall_factor(expr: Expr) -> tuple[int, ...] | None:
    """The path of the constant that scales the whole equation (``C*f``, ``C/f``), if any:
    it is not snapped, for it is fitted in the search's scaled units (a 3.995 there is 0.3995
    in the user's), and snapping it first can cost the one inside (``exp(-0.5007*x**2)``)
    the loss that would let that one snap."""
    if isinstance(expr, Node) and expr.op in ("mul", "div") and isinstance(expr.args[0], Const):
        return (0,)
    if isinstance(expr, Node) and expr.op == "mul" and isinstance(expr.args[1], Const):
        return (1,)
    return None


def _quarter_turn_versions(cand: Candidate, atol: float = 0.03) -> list[Expr]:
    """Skeletons of ``cand`` with one ``sin`` or ``cos`` of ``u + c``, ``c`` near a multiple
    of π/2, written as the equivalent ``±sin(u)`` or ``±cos(u)``."""
    out = []
    for path, node in subtrees(cand.expr):
        found = _phase(node)
        if found is None:
            continue
        u, shift = found
        k = round(shift / _QUARTER)
        if abs(shift - k * _QUARTER) > atol:
            continue
        op, sign = _TURNS[node.op][k % 4]
        new: Expr = Node(op, (u,))
        if sign < 0:
            new = Node("mul", (Num(-1), new))
        out.append(canonical_skeleton(replace_at(cand.expr, path, new)))
    return out


def _phase(node: Expr) -> tuple[Expr, float] | None:
    """``(u, c)`` for ``sin`` or ``cos`` of a sum whose one constant term is ``c`` (fitted),
    ``u`` the other terms: ``sin(π − x² − x)`` gives ``(−x² − x, π)``."""
    if not isinstance(node, Node) or node.op not in _TURNS:
        return None
    terms = additive_terms(node.args[0])
    shifts = [k for k, (_, t) in enumerate(terms) if isinstance(t, Const) and t.value is not None]
    if len(terms) < 2 or len(shifts) != 1:
        return None
    sign, const = terms[shifts[0]]
    rest = [term for k, term in enumerate(terms) if k != shifts[0]]
    u = rest[0][1] if rest[0][0] > 0 else Node("neg", (rest[0][1],))
    for s, t in rest[1:]:
        u = Node("add" if s > 0 else "sub", (u, t))
    return u, sign * const.value


def drop_skeletons(candidates: list[Candidate], gone: list[Candidate]) -> list[Candidate]:
    """``candidates`` without any fit of a skeleton in ``gone`` (the same skeleton may have
    been fitted more than once, by the network and by the search), nor any other fit of the
    same function: the same complexity and, above round-off, the same loss to 10⁻⁹
    (``C/exp(C*x**2)`` and ``C*exp(C*x**2)``; the one left would dominate the replacement)."""
    if not gone:
        return list(candidates)
    sizes = {c.complexity for c in gone}
    keys = {tuple(to_prefix(skeleton_of(c))) for c in gone}
    twins = [(c.complexity, c.loss) for c in gone if c.loss > ROUNDOFF]

    def twin(c: Candidate) -> bool:
        return any(c.complexity == k and abs(c.loss - loss) <= 1e-9 * loss for k, loss in twins)

    return [c for c in candidates if c.complexity not in sizes
            or (tuple(to_prefix(skeleton_of(c))) not in keys and not twin(c))]
