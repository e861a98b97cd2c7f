"""The warnings and errors eqlearn raises, importable from every layer (as scikit-learn's
``sklearn.exceptions``)."""
from __future__ import annotations

__all__ = ["DataWarning", "FitError"]


class DataWarning(UserWarning):
    """Something about the data was changed or is suspicious."""


class FitError(RuntimeError):
    """No equation could be fitted to the data (every candidate failed)."""
