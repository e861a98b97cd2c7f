"""Acceptance: random skeletons from every preset go tokens → tree → sympy → tree → tokens
unchanged, or provably sympy-equivalent."""
import numpy as np
import pytest
import sympy

from eqlearn.expr import canonical_skeleton
from eqlearn.expr import from_prefix, from_sympy, to_infix, to_prefix, to_sympy
from eqlearn.expr.export import parse_expr
from eqlearn.prior import SkeletonSampler, list_presets
from eqlearn.timeout import CallTimeout, call_with_timeout

N_SKELETONS = 10_000


def _proven_equal(s1: sympy.Expr, s2: sympy.Expr) -> bool:
    """Structurally identical, or a time-bounded sympy proof that the difference is 0
    (sympy rewrites some trees on construction, e.g. it distributes 2*(a + b))."""
    if s1 == s2:
        return True
    # an exact constant sympy produced (exp(log(x) + 1) → E*x) comes back as a float
    s2 = s2.xreplace({f: sympy.nsimplify(f, [sympy.E, sympy.pi]) for f in s2.atoms(sympy.Float)})
    try:
        return call_with_timeout(lambda: sympy.simplify(sympy.expand(s1 - s2)) == 0, timeout=10)
    except CallTimeout:
        return False


@pytest.mark.slow  # ~10-15 s each: with the slow tests (make test-slow, test-all, CI)
@pytest.mark.parametrize("preset", ["default", "polynomial", "physics"])
def test_token_sympy_round_trip(preset):
    assert preset in list_presets()
    sampler = SkeletonSampler(preset)
    rng = np.random.default_rng(7)
    unchanged = equivalent = 0
    failures = []
    for _ in range(N_SKELETONS):
        tokens = to_prefix(canonical_skeleton(sampler.sample(rng)))
        tree = from_prefix(tokens)
        s1 = to_sympy(tree)
        names: list[str] = []
        back = from_sympy(s1, placeholders_out=names)
        tokens2 = to_prefix(back)
        if tokens2 == tokens:
            unchanged += 1
            continue
        if _proven_equal(s1, to_sympy(back, placeholder_names=names)):
            equivalent += 1
        else:
            failures.append(" ".join(tokens))
    assert not failures, f"{len(failures)} not equivalent, e.g. {failures[:3]}"
    assert unchanged + equivalent == N_SKELETONS
    print(f"{preset}: {unchanged} unchanged, {equivalent} sympy-equivalent")


@pytest.mark.parametrize("form", ["4*pi", "pi**2", "-2*pi", "1/(4*pi)", "3*pi/8",
                                  "1/sqrt(2*pi)", "sqrt(pi)", "2/pi**2"])
def test_constants_that_are_multiples_of_pi_are_named(form):
    """A float equal to (p/q)·π^k or its root comes back as that sympy form (sympy's own
    value checked); nearby floats, e and plain rationals do not."""
    from eqlearn.expr.export import pi_form
    from eqlearn.expr.tree import Const, Node, Var

    exact = sympy.sympify(form)
    value = float(exact)
    assert sympy.simplify(pi_form(value) - exact) == 0
    assert pi_form(value * (1 + 1e-6)) is None
    tree = Node("mul", (Const(value), Var(0)))
    assert sympy.simplify(to_sympy(tree, name_pi=True) - exact * sympy.Symbol("x1", real=True)) == 0
    assert to_sympy(tree).atoms(sympy.Float)  # a float unless asked


@pytest.mark.parametrize("value", [1.0, 0.5, 2.718281828459045, 8.854e-12, 137.036,
                                   1e300, -1.7e308, 1e-300, np.inf])
def test_other_constants_are_not_named_after_pi(value):
    """(Huge ones too: value² overflowed, and a benchmark run failed exporting its front.)"""
    from eqlearn.expr.export import pi_form
    from eqlearn.expr.tree import Const, Node, Var

    assert pi_form(value) is None
    tree = Node("mul", (Const(value), Var(0)))
    assert to_sympy(tree, name_pi=True) == sympy.Float(value) * sympy.Symbol("x1", real=True)


@pytest.mark.parametrize("text", [
    "(x1/x2 + x3/x4)*x4/(x1/x2 + 1)",            # a weighted mean, as the groups map back
    "(1 - x2*x3/x1)*x1/sqrt(1 - x2**2/x4**2)",
    "x1/(x1/(x2*x3**2) + 1 - cos(x4)*x1/(x2*x3**2))",
])
def test_cancelled_is_the_same_function_written_shorter(text):
    from eqlearn.expr.export import cancelled
    from eqlearn.search.selection import complexity

    expr = parse_expr(text)
    out = cancelled(expr)
    assert out is not None and complexity(out) < complexity(expr)
    assert sympy.simplify(to_sympy(out) - to_sympy(expr)) == 0


def test_cancelled_takes_a_positive_factor_into_a_root_only_when_told_it_is_positive():
    """III.10.19 as its symmetry groups map back: x2·sqrt(x1²/x2² + x3²/x2² + 1)·x4."""
    from eqlearn.expr.export import cancelled
    from eqlearn.search.selection import complexity

    expr = parse_expr("0.9987*sqrt(x1**2/x2**2 + x3**2/x2**2 + 1)*x4*x2")
    out = cancelled(expr, positive=[0, 1, 2, 3])
    assert "abs" not in to_infix(out) and complexity(out) < complexity(expr) - 6
    x = sympy.symbols("x1:5", positive=True)
    as_positive = lambda e: to_sympy(e).subs(  # noqa: E731
        {sympy.Symbol(s.name, real=True): s for s in x})
    assert sympy.simplify(as_positive(out) - as_positive(expr)) == 0
    assert sympy.simplify(as_positive(out) - 0.9987 * x[3] * sympy.sqrt(
        x[0]**2 + x[1]**2 + x[2]**2)) == 0
    assert "abs" in to_infix(cancelled(expr))  # x2 of either sign: |x2| stays
