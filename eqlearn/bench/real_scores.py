"""Scores of a model fitted to real measurements against the model their field accepts.

* **accepted form**: the model is an instance of the accepted family — the accepted model's
  constants can be fitted, to finite values, to reproduce the model's predictions on the
  data's inputs to an RMS relative error (per reading) of ``SAME_FORM`` — with no more
  constants and depending on the inputs; or an equally simple form: as many constants as
  the accepted model and a cross-validated error within ``CV_MARGIN`` of the accepted
  model's.
* **cv_rmse**: 5-fold cross-validated RMSE of the model's form (its constants refitted on
  each fold, from its own values), beside ``cv_rmse_accepted``: the same for the accepted
  model's least-squares fit (scipy's ``curve_fit`` from the given starting values).
* **n_constants**: the model's fitted constants (floats; exact rationals are structure).
* **interpolates**: as many constants as readings less one, or more.

numpy, scipy and sympy only; every sympy step has a time bound.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import sympy
from scipy.optimize import OptimizeWarning, curve_fit

from ..expr.evaluate import evaluate
from ..expr.export import from_sympy
from ..search.constant_fit import fit_constants
from ..timeout import call_with_timeout
from .metrics import parse_model

__all__ = ["CV_MARGIN", "SAME_FORM", "accepted_fit", "cv_rmse", "score_real"]

SAME_FORM = 1e-4   #: relative RMS within which the accepted family reproduces a model
CV_MARGIN = 0.10   #: an equally simple form's CV error may exceed the accepted's by this
LIMIT = 1e3        #: the family's constants reproducing a model stay within this factor
FOLDS = 5


def _accepted_function(accepted: str, constants: Sequence[str], variables: Sequence[str]):
    symbols = {n: sympy.Symbol(n) for n in [*constants, *variables]}
    expr = call_with_timeout(sympy.sympify, accepted, locals=symbols, timeout=5.0)
    f = sympy.lambdify([symbols[n] for n in [*constants, *variables]], expr, "numpy")
    return lambda X, *c: np.broadcast_to(f(*c, *np.asarray(X, float).T), (len(X),))


def accepted_fit(accepted: str, start: dict, variables: Sequence[str], X, y):
    """Least-squares constants of the accepted model on ``(X, y)`` from ``start`` (None when
    the fit fails)."""
    f = _accepted_function(accepted, list(start), variables)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", OptimizeWarning)
        try:
            p, _ = curve_fit(f, X, y, p0=list(start.values()), maxfev=20000)
        except (RuntimeError, ValueError, TypeError):
            return None
    return p if np.isfinite(p).all() else None


def _folds(n: int, seed: int = 0) -> list[np.ndarray]:
    return np.array_split(np.random.default_rng(seed).permutation(n), min(FOLDS, n))


def cv_rmse(predict_fold, n: int) -> float:
    """RMSE of ``predict_fold(train, test)`` over 5 folds of ``n`` rows."""
    errors = []
    for test in _folds(n):
        train = np.setdiff1d(np.arange(n), test)
        errors.append(predict_fold(train, test))
    e = np.concatenate(errors)
    return float(np.sqrt(np.mean(e * e))) if np.isfinite(e).all() else np.inf


def _model_tree(model: str, variables: Sequence[str]):
    return from_sympy(parse_model(model, variables), list(variables))


def score_real(model: str | None, variables: Sequence[str], X: np.ndarray, y: np.ndarray,
               accepted: str, start: dict) -> dict:
    """The scores above for ``model`` (a sympy string in ``variables``; None: unreadable)."""
    f = _accepted_function(accepted, list(start), variables)
    p = accepted_fit(accepted, start, variables, X, y)

    def accepted_fold(train, test):
        q = accepted_fit(accepted, dict(zip(start, p if p is not None else start.values())),
                         variables, X[train], y[train])
        return (f(X[test], *q) - y[test]) if q is not None else np.full(len(test), np.inf)

    out = {"cv_rmse_accepted": cv_rmse(accepted_fold, len(y)), "n_rows": len(y),
           "accepted_constants": len(start), "n_constants": None, "cv_rmse": None,
           "cv_ratio": None, "same_family": False, "accepted_form": False,
           "interpolates": None}
    if model is None:
        return out
    try:
        tree = _model_tree(model, variables)
    except (ValueError, TypeError, sympy.SympifyError):
        return out
    k = tree.n_constants()
    out.update(n_constants=k, interpolates=k >= len(y) - 1)
    out["cv_rmse"] = cv_rmse(lambda train, test: _refit_fold(tree, X, y, train, test), len(y))
    accepted_cv = out["cv_rmse_accepted"]
    out["cv_ratio"] = out["cv_rmse"] / accepted_cv if accepted_cv > 0 else (
        1.0 if out["cv_rmse"] == 0 else np.inf)
    out["same_family"] = bool(k <= len(start) and _reproduces(f, p, start, tree, X))
    out["accepted_form"] = out["same_family"] or (
        k == len(start) and out["cv_rmse"] <= (1 + CV_MARGIN) * out["cv_rmse_accepted"])
    return out


def _refit_fold(tree, X, y, train, test) -> np.ndarray:
    if tree.n_constants():
        fit = fit_constants(tree.skeleton(), X[train], y[train], n_restarts=0, time_limit=1.0,
                            init=[c.value for c in tree.constants()])
        tree = fit.expr
    with np.errstate(all="ignore"):
        return np.broadcast_to(evaluate(tree, X[test]), (len(test),)) - y[test]


def _reproduces(f, p, start: dict, tree, X) -> bool:
    """Whether the accepted family, its constants fitted to the model's predictions at the
    data's inputs and between them, reproduces them (relative RMS within ``SAME_FORM``)
    with finite constants: within ``LIMIT`` times the magnitude of the accepted model's own
    fit (a limit such as ``A·(1 − e^(−k·t))``, ``k → ∞``, for a constant is not the form)."""
    if tree.variables() == set() or p is None:
        return False
    rng = np.random.default_rng(0)  # the data's inputs and as many again between them
    X = np.vstack([X, rng.uniform(X.min(axis=0), X.max(axis=0), size=X.shape)])
    with np.errstate(all="ignore"):
        target = np.broadcast_to(evaluate(tree, X), (len(X),)).astype(float)
    if not np.isfinite(target).all():
        return False
    # per reading, so that a law over decades is matched at its small values too
    scale = np.maximum(np.abs(target), 1e-3 * (float(np.sqrt(np.mean(target ** 2))) or 1.0))
    for p0 in ([p] if p is not None else []) + [np.array(list(start.values()), float)]:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", OptimizeWarning)
            try:
                q, _ = curve_fit(f, X, target, p0=p0, maxfev=20000)
            except (RuntimeError, ValueError, TypeError):
                continue
        miss = np.sqrt(np.mean(((f(X, *q) - target) / scale) ** 2))
        bounded = np.all(np.abs(q) <= LIMIT * np.maximum(np.abs(p), 1.0))
        if np.isfinite(miss) and miss <= SAME_FORM and bounded:
            return True
    return False
