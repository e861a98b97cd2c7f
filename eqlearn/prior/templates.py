"""Structured forms in a prior: templates with holes.

Physical laws are rarely arbitrary trees. Dimensional analysis makes most of them
``C * (product of powers) * g(C * product of powers)`` and sums of such terms. A prior can
say so with *templates*, infix formulas with holes that are filled at random:

* ``M`` — a monomial: a product of integer/rational powers of some of the variables,
  exponents drawn from ``templates.exponents``;
* ``F(u)`` — a unary function drawn from the prior's unary operators and macros
  (or from ``templates.functions``);
* ``T`` — a small random subtree from the unbiased tree sampler;
* ``C`` — a constant placeholder; ``x1``, ``x2``… fixed variables; numbers; any operator of
  the table called by name, e.g. ``exp(-M)``.

For instance ``"C*M*F(C*M)"`` covers Wien's law, Planck's law (``F = bose``), Boltzmann
factors and Gaussians alike. Templates are parsed once with Python's ``ast`` module.
"""
from __future__ import annotations

import ast
from fractions import Fraction
from typing import Callable

import numpy as np

from ..expr.operators import OPERATORS
from ..expr.tree import PLACEHOLDER, Expr, Node, Num, Var

__all__ = ["Template", "TemplateError"]

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


class TemplateError(ValueError):
    """A template formula that cannot be used."""


class Template:
    """One template, compiled from its formula.

    Parameters
    ----------
    formula : str
        E.g. ``"C*M*F(C*M)"``.
    """

    def __init__(self, formula: str):
        self.formula = formula
        try:
            tree = ast.parse(formula, mode="eval").body
        except SyntaxError as exc:
            raise TemplateError(f"template {formula!r} is not a formula: {exc.msg}") from None
        self._root = tree
        self._check(tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise TemplateError(f"template {self.formula!r}: operator {node.op} not allowed")
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self._check(node.operand)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            arity = 1 if name == "F" else OPERATORS[name].arity if name in OPERATORS else None
            if arity is None or len(node.args) != arity or node.keywords:
                raise TemplateError(f"template {self.formula!r}: bad call {name}(...)")
            for arg in node.args:
                self._check(arg)
        elif isinstance(node, ast.Name):
            if node.id not in ("M", "C", "T") and _variable_index(node.id) is None:
                raise TemplateError(f"template {self.formula!r}: unknown name {node.id!r}")
        elif not (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))):
            raise TemplateError(f"template {self.formula!r}: unsupported {ast.dump(node)}")

    def build(self, n_vars: int, rng: np.random.Generator, *,
              monomial: Callable[[int, np.random.Generator], Expr],
              function: Callable[[Expr, np.random.Generator], Expr],
              subtree: Callable[[int, np.random.Generator], Expr]) -> Expr:
        """Fill the holes: ``monomial(n_vars, rng)``, ``function(arg, rng)`` and
        ``subtree(n_vars, rng)`` draw what ``M``, ``F(arg)`` and ``T`` stand for."""

        def walk(node: ast.AST) -> Expr:
            if isinstance(node, ast.BinOp):
                return Node(_BINOPS[type(node.op)], (walk(node.left), walk(node.right)))
            if isinstance(node, ast.UnaryOp):
                inner = walk(node.operand)
                return Node("neg", (inner,)) if isinstance(node.op, ast.USub) else inner
            if isinstance(node, ast.Call):
                args = tuple(walk(a) for a in node.args)
                if node.func.id == "F":
                    return function(args[0], rng)
                return Node(node.func.id, args)
            if isinstance(node, ast.Name):
                if node.id == "M":
                    return monomial(n_vars, rng)
                if node.id == "T":
                    return subtree(n_vars, rng)
                if node.id == "C":
                    return PLACEHOLDER
                return Var(_variable_index(node.id))
            return Num(Fraction(node.value).limit_denominator(1000))

        return walk(self._root)


def _variable_index(name: str) -> int | None:
    if name[:1] == "x" and name[1:].isdigit() and int(name[1:]) >= 1:
        return int(name[1:]) - 1
    return None
