"""QLattice as an optional peer: only when ``feyn`` is installed (never a dependency)."""
import numpy as np
import pytest
import sympy

from eqlearn.bench.methods import get_method


def test_qlattice_is_reported_missing_or_returns_a_readable_model():
    method = get_method("qlattice")
    if method.unavailable({}) is not None:
        assert "feyn" in method.unavailable({})
        pytest.skip("feyn is not installed")
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 2.0, (40, 1))
    y = 3.0 * x[:, 0] + 1.0
    est = method.make(3.0, 0)
    est.fit(x, y)
    model = sympy.sympify(method.model_sympy(est, ["speed"]))
    assert model.free_symbols == {sympy.Symbol("speed")}
    values = sympy.lambdify(sympy.Symbol("speed"), model, "numpy")(x[:, 0])
    np.testing.assert_allclose(values, est.predict(x), rtol=1e-6)
