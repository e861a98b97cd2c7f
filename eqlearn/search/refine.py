"""Local search around the model's best skeletons.

A learned proposal is often *nearly* right: an exponent off by one, a variable missing
from a ratio inside ``exp``, ``+ 1`` for ``- 1``. The neighbourhood of a skeleton is every
skeleton one edit away — an integer exponent changed by ±1 or ±2, a variable swapped for
another, a subtree multiplied or divided by a variable, a sum's sign flipped, a function
``f(u)`` shifted to ``f(u) ± 1`` or replaced by one of the prior's macros of ``u`` — and
:func:`refine` fits the neighbours of the best candidates, keeps improvements, and repeats
(hill climbing on the fitted loss) until nothing improves or the time is spent.
"""
from __future__ import annotations

import time

import numpy as np

from ..data.generate import canonical_skeleton
from ..expr.tokens import to_prefix
from ..expr.tree import Expr, Node, Num, Var
from .mutations import editable, replace_at
from .neural import SearchSettings, fit_skeletons
from .selection import Candidate

__all__ = ["neighbours", "refine"]


def _edits(node: Expr, n_vars: int, macros: tuple[Expr, ...]) -> list[Expr]:
    out: list[Expr] = []
    if isinstance(node, Node) and len(node.args) == 1:  # f(u): offsets, and the prior's forms
        out += [Node("add", (node, Num(1))), Node("sub", (node, Num(1)))]
        out += [m.substitute({0: node.args[0]}) for m in macros]
    if isinstance(node, Node) and node.op == "pow" and isinstance(node.args[1], Num):
        base, k = node.args
        for d in (-2, -1, 1, 2):
            new = k.value + d
            if new == 1:
                out.append(base)
            elif new != 0:
                out.append(Node("pow", (base, Num(new))))
    if isinstance(node, Var):
        out += [Var(j) for j in range(n_vars) if j != node.index]
        out += [Node("pow", (node, Num(k))) for k in (2, -1)]
    if isinstance(node, Node) and node.op in ("add", "sub"):
        out.append(Node("sub" if node.op == "add" else "add", node.args))
    if isinstance(node, (Var, Node)):
        for j in range(n_vars):
            out += [Node("mul", (node, Var(j))), Node("div", (node, Var(j)))]
    return out


def neighbours(skeleton: Expr, n_vars: int, macros: tuple[Expr, ...] = ()) -> list[Expr]:
    """Canonical skeletons one edit away from ``skeleton`` (unique, itself excluded);
    ``macros`` are unary forms (bodies in ``x1``) a function node may become."""
    seen = {tuple(to_prefix(skeleton))}
    out = []
    for path, node in editable(skeleton):
        for new in _edits(node, n_vars, macros):
            candidate = canonical_skeleton(replace_at(skeleton, path, new))
            key = tuple(to_prefix(candidate))
            if key not in seen and candidate.has_var():
                seen.add(key)
                out.append(candidate)
    return out


def refine(candidates: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray,
           settings: SearchSettings, deadline: float, *, width: int = 3, rounds: int = 4,
           macros: tuple[Expr, ...] = ()) -> list[Candidate]:
    """Hill-climb from the ``width`` best candidates; returns the new fitted candidates."""
    found: list[Candidate] = []
    tried: set[tuple[str, ...]] = set()
    frontier = sorted(candidates, key=lambda c: c.loss)[:width]
    for _ in range(rounds):
        if not frontier or time.perf_counter() > deadline:
            break
        pool = []
        for cand in frontier:
            skeleton = cand.info.get("skeleton") or canonical_skeleton(cand.expr)
            for nb in neighbours(skeleton, X.shape[1], macros):
                key = tuple(to_prefix(nb))
                if key not in tried:
                    tried.add(key)
                    pool.append((nb, 0.0))
        fits = fit_skeletons(pool, X, y, w, settings, deadline, source="refined")
        found += fits
        best_before = min(c.loss for c in frontier)
        better = sorted((f for f in fits if f.loss < best_before), key=lambda c: c.loss)
        frontier = better[:width]
    return found
