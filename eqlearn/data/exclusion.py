"""Benchmark equations a training corpus must not contain.

Each benchmark formula is turned into skeletons the prior could produce: literally (its
integers kept, other numbers as placeholders) and with every coefficient a placeholder
(exponents kept), under every renaming of its variables to ``x1..xn``. The canonical tokens
and fingerprints of all of them are excluded.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Iterable

from ..expr.export import from_sympy
from ..expr.tokens import to_prefix
from ..expr.tree import PLACEHOLDER, Const, Expr, Node, Num, Var
from .fingerprint import Fingerprinter
from ..expr.simplify import canonical_skeleton
from .suites import load_suite

__all__ = ["excluded_skeletons", "benchmark_skeletons", "coefficients_as_placeholders"]


def coefficients_as_placeholders(e: Expr) -> Expr:
    """Every number a placeholder, except exponents."""
    if isinstance(e, (Num, Const)):
        return PLACEHOLDER
    if not isinstance(e, Node):
        return e
    if e.op == "pow" and isinstance(e.args[1], Num):
        return Node("pow", (coefficients_as_placeholders(e.args[0]), e.args[1]))
    return Node(e.op, tuple(coefficients_as_placeholders(a) for a in e.args))


def benchmark_skeletons(suites: Iterable[str], max_vars: int) -> Iterable[Expr]:
    """Canonical skeletons of every formula of ``suites`` with at most ``max_vars``
    variables, in both variants and all variable orders."""
    for name in suites:
        for problem in load_suite(name):
            if problem.formula is None or problem.n_vars > max_vars:
                continue
            try:
                tree = from_sympy(problem.sympy(), list(problem.variables))
            except ValueError as exc:
                warnings.warn(f"cannot exclude {name} {problem.id}: {exc}", stacklevel=2)
                continue
            for variant in (tree, coefficients_as_placeholders(tree)):
                for perm in itertools.permutations(range(problem.n_vars)):
                    renamed = variant.substitute({i: Var(j) for i, j in enumerate(perm)})
                    yield canonical_skeleton(renamed)


def excluded_skeletons(suites: Iterable[str], max_vars: int) -> tuple[set[str], set[str]]:
    """(token strings, fingerprints) to keep out of a corpus."""
    fingerprint = Fingerprinter()
    tokens, fingerprints = set(), set()
    for skeleton in benchmark_skeletons(suites, max_vars):
        tokens.add(" ".join(to_prefix(skeleton)))
        result = fingerprint(skeleton)
        if result.fingerprint is not None:
            fingerprints.add(result.fingerprint)
    return tokens, fingerprints
