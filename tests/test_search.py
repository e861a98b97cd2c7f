"""Genetic programming: variation operators, constraints, the engine, hybrid guidance."""
import time

import numpy as np
import pytest
import sympy

from eqlearn.expr import evaluate, from_prefix, parse_expr, to_infix
from eqlearn.expr.tree import Node
from eqlearn.search.gp import GPConfig, run_search
from eqlearn.search.scoring import Evaluator
from eqlearn.search.mutations import MUTATIONS, Grammar, crossover, subtrees
from eqlearn.search.selection import Candidate, complexity, pareto_front, select

OPS = {"add": 1, "sub": 1, "mul": 1, "div": 1, "pow": 1, "sin": 1, "exp": 1}


def _grammar(n_vars=2, **kw):
    return Grammar(n_vars, OPS, max_complexity=kw.pop("max_complexity", 25),
                   nested={"exp": {"exp"}, "sin": {"sin"}}, **kw)


def test_mutations_keep_trees_valid_and_exponents_numeric():
    g = _grammar()
    rng = np.random.default_rng(0)
    tree = parse_expr("2.5*x1**2 + sin(x2)")
    X = rng.uniform(1, 2, size=(10, 2))
    for name, (op, _) in MUTATIONS.items():
        for _ in range(30):
            child = op(tree, g, rng)
            evaluate(child, X)  # well-formed
            for _, node in subtrees(child):
                if isinstance(node, Node) and node.op == "pow":
                    assert not node.args[1].args  # exponents stay leaves
            assert max(child.variables(), default=0) < 2
    for _ in range(30):
        evaluate(crossover(tree, parse_expr("exp(x1)*x2 - 3"), g, rng), X)


def test_constraints_forbid_nesting_and_size():
    g = _grammar(max_complexity=9)
    assert g.valid(parse_expr("exp(x1) + sin(x2)"))
    assert not g.valid(parse_expr("exp(exp(x1))"))
    assert not g.valid(parse_expr("sin(x1*sin(x2))"))
    assert not g.valid(from_prefix("add mul x1 mul x2 mul x1 x2 mul x1 x2".split()))  # 11 > 9
    assert not g.valid(parse_expr("log(x1)"))  # log not allowed
    with pytest.raises(ValueError, match="binary"):
        Grammar(1, {"sin": 1})


def test_linear_scaling_scores_the_best_affine_transform():
    rng = np.random.default_rng(1)
    X = rng.uniform(1, 2, size=(30, 1))
    y = 3 * np.sin(X[:, 0]) + 7
    ev = Evaluator(X, y, np.ones(30))
    assert ev(parse_expr("sin(x1)")) < 1e-20
    pheno = ev.phenotype(parse_expr("sin(x1)"))
    np.testing.assert_allclose(evaluate(pheno, X), y, rtol=1e-10)
    ev_log = Evaluator(X, np.exp(X[:, 0]) * 1e-9, np.ones(30), loss="log")
    assert ev_log(parse_expr("exp(x1)")) < 1e-20


def test_search_finds_a_planted_law_deterministically():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 0])
    cfg = GPConfig(n_islands=2, population=60, workers=1, max_epochs=10)
    far = time.perf_counter() + 120
    runs = [run_search(X, y, np.ones(40), _grammar(), cfg, deadline=far, random_state=0)
            for _ in range(2)]
    fronts = [[(c.complexity, to_infix(c.expr)) for c in pareto_front(r.candidates)] for r in runs]
    assert fronts[0] == fronts[1]  # same random_state, epoch limit: same result
    best = pareto_front(runs[0].candidates)[select(pareto_front(runs[0].candidates))]
    assert best.loss < 1e-20
    assert runs[0].n_evals > 60 * 10 * 10


def test_time_budget_is_honoured_with_two_workers():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(100, 2))
    y = np.exp(X[:, 0]) * np.cos(3 * X[:, 1])
    t0 = time.perf_counter()
    report = run_search(X, y, np.ones(100), _grammar(), GPConfig(workers=2),
                        deadline=t0 + 3.0, random_state=0)
    assert time.perf_counter() - t0 < 3.0 + 1.5
    assert report.candidates and report.epochs >= 1


def test_pareto_front_and_selection_rules():
    x = parse_expr("x1")
    cands = [Candidate(x, loss, c) for c, loss in [(1, 1.0), (3, 0.5), (5, 1e-3), (7, 9e-4),
                                                  (9, 1e-3), (11, 8e-4)]]
    front = pareto_front(cands)
    assert [c.complexity for c in front] == [1, 3, 5, 7, 11]
    assert front[select(front, "accuracy")].complexity == 11
    assert front[select(front, "best")].complexity == 5  # biggest log-loss drop per unit
    assert front[select(front, "simplest")].complexity == 5  # first within 1.5x of the best
    with pytest.raises(ValueError):
        select(front, "fastest")
    # an exact law (round-off loss) is not beaten by a bigger one whose loss rounds to 0
    exact = pareto_front([Candidate(x, 0.06, 3), Candidate(x, 2.9e-33, 7),
                          Candidate(x, 0.0, 13)])
    assert exact[select(exact, "best")].complexity == 7
    assert complexity(parse_expr("exp(x1) + 2")) == 2 + 1 + 1 + 1


def test_exact_ties_go_to_fewer_constants_then_the_shallower_tree():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2, size=(50, 1))
    y = X[:, 0] ** 4 + X[:, 0] ** 3 + X[:, 0] ** 2 + X[:, 0]
    nested = parse_expr("x1*(x1*(x1*(x1 + 1) + 1) + 1)")
    flat = parse_expr("x1**4 + x1**3 + x1**2 + x1")
    for e in (nested, flat):   # the same law, both exact to round-off on these points
        assert np.allclose(evaluate(e, X), y, rtol=1e-14)
    assert complexity(nested) == complexity(flat)
    assert flat.depth() < nested.depth()
    # the nested form's round-off is the smaller: the tie still goes to the flat form
    front = pareto_front([Candidate(nested, 1e-33, complexity(nested)),
                          Candidate(flat, 4e-32, complexity(flat))])
    assert [c.expr for c in front] == [flat]
    with_const = parse_expr("C*x1**4 + x1**3 + x1**2 + x1").with_constants([1.0])
    assert with_const.depth() < nested.depth()     # so the constant, not the depth, decides
    front = pareto_front([Candidate(with_const, 1e-34, complexity(flat)),
                          Candidate(nested, 1e-33, complexity(flat))])
    assert [c.expr for c in front] == [nested]      # fewer free constants comes first
    # above round-off, the loss still decides
    front = pareto_front([Candidate(nested, 1e-6, 13), Candidate(flat, 2e-6, 13)])
    assert [c.expr for c in front] == [nested]


def test_neighbours_are_one_edit_away():
    from eqlearn.search.refine import neighbours

    bose = parse_expr("1/(exp(x1) - 1)")
    near = {str(n) for n in neighbours(parse_expr("C*exp(C/(x1*x2))/x1**4"), 2, (bose,))}
    assert "C*exp(C/(x1*x2))/x1**5" in near            # exponent changed by one
    assert "C/((exp(C/(x1*x2)) - 1)*x1**4)" in near      # exp(u) became the prior's macro
    assert "C*exp(C/x2)/x1**4" in near                   # a factor dropped
    assert "C*exp(C*x2/x1)/x1**4" in near                # a variable swapped


def test_refine_reaches_a_law_two_edits_from_the_proposal():
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import refine

    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 3, size=(100, 2))
    y = 2.0 / (X[:, 0] ** 3 * (np.exp(1.5 / (X[:, 0] * X[:, 1])) - 1))
    settings = SearchSettings(loss="log")
    far = time.perf_counter() + 60
    start = fit_skeletons([(parse_expr("C/((exp(C/(x1*x2)) + 1)*x1**2)"), 0.0)], X, y,
                          np.ones(100), settings, far)
    bose = parse_expr("1/(exp(x1) - 1)")
    found = refine(start, X, y, np.ones(100), settings, far, macros=(bose,))
    best = min(found, key=lambda c: c.loss)
    assert best.loss < 1e-20
    assert to_infix(best.expr).count("exp") == 1 and "x1**3" in to_infix(best.expr)


def test_prune_removes_a_vanishing_factor_and_a_tiny_term():
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import prune

    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 3, size=(100, 2))
    y = 2.5 * X[:, 0] ** 2 / X[:, 1]
    settings = SearchSettings(loss="mse")
    far = time.perf_counter() + 60
    # the planted law with a factor that fits to exp(0) = 1 and a term that fits to 0
    start = fit_skeletons([(parse_expr("C*x1**2*exp(C*x1*x2)/x2 + C*sin(x1)"), 0.0)], X, y,
                          np.ones(100), settings, far)
    assert start and start[0].loss < 1e-20
    found = prune(start, X, y, np.ones(100), settings, far)
    best = min((c for c in found if c.loss < 1e-20), key=lambda c: c.complexity)
    assert best.complexity < start[0].complexity
    assert to_infix(best.info["skeleton"]) == "C*x1**2/x2"
    # among fits exact to round-off the simplest is pruned first, not the smallest loss
    law = fit_skeletons([(parse_expr("C*x1**2/x2"), 0.0)], X, y, np.ones(100), settings, far)
    longer = Candidate(start[0].expr, 0.0, start[0].complexity, "search")
    cuts = prune([longer] + law, X, y, np.ones(100), settings, far, width=1)
    assert cuts and all(c.complexity < law[0].complexity for c in cuts)  # the law's own cuts


def test_prune_follows_more_than_the_simplest_cut():
    """sqrt(1 − 2x₂ + x₂²)/sqrt(1 − 1/x₁²): dropping a constant gives the simplest exact cut,
    a dead end; dropping the root leaves 1 − x₂ with a vanishing x₂², which leads on."""
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import prune

    rng = np.random.default_rng(2)
    X = np.column_stack([rng.uniform(1.5, 5, 150), rng.uniform(0.1, 0.8, 150)])
    y = (1 - X[:, 1]) / np.sqrt(1 - 1 / X[:, 0] ** 2)
    settings, far = SearchSettings(loss="mse"), time.perf_counter() + 60
    start = fit_skeletons([(parse_expr("sqrt(C*x2**2 + C*x2 + C)/sqrt(C + C/x1**2)"), 0.0)],
                          X, y, np.ones(150), settings, far)
    found = prune(start, X, y, np.ones(150), settings, far)
    best = min((c for c in found if c.loss < 1e-20), key=lambda c: c.complexity)
    assert to_infix(best.info["skeleton"]) == "(1 - x2)/sqrt(C - 1/x1**2)"


def test_snap_constants_fixes_a_disguised_one_on_noisy_data_only_when_it_is_one():
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import snap_constants

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import snap_constants

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import snap_constants

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import snap_constants

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

    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import drop_skeletons, snap_constants

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import snap_constants

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


def test_prune_cuts_a_vanishing_term_keeping_the_fitted_constants():
    from eqlearn.search.refine import _deletions

    fitted = parse_expr("3.2*x1*exp(-0.5*x2) + 1e-16*x2")
    cuts = _deletions(fitted, fitted=True)
    assert "3.2*exp(-0.5*x2)*x1" in {to_infix(c) for c in cuts}  # no refit: values kept
    assert all(complexity(c) < complexity(fitted) for c in cuts)


def test_expand_polynomial_agrees_with_sympy_and_refuses_what_is_no_polynomial():
    from eqlearn.expr.export import to_sympy
    from eqlearn.search.polynomial import expand_polynomial

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.polynomial import expanded_polynomials
    from eqlearn.search.refine import snap_constants

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
    from eqlearn.search.neural import SearchSettings, fit_skeletons
    from eqlearn.search.refine import factor_common

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
    from eqlearn.search.refine import _one_signed

    X = np.column_stack([-np.linspace(1, 2, 30), np.linspace(0.5, 3, 30),
                         np.linspace(-1, 1, 30)])
    x2_squared = Node("pow", (parse_expr("x2"), parse_expr("2")))
    expr = parse_expr("2.5*exp(x1) + abs(x1) + abs(x3)") * Node("sqrt", (x2_squared,))
    got = _one_signed(expr, X)
    assert "sqrt" not in to_infix(got) and to_infix(got).count("abs") == 1
    np.testing.assert_allclose(evaluate(got, X), evaluate(expr, X), rtol=1e-12)
    X[0, 1] = -1.0  # x2 of both signs: sqrt(x2**2) is |x2| and stays
    assert "sqrt(x2**2)" in to_infix(_one_signed(expr, X))


def test_polish_finds_an_inner_constant_the_outer_ones_projected_out():
    rng = np.random.default_rng(6)
    X = rng.uniform([1, 0.1], [5, 0.67], size=(60, 2))
    y = 3 * X[:, 0] / (1 - X[:, 1]) + 2          # the planted law
    ev = Evaluator(X, y, np.ones(60))
    start = parse_expr("x1/(1.3 - x2)")          # right form, wrong inner constant
    polished, loss = ev.polish(start, iterations=20)
    assert loss < 1e-20 < ev(start)
    assert [c.value for c in polished.constants()] == pytest.approx([1.0], rel=1e-9)
    np.testing.assert_allclose(evaluate(ev.phenotype(polished), X), y, rtol=1e-9)


def test_polish_under_the_log_loss_and_when_there_is_nothing_to_gain():
    rng = np.random.default_rng(7)
    X = rng.uniform(1, 3, size=(40, 1))
    ev = Evaluator(X, 1e-9 * np.exp(2.5 * X[:, 0]), np.ones(40), loss="log")
    polished, loss = ev.polish(parse_expr("exp(2.0*x1)"), iterations=20)
    assert loss < 1e-20 and polished.constants()[0].value == pytest.approx(2.5, rel=1e-9)
    plain = parse_expr("x1**2")                   # no constants: returned as it is
    assert ev.polish(plain) == (plain, ev(plain))
    nowhere = parse_expr("log(x1 - 5.0)")         # undefined on the data: kept, infinite loss
    assert ev.polish(nowhere)[0] == nowhere and ev.polish(nowhere)[1] == np.inf


def test_a_child_below_the_stop_loss_ends_the_epoch_and_tells_the_other_islands():
    import multiprocessing as mp

    from eqlearn.search.gp import _initial_island, evolve

    rng = np.random.default_rng(8)
    X = rng.uniform(1, 2, size=(40, 2))
    ev = Evaluator(X, X[:, 0] * X[:, 1], np.ones(40))
    cfg = GPConfig(population=40, generations_per_epoch=10, stop_loss=0.5, polish=0.0)
    stop = mp.get_context("fork").Event()
    far = time.perf_counter() + 60
    island = _initial_island(_grammar(), ev, cfg, [], np.random.default_rng(0))
    island = evolve(island, _grammar(), ev, cfg, np.random.default_rng(1), far, stop)
    assert stop.is_set() and 0 < island.clock < 10 * 40  # stopped within the epoch
    assert min(m.loss for m in island.members) < 0.5
    other = _initial_island(_grammar(), ev, cfg, [], np.random.default_rng(2))
    assert evolve(other, _grammar(), ev, cfg, np.random.default_rng(3), far, stop).clock == 0


def test_an_exact_tree_whose_written_form_is_over_the_limit_still_ends_the_search():
    rng = np.random.default_rng(9)
    X = rng.uniform(1, 2, size=(40, 2))
    y = 3 * X[:, 0] * X[:, 1] + 2                 # x1*x2 (3 nodes) written as 7
    cfg = GPConfig(n_islands=2, population=30, workers=1, stop_loss=1e-18)
    report = run_search(X, y, np.ones(40), _grammar(max_complexity=3), cfg,
                        deadline=time.perf_counter() + 60, random_state=0)
    best = min(report.candidates, key=lambda c: c.loss)
    np.testing.assert_allclose(evaluate(best.expr, X), y, rtol=1e-10)
    assert report.epochs == 1                     # not idle epochs until the deadline
