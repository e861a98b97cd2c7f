from fractions import Fraction

import pytest

from eqlearn.expr import (Const, Node, Num, TokenError, Var, Vocabulary, from_prefix,
                          parse_expr, to_infix, to_latex, to_prefix, x)
from eqlearn.expr.tree import C

PLANCK = C / (x(1) ** 5 * (Node("exp", (C / (x(1) * x(2)),)) - 1))


def test_trees_are_immutable_and_rebuildable():
    e = x(1) * 2 + C
    assert e == e.func(*e.args)
    with pytest.raises(Exception):
        e.op = "sub"
    assert hash(e) == hash(x(1) * 2 + C)
    assert e.size() == 5 and e.depth() == 3
    assert e.variables() == {0}
    filled = e.with_constants([1.5])
    assert filled.constants() == [Const(1.5)] and e.has_placeholder()
    assert filled.skeleton() == e


def test_prefix_round_trip_and_errors():
    tokens = to_prefix(PLANCK)
    assert tokens == ["div", "C", "mul", "pow", "x1", "5", "sub", "exp", "div", "C", "mul",
                      "x1", "x2", "1"]
    assert from_prefix(tokens) == PLANCK
    with pytest.raises(TokenError, match="lacks arguments"):
        from_prefix(["add", "x1"])
    with pytest.raises(TokenError, match="trailing"):
        from_prefix(["x1", "x2"])
    with pytest.raises(TokenError, match="unknown token"):
        from_prefix(["foo"])
    long = ["add"] * 500 + ["x1"] * 501
    assert from_prefix(long).size() == 1001


def test_planck_skeleton_fits_the_length_limit():
    vocab = Vocabulary.build()
    tokens = to_prefix(PLANCK)
    assert len(tokens) <= 40 and vocab.covers(tokens)
    ids = vocab.encode(tokens)
    assert vocab.decode(ids + [vocab.eos_id, 5]) == tokens


def test_vocabulary_is_fixed_and_serialisable():
    vocab = Vocabulary.build()
    assert vocab.tokens[:3] == ("<pad>", "<bos>", "<eos>")
    assert Vocabulary.from_list(vocab.to_list()) == vocab
    assert vocab.max_vars == 10
    with pytest.raises(TokenError):
        vocab.encode(["x99"])


def test_numbers_are_exact():
    assert from_prefix(["pow", "x1", "1/2"]) == Node("pow", (Var(0), Num(Fraction(1, 2))))
    assert str(from_prefix(["div", "x1", "1/2"])) == "x1/(1/2)"


def test_infix_and_latex():
    assert to_infix(PLANCK) == "C/(x1**5*(exp(C/(x1*x2)) - 1))"
    e = parse_expr("2.5*lambda_**2", ["lambda_"])
    assert to_infix(e, ["lambda_"]) == "2.5*lambda_**2"
    assert to_latex(e, ["lam"]) == r"2.5 lam^{2}"
    assert to_latex(e, ["lambda"]) == r"2.5 \lambda^{2}"
    # a factor that prints as 1 (mapped back through exact powers of ten) is not printed
    near_one = Node("mul", (Const(0.9999999999999999), Node("pow", (Var(1), Num(2)))))
    assert to_infix(Node("sub", (Num(1), near_one)), ["v", "c"]) == "1 - c**2"
    assert to_infix(Node("sub", (Var(0), Const(-7.9e-05))), ["v"]) == "v + 7.9e-05"
    assert to_infix(Node("add", (Var(0), Num(-2))), ["v"]) == "v - 2"
    assert to_infix(Node("add", (Var(0), Node("mul", (Const(-0.5), Var(0))))), ["v"]) == \
        "v - 0.5*v"
    minus_sum = Node("neg", (Node("add", (Var(0), Num(1))),))
    assert to_infix(Node("sub", (Var(0), minus_sum)), ["v"]) == "v + (v + 1)"


def test_parse_expr_errors():
    with pytest.raises(ValueError):
        parse_expr("")
    with pytest.raises(ValueError, match="parse"):
        parse_expr("x1 +* 2")
    with pytest.raises(ValueError, match="unknown symbol"):
        parse_expr("y + 1", ["x"])
