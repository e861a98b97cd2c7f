"""The kernel model's smooth fit, through which the network reads noisy data: against the
planted law it comes from (the reference), and left alone where there is no noise."""
import numpy as np
import pytest

from eqlearn.search.kernel import smoothed


def _law(X):
    return X[:, 0] * np.exp(-X[:, 1] / 2) + np.sin(X[:, 0])


def _data(noise: float, seed: int = 0, n: int = 200):
    rng = np.random.default_rng(seed)
    X = rng.uniform(1, 5, (n, 2))
    f = _law(X)
    return X, f, f + noise * np.sqrt(np.mean(f**2)) * rng.normal(size=n)


@pytest.mark.parametrize("noise", [0.01, 0.1])
@pytest.mark.parametrize("seed", [0, 1])
def test_noisy_readings_are_smoothed_toward_the_law(noise, seed):
    X, f, y = _data(noise, seed)
    fit = smoothed(X, y)
    assert fit is not None
    rms = lambda v: np.sqrt(np.mean((v - f) ** 2))  # noqa: E731
    assert rms(fit) < 0.5 * rms(y)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_free_readings_are_left_as_they_are(seed):
    X, f, y = _data(0.0, seed)
    assert smoothed(X, y) is None


def test_a_law_too_hard_for_the_kernel_is_not_taken_for_noise():
    """sin(x^1.5)·x over 0…10, noise-free: the kernel misfits it, but its residuals follow
    their neighbours', as no noise does."""
    x = np.random.default_rng(3).uniform(0, 10, 200)
    assert smoothed(x[:, None], np.sin(x**1.5) * x) is None


def test_a_law_over_decades_is_not_smoothed():
    """Planck's shape over 1e-3…1e2 (y over 40 decades, some readings underflowing to 0):
    relative noise or none, the kernel in y would misfit it everywhere alike."""
    x = np.geomspace(1e-3, 1e2, 200)
    with np.errstate(over="ignore"):
        y = x**3 / np.expm1(x)
    rng = np.random.default_rng(4)
    for noisy in (y, y * (1 + 0.05 * rng.normal(size=200))):
        assert smoothed(x[:, None], noisy) is None


def test_too_few_or_unusable_readings_give_none():
    X, f, y = _data(0.1, n=8)
    assert smoothed(X, y) is None
    X, f, y = _data(0.1)
    y[3] = np.nan
    assert smoothed(X, y) is None
    assert smoothed(X, np.full(200, 2.0)) is None


@pytest.mark.parametrize("noise", [0.0, 0.1])
def test_the_network_reads_noisy_data_through_the_smooth_fit(tiny_model, monkeypatch, noise):
    """What the decoder is given: the smooth fit of noisy readings, the readings themselves
    when noise-free (or when smoothing is off)."""
    from eqlearn.model import EquationModel
    from eqlearn.search import neural
    model = EquationModel.load(tiny_model)
    seen = []
    real = neural.BeamDecoder.memory

    def memory(self, X, y):
        seen.append(np.array(y))
        return real(self, X, y)
    monkeypatch.setattr(neural.BeamDecoder, "memory", memory)
    X, f, y = _data(noise)
    for smooth in (True, False):
        neural.propose_skeletons(model, X, y, beam_size=2, n_samples=0,
                                 rng=np.random.default_rng(0), smooth=smooth)
    rows = np.unique(np.column_stack([X, y]), axis=0)
    expected = smoothed(rows[:, :-1], rows[:, -1]) if noise else None
    np.testing.assert_allclose(seen[0], rows[:, -1] if expected is None else expected)
    np.testing.assert_allclose(seen[1], rows[:, -1])
    assert (noise > 0) == (expected is not None)
