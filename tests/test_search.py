"""Genetic programming: variation operators, constraints, the engine, hybrid guidance."""
import time

import numpy as np
import pytest

from eqlearn.expr import evaluate, from_prefix, parse_expr, to_infix
from eqlearn.expr.tree import Node
from eqlearn.search.gp import GPConfig, run_search
from eqlearn.search.scoring import Evaluator
from eqlearn.search.mutations import MUTATIONS, Grammar, crossover, subtrees
from eqlearn.search.selection import (Candidate, complexity, front_and_exact, pareto_front,
                                      select)

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


@pytest.mark.slow  # ~17 s; test_estimator's max_epochs test checks determinism quickly
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


def test_the_deadline_ends_a_search_with_two_workers():
    """No epoch limit and no loss to stop at (``stop_loss`` 0): only the deadline can end
    these searches (a runaway would meet pytest's timeout). One already past runs no epoch
    and returns the first populations' best."""
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(100, 2))
    y = rng.normal(size=100)
    report = run_search(X, y, np.ones(100), _grammar(), GPConfig(workers=2),
                        deadline=time.perf_counter() + 2.0, random_state=0)
    assert report.candidates and report.epochs >= 1
    past = run_search(X, y, np.ones(100), _grammar(), GPConfig(workers=2),
                      deadline=time.perf_counter() - 1.0, random_state=0)
    assert past.candidates and past.epochs == 0


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
    # nor does it join the front: losses below round-off tie, so it only adds complexity
    for by_constants in (False, True):
        front = pareto_front([Candidate(x, 0.06, 3), Candidate(x, 5.78e-30, 15),
                              Candidate(x, 5.7e-30, 21)], by_constants=by_constants)
        assert [c.complexity for c in front] == [3, 15]
    # but a rewrite may make it the simpler one: front_and_exact keeps it for that
    pool = [Candidate(x, 0.06, 3), Candidate(x, 5.78e-30, 15), Candidate(x, 5.7e-30, 21),
            Candidate(x, 1e-3, 25)]
    assert [c.complexity for c in front_and_exact(pool)] == [3, 15, 21]
    assert complexity(parse_expr("exp(x1) + 2")) == 2 + 1 + 1 + 1


def test_a_sign_a_number_could_carry_costs_nothing():
    """However canonicalize writes a negative constant (``neg(C·t)``), the form costs what
    it does with the sign on the number; a sign no number can carry costs its node."""
    for negative, positive in [("3 - 2.5*exp(-0.3*x1)", "3 + 2.5*exp(0.3*x1)"),
                               ("-x1/2", "x1/2"), ("-0.04*x1*x2", "0.04*x1*x2")]:
        neg, pos = parse_expr(negative), parse_expr(positive)
        assert any(getattr(n, "op", None) == "neg" for n in neg.preorder())
        assert complexity(neg) == complexity(pos)
    assert complexity(parse_expr("-(x1*x2)")) == complexity(parse_expr("x1*x2")) + 1


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


def test_the_refit_is_bounded_by_work_not_by_the_clock():
    """Whether the refit's second start (all ones) runs is decided by the evaluations the
    first one took, so a loaded machine (a time limit already spent) fits the same; the
    bound is checked against fits with one and with both starts."""
    from eqlearn.search.constant_fit import fit_constants
    rng = np.random.default_rng(8)
    X = rng.uniform(0.5, 2, size=(200, 2))
    y = 2.5 * X[:, 0] * np.exp(-0.7 * X[:, 1]) + 0.01 * rng.normal(size=200)
    skeleton = parse_expr("C*x1*exp(C*x2)").skeleton()
    init = [4.0, 0.3]
    common = dict(n_restarts=0, max_nfev=30, init=init)
    one = fit_constants(skeleton, X, y, time_limit=0.0, **common)     # the first start only
    both = fit_constants(skeleton, X, y, time_limit=1e9, **common)
    assert both.n_evals > one.n_evals
    for clock in (0.0, 1e9):  # an idle and a loaded machine
        small = fit_constants(skeleton, X, y, time_limit=clock, max_work=1.0, **common)
        assert small.n_evals == one.n_evals
    large = fit_constants(skeleton, X, y, time_limit=1e9, max_work=1e12, **common)
    assert large.n_evals == both.n_evals
    ev = Evaluator(X, y, np.ones(200))  # 200 rows: well under the search's work bound
    refitted, _ = ev.refit(skeleton.with_constants(init))
    assert [c.value for c in refitted.constants()] == pytest.approx(both.constants, rel=1e-12)


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
