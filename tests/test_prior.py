import itertools
from collections import Counter

import numpy as np
import pytest

from eqlearn.expr import canonical_skeleton
from eqlearn.expr import Vocabulary, to_prefix
from eqlearn.prior import (PriorConfig, SkeletonSampler, list_presets, load_prior, sample_constants,
                           sample_support)
from eqlearn.prior.sampler import count_trees
from eqlearn.prior.templates import Template, TemplateError


def _valid_shapes(n_ops):
    """All prefix arity sequences of trees with n_ops unary/binary nodes (brute force)."""
    out = []
    for length in range(n_ops + 1, 2 * n_ops + 2):
        for seq in itertools.product((0, 1, 2), repeat=length):
            if sum(1 for a in seq if a) != n_ops:
                continue
            need = 1
            ok = True
            for i, a in enumerate(seq):
                need += a - 1
                if need == 0 and i != len(seq) - 1:
                    ok = False
                    break
            if ok and need == 0:
                out.append(seq)
    return out


def test_tree_shapes_are_unbiased():
    """Equal unary/binary shares: every shape with n operators equally likely (chi-square)."""
    prior = PriorConfig(operators={"add": 1.0, "sin": 1.0})
    sampler = SkeletonSampler(prior)
    shapes = _valid_shapes(3)
    assert len(shapes) == int(count_trees(3, 1.0, 1.0)[1, 3])  # D(1, 3) counts them
    rng = np.random.default_rng(0)
    n = 20_000
    counts = Counter(tuple(sampler.sample_arities(3, rng)) for _ in range(n))
    assert set(counts) == set(shapes)
    expected = n / len(shapes)
    chi2 = sum((counts[s] - expected) ** 2 / expected for s in shapes)
    assert chi2 < 45  # 14 degrees of freedom: p ≈ 5e-5


def test_presets_load_and_sample_valid_skeletons():
    assert {"default", "polynomial", "physics"} <= set(list_presets())
    vocab = Vocabulary.build()
    for name in ("default", "polynomial", "physics"):
        prior = load_prior(name)
        sampler = SkeletonSampler(prior)
        rng = np.random.default_rng(1)
        lengths, nvars, covered = [], Counter(), 0
        for _ in range(500):
            skeleton = canonical_skeleton(sampler.sample(rng))
            tokens = to_prefix(skeleton)
            lengths.append(len(tokens))
            covered += vocab.covers(tokens)
            used = skeleton.variables()
            assert used == set(range(len(used)))  # x1..xk, no gaps
            nvars[len(used)] += 1
        assert np.mean([t <= prior.tree.max_length for t in lengths]) > 0.95
        assert covered > 0.9 * len(lengths)  # e.g. x**(5/2) has no token: the corpus drops it
        assert set(nvars) <= set(range(prior.tree.max_vars + 1))
        assert nvars[2] > 50 and nvars[3] > 20


def test_custom_prior_from_toml(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\n[operators]\nmul = 1\nexp = 1\n[tree]\nmax_vars = 1\n')
    prior = load_prior(path)
    sampler = SkeletonSampler(prior)
    rng = np.random.default_rng(0)
    ops = {t for _ in range(200) for t in to_prefix(sampler.sample(rng))}
    assert ops <= {"mul", "exp", "pow", "x1", "C", "1", "2", "3", "4", "5", "-1", "add"}


@pytest.mark.parametrize("text, message", [
    ('[operators]\nfrob = 1\nadd = 1\n', "unknown operator"),
    ('[operators]\nsin = 1\n', "binary"),
    ('[tree]\nmax_opz = 3\n', "unknown settings"),
    ('[operators\n', "not valid TOML"),
    ('[templates]\nshare = 0.5\n', "forms"),
])
def test_bad_priors_are_reported(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_prior(path)


def test_unknown_preset():
    with pytest.raises(ValueError, match="presets"):
        load_prior("no-such-prior")


def test_templates_fill_holes():
    sampler = SkeletonSampler("physics")
    rng = np.random.default_rng(2)
    tree = Template("C*M*F(C*M)").build(2, rng, monomial=sampler._monomial,
                                        function=sampler._function,
                                        subtree=lambda k, r: sampler.random_tree(2, k, r))
    assert tree.n_constants() == 2 and tree.variables() <= {0, 1}
    with pytest.raises(TemplateError):
        Template("C*M*G(M)")
    with pytest.raises(TemplateError):
        Template("C*M +")


def test_physics_prior_can_produce_planck():
    """A prior made only of the form C*M*F(C*M) with F = bose finds Planck's skeleton."""
    data = load_prior("physics").to_dict()
    data["templates"].update(share=1.0, forms={"C*M*F(C*M)": 1.0}, functions={"bose": 1.0},
                             include=0.7)
    data["templates"]["exponents"] = {"-5": 1.0, "-1": 1.0}
    sampler = SkeletonSampler(PriorConfig.from_dict(data))
    rng = np.random.default_rng(0)
    planck = {"div C mul sub exp div C mul x1 x2 1 pow x1 5",
              "div C mul sub exp div C mul x1 x2 1 pow x2 5"}
    seen = {" ".join(to_prefix(canonical_skeleton(sampler.sample(rng)))) for _ in range(3000)}
    assert planck & seen


def test_support_and_constants():
    prior = load_prior("physics")
    rng = np.random.default_rng(0)
    X = sample_support(3, rng, prior.support, n_points=1000)
    assert X.shape == (1000, 3) and np.isfinite(X).all()
    lo, hi = prior.support.points
    sizes = [len(sample_support(1, rng, prior.support)) for _ in range(50)]
    assert min(sizes) >= lo and max(sizes) <= hi
    c = sample_constants(10_000, rng, prior.constants)
    assert np.all(np.abs(c) >= prior.constants.magnitude[0] * 0.999)
    assert np.mean(c < 0) == pytest.approx(prior.constants.negative, abs=0.02)
