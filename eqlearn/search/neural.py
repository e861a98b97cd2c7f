"""Candidate equations proposed by the neural model and fitted to the data.

Beam search and sampling give skeletons; equivalent ones are merged (canonical form), those
using operators outside the allowed set or above the complexity limit are dropped, and the
rest are fitted in order of model probability until the time budget is spent.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ..data.generate import canonical_skeleton
from ..expr.export import parse_expr
from ..expr.operators import OPERATORS
from ..expr.tokens import TokenError, from_prefix, to_prefix
from ..expr.tree import Expr, Node
from ..model.model import EquationModel
from .constants import fit_constants
from .decode import SkeletonDecoder, torch_threads
from .selection import Candidate, complexity

__all__ = ["SearchSettings", "propose_skeletons", "fit_skeletons", "allowed_skeleton",
           "prior_macros", "related_columns"]


@dataclass(frozen=True)
class SearchSettings:
    """How candidates are fitted and scored (resolved from the estimator's parameters)."""

    loss: str = "mse"               #: "mse", "relative", "log" or "huber"
    operators: frozenset | None = None  #: allowed operator names (None: all)
    max_complexity: int = 40
    n_restarts: int = 3
    fit_time: float = 1.0           #: seconds per candidate fit
    random_state: int = 0


def allowed_skeleton(skeleton: Expr, settings: SearchSettings) -> bool:
    if settings.operators is not None:
        ops = {n.op for n in skeleton.preorder() if isinstance(n, Node)}
        if not ops <= settings.operators:
            return False
    return complexity(skeleton) <= settings.max_complexity


def propose_skeletons(model: EquationModel, X: np.ndarray, y: np.ndarray, *, beam_size: int,
                      n_samples: int, rng: np.random.Generator, max_points: int = 200,
                      temperature: float = 1.0,
                      deadline: float | None = None) -> list[tuple[Expr, float]]:
    """(canonical skeleton, model log-probability) pairs, most probable first, unique.

    The model reads distinct rows only (at most ``max_points`` of them). Decoding stops at
    ``deadline`` (a ``time.perf_counter`` value) with what is complete by then."""
    rows = np.unique(np.column_stack([X, y]), axis=0)
    X, y = rows[:, :-1], rows[:, -1]
    if len(y) > max_points:
        idx = rng.choice(len(y), max_points, replace=False)
        X, y = X[idx], y[idx]
    decoder = SkeletonDecoder(model)
    with torch_threads(1):
        memory = decoder.memory(X, y)
        hyps = decoder.beam_search(X, y, beam_size=beam_size, memory=memory,
                                   deadline=deadline) if beam_size else []
        if n_samples:
            hyps += decoder.sample(X, y, n=n_samples, temperature=temperature,
                                   seed=int(rng.integers(2**31)), memory=memory,
                                   deadline=deadline)
    out: dict[tuple[str, ...], float] = {}
    for h in sorted(hyps, key=lambda h: -h.log_prob):
        try:
            skeleton = canonical_skeleton(from_prefix(list(h.tokens)))
        except TokenError:
            continue
        key = tuple(to_prefix(skeleton))
        if key not in out:
            out[key] = h.log_prob
    return [(from_prefix(list(k)), lp) for k, lp in out.items()]


def fit_skeletons(skeletons: Iterable[tuple[Expr, float]], X: np.ndarray, y: np.ndarray,
                  weight: np.ndarray, settings: SearchSettings, deadline: float,
                  source: str = "neural", on_fit: Callable[[], None] | None = None,
                  warm: bool = False) -> list[Candidate]:
    """Fit each allowed skeleton (until ``deadline``, a ``time.perf_counter`` value);
    baselines are exempt from the operator and complexity limits. With ``warm`` the
    "skeletons" are fitted equations: their constants are refitted from their values."""
    out = []
    scale = _loss_scale(y, weight, settings.loss)
    for skeleton, log_prob in skeletons:
        if time.perf_counter() > deadline:
            break
        if source != "baseline" and not allowed_skeleton(skeleton, settings):
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
    var = float(np.average((y - np.average(y, weights=w)) ** 2, weights=w))
    return var if var > 0 else 1.0


def baseline_skeletons(n_features: int) -> list[tuple[Expr, float]]:
    """Skeletons always tried: a constant and a linear model in all variables."""
    from ..expr.tree import PLACEHOLDER, Var

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


def prior_macros(model: EquationModel | None) -> tuple[Expr, ...]:
    """Unary macro bodies (in ``x1``) of the priors recorded with ``model``."""
    if model is None:
        return ()
    bodies = {}
    for prior in model.meta.get("priors", {}).values():
        for name, macro in prior.get("macros", {}).items():
            body = parse_expr(macro["body"], ["u", "v"])
            if body.variables() == {0}:
                bodies[name] = body
    return tuple(bodies[k] for k in sorted(bodies))


def related_columns(X: np.ndarray, y: np.ndarray, max_vars: int) -> list[int]:
    """All columns, or the ``max_vars`` most related to y (|Spearman ρ|) when there are
    more, in column order."""
    if X.shape[1] <= max_vars:
        return list(range(X.shape[1]))
    from scipy.stats import spearmanr

    score = [abs(np.nan_to_num(spearmanr(X[:, j], y)[0])) for j in range(X.shape[1])]
    return sorted(np.argsort(score)[::-1][:max_vars].tolist())
