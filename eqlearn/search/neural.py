"""Skeletons proposed by the neural model for a data set.

Beam search and sampling give skeletons; equivalent ones are merged (canonical form) and
returned most probable first, for :func:`eqlearn.search.fitting.fit_skeletons` to fit.
"""
from __future__ import annotations

import numpy as np

from ..expr.export import parse_expr
from ..expr.simplify import canonical_skeleton
from ..expr.tokens import TokenError, from_prefix, to_prefix
from ..expr.tree import Expr
from ..model.model import EquationModel
from .decode import BeamDecoder, torch_threads
from .kernel import smoothed

__all__ = ["propose_skeletons", "prior_macros"]


def propose_skeletons(model: EquationModel, X: np.ndarray, y: np.ndarray, *, beam_size: int,
                      n_samples: int, rng: np.random.Generator, max_points: int = 200,
                      temperature: float = 1.0, deadline: float | None = None,
                      smooth: bool = False) -> list[tuple[Expr, float]]:
    """(canonical skeleton, model log-probability) pairs, most probable first, unique.

    The model reads distinct rows only (at most ``max_points`` of them). Decoding stops at
    ``deadline`` (a ``time.perf_counter`` value) with what is complete by then. With
    ``smooth`` it reads noisy data through a kernel model's fit
    (:func:`~eqlearn.search.kernel.smoothed`): it was trained on noise-free laws."""
    rows = np.unique(np.column_stack([X, y]), axis=0)
    X, y = rows[:, :-1], rows[:, -1]
    if len(y) > max_points:
        idx = rng.choice(len(y), max_points, replace=False)
        X, y = X[idx], y[idx]
    if smooth:
        fitted = smoothed(X, y)
        y = y if fitted is None else fitted
    decoder = BeamDecoder(model)
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


