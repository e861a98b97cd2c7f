"""The expression core: operators, immutable trees, tokens, evaluation, export.

No torch here: everything is numpy and sympy.
"""
from .evaluate import compile_numpy, evaluate, evaluate_counted
from .export import from_sympy, parse_expr, to_latex, to_numpy, to_sympy
from .operators import OPERATORS, Operator, get_operator, register_operator, unregister_operator
from .simplify import canonical_skeleton, canonicalize
from .tokens import TokenError, Vocabulary, from_prefix, to_infix, to_prefix
from .tree import PLACEHOLDER, Const, Expr, Node, Num, Var, x

__all__ = [
    "OPERATORS", "Operator", "get_operator", "register_operator", "unregister_operator",
    "Expr", "Var", "Const", "Num", "Node", "PLACEHOLDER", "x",
    "to_prefix", "from_prefix", "to_infix", "Vocabulary", "TokenError",
    "evaluate", "evaluate_counted", "compile_numpy",
    "to_sympy", "from_sympy", "to_latex", "to_numpy", "parse_expr",
    "canonicalize", "canonical_skeleton",
]
