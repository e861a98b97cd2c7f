import json

import pytest

from eqlearn.data import Fingerprinter, generate_corpus, read_corpus
from eqlearn.data.exclusion import benchmark_skeletons, excluded_skeletons
from eqlearn.expr import Vocabulary, from_prefix, parse_expr


def _corpus(path):
    return [(" ".join(t), n) for t, n in read_corpus(path)]


def test_fingerprint_merges_equivalent_forms():
    fp = Fingerprinter()
    a = fp(parse_expr("x1*(x1 + 1)")).fingerprint
    b = fp(parse_expr("x1**2 + x1")).fingerprint
    assert a == b is not None
    assert fp(parse_expr("abs(x1)")).fingerprint != fp(parse_expr("x1")).fingerprint
    assert fp(parse_expr("x1 - x1 + 3")).reason == "constant"
    assert fp(parse_expr("log(-x1**2 - 1)")).reason == "nonfinite"


def test_corpus_is_unique_deterministic_and_resumable(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    stats = generate_corpus("default", 600, a, workers=1, seed=3, shard_size=250,
                            chunk_size=200, progress=False)
    assert stats.written == 600
    generate_corpus("default", 600, b, workers=2, seed=3, shard_size=250, chunk_size=200,
                    progress=False)
    assert _corpus(a) == _corpus(b)  # same corpus whatever the number of workers
    generate_corpus("default", 300, c, seed=3, shard_size=250, chunk_size=200, progress=False)
    generate_corpus("default", 600, c, seed=3, shard_size=250, chunk_size=200, progress=False)
    assert _corpus(c) == _corpus(a)  # an interrupted run resumes to the same corpus
    rows = list(read_corpus(a, with_fingerprints=True))
    assert len({fp for _, fp, _ in rows}) == len(rows) == 600
    assert len({text for text, _, _ in rows}) == 600
    vocab = Vocabulary.build()
    for text, _, n_vars in rows:
        tokens = text.split()
        assert len(tokens) <= 40 and vocab.covers(tokens)
        assert max(from_prefix(tokens).variables()) + 1 == n_vars
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["written"] == 600 and len(manifest["shards"]) >= 2


def test_resume_refuses_other_settings(tmp_path):
    generate_corpus("default", 50, tmp_path, seed=1, chunk_size=100, progress=False)
    with pytest.raises(ValueError, match="another"):
        generate_corpus("physics", 50, tmp_path, seed=1, chunk_size=100, progress=False)


@pytest.mark.slow  # ~6 s: a corpus
def test_excluded_benchmarks_never_appear(tmp_path):
    tokens, fps = excluded_skeletons(["nguyen", "feynman"], 3)
    assert len(tokens) > 100
    # a polynomial prior produces Nguyen-like polynomials often: none may remain
    generate_corpus("polynomial", 1500, tmp_path, seed=0, chunk_size=500,
                    exclude=("nguyen", "feynman"), progress=False)
    rows = list(read_corpus(tmp_path, with_fingerprints=True))
    assert not {t for t, _, _ in rows} & tokens
    assert not {fp for _, fp, _ in rows} & fps
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["rejected"].get("duplicate", 0) > 0


def test_benchmark_skeletons_include_variable_renamings():
    nguyen = [" ".join(map(str, [s])) for s in benchmark_skeletons(["nguyen"], 2)]
    assert "x1**2 + x1**3 + x1" in nguyen  # Nguyen-1
    assert "2*cos(x2)*sin(x1)" in nguyen and "2*cos(x1)*sin(x2)" in nguyen  # Nguyen-10
    assert "C*cos(x2)*sin(x1)" in nguyen  # coefficients as placeholders
