"""Rewrites of fitted equations: snapping constants, quarter turns, expanding, factoring."""
import time

import numpy as np
import sympy

from eqlearn.expr import evaluate, parse_expr, to_infix
from eqlearn.expr.tree import Node
from eqlearn.search.selection import Candidate, pareto_front


def test_snap_constants_fixes_a_disguised_one_on_noisy_data_only_when_it_is_one():
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    rng = np.random.default_rng(3)
    X = rng.uniform(0.2, 3, size=(200, 1))
    settings = SearchSettings(loss="relative")
    far = time.perf_counter() + 60
    skeleton = [(parse_expr("C/(exp(C*x1) - C)"), 0.0)]
    for shift in (1.0, 0.9):
        y = 2.0 / (np.exp(1.5 * X[:, 0]) - shift) * (1 + 0.01 * rng.normal(size=200))
        start = fit_skeletons(skeleton, X, y, np.ones(200), settings, far)
        assert start[0].expr.constants()[2].value != 1.0
        snapped, replaced = snap_constants(start, X, y, np.ones(200), settings, far)
        assert replaced == start and len(snapped) == 1
        text = to_infix(snapped[0].expr)   # one of the law's 2 and 3/2 snaps in both
        assert text.startswith("2/") or "exp(3*x1/2)" in text
        assert ("- 1)" in text) == (shift == 1.0)


def test_snap_constants_turns_a_quarter_phase_into_the_cosine():
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    rng = np.random.default_rng(4)
    X = rng.uniform(0.1, 6, size=(200, 2))
    x1, x2 = sympy.symbols("x1 x2", positive=True)
    far = time.perf_counter() + 60
    for phase, true in ((np.pi / 2, 2.3 * x2 * sympy.cos(x1)), (1.2, None)):
        y = 2.3 * X[:, 1] * np.sin(X[:, 0] + phase)  # (2.5 would snap to 5/2)
        start = fit_skeletons([(parse_expr("C*x2*sin(x1 + C)"), 0.0)], X, y, np.ones(200),
                              SearchSettings(), far)
        snapped, _ = snap_constants(start, X, y, np.ones(200), SearchSettings(), far)
        if true is None:  # a phase that is no quarter turn stays
            assert snapped == []
            continue
        assert len(snapped) == 1 and snapped[0].complexity < start[0].complexity
        got = sympy.sympify(to_infix(snapped[0].expr), locals={"x1": x1, "x2": x2})
        assert sympy.simplify(sympy.nsimplify(got, rational=True) - true) == 0


def test_snap_constants_makes_a_noisy_gaussian_exponent_one_half():
    """exp(-0.4986·θ²/σ²)/σ fitted to 1 %-noisy data becomes exp(-θ²/(2σ²)) (its ratio to
    the law is then a constant, SRBench's symbolic solution); a 0.45 stays free."""
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    rng = np.random.default_rng(6)
    X = np.column_stack([rng.uniform(1, 3, 200), rng.uniform(1, 3, 200)])
    t, s = sympy.symbols("x1 x2", real=True)
    far = time.perf_counter() + 60
    for half, snaps in ((0.5, True), (0.45, False)):
        y = np.exp(-half * X[:, 0] ** 2 / X[:, 1] ** 2) / X[:, 1]
        y = y + rng.normal(0, 0.01 * np.sqrt(np.mean(y ** 2)), 200)
        start = fit_skeletons([(parse_expr("C*exp(C*x1**2/x2**2)/x2"), 0.0)], X, y,
                              np.ones(200), SearchSettings(), far)
        snapped, _ = snap_constants(start, X, y, np.ones(200), SearchSettings(), far)
        got = [sympy.sympify(to_infix(c.expr), locals={"x1": t, "x2": s}) for c in snapped]
        law = sympy.exp(-t ** 2 / (2 * s ** 2)) / s
        assert any(sympy.simplify(g / law).is_constant() for g in got) == snaps


def test_the_overall_factor_is_not_snapped_so_the_exponent_can_be():
    """3.9894·exp(-x²/2) with 1 % noise: snapping the factor to 4 first (the smaller loss)
    left -0.5014 inside, too far from -1/2 to follow (seeds 0-3, 6, 8 of ten); the factor,
    fitted in the search's scaled units, is left free and the exponent snaps."""
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    far = time.perf_counter() + 60
    for seed in (0, 1, 2):
        rng = np.random.default_rng(seed)
        X = rng.uniform(1, 3, (200, 1))
        y = 3.9894 * np.exp(-X[:, 0] ** 2 / 2)
        y = y + rng.normal(0, 0.01 * np.sqrt(np.mean(y ** 2)), 200)
        start = fit_skeletons([(parse_expr("C*exp(C*x1**2)"), 0.0)], X, y, np.ones(200),
                              SearchSettings(), far)
        snapped, _ = snap_constants(start, X, y, np.ones(200), SearchSettings(), far)
        assert [to_infix(c.expr).endswith("exp(-x1**2/2)") for c in snapped] == [True]


def test_a_replaced_fit_takes_its_twins_of_another_skeleton_along():
    """One function fitted from two skeletons (the network's C*exp(C*x**2), a refinement's
    C/exp(C*x**2): equal complexity and loss): when one is snapped, the other must go too,
    or, keeping the lower loss at that complexity, it would hide the snapped -1/2."""
    from dataclasses import replace as with_fields

    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import drop_skeletons, snap_constants

    rng = np.random.default_rng(7)
    X = rng.uniform(1, 3, (200, 1))
    y = np.exp(-X[:, 0] ** 2 / 2) + rng.normal(0, 0.003, 200)
    far = time.perf_counter() + 60
    a = fit_skeletons([(parse_expr("C*exp(C*x1**2)"), 0.0)], X, y, np.ones(200),
                      SearchSettings(), far)[0]
    twin = with_fields(a, info={"skeleton": parse_expr("C/exp(C*x1**2)")})
    other = Candidate(parse_expr("x1"), a.loss * 1.01, a.complexity)  # another loss: kept
    assert drop_skeletons([twin, other], [a]) == [other]
    snapped, replaced = snap_constants([a, twin], X, y, np.ones(200), SearchSettings(), far)
    pool = drop_skeletons([a, twin], replaced) + snapped
    assert [to_infix(c.expr).count("/2") for c in pareto_front(pool)] == [1]


def test_a_half_turn_inside_a_longer_sum_is_taken_out():
    """Nguyen-6 as a search wrote it, sin(π − x² − x) + sin(x): the phase is one term of a
    sum of three; the snapped equation is sympy-equal to sin(x) + sin(x² + x)."""
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    X = np.random.default_rng(5).uniform(-1, 1, size=(200, 1))
    y = np.sin(X[:, 0]) + np.sin(X[:, 0] ** 2 + X[:, 0])
    far = time.perf_counter() + 60
    start = fit_skeletons([(parse_expr("C*sin(C - x1**2 - x1) + C*sin(x1)"), 0.0)], X, y,
                          np.ones(200), SearchSettings(), far)
    assert start[0].loss < 1e-20
    snapped, _ = snap_constants(start, X, y, np.ones(200), SearchSettings(), far)
    x1 = sympy.Symbol("x1", real=True)
    got = sympy.sympify(to_infix(snapped[0].expr), locals={"x1": x1})
    truth = sympy.sin(x1) + sympy.sin(x1 ** 2 + x1)
    assert sympy.simplify(sympy.nsimplify(got, rational=True) - truth) == 0


def test_expand_polynomial_agrees_with_sympy_and_refuses_what_is_no_polynomial():
    from eqlearn.expr.export import to_sympy
    from eqlearn.search.polynomial_expansion import expand_polynomial

    for text in ("x1*((x1 + 0.25)**3 + 0.5*x1 - 1.75)", "(x1 - x2)**2/4 + 3*x2 - 0.5",
                 "-(2.5*x1*x2 + sin(0.3))*(x1 - 1)"):
        expr = parse_expr(text)
        expanded = expand_polynomial(expr, 2)
        assert expanded is not None
        ops = {n.op for n in expanded.preorder() if isinstance(n, Node)}
        assert ops <= {"add", "mul", "pow"}  # a plain sum of monomials
        diff = sympy.expand(to_sympy(expr, ["x1", "x2"]) - to_sympy(expanded, ["x1", "x2"]))
        assert all(abs(float(t.as_coeff_Mul()[0])) < 1e-12 for t in sympy.Add.make_args(diff))
    for text in ("exp(x1) + x1", "x1/(x1 + 1.5)", "x1**0.5", "x1**(-1) + 2", "sin(x1*x2)",
                 "(x1 + x2 + 1)**4"):  # the last one: 15 terms, more than 8
        assert expand_polynomial(parse_expr(text), 2) is None


def test_expanded_polynomials_write_a_nested_exact_fit_as_the_law():
    """Nguyen-2 reached as x·((x + 1/3)³ + 2/3·x + 26/27): its expanded, snapped form is
    x⁴ + x³ + x² + x, no more complex than the nested one and without its three constants."""
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.polynomial_expansion import expanded_polynomials
    from eqlearn.search.rewrite import snap_constants

    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(100, 1))
    x = X[:, 0]
    y = x**4 + x**3 + x**2 + x
    far = time.perf_counter() + 60
    settings, w = SearchSettings(), np.ones(100)
    nested = fit_skeletons([(parse_expr("x1*((x1 + C)**3 + C*x1 + C)"), 0.0)], X, y, w,
                           settings, far)
    assert nested[0].loss < 1e-20
    expanded = expanded_polynomials(nested, X, y, w, settings, far)
    assert len(expanded) == 1 and expanded[0].loss < 1e-20
    snapped, _ = snap_constants(expanded, X, y, w, settings, far)
    x1 = sympy.Symbol("x1")
    got = sympy.sympify(to_infix(snapped[0].expr), locals={"x1": x1})
    assert sympy.expand(got - (x1**4 + x1**3 + x1**2 + x1)) == 0
    assert snapped[0].complexity <= nested[0].complexity and snapped[0].expr.n_constants() == 0
    assert expanded_polynomials(expanded, X, y, w, settings, far) == []  # already expanded


def test_factor_common_replaces_an_unfactored_exact_law_by_the_law():
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import factor_common

    rng = np.random.default_rng(5)
    X = rng.uniform(0.5, 3, size=(200, 2))
    y = 3.0 / ((np.exp(2.0 / (X[:, 0] * X[:, 1])) - 1) * X[:, 0] ** 5)
    settings, far, w = SearchSettings(loss="relative"), time.perf_counter() + 60, np.ones(200)
    unfactored = parse_expr("21.9/((7.3*exp(2/(x1*x2))*x1**2 - 7.3*x1**2)*x1**3)")
    start = fit_skeletons([(unfactored, 0.0)], X, y, w, settings, far, warm=True)
    assert start[0].loss < 1e-20
    factored, replaced = factor_common(start, X, y, w, settings, far)
    assert replaced == start and len(factored) == 1
    assert factored[0].loss < 1e-20 and factored[0].complexity == start[0].complexity - 10
    x1, x2 = sympy.symbols("x1 x2", positive=True)
    got = sympy.sympify(to_infix(factored[0].expr), locals={"x1": x1, "x2": x2})
    true = 3 / ((sympy.exp(2 / (x1 * x2)) - 1) * x1 ** 5)
    assert sympy.simplify(sympy.nsimplify(got, rational=True) - true) == 0
    # an equation with nothing to factor is kept
    assert factor_common(factored, X, y, w, settings, far) == ([], [])


def test_one_signed_drops_an_absolute_value_only_where_the_data_have_one_sign():
    from eqlearn.search.rewrite import _one_signed

    X = np.column_stack([-np.linspace(1, 2, 30), np.linspace(0.5, 3, 30),
                         np.linspace(-1, 1, 30)])
    x2_squared = Node("pow", (parse_expr("x2"), parse_expr("2")))
    expr = parse_expr("2.5*exp(x1) + abs(x1) + abs(x3)") * Node("sqrt", (x2_squared,))
    got = _one_signed(expr, X)
    assert "sqrt" not in to_infix(got) and to_infix(got).count("abs") == 1
    np.testing.assert_allclose(evaluate(got, X), evaluate(expr, X), rtol=1e-12)
    X[0, 1] = -1.0  # x2 of both signs: sqrt(x2**2) is |x2| and stays
    assert "sqrt(x2**2)" in to_infix(_one_signed(expr, X))


def test_snap_constants_takes_the_members_selection_chooses_among_first():
    """With room for one member, the accurate law is snapped, not the simplest (inaccurate)
    member of the front."""
    from eqlearn.search.fitting import SearchSettings, fit_skeletons
    from eqlearn.search.rewrite import snap_constants

    rng = np.random.default_rng(12)
    X = rng.uniform(0.5, 2.5, (200, 1))
    y = np.exp(-X[:, 0] ** 2 / 2) * (1 + 0.005 * rng.normal(size=200)) + 0.6
    settings, far, w = SearchSettings(), time.perf_counter() + 60, np.ones(200)
    start = fit_skeletons([(parse_expr(s), 0.0) for s in ("C*x1 + C", "C*exp(C*x1**2) + C")],
                          X, y, w, settings, far)
    gaussian = max(start, key=lambda c: c.complexity)
    assert abs(gaussian.expr.constants()[1].value + 0.5) > 1e-4  # fitted, not yet -1/2
    snapped, replaced = snap_constants(start, X, y, w, settings, far, width=1)
    assert replaced == [gaussian]
    x1 = sympy.Symbol("x1")
    got = sympy.sympify(to_infix(snapped[0].expr), locals={"x1": x1})
    assert got.has(sympy.exp(-x1**2 / 2))


def test_drop_roundoff_clears_the_constants_an_exact_fit_leaves_at_machine_precision():
    """The I.37.4 case: an exact fit written with ``+ 8.8e-16`` under the root and
    ``+ 2.2e-16`` outside becomes the law itself (sympy-equal); a small constant the
    predictions need (1e-6 in y of size ~10) stays."""
    from eqlearn.search.choice import choose_equation
    from eqlearn.search.rewrite import drop_roundoff
    from eqlearn.search.selection import complexity

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(1, 5, 200), rng.uniform(1, 5, 200),
                         rng.uniform(0, 6, 200)])
    law = parse_expr("x1 + x2 + 2*sqrt(x1*x2)*cos(x3)")
    y = evaluate(law, X)
    noisy = parse_expr("x1 + x2 + 2*sqrt(x1*x2 + 8.8e-16)*cos(x3) + 2.2e-16")
    needed = parse_expr("x1 + x2 + 2*sqrt(x1*x2)*cos(x3) + 1e-6")
    assert noisy.n_constants() == 2
    cands = [Candidate(e, 1e-30, complexity(e), "gp") for e in (noisy, needed)]
    tidy = drop_roundoff(cands[0], X, y)
    assert tidy.expr.n_constants() == 0 and tidy.complexity < cands[0].complexity
    assert sympy.simplify(sympy.sympify(to_infix(tidy.expr))
                          - sympy.sympify(to_infix(law))) == 0
    assert drop_roundoff(cands[1], X, y + 1e-6) is cands[1]
    wide = 10.0 ** rng.uniform(0, 14, 200)  # readings over 14 decades, a log loss: a
    level = Candidate(parse_expr("523.887 + 0*x1"), 1.0, 1, "baseline")  # level of 524 is
    assert drop_roundoff(level, X, wide, loss="log") is level           # no round-off
    choice = choose_equation(cands[:1], X, y, np.ones(200), loss="mse")
    assert choice.front[choice.index].expr.n_constants() == 0
