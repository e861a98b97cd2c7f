"""Benchmark recall: is a law's skeleton among a model's proposals?"""
import torch

from eqlearn.data.fingerprint import Fingerprinter
from eqlearn.data.generate import canonical_skeleton
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
