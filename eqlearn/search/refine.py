"""Local search around the model's best skeletons.

A learned proposal is often *nearly* right: an exponent off by one, a variable missing
from a ratio inside ``exp``, ``+ 1`` for ``- 1``. The neighbourhood of a skeleton is every
skeleton one edit away — an integer exponent changed by ±1 or ±2, a variable swapped for
another, a subtree multiplied or divided by a variable, a sum's sign flipped, a function
``f(u)`` shifted to ``f(u) ± 1`` or replaced by one of the prior's macros of ``u`` — and
:func:`refine` runs a best-first search over it: it fits the neighbours of the best
candidates not yet expanded, round after round, until the time is spent or a fit is exact.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..expr.simplify import canonical_skeleton
from ..expr.simplify import canonicalize
from ..expr.tokens import to_prefix
from ..expr.tree import Const, Expr, Node, Num, Var
from .mutations import editable, replace_at
from .fitting import SearchSettings, fit_skeletons
from .selection import (ROUNDOFF, Candidate, accurate_members, complexity, pareto_front,
                        skeleton_of)

__all__ = ["neighbours", "prune", "refine"]


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
        out.append(Num(1))  # drop a factor (in a sum: a term becomes a constant)
    if isinstance(node, Node) and len(node.args) == 1:
        out.append(node.args[0])  # drop a function
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
           settings: SearchSettings, deadline: float, *, first_width: int = 8,
           second_width: int = 12, width: int = 3,
           rounds: int = 10, macros: tuple[Expr, ...] = (),
           exact: float = 1e-24) -> list[Candidate]:
    """Search the one-edit neighbourhoods of the best candidates: first of the
    ``first_width`` best proposals (diverse starting points), then of the ``second_width``
    best neighbours of the best proposal and of the best fit found (two edits from them: a
    right answer behind a step that does not improve is still found), then best-first
    rounds, each expanding the
    ``width`` best candidates not expanded yet. Stops after ``rounds``, at ``deadline`` or
    on an exact fit. Returns the new fitted candidates."""
    quick = replace(settings, n_restarts=min(settings.n_restarts, 2),
                    fit_time=min(settings.fit_time, 0.1))
    search = _Neighbourhood(X, y, w, quick, deadline, macros, candidates)
    starts = sorted(candidates, key=lambda c: c.loss)[:first_width]
    search.expand(starts)
    for parent in (starts[:1] + sorted(search.found, key=lambda c: c.loss)[:1]):
        if search.done(exact):
            break
        search.expand(sorted(search.children(parent), key=lambda c: c.loss)[:second_width])
    for _ in range(rounds):
        if search.done(exact):
            break
        frontier = search.unexpanded(width)
        if not frontier:
            break
        search.expand(frontier)
    return search.found


class _Neighbourhood:
    """Bookkeeping of :func:`refine`: what was tried, expanded and found."""

    def __init__(self, X, y, w, settings, deadline, macros, candidates):
        self.X, self.y, self.w, self.settings = X, y, w, settings
        self.deadline, self.macros = deadline, macros
        self.pool = sorted(candidates, key=lambda c: c.loss)
        self.found: list[Candidate] = []
        self.expanded: set[tuple[str, ...]] = set()
        self.tried = {tuple(to_prefix(skeleton_of(c))) for c in candidates}

    def done(self, exact: float) -> bool:
        return time.perf_counter() > self.deadline or (bool(self.pool)
                                                       and self.pool[0].loss < exact)

    def unexpanded(self, width: int) -> list[Candidate]:
        out = [c for c in self.pool if tuple(to_prefix(skeleton_of(c))) not in self.expanded]
        return out[:width]

    def children(self, parent: Candidate) -> list[Candidate]:
        """Fitted candidates one edit away from ``parent``."""
        keys = {tuple(to_prefix(nb)) for nb in neighbours(skeleton_of(parent), self.X.shape[1],
                                                          self.macros)}
        return [c for c in self.found if tuple(to_prefix(skeleton_of(c))) in keys]

    def expand(self, frontier: list[Candidate]) -> list[Candidate]:
        """Fit the untried neighbours of ``frontier``; returns the new fits."""
        fits: list[Candidate] = []
        for cand in frontier:
            if time.perf_counter() > self.deadline:
                break
            skeleton = skeleton_of(cand)
            self.expanded.add(tuple(to_prefix(skeleton)))
            todo = []
            for nb in neighbours(skeleton, self.X.shape[1], self.macros):
                key = tuple(to_prefix(nb))
                if key not in self.tried:
                    self.tried.add(key)
                    todo.append((nb, 0.0))
            new = fit_skeletons(todo, self.X, self.y, self.w, self.settings, self.deadline,
                                source="refined")
            fits += new
            if any(c.loss < 1e-24 for c in new):
                break
        self.found += fits
        self.pool = sorted(self.pool + fits, key=lambda c: c.loss)
        return fits


def _deletions(expr: Expr, *, fitted: bool = False) -> list[Expr]:
    """Canonical skeletons with one subtree removed: a factor or term dropped (the subtree
    becomes 1 or 0, or an operation one of its arguments: ``a - 1`` → ``a``) or a function
    replaced by its argument; simpler ones only. With ``fitted``, ``expr`` is a fitted
    equation: a fitted constant may be removed too, and the others keep their values (the
    start of a refit)."""
    canonical = canonicalize if fitted else canonical_skeleton
    kinds = (Var, Node, Const) if fitted else (Var, Node)
    size = complexity(expr)
    seen, out = {tuple(to_prefix(expr))}, []
    for path, node in editable(expr):
        if not path or not isinstance(node, kinds):
            continue
        options = [Num(1), Num(0)] + (list(node.args) if isinstance(node, Node) else [])
        for new in options:
            candidate = canonical(replace_at(expr, path, new))
            key = tuple(to_prefix(candidate))
            if key not in seen and candidate.has_var() and complexity(candidate) < size:
                seen.add(key)
                out.append(candidate)
    return out


def prune(candidates: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray,
          settings: SearchSettings, deadline: float, *, width: int = 3,
          tolerance: float = 1.5, floor: float = ROUNDOFF) -> list[Candidate]:
    """Remove what an accurate equation does not need. A search often reaches the right
    law with a vanishing extra piece attached (a factor ``exp(C*x**4)`` whose fitted
    constant is ~0, a term of 1e-30): from each of the ``width`` most accurate candidates,
    delete one subtree at a time and refit — first from the parent's other constants (a cut
    of a vanishing piece; a refit from scratch may not find the rest again), then from
    scratch — and go on from the best deletion while the loss stays within ``tolerance`` ×
    the parent's (or under ``floor``). When some fits are under ``floor`` (exact to
    round-off, where a smaller loss means nothing), the ``width`` simplest of them are the
    parents instead; when none is, the simplest front members within ``tolerance`` × the
    lowest loss go first (those selection chooses among: on noisy data the most accurate
    are overgrown, and the simplest accurate one may be a law with a needless ``+ C``).
    From an exact fit the simplest two good deletions are followed (depth first):
    ``1 − 2x + x²`` under a root and ``1 − x`` plus a vanishing ``x²`` are both exact, and
    only the second leads on to ``1 − x``; from an inexact one only the simplest, as many
    cuts stay within ``tolerance`` there. Returns the new fits."""
    quick = replace(settings, n_restarts=min(settings.n_restarts, 2),
                    fit_time=min(settings.fit_time, 0.1))
    exact = sorted((c for c in candidates if c.loss < floor), key=lambda c: c.complexity)
    found: list[Candidate] = []
    for start in exact[:width] or _inexact_starts(candidates, width, tolerance):
        todo, seen = [start], {tuple(to_prefix(skeleton_of(start)))}
        while todo and time.perf_counter() < deadline:
            parent = todo.pop()  # depth first, the simplest deletion first
            good = _good_deletions(parent, X, y, w, quick, deadline,
                                   max(tolerance * parent.loss, floor), found)
            branch = 2 if parent.loss < floor else 1  # inexact: many cuts are "good"
            for child in sorted(good, key=lambda c: (c.complexity, c.loss))[branch - 1::-1]:
                key = tuple(to_prefix(skeleton_of(child)))
                if key not in seen:
                    seen.add(key)
                    todo.append(child)
    return found


def _inexact_starts(candidates: list[Candidate], width: int, tolerance: float):
    """The ``width`` simplest accurate front members, then the ``width`` most accurate
    candidates."""
    accurate = accurate_members(pareto_front(candidates), tolerance)[:width]
    best = sorted(candidates, key=lambda c: c.loss)[:width]
    return list({id(c): c for c in accurate + best}.values())


def _good_deletions(parent: Candidate, X, y, w, settings, deadline, limit: float,
                    found: list[Candidate]) -> list[Candidate]:
    """Fits of ``parent`` with one subtree deleted whose loss is within ``limit``: first
    refitted from the parent's values (a vanishing piece cut), then from scratch; every fit
    is added to ``found``."""
    for todo, warm in ((_deletions(parent.expr, fitted=True), True),
                       (_deletions(skeleton_of(parent)), False)):
        fits = fit_skeletons([(s, 0.0) for s in todo], X, y, w, settings, deadline,
                             source=parent.source, warm=warm)
        found += fits
        good = [c for c in fits if c.loss <= limit]
        if good:
            return good
    return []
