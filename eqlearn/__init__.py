"""eqlearn: learned symbolic regression.

>>> from eqlearn import EquationRegressor
"""
__version__ = "0.1.0"

__all__ = ["EquationRegressor", "Equation", "__version__"]


def __getattr__(name):  # keep `import eqlearn` light: torch loads only when needed
    if name in ("EquationRegressor", "Equation"):
        from . import estimator

        return getattr(estimator, name)
    raise AttributeError(f"module 'eqlearn' has no attribute {name!r}")
