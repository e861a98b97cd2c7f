"""Benchmark recall: is a law's skeleton among a model's proposals?"""
import torch

from eqlearn.data.fingerprint import Fingerprinter
from eqlearn.expr import canonical_skeleton
from eqlearn.data.suites import load_suite
from eqlearn.evaluation import RECALL_SETTINGS, benchmark_recall, law_fingerprints
from eqlearn.expr import Vocabulary
from eqlearn.expr.tokens import from_prefix
from eqlearn.model import EquationModel, ModelConfig
from eqlearn.search.scaling import Scaling

FP = Fingerprinter()


def _fingerprint(prefix: str) -> str:
    return FP(canonical_skeleton(from_prefix(prefix.split()))).fingerprint


def test_law_fingerprints_hold_the_law_and_its_affine_forms_only():
    sqrt_law = load_suite("nguyen").get("Nguyen-8")  # sqrt(x1)
    targets = law_fingerprints(sqrt_law, Scaling.identity(1), FP)
    for hit in ("sqrt x1", "mul C sqrt x1", "add sqrt x1 C", "add mul C sqrt x1 C"):
        assert _fingerprint(hit) in targets, hit
    for miss in ("x1", "sqrt add x1 C", "mul C pow x1 3/2", "log x1"):
        assert _fingerprint(miss) not in targets, miss


def test_law_fingerprints_follow_the_rescaling_the_model_sees():
    spring = load_suite("feynman").get("I.14.4")  # k*x**2/2
    targets = law_fingerprints(spring, Scaling((10.0, 1.0), 10.0), FP)
    assert _fingerprint("mul C mul x1 pow x2 2") in targets
    assert _fingerprint("mul C mul x1 x2") not in targets
    assert _fingerprint("mul C mul pow x1 2 x2") not in targets  # the variables are not swapped


def test_benchmark_recall_is_deterministic_and_ranks_from_one():
    torch.manual_seed(0)
    model = EquationModel(ModelConfig.tiny(), Vocabulary.build()).eval()
    problem = load_suite("nguyen").get("Nguyen-8")
    first = benchmark_recall(model, problem, points=40, seed=3)
    assert first == benchmark_recall(model, problem, points=40, seed=3)
    assert set(RECALL_SETTINGS) <= set(first)
    assert all(first[k] is None or first[k] >= 1 for k in RECALL_SETTINGS)


def test_length_buckets_cover_every_length_once():
    from eqlearn.evaluation import LENGTH_BUCKETS, _length_bucket
    assert [_length_bucket(n) for n in (1, 5, 6, 9, 10, 14, 15, 22, 23, 48)] == [
        b for b in LENGTH_BUCKETS for _ in range(2)]


def test_held_out_r2_fits_on_even_points_and_scores_the_odd_ones():
    """The planted law fits the points it was not fitted on; a line through the origin gets
    the R² that numpy's own least squares (even points) gives on the odd points."""
    import numpy as np

    from eqlearn.evaluation import held_out_r2

    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 3.0, size=(60, 1))
    y = 2.5 * np.exp(-0.7 * X[:, 0]) + X[:, 0]
    assert held_out_r2("add mul C exp mul C x1 x1".split(), X, y) > 1 - 1e-9
    slope = np.linalg.lstsq(X[::2], y[::2], rcond=None)[0]
    resid = y[1::2] - X[1::2] @ slope
    expected = 1 - resid @ resid / np.sum((y[1::2] - y[1::2].mean()) ** 2)
    assert abs(held_out_r2(["mul", "C", "x1"], X, y) - expected) < 1e-9
    assert expected < 0.99
    assert held_out_r2(["log", "sub", "x1", "2"], X, y) == -np.inf  # NaN on some points
    assert held_out_r2(["add", "x1"], X, y) == -np.inf  # not an expression


def test_fit_figures_count_a_proposal_the_data_cannot_tell_from_the_target():
    """``C*x1`` is not the skeleton ``3*x1`` (other fingerprint) but fits its data exactly;
    ``sin(x1)`` fits neither way."""
    import numpy as np

    from eqlearn.evaluation import _fit_figures
    from eqlearn.search.decode import Hypothesis

    X = np.linspace(0.5, 3.0, 40)[:, None]
    y = 3 * X[:, 0]
    assert _fingerprint("mul C x1") != _fingerprint("mul 3 x1")
    proposals = [("sin", "x1"), ("mul", "C", "x1")]
    greedy = [Hypothesis(("sin", "x1"), -0.1)]
    got = _fit_figures(["mul", "3", "x1"], proposals, greedy, X, y, 0.999)
    assert got == {"target_fit": True, "greedy_fit": False, "beam_fit": True}
    assert _fit_figures(["mul", "3", "x1"], proposals, greedy, X, y, None) == {}


def test_placeholder_figures_match_coefficients_as_placeholders_only():
    """``4*exp(x1*x2)`` and ``C*exp(x1*x2)`` are one skeleton once coefficients are
    placeholders; an exponent stays what it is (``x1**2`` is not ``x1**3``)."""
    from eqlearn.evaluation import _match_figures
    from eqlearn.search.decode import Hypothesis

    def hyps(*prefixes):
        return [Hypothesis(tuple(p.split()), -0.1 * i) for i, p in enumerate(prefixes)]

    target = "mul 4 exp mul x1 x2".split()
    got = _match_figures(target, hyps("exp mul x1 x2"),
                         hyps("exp mul x1 x2", "mul C exp mul x1 x2"), FP, placeholders=True)
    assert got == {"greedy_placeholders": False, "beam_placeholders": True}
    got = _match_figures(target, hyps("exp mul x1 x2"),
                         hyps("exp mul x1 x2", "mul C exp mul x1 x2"), FP)
    assert got == {"greedy": False, "beam": False}  # strictly, 4 is not a placeholder
    got = _match_figures("add x1 mul C x2".split(), hyps("add x1 mul 2 x2"),
                         hyps("add x1 mul 2 x2"), FP, placeholders=True)
    assert got == {"greedy_placeholders": True, "beam_placeholders": True}
    got = _match_figures("mul C pow x1 2".split(), hyps("mul C pow x1 3"),
                         hyps("mul C pow x1 3", "mul C x1"), FP, placeholders=True)
    assert got == {"greedy_placeholders": False, "beam_placeholders": False}
    assert _match_figures(target, [], [], FP, placeholders=True) == {
        "greedy_placeholders": False, "beam_placeholders": False}


def test_rerank_by_fit_puts_the_planted_law_first_and_the_unevaluable_last():
    """Data of ``C*exp(C*x1)``: the law, though least probable, comes first; a line second
    (it fits worse, numpy's least squares says by how much); ``log(x1 - 2)`` (NaN on some
    points) and a malformed prefix last, in their log-probability order."""
    import numpy as np

    from eqlearn.evaluation import held_out_r2, rerank_by_fit
    from eqlearn.search.decode import Hypothesis

    X = np.linspace(0.5, 3.0, 50)[:, None]
    y = 1.5 * np.exp(0.8 * X[:, 0])
    hyps = [Hypothesis(("add", "x1"), -0.5), Hypothesis(("log", "sub", "x1", "2"), -0.7),
            Hypothesis(("add", "mul", "C", "x1", "C"), -1.0),
            Hypothesis(("mul", "C", "exp", "mul", "C", "x1"), -3.0)]
    ranked = [h.tokens for h in rerank_by_fit(hyps, X, y)]
    assert ranked == [hyps[3].tokens, hyps[2].tokens, hyps[0].tokens, hyps[1].tokens]
    A = np.hstack([X[::2], np.ones((25, 1))])
    coef = np.linalg.lstsq(A, y[::2], rcond=None)[0]
    resid = y[1::2] - np.hstack([X[1::2], np.ones((25, 1))]) @ coef
    line = 1 - resid @ resid / np.sum((y[1::2] - y[1::2].mean()) ** 2)
    assert abs(held_out_r2(hyps[2].tokens, X, y) - line) < 1e-6 and line < 0.999
