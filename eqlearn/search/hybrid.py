"""Neural-guided search: the model seeds the genetic programming and keeps proposing.

1. The model's fitted skeletons (beam search + sampling) seed every island.
2. Between epochs it is asked again, on what the current best equation ``f`` misses:
   skeletons ``g`` proposed for the residual ``y - f`` and for the ratio ``y / f`` become
   ``f + C*g`` and ``f*g`` candidates that migrate into the islands.
"""
from __future__ import annotations

import time

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tree import PLACEHOLDER, Expr, Node
from ..model.model import EquationModel
from .gp import GPConfig, run_search
from .mutations import Grammar
from .fitting import SearchSettings, fit_skeletons
from .neural import prior_macros, propose_skeletons
from .selection import Candidate

__all__ = ["grammar_for", "search_candidates", "DEFAULT_SEARCH_OPERATORS"]

DEFAULT_SEARCH_OPERATORS = {"add": 3.0, "sub": 2.0, "mul": 3.0, "div": 2.0, "pow": 1.0,
                            "sqrt": 0.5, "exp": 1.0, "log": 1.0, "sin": 1.0, "cos": 1.0}
MAX_SEEDS = 8  #: fitted proposals that join every island (more crowd out the search)
INJECT_EVERY = 4  #: epochs between two rounds of residual proposals from the model
_NESTED = {"exp": {"exp", "log"}, "log": {"exp", "log"}, "sin": {"sin", "cos"},
           "cos": {"sin", "cos"}, "sqrt": {"sqrt"}}


def grammar_for(n_vars: int, settings: SearchSettings,
                model: EquationModel | None = None) -> Grammar:
    """The search grammar: the allowed operators (default: a general set), no ``exp(exp)``,
    ``log(log)``, ``sin(cos)``… nestings, the complexity limit, and the macros of the
    priors the model was trained on (e.g. ``1/(exp(u) - 1)``) as insertable forms."""
    if settings.operators is None:
        ops = dict(DEFAULT_SEARCH_OPERATORS)
    else:
        ops = {name: DEFAULT_SEARCH_OPERATORS.get(name, 1.0) for name in settings.operators}
    nested = {k: v for k, v in _NESTED.items() if k in ops}
    grammar = Grammar(n_vars, ops, max_complexity=settings.max_complexity, nested=nested,
                      macros=prior_macros(model))
    grammar.macros = tuple(m for m in grammar.macros if grammar.valid(m))
    return grammar


def _residual_proposals(model: EquationModel, X, y, w, settings, best: Candidate, rng,
                        deadline: float, beam: int = 4) -> list[Expr]:
    """``f + C*g`` and ``f*g`` with ``g`` proposed for what ``f`` misses, fitted."""
    f = best.expr
    pred = evaluate(f, X)
    out: list[Expr] = []
    for kind, target in (("add", y - pred), ("mul", y / pred)):
        ok = np.isfinite(target)
        if ok.sum() < 5 or np.ptp(target[ok]) == 0 or time.perf_counter() > deadline:
            continue
        proposals = propose_skeletons(model, X[ok], target[ok], beam_size=beam, n_samples=0,
                                      rng=rng, deadline=deadline)
        fixed = f.skeleton()
        combined = [(Node("add", (fixed, Node("mul", (PLACEHOLDER, g)))) if kind == "add"
                     else Node("mul", (fixed, g)), lp) for g, lp in proposals]
        fits = fit_skeletons(combined, X, y, w, settings, deadline, source="hybrid")
        out += [c.expr for c in sorted(fits, key=lambda c: c.loss)[:2]]
    return out


def search_candidates(X, y, w, settings: SearchSettings, deadline: float, *,
                      model: EquationModel | None, seeds: list[Candidate],
                      cfg: GPConfig) -> tuple[list[Candidate], dict]:
    """Run the search (guided by ``model`` when given) until ``deadline``."""
    grammar = grammar_for(X.shape[1], settings, model)
    rng = np.random.default_rng(settings.random_state)
    seed_exprs = [c.expr for c in sorted(seeds, key=lambda c: c.loss)
                  if grammar.valid(c.expr)][:MAX_SEEDS]
    calls = {"n": 0}

    def inject(front: list[Candidate]) -> list[Expr]:
        calls["n"] += 1
        if model is None or not front or calls["n"] % INJECT_EVERY:
            return []
        best = min(front, key=lambda c: c.loss)
        budget = time.perf_counter() + min(1.0, max(0.0, deadline - time.perf_counter()) / 10)
        return [e for e in _residual_proposals(model, X, y, w, settings, best, rng, budget)
                if grammar.valid(e)]

    report = run_search(X, y, w, grammar, cfg, loss=settings.loss, deadline=deadline,
                        seeds=seed_exprs, random_state=settings.random_state, inject=inject)
    stats = {"evals": report.n_evals, "epochs": report.epochs, "seconds": report.seconds,
             "evals_per_second": report.n_evals / max(report.seconds, 1e-9),
             "progress": [[round(t, 3), n] for t, n in report.progress]}
    return report.candidates, stats
