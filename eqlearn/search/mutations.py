"""Variation operators of the genetic-programming engine, on immutable trees.

Every operator takes a tree and returns a new one: constant perturbation, operator and leaf
changes, node insertion and deletion, hoisting, subtree replacement, exponent tweaks,
crossover. :class:`Grammar` says what a tree may contain (allowed operators, variables,
size, forbidden nestings such as ``exp(exp(·))``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..expr.operators import OPERATORS
from ..expr.tree import Const, Expr, Node, Num, Var
from ..prior.config import PriorConfig
from ..prior.sampler import SkeletonSampler
from .selection import complexity

__all__ = ["Grammar", "mutate", "crossover", "MUTATIONS"]

Path = tuple[int, ...]


def subtrees(e: Expr, path: Path = ()) -> list[tuple[Path, Expr]]:
    """Every subtree with its path (child indices from the root), preorder."""
    out = [(path, e)]
    for i, a in enumerate(e.args):
        out.extend(subtrees(a, path + (i,)))
    return out


def editable(e: Expr) -> list[tuple[Path, Expr]]:
    """Subtrees a variation may touch: all but the exponents of ``pow``."""
    return [(p, n) for p, n in subtrees(e) if not _is_exponent(e, p)]


def replace_at(e: Expr, path: Path, new: Expr) -> Expr:
    if not path:
        return new
    args = list(e.args)
    args[path[0]] = replace_at(args[path[0]], path[1:], new)
    return e.func(*args)


@dataclass
class Grammar:
    """What trees the search may build.

    Parameters
    ----------
    n_vars : int
    operators : dict of str to float
        Allowed operators with their weights (``pow`` takes ``exponents``).
    max_complexity : int
    nested : dict of str to set of str
        ``{"exp": {"exp", "log"}}`` forbids ``exp`` anywhere inside ``exp`` or ``log``… read
        as: operator → operators that may not occur in its arguments.
    macros : tuple of Expr
        Composite unary forms of the prior (bodies in ``x1``, e.g. ``1/(exp(x1) - 1)``) that
        the insert mutation may wrap around a subtree.
    """

    n_vars: int
    operators: dict[str, float]
    exponents: tuple[Fraction, ...] = (Fraction(2), Fraction(3), Fraction(-1), Fraction(1, 2))
    max_complexity: int = 30
    nested: dict[str, set[str]] = field(default_factory=dict)
    macros: tuple[Expr, ...] = ()

    def __post_init__(self):
        ops = {k: v for k, v in self.operators.items() if v > 0}
        if not any(OPERATORS[k].arity == 2 for k in ops):
            raise ValueError("the search needs at least one binary operator")
        self.unary = [k for k in ops if OPERATORS[k].arity == 1]
        self.binary = [k for k in ops if OPERATORS[k].arity == 2]
        self._weights = ops
        prior = PriorConfig.from_dict({
            "name": "search", "operators": ops,
            "exponents": {str(k): 1.0 for k in self.exponents},
            "leaves": {"variable": 0.7, "integer": 0.05, "constant": 0.25},
            "constants": {"multiplicative": 0.0, "additive": 0.0},
            "tree": {"max_vars": max(1, self.n_vars)}})
        self.sampler = SkeletonSampler(prior)

    def random_op(self, arity: int, rng: np.random.Generator) -> str:
        names = self.unary if arity == 1 else self.binary
        w = np.array([self._weights[n] for n in names])
        return names[int(rng.choice(len(names), p=w / w.sum()))]

    def random_leaf(self, rng: np.random.Generator) -> Expr:
        if rng.random() < 0.6:
            return Var(int(rng.integers(self.n_vars)))
        return Const(float(rng.normal(0.0, 2.0)))

    def random_tree(self, n_ops: int, rng: np.random.Generator) -> Expr:
        tree = self.sampler.random_tree(n_ops, self.n_vars, rng)
        return tree.map_leaves(lambda n: Const(float(rng.normal(0.0, 2.0)))
                               if isinstance(n, Const) else n)

    def valid(self, e: Expr) -> bool:
        if complexity(e) > self.max_complexity:
            return False
        return self._nesting_ok(e, frozenset())

    def _nesting_ok(self, e: Expr, banned: frozenset) -> bool:
        if not isinstance(e, Node):
            return True
        if e.op in banned or e.op not in self._weights:
            return False
        inner = banned | frozenset(self.nested.get(e.op, ()))
        return all(self._nesting_ok(a, inner) for a in e.args)


def _pick(items, rng):
    return items[int(rng.integers(len(items)))]


def mutate_constant(e: Expr, g: Grammar, rng) -> Expr:
    consts = [(p, n) for p, n in editable(e) if isinstance(n, Const)]
    if not consts:
        return mutate_leaf(e, g, rng)
    path, node = _pick(consts, rng)
    value = node.value * float(np.exp(rng.normal(0.0, 0.5)))
    if rng.random() < 0.1:
        value = -value
    return replace_at(e, path, Const(value))


def mutate_operator(e: Expr, g: Grammar, rng) -> Expr:
    nodes = [(p, n) for p, n in editable(e) if isinstance(n, Node) and n.op != "pow"]
    if not nodes:
        return insert_node(e, g, rng)
    path, node = _pick(nodes, rng)
    op = g.random_op(len(node.args), rng)
    if op == "pow":  # exponents stay numbers
        return replace_at(e, path, Node("pow", (node.args[0], Num(_pick(g.exponents, rng)))))
    return replace_at(e, path, Node(op, node.args))


def mutate_leaf(e: Expr, g: Grammar, rng) -> Expr:
    leaves = [(p, n) for p, n in editable(e) if not n.args]
    path, _ = _pick(leaves, rng)
    return replace_at(e, path, g.random_leaf(rng))


def insert_node(e: Expr, g: Grammar, rng) -> Expr:
    path, node = _pick(editable(e), rng)
    if g.macros and rng.random() < 0.15:
        body = _pick(g.macros, rng)
        return replace_at(e, path, body.substitute({0: Node("mul", (Const(1.0), node))}))
    if g.unary and rng.random() < 0.4:
        new = Node(g.random_op(1, rng), (node,))
    else:
        op = g.random_op(2, rng)
        if op == "pow":
            new = Node("pow", (node, Num(_pick(g.exponents, rng))))
        else:
            leaf = g.random_leaf(rng)
            new = Node(op, (node, leaf) if rng.random() < 0.5 else (leaf, node))
    return replace_at(e, path, new)


def delete_node(e: Expr, g: Grammar, rng) -> Expr:
    nodes = [(p, n) for p, n in editable(e) if isinstance(n, Node)]
    if not nodes:
        return mutate_leaf(e, g, rng)
    path, node = _pick(nodes, rng)
    return replace_at(e, path, node.args[0] if node.op == "pow" else _pick(node.args, rng))


def hoist(e: Expr, g: Grammar, rng) -> Expr:
    return _pick(editable(e), rng)[1]


def replace_subtree(e: Expr, g: Grammar, rng) -> Expr:
    path, _ = _pick(editable(e), rng)
    return replace_at(e, path, g.random_tree(int(rng.integers(0, 3)), rng))


def tweak_exponent(e: Expr, g: Grammar, rng) -> Expr:
    pows = [(p, n) for p, n in subtrees(e) if isinstance(n, Node) and n.op == "pow"
            and isinstance(n.args[1], Num)]
    if not pows:
        return insert_node(e, g, rng)
    path, node = _pick(pows, rng)
    k = node.args[1].value + (1 if rng.random() < 0.5 else -1)
    new = node.args[0] if k == 1 else Node("pow", (node.args[0], Num(k)))
    return replace_at(e, path, new)


def _is_exponent(root: Expr, path: Path) -> bool:
    if not path:
        return False
    parent = root
    for i in path[:-1]:
        parent = parent.args[i]
    return isinstance(parent, Node) and parent.op == "pow" and path[-1] == 1


def crossover(a: Expr, b: Expr, g: Grammar, rng) -> Expr:
    path, _ = _pick(editable(a), rng)
    return replace_at(a, path, _pick(editable(b), rng)[1])


MUTATIONS = {
    "constant": (mutate_constant, 1.0),
    "operator": (mutate_operator, 1.5),
    "leaf": (mutate_leaf, 1.5),
    "insert": (insert_node, 3.0),
    "delete": (delete_node, 1.5),
    "hoist": (hoist, 0.3),
    "subtree": (replace_subtree, 1.0),
    "exponent": (tweak_exponent, 0.8),
}
_NAMES = list(MUTATIONS)
_P = np.array([MUTATIONS[n][1] for n in _NAMES]) / sum(MUTATIONS[n][1] for n in _NAMES)


def mutate(e: Expr, g: Grammar, rng: np.random.Generator) -> Expr:
    """One random mutation, drawn by the weights of :data:`MUTATIONS`."""
    return MUTATIONS[_NAMES[int(rng.choice(len(_NAMES), p=_P))]][0](e, g, rng)
