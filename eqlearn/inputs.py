"""Checking what users give ``fit``: clear messages, never a traceback from deep inside numpy.

* numpy arrays, lists and pandas DataFrames (column names become variable names), checked by
  scikit-learn's ``validate_data`` first (shapes, dtypes, sparse input, complex numbers);
* rows with NaN/inf in X or y are dropped with a warning (an error if too few remain);
* wrong shapes, strings (a DataFrame's text columns by name), too few points, non-finite
  sample weights: ``ValueError`` saying so;
* a constant target is allowed and gives the constant equation (with a warning).
"""
from __future__ import annotations

import numbers
import re
import warnings
from dataclasses import dataclass

import numpy as np

from .exceptions import DataWarning
from .search.choice import RULES
from .search.fitting import LOSSES, operator_names

__all__ = ["FitData", "check_fit_data", "check_predict_data", "check_choices", "check_n_jobs",
           "non_numeric_columns", "describe_columns", "MIN_POINTS", "DataWarning"]

MIN_POINTS = 5


@dataclass
class FitData:
    X: np.ndarray            #: (n, d) float64, finite
    y: np.ndarray            #: (n,) float64, finite
    weight: np.ndarray       #: (n,) float64, positive
    names: list[str]         #: variable names
    n_dropped: int           #: rows dropped for NaN/inf
    rows: np.ndarray | None = None  #: (n,) the kept rows' indices in the given X


def _names(X, given, n_features: int) -> list[str]:
    """Variable names: given ones, else string DataFrame columns (made identifiers), else
    x1, x2, …"""
    if given is not None:
        names = [str(n) for n in given]
        bad = [n for n in names if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
        if bad:
            raise ValueError(f"variable names must be identifiers (letters, digits, _): {bad}")
    elif hasattr(X, "columns") and all(isinstance(c, str) for c in X.columns):
        names = [_identifier(c) for c in X.columns]
    else:
        names = [f"x{i + 1}" for i in range(n_features)]
    if len(names) != n_features:
        raise ValueError(f"{len(names)} variable names for {n_features} columns of X")
    if len(set(names)) != len(names):
        raise ValueError(f"variable names must be distinct, got {names}")
    return names


def _identifier(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", name.strip()) or "x"
    return name if re.match(r"[A-Za-z_]", name) else f"x_{name}"


def non_numeric_columns(X) -> dict[str, object]:
    """A DataFrame's columns that hold text (or dates, ...), each with a value that is no
    number; empty for other inputs and for text columns whose values all read as numbers."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc")):
        return {}
    import pandas as pd

    bad = {}
    for i, name in enumerate(X.columns):
        col = X.iloc[:, i]
        if pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        values = pd.Series(np.asarray(col, dtype=object))
        if (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)
                or isinstance(col.dtype, pd.CategoricalDtype)):
            failed = pd.to_numeric(values, errors="coerce").isna() & values.notna()
        else:  # datetimes, timedeltas, periods, intervals
            failed = values.notna()
        if failed.any():
            bad[str(name)] = values[failed].iloc[0]
    return bad


def describe_columns(bad: dict[str, object]) -> str:
    """``"'city' (e.g. 'Paris'), 'date' (e.g. '2024-01-02')"`` for :func:`non_numeric_columns`."""
    return ", ".join(f"{name!r} (e.g. {value!r})" for name, value in bad.items())


def _check_numeric_columns(X) -> None:
    bad = non_numeric_columns(X)
    if bad:
        it = "them" if len(bad) > 1 else "it"
        raise ValueError(f"X has non-numeric column{'s' * (len(bad) > 1)}: "
                         f"{describe_columns(bad)}; convert {it} to numbers or drop {it}")


def _numeric_target(y) -> np.ndarray:
    arr = np.asarray(y)
    if arr.dtype.kind in "USO":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            name = f" ({y.name!r})" if getattr(y, "name", None) is not None else ""
            raise ValueError(f"y{name} must be numeric: could not convert its values to "
                             "float") from None
    if arr.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    return arr


def _n_rows(X) -> int:
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take_rows(X, keep: np.ndarray):
    if hasattr(X, "iloc"):
        return X.iloc[np.flatnonzero(keep)]
    return np.asarray(X)[keep] if not isinstance(X, list) else [r for r, k in zip(X, keep) if k]


def check_fit_data(estimator, X, y, sample_weight=None, variable_names=None) -> FitData:
    """Validate and clean training data (scikit-learn's checks, then ours)."""
    from sklearn.utils.validation import _check_sample_weight, validate_data

    if y is None:
        raise ValueError("requires y to be passed, but the target y is None")
    _check_numeric_columns(X)
    names_source = X
    y_arr = _numeric_target(y)
    bad_y = ~np.isfinite(y_arr) if y_arr.ndim == 1 else np.zeros(len(y_arr), dtype=bool)
    if bad_y.any() and len(bad_y) == _n_rows(X):  # sklearn wants a finite y: drop rows first
        X, y_arr = _take_rows(X, ~bad_y), y_arr[~bad_y]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[~bad_y]
    Xa, ya = validate_data(estimator, X, y_arr, accept_sparse=False, ensure_all_finite=False,
                           dtype=np.float64, y_numeric=True, ensure_min_samples=MIN_POINTS)
    w = _check_sample_weight(sample_weight, Xa, dtype=np.float64, ensure_non_negative=True)
    if not np.all(np.isfinite(w)):
        raise ValueError("sample_weight must be finite")
    if np.all(w == 0):
        raise ValueError("sample weights are all zero: nothing to fit")
    names = _names(names_source, variable_names, Xa.shape[1])
    keep = np.isfinite(Xa).all(axis=1) & (w > 0)
    n_dropped = int((~keep).sum()) + int(bad_y.sum())
    if n_dropped:
        warnings.warn(f"dropped {n_dropped} of {len(bad_y)} rows with NaN/inf values or zero "
                      "weight", DataWarning, stacklevel=3)
    Xa, ya, w = Xa[keep], ya[keep], w[keep]
    if len(ya) < MIN_POINTS:
        raise ValueError(f"need at least {MIN_POINTS} rows with finite values, got {len(ya)}")
    given = np.flatnonzero(~bad_y) if len(bad_y) == len(keep) + int(bad_y.sum()) else None
    rows = (given if given is not None else np.arange(len(keep)))[keep]
    return FitData(Xa, ya, w, names, n_dropped, rows)


def check_predict_data(estimator, X) -> np.ndarray:
    """Validate inputs of predict (same columns as in fit; NaN/inf give NaN predictions)."""
    from sklearn.utils.validation import validate_data

    return validate_data(estimator, X, reset=False, accept_sparse=False,
                         ensure_all_finite=False, dtype=np.float64)


def sigma_weights(sigma, sample_weight):
    """The weights of readings with standard deviations ``sigma`` (``1/σ²``; one σ for all
    or one per row), or ``sample_weight`` when no σ is given; a clear error for both, or for
    a σ that is not positive and finite."""
    if sigma is None:
        return sample_weight
    if sample_weight is not None:
        raise ValueError("give sigma (the readings' standard deviations) or sample_weight, "
                         "not both")
    s = np.asarray(sigma, dtype=float)
    if s.ndim > 1 or not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise ValueError("sigma must be positive and finite: one value, or one per row")
    return 1.0 / s ** 2


def check_choices(estimator) -> None:
    """The estimator's named choices (loss, selection, operators) checked: a clear
    ``ValueError`` for an unknown one."""
    for name, value, known in (("loss", estimator.loss, LOSSES),
                               ("selection", estimator.selection, RULES)):
        if value not in known:
            raise ValueError(f"unknown {name} {value!r}: one of {', '.join(known)}")
    operator_names(estimator.operators)


def check_n_jobs(n_jobs, workers=None) -> int | None:
    """``n_jobs`` checked (None or a non-zero integer, as scikit-learn reads it), or the
    deprecated ``workers`` in its place when that is given, with a ``FutureWarning``."""
    if workers is not None:
        warnings.warn(f"workers={workers!r} is deprecated and will be removed in the next "
                      f"release: use n_jobs={workers!r} (scikit-learn's name)", FutureWarning,
                      stacklevel=3)
        n_jobs = workers
    if n_jobs is not None and (isinstance(n_jobs, bool) or n_jobs == 0
                               or not isinstance(n_jobs, numbers.Integral)):
        raise ValueError(f"n_jobs must be None or a non-zero integer, got {n_jobs!r}")
    return None if n_jobs is None else int(n_jobs)
