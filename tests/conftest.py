import numpy as np
import pytest
import torch

from eqlearn.expr import Vocabulary
from eqlearn.model import EquationModel, ModelConfig


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """An untrained network of the tiny configuration, saved to a folder (its path)."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny")
    EquationModel(ModelConfig.tiny(), Vocabulary.build()).save(folder)
    return str(folder)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def well_conditioned(evaluate_at, X, values, rtol=1e-10):
    """Points where a 1e-12 relative nudge of the inputs moves the value by at most
    ``rtol`` (condition number <= 100). Elsewhere (sin of exp of a large number, ...)
    rounding inside any two correct implementations may differ by far more than 1e-9."""
    stable = np.ones(len(X), dtype=bool)
    for factor in (1 + 1e-12, 1 - 1e-12):
        with np.errstate(invalid="ignore"):
            stable &= np.abs(evaluate_at(X * factor) - values) <= rtol * np.abs(values)
    return stable
