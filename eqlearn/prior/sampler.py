"""Random equations from a prior.

Tree *shapes* are drawn without bias, as in Lample & Charton (2020, "Deep learning for
symbolic mathematics", appendix C): for a number of operators n, every tree with n internal
nodes is drawn with probability proportional to the product of the unary/binary shares of
its nodes (uniform when both shares are equal), which a naive recursive sampler does not do.
Operators are then filled in by their prior weights, leaves by the leaf weights, and
constant placeholders attached multiplicatively/additively (NeSymReS style).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from ..expr.export import parse_expr
from ..expr.operators import OPERATORS
from ..expr.tree import PLACEHOLDER, Expr, Node, Num, Var
from .config import PriorConfig, load_prior
from .templates import Template

__all__ = ["SkeletonSampler", "count_trees"]

Builder = Callable[..., Expr]


@dataclass(frozen=True)
class _Choice:
    label: str
    arity: int
    weight: float
    build: Builder


def count_trees(max_ops: int, p1: float, p2: float) -> np.ndarray:
    """``D[e, n]``: weighted number of ways to fill ``e`` empty slots with ``n`` operators.

    ``D[e, 0] = 1``, ``D[0, n>0] = 0`` and
    ``D[e, n] = D[e-1, n] + p1 D[e, n-1] + p2 D[e+1, n-1]`` (the first slot is a leaf, a
    unary operator, or a binary operator). Exact wherever ``e + n <= max_ops + 2``, which is
    all that sampling a tree of at most ``max_ops`` operators reads.
    """
    rows = max_ops + 4
    D = np.zeros((rows, max_ops + 1))
    D[1:, 0] = 1.0
    for n in range(1, max_ops + 1):
        for e in range(1, rows - 1):
            D[e, n] = D[e - 1, n] + p1 * D[e, n - 1] + p2 * D[e + 1, n - 1]
    return D


class _Weighted:
    """Weighted choice over a fixed list with one uniform draw."""

    def __init__(self, items, weights):
        w = np.asarray(weights, dtype=float)
        self.items = list(items)
        self.cum = list(np.cumsum(w / w.sum()))

    def draw(self, rng: np.random.Generator):
        i = bisect_right(self.cum, rng.random())
        return self.items[min(i, len(self.items) - 1)]


class SkeletonSampler:
    """Draws raw (not yet canonical) skeletons from a prior.

    Examples
    --------
    >>> import numpy as np
    >>> sampler = SkeletonSampler("polynomial")
    >>> tree = sampler.sample(np.random.default_rng(0))
    """

    def __init__(self, prior: PriorConfig | str):
        self.prior = load_prior(prior)
        choices = self._choices()
        unary = [c for c in choices if c.arity == 1]
        binary = [c for c in choices if c.arity == 2]
        total = sum(c.weight for c in choices)
        self.p1 = sum(c.weight for c in unary) / total
        self.p2 = sum(c.weight for c in binary) / total
        self.unary = _Weighted(unary, [c.weight for c in unary]) if unary else None
        self.binary = _Weighted(binary, [c.weight for c in binary])
        t = self.prior.tree
        self.D = count_trees(t.max_ops, self.p1 if unary else 0.0, self.p2)
        leaves = self.prior.leaves
        self.leaf_kind = _Weighted(["variable", "integer", "constant"],
                                   [leaves.variable, leaves.integer, leaves.constant])
        var_w = t.var_weights or (1.0,) * t.max_vars
        self.n_vars = _Weighted(range(1, t.max_vars + 1), var_w)
        self._init_templates(unary)

    def _init_templates(self, unary: list[_Choice]) -> None:
        tc = self.prior.templates
        self.templates = None
        if tc.share <= 0:
            return
        forms = list(tc.forms.items())
        self.templates = _Weighted([Template(f) for f, _ in forms], [w for _, w in forms])
        exps = {Fraction(k): w for k, w in tc.exponents.items() if w > 0}
        self.monomial_exponent = _Weighted(list(exps), list(exps.values()))
        by_label = {c.label: c for c in unary}
        if tc.functions:
            missing = set(tc.functions) - set(by_label)
            if missing:
                raise ValueError(f"templates.functions not among the prior's unary choices "
                                 f"{sorted(by_label)}: {sorted(missing)}")
            chosen = [(by_label[k], w) for k, w in tc.functions.items() if w > 0]
        else:
            chosen = [(c, c.weight) for c in unary]
        self.functions = _Weighted([c for c, _ in chosen], [w for _, w in chosen])

    # -- the operator choices of the prior ------------------------------------------------
    def _choices(self) -> list[_Choice]:
        prior = self.prior
        out = []
        for name, weight in prior.operators.items():
            if weight <= 0:
                continue
            if name == "pow":
                exps = {Fraction(k): w for k, w in prior.exponents.items() if w > 0}
                total = sum(exps.values())
                for k, w in exps.items():
                    out.append(_Choice(f"pow{k}", 1, weight * w / total,
                                       lambda a, k=k: Node("pow", (a, Num(k)))))
                continue
            arity = OPERATORS[name].arity
            out.append(_Choice(name, arity, weight, lambda *a, name=name: Node(name, a)))
        for name, macro in prior.macros.items():
            body = parse_expr(macro.body, ["u", "v"])
            arity = 2 if 1 in body.variables() else 1
            out.append(_Choice(name, arity, macro.weight,
                               lambda *a, body=body: body.substitute(dict(enumerate(a)))))
        return out

    # -- shapes ---------------------------------------------------------------------------
    def sample_arities(self, n_ops: int, rng: np.random.Generator) -> list[int]:
        """Prefix list of node arities (0 = leaf) of an unbiased random tree."""
        out: list[int] = []
        empty = 1
        D = self.D
        for n in range(n_ops, 0, -1):
            weights = []
            for k in range(empty):
                weights.append(self.p1 * D[empty - k, n - 1])
                weights.append(self.p2 * D[empty - k + 1, n - 1])
            w = np.asarray(weights)
            pick = int(np.searchsorted(np.cumsum(w), rng.random() * w.sum(), side="right"))
            pick = min(pick, len(weights) - 1)
            k, arity = divmod(pick, 2)
            arity += 1
            out.extend([0] * k)
            out.append(arity)
            empty += arity - 1 - k
        out.extend([0] * empty)
        return out

    # -- whole skeletons ------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Expr:
        """One raw skeleton: from a template (with the prior's template share) or a random
        tree with attached placeholders."""
        n_vars = self.n_vars.draw(rng)
        if self.templates is not None and rng.random() < self.prior.templates.share:
            tree = self.templates.draw(rng).build(
                n_vars, rng, monomial=self._monomial, function=self._function,
                subtree=lambda k, r: self.random_tree(int(r.integers(1, 4)), k, r))
            return tree.compact_variables()
        t = self.prior.tree
        tree = self.random_tree(int(rng.integers(t.min_ops, t.max_ops + 1)), n_vars, rng)
        return self._attach(tree, "root", rng)

    def random_tree(self, n_ops: int, n_vars: int, rng: np.random.Generator) -> Expr:
        """An unbiased random tree with ``n_ops`` operators over variables x1..x{n_vars}."""
        arities = self.sample_arities(n_ops, rng)
        leaves = iter(self._leaves(arities.count(0), n_vars, rng))
        pos = 0

        def build() -> Expr:
            nonlocal pos
            arity = arities[pos]
            pos += 1
            if arity == 0:
                return self._attach(next(leaves), "variables", rng)
            choice = (self.unary if arity == 1 else self.binary).draw(rng)
            args = tuple(build() for _ in range(arity))
            if arity == 1:
                args = (self._attach(args[0], "unary", rng),)
            return choice.build(*args)

        return build()

    def _leaves(self, n_leaves: int, n_vars: int, rng: np.random.Generator) -> list[Expr]:
        """Leaves such that variables x1..xk all occur (k = n_vars if there are enough
        variable leaves)."""
        kinds = [self.leaf_kind.draw(rng) for _ in range(n_leaves)]
        slots = [i for i, kind in enumerate(kinds) if kind == "variable"]
        if not slots:
            slots = [int(rng.integers(n_leaves))]
            kinds[slots[0]] = "variable"
        n_vars = min(n_vars, len(slots))
        order = rng.permutation(len(slots))
        ints = self.prior.leaves.integers or (1,)
        var_of = {}
        for rank, slot in enumerate(order):
            var_of[slots[slot]] = rank if rank < n_vars else int(rng.integers(n_vars))
        out: list[Expr] = []
        for i, kind in enumerate(kinds):
            if kind == "variable":
                out.append(Var(var_of[i]))
            elif kind == "integer":
                out.append(Num(ints[int(rng.integers(len(ints)))]))
            else:
                out.append(PLACEHOLDER)
        return out

    # -- template holes -------------------------------------------------------------------
    def _monomial(self, n_vars: int, rng: np.random.Generator) -> Expr:
        include = rng.random(n_vars) < self.prior.templates.include
        if not include.any():
            include[int(rng.integers(n_vars))] = True
        factors = []
        for j in np.flatnonzero(include):
            k = self.monomial_exponent.draw(rng)
            factors.append(Var(int(j)) if k == 1 else Node("pow", (Var(int(j)), Num(k))))
        out = factors[0]
        for f in factors[1:]:
            out = Node("mul", (out, f))
        return out

    def _function(self, arg: Expr, rng: np.random.Generator) -> Expr:
        return self.functions.draw(rng).build(arg)

    def _attach(self, e: Expr, where: str, rng: np.random.Generator) -> Expr:
        c = self.prior.constants
        if where not in c.attach_to or (where == "variables" and not isinstance(e, Var)):
            return e
        if rng.random() < c.multiplicative:
            e = Node("mul", (PLACEHOLDER, e))
        if rng.random() < c.additive:
            e = Node("add", (e, PLACEHOLDER))
        return e

