import numpy as np
import pytest
import sympy

from eqlearn.expr import (OPERATORS, Vocabulary, canonicalize, evaluate, from_prefix, from_sympy,
                          get_operator, register_operator, to_prefix, to_sympy, unregister_operator)

REQUIRED = ["add", "sub", "mul", "div", "neg", "inv", "pow", "sqrt", "exp", "log", "sin", "cos",
            "tan", "asin", "abs"]


def test_table_has_required_operators():
    for name in REQUIRED:
        op = get_operator(name)
        assert op.arity in (1, 2) and op.complexity >= 1


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_partials_match_finite_differences(name):
    op = OPERATORS[name]
    rng = np.random.default_rng(0)
    args = [rng.uniform(0.2, 0.9, 20) for _ in range(op.arity)]
    if name == "pow":
        args[1] = rng.integers(-3, 4, 20).astype(float)
    for i, partial in enumerate(op.partials()):
        h = 1e-6
        up = [a.copy() for a in args]
        down = [a.copy() for a in args]
        up[i] += h
        down[i] -= h
        numeric = (op.numpy_fn(*up) - op.numpy_fn(*down)) / (2 * h)
        np.testing.assert_allclose(partial(*args), numeric, rtol=1e-5, atol=1e-6)


def test_numpy_and_sympy_forms_agree():
    rng = np.random.default_rng(1)
    for name, op in OPERATORS.items():
        symbols = sympy.symbols(f"u0:{op.arity}", real=True)
        f = sympy.lambdify(symbols, op.sympy_fn(*symbols), "numpy")
        args = [rng.uniform(0.1, 0.9, 10) for _ in range(op.arity)]
        np.testing.assert_allclose(op.numpy_fn(*args), f(*args), rtol=1e-12)


def test_registered_operator_works_everywhere():
    register_operator("softplus", 1, lambda u: np.log1p(np.exp(u)),
                      lambda u: sympy.log(1 + sympy.exp(u)), complexity=3)
    try:
        vocab = Vocabulary.build()
        assert "softplus" in vocab
        tree = from_prefix(["mul", "C", "softplus", "x1"])
        assert to_prefix(tree) == ["mul", "C", "softplus", "x1"]
        X = np.linspace(-2, 2, 9)[:, None]
        np.testing.assert_allclose(evaluate(tree, X, [2.0]), 2 * np.log1p(np.exp(X[:, 0])))
        s = to_sympy(tree)
        assert sympy.simplify(s - sympy.Symbol("C0", real=True)
                              * sympy.log(1 + sympy.exp(sympy.Symbol("x1", real=True)))) == 0
        assert canonicalize(from_prefix(["softplus", "add", "C", "C"])).has_placeholder()
        (partial,) = OPERATORS["softplus"].partials()  # derived from the sympy form
        np.testing.assert_allclose(partial(np.array([0.0])), [0.5])
    finally:
        unregister_operator("softplus")
    assert "softplus" not in OPERATORS


def test_register_operator_sympy_function_round_trips():
    f = sympy.Function("myop")
    register_operator("myop", 1, np.tanh, f)
    try:
        tree = from_prefix(["myop", "x1"])
        assert to_prefix(from_sympy(to_sympy(tree))) == ["myop", "x1"]
    finally:
        unregister_operator("myop")


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="sin", arity=1, numpy_fn=np.sin, sympy_fn=sympy.sin), "built-in"),
    (dict(name="bad", arity=3, numpy_fn=np.sin, sympy_fn=sympy.sin), "arity"),
    (dict(name="x2", arity=1, numpy_fn=np.sin, sympy_fn=sympy.sin), "identifier"),
    (dict(name="scalar", arity=1, numpy_fn=lambda u: 1.0, sympy_fn=sympy.sin), "vectorised"),
    (dict(name="broken", arity=1, numpy_fn=lambda u: u.foo, sympy_fn=sympy.sin), "failed"),
    (dict(name="nans", arity=1, numpy_fn=lambda u: u * np.nan, sympy_fn=sympy.sin), "finite"),
])
def test_register_operator_rejects_bad_definitions(kwargs, message):
    with pytest.raises(ValueError, match=message):
        register_operator(**kwargs)


def test_unknown_operator_message():
    with pytest.raises(KeyError, match="known operators"):
        get_operator("frobnicate")
