"""Prefix tokens and the fixed vocabulary (the infix printer lives with the trees).

Tokens are strings: operator names (``"mul"``), variables (``"x1"``), the constant
placeholder ``"C"`` and exact numbers (``"2"``, ``"-1"``, ``"1/2"``). Constant *values* never
enter the token stream: ``to_prefix`` writes ``"C"`` for every constant, and
``from_prefix(tokens, constants=...)`` puts values back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Sequence

from .operators import OPERATORS
from .tree import PLACEHOLDER, PLACEHOLDER_TOKEN, Const, Expr, Node, Num, Var, to_infix

__all__ = ["to_prefix", "from_prefix", "to_infix", "Vocabulary", "TokenError", "PLACEHOLDER_TOKEN"]

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>")
DEFAULT_INTEGERS = tuple(range(-10, 11))
DEFAULT_RATIONALS = ("1/2", "-1/2", "1/3", "-1/3", "2/3", "-2/3", "3/2", "-3/2", "1/4", "-1/4")


class TokenError(ValueError):
    """A token sequence that is not a valid prefix expression."""


def to_prefix(expr: Expr) -> list[str]:
    """Prefix (Polish) tokens of ``expr``; every constant becomes ``"C"``."""
    out = []
    for node in expr.preorder():
        if isinstance(node, Node):
            out.append(node.op)
        elif isinstance(node, Var):
            out.append(f"x{node.index + 1}")
        elif isinstance(node, Const):
            out.append(PLACEHOLDER_TOKEN)
        elif isinstance(node, Num):
            out.append(str(node.value))
        else:  # pragma: no cover - closed set of node kinds
            raise TypeError(f"unknown node {node!r}")
    return out


def parse_leaf(token: str) -> Expr:
    """One leaf token as a tree leaf."""
    if token == PLACEHOLDER_TOKEN:
        return PLACEHOLDER
    if token[:1] == "x" and token[1:].isdigit() and int(token[1:]) >= 1:
        return Var(int(token[1:]) - 1)
    try:
        return Num(Fraction(token))
    except (ValueError, ZeroDivisionError):
        raise TokenError(f"unknown token {token!r}") from None


def from_prefix(tokens: Sequence[str], constants: Iterable[float] | None = None) -> Expr:
    """Rebuild a tree from prefix tokens.

    Raises :class:`TokenError` for unknown tokens, missing arguments or trailing tokens.
    """
    pos = 0

    def parse() -> Expr:
        nonlocal pos
        if pos >= len(tokens):
            raise TokenError("incomplete expression: an operator lacks arguments")
        token = tokens[pos]
        pos += 1
        op = OPERATORS.get(token)
        if op is None:
            return parse_leaf(token)
        return Node(token, tuple(parse() for _ in range(op.arity)))

    tree = _iterative_parse(tokens) if len(tokens) > 400 else parse()
    if pos and pos != len(tokens):
        raise TokenError(f"{len(tokens) - pos} trailing tokens after a complete expression")
    if constants is not None:
        tree = tree.with_constants(list(constants))
    return tree


def _iterative_parse(tokens: Sequence[str]) -> Expr:
    """Stack-based parser for long sequences (no recursion limit)."""
    stack: list[Expr] = []
    for token in reversed(tokens):
        op = OPERATORS.get(token)
        if op is None:
            stack.append(parse_leaf(token))
            continue
        if len(stack) < op.arity:
            raise TokenError("incomplete expression: an operator lacks arguments")
        args = tuple(stack.pop() for _ in range(op.arity))
        stack.append(Node(token, args))
    if len(stack) != 1:
        raise TokenError(f"{len(stack) - 1} trailing tokens after a complete expression")
    return stack[0]


# -- infix printing ----------------------------------------------------------------------
# -- the vocabulary ----------------------------------------------------------------------
@dataclass(frozen=True)
class Vocabulary:
    """A fixed token ↔ id map: special tokens, operators, variables, ``C``, numbers.

    Built from the operator table (:meth:`build`); a trained model stores its own token list
    so that it keeps working when operators are registered later.
    """

    tokens: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    pad_id = 0
    bos_id = 1
    eos_id = 2

    def __post_init__(self):
        if self.tokens[:3] != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary starts with {SPECIAL_TOKENS}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("duplicate tokens in vocabulary")
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tokens)})

    @classmethod
    def build(
        cls,
        operators: Iterable[str] | None = None,
        max_vars: int = 10,
        integers: Iterable[int] = DEFAULT_INTEGERS,
        rationals: Iterable[str] = DEFAULT_RATIONALS,
    ) -> "Vocabulary":
        ops = list(OPERATORS) if operators is None else list(operators)
        for name in ops:
            if name not in OPERATORS:
                raise KeyError(f"unknown operator {name!r}")
        numbers = [str(i) for i in integers] + [str(Fraction(r)) for r in rationals]
        variables = [f"x{i}" for i in range(1, max_vars + 1)]
        return cls(SPECIAL_TOKENS + tuple(ops) + tuple(variables) + (PLACEHOLDER_TOKEN,)
                   + tuple(numbers))

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._index

    @property
    def max_vars(self) -> int:
        return sum(1 for t in self.tokens if t[:1] == "x" and t[1:].isdigit())

    def covers(self, tokens: Iterable[str]) -> bool:
        return all(t in self._index for t in tokens)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        try:
            return [self._index[t] for t in tokens]
        except KeyError as exc:
            raise TokenError(f"token {exc.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Token strings for ids, stopping at ``<eos>`` and skipping ``<bos>``/``<pad>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id):
                continue
            out.append(self.tokens[i])
        return out

    def to_list(self) -> list[str]:
        return list(self.tokens)

    @classmethod
    def from_list(cls, tokens: Sequence[str]) -> "Vocabulary":
        return cls(tuple(tokens))
