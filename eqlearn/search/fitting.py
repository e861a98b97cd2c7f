"""Fitting skeletons' constants to the data: the settings every stage shares, the
baselines every fit tries, and the normalised loss that makes fits comparable."""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ..exceptions import DataWarning
from ..expr.evaluate import weighted_variance
from ..expr.operators import OPERATORS
from ..expr.simplify import canonical_skeleton
from ..expr.tree import PLACEHOLDER, Expr, Node, Var
from .constant_fit import fit_constants
from .selection import Candidate, complexity

__all__ = ["LOSSES", "SearchSettings", "allowed_skeleton", "baseline_skeletons", "fit_skeletons",
           "nonzero_targets", "operator_names", "related_columns", "resolve_loss"]

LOSSES = ("auto", "mse", "relative", "log", "huber")  #: what a fit may minimise


@dataclass(frozen=True)
class SearchSettings:
    """How candidates are fitted and scored (resolved from the estimator's parameters)."""

    loss: str = "mse"               #: "mse", "relative", "log" or "huber"
    operators: frozenset | None = None  #: allowed operator names (None: all)
    max_complexity: int = 40
    n_restarts: int = 3
    fit_time: float = 1.0           #: seconds per candidate fit
    random_state: int = 0
    max_constants: int | None = None  #: at most this many free constants (None: no limit);
                                    #: a fit sets half its points, so that no candidate
                                    #: interpolates and every fit keeps degrees of freedom


def allowed_skeleton(skeleton: Expr, settings: SearchSettings) -> bool:
    if settings.operators is not None:
        ops = {n.op for n in skeleton.preorder() if isinstance(n, Node)}
        if not ops <= settings.operators:
            return False
    return complexity(skeleton) <= settings.max_complexity


def fit_skeletons(skeletons: Iterable[tuple[Expr, float]], X: np.ndarray, y: np.ndarray,
                  weight: np.ndarray, settings: SearchSettings, deadline: float,
                  source: str = "neural", on_fit: Callable[[], None] | None = None,
                  warm: bool = False) -> list[Candidate]:
    """Fit each allowed skeleton (until ``deadline``, a ``time.perf_counter`` value);
    baselines are exempt from the operator and complexity limits and from the deadline (a
    fit always has an answer, however short its budget). With ``warm`` the "skeletons" are
    fitted equations: their constants are refitted from their values."""
    out = []
    scale = _loss_scale(y, weight, settings.loss)
    for skeleton, log_prob in skeletons:
        if time.perf_counter() > deadline and source != "baseline":
            break
        if source != "baseline" and not allowed_skeleton(skeleton, settings):
            continue
        if settings.max_constants is not None and \
                skeleton.n_constants() > max(1, settings.max_constants):
            continue
        budget = min(settings.fit_time, max(0.05, deadline - time.perf_counter()))
        init = [c.value for c in skeleton.constants()] if warm else None
        fit = fit_constants(skeleton.skeleton() if warm else skeleton, X, y,
                            sample_weight=weight, loss=settings.loss, init=init,
                            n_restarts=settings.n_restarts, time_limit=budget,
                            random_state=settings.random_state)
        if on_fit is not None:
            on_fit()
        if not np.isfinite(fit.loss):
            continue
        if warm:  # what was passed is an equation, not its canonical skeleton
            skeleton = canonical_skeleton(fit.expr)
        out.append(Candidate(fit.expr, fit.loss / scale, complexity(fit.expr), source,
                             {"log_prob": log_prob, "skeleton": skeleton}))
    return out


def _loss_scale(y: np.ndarray, w: np.ndarray, loss: str) -> float:
    """Normaliser that makes losses comparable across problems (1 = predicting the mean)."""
    if loss in ("relative", "log"):
        return 1.0
    var = weighted_variance(y, w)
    return var if var > 0 else 1.0


def baseline_skeletons(n_features: int) -> list[tuple[Expr, float]]:
    """Skeletons always tried: a constant and a linear model in all variables."""
    linear: Expr = PLACEHOLDER
    for j in range(n_features):
        linear = Node("add", (Node("mul", (PLACEHOLDER, Var(j))), linear))
    return [(PLACEHOLDER, 0.0), (canonical_skeleton(linear), 0.0)]


def operator_names(names: Iterable[str] | None) -> frozenset | None:
    if names is None:
        return None
    names = frozenset(names)
    unknown = names - set(OPERATORS)
    if unknown:
        raise ValueError(f"unknown operators {sorted(unknown)}; known: {', '.join(OPERATORS)}")
    return names


def related_columns(X: np.ndarray, y: np.ndarray, max_vars: int) -> list[int]:
    """All columns, or the ``max_vars`` most related to y (|Spearman ρ|) when there are
    more, in column order."""
    if X.shape[1] <= max_vars:
        return list(range(X.shape[1]))
    from scipy.stats import spearmanr

    score = [abs(np.nan_to_num(spearmanr(X[:, j], y)[0])) for j in range(X.shape[1])]
    return sorted(np.argsort(score)[::-1][:max_vars].tolist())


def resolve_loss(loss: str, y: np.ndarray, *, max_zero_share: float = 0.1,
                 log_span: float = 3.0, log_bulk_span: float = 1.0) -> str:
    """The loss a fit uses: ``loss`` itself, or for ``"auto"`` the log loss when y has one
    sign (at most ``max_zero_share`` zeros) and spans more than ``log_span`` decades with
    its middle half over ``log_bulk_span``, else ``"mse"``."""
    nonzero = y[y != 0]
    one_sign = np.all(nonzero > 0) or np.all(nonzero < 0)  # too few: nonzero_targets
    if loss == "log" and not one_sign:
        raise ValueError("loss='log' needs a target of one sign (zeros aside)")
    if loss != "auto":
        return loss
    if not one_sign or np.mean(y == 0) > max_zero_share:
        return "mse"
    decades = np.log10(np.abs(nonzero))
    q1, q3 = np.quantile(decades, [0.25, 0.75])
    spread = decades.max() - decades.min() > log_span and q3 - q1 > log_bulk_span
    return "log" if spread else "mse"


def nonzero_targets(y: np.ndarray, min_points: int = 5) -> np.ndarray:
    """The rows the log loss can use (``y != 0``: not a reading that underflowed or fell
    below detection); a warning says how many are left out, an error if too few remain."""
    keep = y != 0
    if keep.all():
        return keep
    if keep.sum() < min_points:
        raise ValueError(f"need at least {min_points} rows with y != 0 for the log loss")
    warnings.warn(f"left {int((~keep).sum())} of {len(keep)} rows with y == 0 out of the fit: "
                  "the log loss cannot use them", DataWarning, stacklevel=5)
    return keep
