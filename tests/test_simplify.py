import numpy as np
import pytest

from eqlearn.expr import canonicalize, evaluate, from_prefix, parse_expr, to_infix, to_prefix
from eqlearn.expr.tree import C, Node, x
from eqlearn.prior import SkeletonSampler

from conftest import well_conditioned

x1, x2 = x(1), x(2)


@pytest.mark.parametrize("tree, expected", [
    (x1 - x1, "0"),
    (x1 + x1, "2*x1"),
    (x1 * x1 * x1, "x1**3"),
    (x1 / x1, "1"),
    (C * C * x1, "C*x1"),
    (C + C + x1, "x1 + C"),
    (C * 2 * x1 + x1 * C, "C*x1"),
    (Node("sin", (C,)) * x1, "C*x1"),
    (Node("exp", (x1 + C,)), "C*exp(x1)"),
    (Node("log", (C * x1 * x2,)), "log(x1*x2) + C"),
    (Node("sqrt", (x1,)) * Node("sqrt", (x1,)), "x1"),
    (C * (x1 + C * x2), "C*x1 + C*x2"),
    (-(x1 - x2), "x2 - x1"),
    (Node("abs", (-x1,)), "abs(x1)"),
    (Node("log", (Node("exp", (x2,)),)), "x2"),
    (from_prefix(["mul", "3", "div", "x1", "6"]), "x1/2"),
])
def test_rules(tree, expected):
    assert to_infix(canonicalize(tree)) == expected


def test_commutative_order_is_canonical():
    a = canonicalize(parse_expr("x2*x1 + sin(x1)"))
    b = canonicalize(x1 * x2 + Node("sin", (x1,)))
    assert to_prefix(a) == to_prefix(b)


def test_canonical_form_computes_the_same_function():
    """With valued constants, canonicalisation must not change values (independent check:
    evaluate both trees on random points)."""
    rng = np.random.default_rng(5)
    X = rng.uniform(0.2, 3.0, size=(30, 3))
    for preset in ("default", "polynomial", "physics"):
        sampler = SkeletonSampler(preset)
        for _ in range(400):
            raw = sampler.sample(rng)
            raw = raw.with_constants(rng.uniform(0.5, 2.0, raw.n_constants()))
            canon = canonicalize(raw)
            y1, y2 = evaluate(raw, X), evaluate(canon, X)
            ok = np.isfinite(y1) & np.isfinite(y2) & (np.abs(y1) < 1e8)
            ok &= well_conditioned(lambda Z: evaluate(raw, Z), X, y1, rtol=1e-8)
            np.testing.assert_allclose(y2[ok], y1[ok], rtol=1e-6, atol=1e-8, err_msg=str(raw))


def test_idempotent_on_random_skeletons():
    rng = np.random.default_rng(6)
    changed = 0
    for preset in ("default", "polynomial", "physics"):
        sampler = SkeletonSampler(preset)
        for _ in range(1000):
            once = canonicalize(sampler.sample(rng))
            if any(np.isnan(c.value) for c in once.constants() if c.value is not None):
                continue  # x/(x - x): NaN constants never compare equal
            changed += canonicalize(once) != once
    assert changed <= 3  # rare re-associations; canonical_skeleton iterates to a fixed point


def test_factor_sums_takes_a_common_factor_out_exactly():
    import sympy

    from eqlearn.expr import to_sympy
    from eqlearn.expr.factor import factor_sums
    from eqlearn.search.selection import complexity

    # Planck's law as a search wrote it: the factor 1e12*x1**2 in both terms of a sum
    planck = parse_expr("3.7e-4/((1e12*exp(0.0144/(x1*x2))*x1**2 - 1e12*x1**2)*x1**3)")
    (factored,) = factor_sums(planck)
    assert to_infix(factored) == "3.7e-16/((exp(0.0144/(x1*x2)) - 1)*x1**5)"
    assert complexity(factored) < complexity(planck) - 8
    X = np.column_stack([np.geomspace(1e-7, 1e-5, 40), np.linspace(300, 6000, 40)])
    np.testing.assert_allclose(evaluate(factored, X), evaluate(planck, X), rtol=1e-12)
    # a base shared with exponents of one sign, a function kept whole, sympy agrees
    shared = parse_expr("2.5*x1**2*sin(x2)/x3 - 0.5*x1**3/(x2*x3**2)")
    (factored,) = factor_sums(shared)
    assert to_infix(factored) == "2.5*(sin(x2) - 0.2*x1/(x2*x3))*x1**2/x3"
    difference = sympy.simplify(to_sympy(factored) - to_sympy(shared))
    assert difference == 0


@pytest.mark.parametrize("text", [
    "2*x1**2*x2 + 3*x1**3 + 1.5",        # a polynomial stays written out
    "1.5*exp(x1) + 2*sin(x2)",          # nothing shared
    "2*x1*exp(x2) + 3/x1",              # x1 with exponents of both signs
])
def test_factor_sums_leaves_alone_what_has_no_common_factor(text):
    from eqlearn.expr.factor import factor_sums

    assert factor_sums(parse_expr(text)) == []


def test_factor_sums_skips_skeletons_whose_placeholders_would_absorb_the_factor():
    from eqlearn.expr.factor import factor_sums

    assert factor_sums(parse_expr("C*exp(x1)*x2 + C*x2")) == []


@pytest.mark.parametrize("text, root", [
    ("1/x1**2 + 2*cos(x2)/x1 + cos(x2)**2", "1/x1 + cos(x2)"),
    ("4*x1**2 - 12*x1*x2 + 9*x2**2", "2*x1 - 3*x2"),
    ("x1**4 + 2*x1**2 + 1", "x1**2 + 1"),
])
def test_root_of_square_finds_the_square_checked_on_the_data(text, root):
    from eqlearn.expr.factor import root_of_square
    X = np.random.default_rng(8).uniform(0.3, 3.0, size=(50, 2))
    u = root_of_square(parse_expr(text), X)
    assert u is not None
    assert np.allclose(np.abs(evaluate(u, X)), np.abs(evaluate(parse_expr(root), X)), rtol=1e-12)


@pytest.mark.parametrize("text", ["x1**2 + x1*x2 + x2**2", "x1**2 + 2*x1 + x2", "x1 + x2"])
def test_root_of_square_leaves_other_sums_alone(text):
    from eqlearn.expr.factor import root_of_square
    X = np.random.default_rng(9).uniform(0.3, 3.0, size=(50, 2))
    assert root_of_square(parse_expr(text), X) is None


@pytest.mark.parametrize("text, root", [
    ("1 - sin(x1)**2", "cos(x1)"),
    ("1 - cos(2*x2)**2", "sin(2*x2)"),
    ("x1 + 1 - sin(x2)**2", None),        # not a square of the partner
    ("1 + sin(x1)**2", None),
])
def test_pythagorean_root_is_checked_on_the_data(text, root):
    from eqlearn.expr.factor import pythagorean_root
    X = np.random.default_rng(11).uniform(0.1, 1.4, size=(50, 2))
    u = pythagorean_root(parse_expr(text), X)
    if root is None:
        assert u is None
    else:  # numpy's own functions as the reference
        ref = {"cos(x1)": np.cos(X[:, 0]), "sin(2*x2)": np.sin(2 * X[:, 1])}[root]
        assert u is not None and np.allclose(np.abs(evaluate(u, X)), np.abs(ref), rtol=1e-12)


def test_merged_roots_write_one_root_where_the_arguments_are_positive():
    from eqlearn.expr.factor import merged_roots
    X = np.random.default_rng(10).uniform(1.0, 3.0, size=(40, 3))
    expr = parse_expr("2*sqrt(x1 - 0.5)*sqrt(x2)*x3/sqrt(x3 + 1)")
    merged = merged_roots(expr, X)
    assert to_infix(merged).count("sqrt") == 1
    assert np.allclose(evaluate(merged, X), evaluate(expr, X), rtol=1e-12)
    assert merged_roots(parse_expr("sqrt(x1 - 2)*sqrt(x2)"), X) is None   # x1 − 2 < 0 on rows
    assert merged_roots(parse_expr("sqrt(x1)*x2"), X) is None            # a single root
