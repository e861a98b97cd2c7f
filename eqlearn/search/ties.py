"""Two terms of one sum whose coefficients the data cannot tell apart share one.

``0.2507·m·ω₀²·x² + 0.2496·m·ω²·x²`` is a physicist's ``m·x²·(ω₀² + ω²)/4`` read with
noise: its two coefficients differ by less than their errors, so the equation with one
coefficient, ``c·(m·ω₀²·x² + m·ω²·x²)``, describes the data as well with one constant
fewer. This module finds the pairs of terms to try and writes the tied equation;
:mod:`~eqlearn.search.snapping` tries them beside its simple numbers, refitted, and keeps a
tie while it shortens the description.

A term's coefficient is a constant it is multiplied by: the term itself, or a factor
reached through products, the numerator of a quotient and negations.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

from ..expr.tree import Const, Expr, Node, Num

__all__ = ["Tie", "ties", "tied"]

_SUM = ("add", "sub")
_Path = tuple[int, ...]


@dataclass(frozen=True)
class Tie:
    """Terms ``first`` and ``second`` (paths from the sum at ``where``) of one sum, whose
    coefficients are the constants numbered ``i`` and ``j`` (prefix order); ``sign`` −1
    ties ``c_j`` to ``−c_i``."""

    where: _Path
    terms: tuple[tuple[int, _Path], ...]   #: the sum's terms: (sign, path from the sum)
    first: int
    second: int
    i: int
    j: int
    sign: int


def ties(expr: Expr) -> Iterator[Tie]:
    """Every pair of terms of every sum in ``expr`` that both have a coefficient."""
    index = {path: k for k, path in enumerate(_const_paths(expr))}
    for where, node in _nodes(expr):
        if not _is_sum(node) or (where and _is_sum(_at(expr, where[:-1]))):
            continue
        terms = list(_terms(node))
        coefs = [(_coefficient(_at(node, path)), n) for n, (_, path) in enumerate(terms)]
        found = [(index[where + terms[n][1] + c], n) for c, n in coefs if c is not None]
        for a in range(len(found)):
            for b in range(a + 1, len(found)):
                for sign in (1, -1):
                    yield Tie(where, tuple(terms), found[a][1], found[b][1], found[a][0],
                              found[b][0], sign)


def tied(expr: Expr, tie: Tie) -> Expr:
    """``expr`` with the two terms of ``tie`` written as one coefficient times their sum
    (the first term's coefficient kept, the second's replaced by ±1)."""
    node = _at(expr, tie.where)
    sign_a, path_a = tie.terms[tie.first]
    sign_b, path_b = tie.terms[tie.second]
    coef_path = _coefficient(_at(node, path_a))
    coef = _at(_at(node, path_a), coef_path)
    inner_a = _replace(_at(node, path_a), coef_path, Num(Fraction(1)))
    inner_b = _replace(_at(node, path_b), _coefficient(_at(node, path_b)), Num(Fraction(1)))
    inner = Node("add" if sign_a * sign_b * tie.sign > 0 else "sub", (inner_a, inner_b))
    joint = Node("mul", (coef, inner))
    rest = [(s, _at(node, p)) for n, (s, p) in enumerate(tie.terms)
            if n not in (tie.first, tie.second)]
    return _replace(expr, tie.where, _sum([(sign_a, joint)] + rest))


def _nodes(expr: Expr, path: _Path = ()) -> Iterator[tuple[_Path, Expr]]:
    yield path, expr
    for k, arg in enumerate(expr.args):
        yield from _nodes(arg, path + (k,))


def _const_paths(expr: Expr) -> list[_Path]:
    """Paths of the constants in prefix order (the order of ``expr.constants()``)."""
    return [path for path, node in _nodes(expr) if isinstance(node, Const)]


def _is_sum(expr: Expr) -> bool:
    return isinstance(expr, Node) and expr.op in _SUM


def _terms(expr: Expr, sign: int = 1, path: _Path = ()) -> Iterator[tuple[int, _Path]]:
    if not _is_sum(expr):
        yield sign, path
        return
    yield from _terms(expr.args[0], sign, path + (0,))
    yield from _terms(expr.args[1], sign if expr.op == "add" else -sign, path + (1,))


def _coefficient(term: Expr) -> _Path | None:
    """Path of the constant ``term`` is multiplied by, if any."""
    if isinstance(term, Const):
        return ()
    if not isinstance(term, Node):
        return None
    reach = {"mul": (0, 1), "div": (0,), "neg": (0,)}.get(term.op, ())
    for k in reach:
        inner = _coefficient(term.args[k])
        if inner is not None:
            return (k,) + inner
    return None


def _at(expr: Expr, path: _Path) -> Expr:
    for k in path:
        expr = expr.args[k]
    return expr


def _replace(expr: Expr, path: _Path, new: Expr) -> Expr:
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return Node(expr.op, tuple(args))


def _sum(terms: list[tuple[int, Expr]]) -> Expr:
    (sign, out), rest = terms[0], terms[1:]
    out = out if sign > 0 else Node("neg", (out,))
    for s, term in rest:
        out = Node("add" if s > 0 else "sub", (out, term))
    return out
