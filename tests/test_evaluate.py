import numpy as np
import pytest
import sympy

from eqlearn.expr import canonical_skeleton
from eqlearn.expr import compile_numpy, evaluate, evaluate_counted, from_prefix, to_numpy, to_sympy
from eqlearn.prior import SkeletonSampler

from conftest import well_conditioned


@pytest.mark.parametrize("preset", ["default", "polynomial", "physics"])
def test_numpy_evaluation_agrees_with_sympy_lambdify(preset):
    sampler = SkeletonSampler(preset)
    rng = np.random.default_rng(3)
    X = rng.uniform(0.1, 3.0, size=(40, 3)) * rng.choice([-1, 1], size=(40, 3), p=[0.2, 0.8])
    checked = 0
    for _ in range(300):
        skeleton = canonical_skeleton(sampler.sample(rng))
        consts = rng.uniform(0.5, 2.0, skeleton.n_constants())
        tree = skeleton.with_constants(consts)
        ours = evaluate(tree, X)
        names = [f"x{i + 1}" for i in range(3)]
        ref = sympy.lambdify(sympy.symbols(names, real=True), to_sympy(tree, names), "numpy")
        with np.errstate(all="ignore"):
            theirs = np.broadcast_to(np.asarray(ref(*X.T), dtype=complex), (40,))
        real = np.abs(theirs.imag) < 1e-12
        stable = well_conditioned(lambda Z: evaluate(tree, Z), X, ours)
        ok = np.isfinite(ours) & np.isfinite(theirs.real) & real & stable
        np.testing.assert_allclose(ours[ok], theirs.real[ok], rtol=1e-9, atol=1e-12,
                                   err_msg=str(tree))
        checked += ok.sum()
        compiled = compile_numpy(tree)(X)
        np.testing.assert_array_equal(np.isnan(compiled), np.isnan(ours))
        np.testing.assert_allclose(compiled[ok], ours[ok], rtol=1e-12)
    assert checked > 300 * 40 * 0.5


def test_domain_errors_are_counted_not_raised():
    tree = from_prefix(["add", "log", "x1", "div", "1", "x2"])
    X = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, 0.0], [np.e, 2.0]])
    y, n_bad = evaluate_counted(tree, X)
    assert n_bad == 2 and np.isnan(y[1]) and np.isinf(y[2])
    assert y[3] == pytest.approx(1.5)


def test_evaluation_inputs():
    tree = from_prefix(["mul", "C", "x1"])
    assert evaluate(tree, [1.0, 2.0], [3.0]).tolist() == [3.0, 6.0]
    assert evaluate(from_prefix(["2"]), np.ones((3, 1))).tolist() == [2.0] * 3
    with pytest.raises(ValueError, match="placeholders"):
        evaluate(tree, np.ones((2, 1)))
    with pytest.raises(ValueError, match="x2"):
        evaluate(from_prefix(["x2"]), np.ones((2, 1)))
    with pytest.raises(ValueError, match="1 constants"):
        evaluate(tree, np.ones((2, 1)), [1.0, 2.0])
    f = to_numpy(tree.with_constants([2.0]))
    assert f(np.array([[1.0], [4.0]])).tolist() == [2.0, 8.0]
    assert f(np.array([[1.0]]), [5.0]).tolist() == [5.0]


def test_r2_agrees_with_scikit_learn_and_handles_the_edges():
    from sklearn.metrics import r2_score

    from eqlearn.expr.evaluate import r2
    rng = np.random.default_rng(5)
    y = rng.normal(size=50) * 1e20          # SI-sized values square to 1e40: still finite
    for yhat in (y, y + rng.normal(size=50) * 1e19, np.full(50, y.mean()), -y):
        assert r2(y, yhat) == pytest.approx(r2_score(y, yhat), rel=1e-12, abs=1e-12)
    assert r2(y, np.r_[np.inf, y[1:]]) == -np.inf
    assert r2(np.full(5, 4.5), np.full(5, 4.5) * (1 + 1e-15)) == 1.0  # constant, to rounding
    assert r2(np.full(5, 4.5), np.full(5, 4.6)) == -np.inf
    with pytest.raises(ValueError, match="shape"):
        r2(y, y[:10])


@pytest.mark.parametrize("formula", ["C*x1 - (C - x2)/C", "-(C*x1) + exp(C*x2) - C",
                                     "x1/sqrt(C - C*x2**2) + C", "sin(C*x1 + C)*(x2 - C)"])
def test_jacobian_agrees_with_sympy_derivatives(formula):
    from eqlearn.expr import parse_expr
    from eqlearn.expr.jacobian import JacobianProgram

    skeleton = parse_expr(formula)
    rng = np.random.default_rng(5)
    X = rng.uniform(0.1, 0.6, size=(30, 2))
    c = rng.uniform(0.8, 1.5, skeleton.n_constants())
    values, J = JacobianProgram(skeleton)(X, c)
    sexpr = to_sympy(skeleton)
    named = {str(s): s for s in sexpr.free_symbols}  # the symbols to_sympy made
    xs, cs = [named["x1"], named["x2"]], [named[f"C{j}"] for j in range(len(c))]
    at = dict(zip(cs, c))
    f = sympy.lambdify(xs, sexpr.subs(at), "numpy")
    np.testing.assert_allclose(values, np.broadcast_to(f(*X.T), (30,)), rtol=1e-12)
    for j, cj in enumerate(cs):
        d = sympy.lambdify(xs, sympy.diff(sexpr, cj).subs(at), "numpy")
        np.testing.assert_allclose(J[:, j], np.broadcast_to(d(*X.T), (30,)), rtol=1e-10,
                                   atol=1e-12, err_msg=f"d/d{cj} of {formula}")


def test_weighted_variance_equals_the_variance_of_rows_repeated_by_their_weights():
    from eqlearn.expr.evaluate import weighted_variance

    y, w = np.array([1.0, 4.0, -2.0, 7.5]), np.array([1, 3, 2, 1])
    assert np.isclose(weighted_variance(y, w.astype(float)), np.var(np.repeat(y, w)))
    assert weighted_variance(y) == np.var(y)
