"""The last step of a fit, in the user's variables: polish each front member's constants on
all rows, choose one equation, and say how well each member's constants are determined.

Rules (``rule``):

* ``"auto"`` (the estimator's default) — with an exact fit (noise-free data) as ``"best"``;
  otherwise the shortest description of the data (minimum description length): the
  residuals' code, ``n/2·ln(RSS/n)`` (``χ²/2`` with the readings' σ known), plus
  ``ln(n)/2`` per free constant (and per exact number that is no simple fraction, such as
  the ``1/10`` of ``x/10``), plus ``ln(symbols)`` per unit of complexity for the form
  itself — so an extra constant or operator must buy its cost in fit, and noise buys none;
  on 10 to 30 readings among the members whose residuals are consistent with the noise
  (:mod:`eqlearn.search.lack_of_fit`), where any is;
* ``"validation"`` — the simplest member that predicts left-out readings as well as the best
  within the noise (:mod:`eqlearn.search.validation`);
* ``"best"``, ``"accuracy"``, ``"simplest"`` — on the training loss
  (:func:`eqlearn.search.selection.select`).
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from threadpoolctl import threadpool_limits

from ..exceptions import DataWarning
from ..expr.evaluate import evaluate, weighted_variance
from ..expr.coefficients import exact_numbers
from .lack_of_fit import consistent_with_noise, member_reference, noise_reference
from .outliers import OutlierPlan, residual_outliers
from .rewrite import drop_roundoff
from .selection import (ROUNDOFF, Candidate, dominated_near_ties, model_price,
                        pareto_front, select, symbol_count)
from .snapping import snap_front
from .uncertainty import (ConstantErrors, constant_errors, polish_constants,
                          refit_constants)
from .validation import ValidationPlan, choose_by_validation, cross_validation_errors

__all__ = ["Choice", "N_OPERATORS", "RULES", "choose_equation", "choose_robustly",
           "description_lengths", "on_all_rows"]

RULES = ("auto", "validation", "best", "accuracy", "simplest")
N_OPERATORS = 10  #: operators a form's code counts when the user names none: the search's
                  #: default set (hybrid.DEFAULT_SEARCH_OPERATORS; not imported: no torch here)


@dataclass
class Choice:
    """The front (constants polished), the chosen member and how it was chosen, and every
    member's constant errors."""

    front: list[Candidate]
    index: int
    rule: str                        #: the rule that decided: "best", "mdl", "validation", …
    errors: list[ConstantErrors]
    scores: np.ndarray | None = None  #: per member: description length ("mdl") or mean
                                      #: left-out error ("validation")
    outliers: np.ndarray | None = None  #: per row: set aside as an outlier


def choose_equation(front: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray, *,
                    loss: str, rule: str = "auto", sigma: np.ndarray | None = None,
                    deadline: float = np.inf, random_state: int = 0,
                    n_operators: int = N_OPERATORS,
                    plan: ValidationPlan = ValidationPlan()) -> Choice:
    """Choose on ``front`` (by complexity, constants and loss; simplest first; in the user's
    variables) fitted to ``X, y`` with weights ``w`` (``1/σ²`` when ``sigma`` is given);
    ``n_operators``: how many operators the forms could use (with the variables and the
    constant, the symbols a form is written with)."""
    if rule not in RULES:
        raise ValueError(f"unknown selection {rule!r}: one of {', '.join(RULES)}")
    exact = min(c.loss for c in front) < ROUNDOFF
    if not exact:
        front = _polished(front, X, y, w, loss, deadline)
    front = [drop_roundoff(c, X, y, loss=_error_loss(loss)) for c in front]
    errors = [constant_errors(c.expr, X, y, w, sigma=sigma, loss=_error_loss(loss))
              for c in front]
    if rule == "auto" and not exact:
        n_symbols = symbol_count(n_operators, X.shape[1])

        def length(c: Candidate, e: ConstantErrors) -> float:
            return description_lengths([c], [e], y, w, n_symbols, sigma is not None, loss)[0]

        front, errors = snap_front(front, errors, X, y, w, loss=_error_loss(loss), sigma=sigma,
                                   deadline=deadline, length=length)
    drop = set(dominated_near_ties(front))  # those snapping did not make shorter
    front = [c for i, c in enumerate(front) if i not in drop]
    errors = [e for i, e in enumerate(errors) if i not in drop]
    if exact or rule in ("best", "accuracy", "simplest"):
        rule = "best" if rule in ("auto", "validation") else rule
        return Choice(front, _by_loss(front, rule), rule, errors)
    if rule == "auto":
        lengths = description_lengths(front, errors, y, w, n_symbols, sigma is not None, loss)
        if sigma is None and _error_loss(loss) == "mse":
            lengths = _noise_consistent(lengths, front, errors, X, y, w, deadline,
                                        random_state)
        return Choice(front, int(np.argmin(lengths)), "mdl", errors, scores=lengths)
    # validation, simplest first: complexity with each free constant counted twice (a node
    # and a degree of freedom); constants the data cannot determine put a member last
    order = sorted(range(len(front)), key=lambda i: (
        not np.isfinite(errors[i].stderr).all(),
        front[i].complexity + len(errors[i].values), len(errors[i].values)))
    cv = cross_validation_errors([front[i].expr for i in order], X, y, w, loss, deadline, plan,
                                 random_state)
    if np.isnan(cv).any(axis=1).all():  # no time left to validate: the training loss
        return Choice(front, _by_loss(front, "best"), "best", errors)
    means = np.full(len(front), np.nan)
    means[order] = [np.nan if np.isnan(row).any() else row.mean() for row in cv]
    return Choice(front, order[choose_by_validation(cv, plan)], "validation", errors,
                  scores=means)


def description_lengths(front: list[Candidate], errors: list[ConstantErrors], y: np.ndarray,
                        w: np.ndarray, n_symbols: int, absolute: bool,
                        loss: str = "mse") -> np.ndarray:
    """Description length (nats, up to a common constant) of the data with each member:
    residuals, constants and form; infinite for constants the data cannot determine.
    Residual sums below round-off (``1e-16`` of the variance per reading) tie."""
    n = len(y)
    spread = 1.0 if loss in ("log", "relative") else weighted_variance(y, w)
    floor = n * 1e-16 * max(spread, np.finfo(float).tiny)
    out = np.full(len(front), np.inf)
    for i, (c, e) in enumerate(zip(front, errors)):
        if not np.isfinite(e.rss) or not np.isfinite(e.stderr).all():
            continue
        fit = e.rss / 2 if absolute else n / 2 * np.log(max(e.rss, floor) / n)
        k = len(e.values) + fitted_numbers(c.expr)
        out[i] = fit + model_price(k, c.complexity, n, n_symbols)
    if not np.isfinite(out).any():  # every member has a constant the data cannot tell:
        out = np.array([c.complexity for c in front], dtype=float)  # the simplest
    return out


def fitted_numbers(expr) -> int:
    """Exact numbers of ``expr`` (:func:`~eqlearn.expr.coefficients.exact_numbers`) that are
    not simple, p/q with q ≤ 4 and |p| ≤ 20: the ``1/10`` of an ``x/10`` that rescaled data
    left is a constant chosen to fit, and is charged as one."""
    return sum(q.denominator > 4 or abs(q.numerator) > 20 for q in exact_numbers(expr))


@threadpool_limits.wrap(limits=1, user_api="blas")  # small matrices: threads would contend
def choose_robustly(front: list[Candidate], X: np.ndarray, y: np.ndarray, w: np.ndarray,
                    set_aside: np.ndarray, *, loss: str, sigma: np.ndarray | None = None,
                    sample: np.ndarray | None = None, all_rows_at: float = np.inf,
                    plan: OutlierPlan = OutlierPlan(), **choose) -> Choice:
    """:func:`choose_equation` without the readings ``set_aside``, then again without the
    readings the chosen equation misses by far (:func:`residual_outliers`) until those
    agree (at most three rounds); ``Choice.outliers`` marks them, with a warning.

    Large data: with ``sample`` (per row: seen by the search) the choice is made so on those
    rows, until ``all_rows_at``, and then carried to all rows (:func:`on_all_rows`)."""
    if sample is None:
        choice = _robust_choice(front, X, y, w, set_aside, loss, sigma, plan, choose)
    else:
        s = np.flatnonzero(sample)
        deadline = choose.pop("deadline", np.inf)
        choice = _robust_choice(front, X[s], y[s], w[s], set_aside[s], loss,
                                None if sigma is None else sigma[s], plan,
                                {**choose, "deadline": min(deadline, all_rows_at)})
        choice = on_all_rows(choice, X, y, w, loss=loss, sigma=sigma, deadline=deadline,
                             plan=plan)
    if choice.outliers.any():
        warnings.warn(f"{int(choice.outliers.sum())} of {len(y)} readings set aside as "
                      "outliers (the chosen equation misses them by far more than the "
                      "others; see outliers_)", DataWarning, stacklevel=4)
    return choice


def _robust_choice(front, X, y, w, set_aside, loss: str, sigma, plan: OutlierPlan,
                   choose: dict) -> Choice:
    aside = np.asarray(set_aside, bool).copy()
    for _ in range(3):
        keep = ~aside
        choice = choose_equation(front, X[keep], y[keep], w[keep], loss=loss,
                                 sigma=None if sigma is None else sigma[keep], **choose)
        with np.errstate(all="ignore"):
            pred = evaluate(choice.front[choice.index].expr, X)
        found = residual_outliers(pred, y, loss, sigma, plan)
        if (found == aside).all():
            break
        aside, front = found, choice.front
    choice.outliers = aside
    return choice


def on_all_rows(choice: Choice, X: np.ndarray, y: np.ndarray, w: np.ndarray, *, loss: str,
                sigma: np.ndarray | None = None, deadline: float = np.inf,
                plan: OutlierPlan = OutlierPlan()) -> Choice:
    """A choice made on a sample of the rows, carried to all of them: the outliers read
    from the chosen member's residuals on all rows; each member's constants polished on the
    others (:func:`~eqlearn.search.uncertainty.polish_constants`, one pass over the rows per
    step) and their errors computed there: the chosen member first, whatever the clock,
    then the others, simplest first, until ``deadline``. A member not reached keeps the
    sample's constants and errors (its ``ConstantErrors.n`` says on how many rows). The
    index, the rule and the scores stay the sample's."""
    with np.errstate(all="ignore"):
        pred = evaluate(choice.front[choice.index].expr, X)
    aside = residual_outliers(pred, y, loss, sigma, plan)
    del pred
    if aside.any():
        keep = ~aside
        X, y, w, sigma = X[keep], y[keep], w[keep], None if sigma is None else sigma[keep]
    front, errors = list(choice.front), list(choice.errors)
    exact = min(c.loss for c in front) < ROUNDOFF
    for i in [choice.index] + [j for j in range(len(front)) if j != choice.index]:
        now = time.perf_counter()
        if i != choice.index and now >= deadline:
            break
        if not exact:  # the member's share of the time left; the chosen one's at least
            # three steps (passes over the rows), or its constants_ would be the sample's
            share = max(deadline - now, 0.0) / (2 if i == choice.index else len(front))
            front[i] = replace(front[i], expr=polish_constants(
                front[i].expr, X, y, w, _error_loss(loss), now + share,
                min_steps=3 if i == choice.index else 0))
        errors[i] = constant_errors(front[i].expr, X, y, w, sigma=sigma,
                                    loss=_error_loss(loss))
    return replace(choice, front=front, errors=errors, outliers=aside)


def _noise_consistent(lengths: np.ndarray, front: list[Candidate],
                      errors: list[ConstantErrors], X, y, w, deadline: float,
                      random_state: int) -> np.ndarray:
    """``lengths``, infinite for members that fail the lack-of-fit test
    (:mod:`~eqlearn.search.lack_of_fit`) while another passes it: against a smooth model,
    and on few readings against the members' own cross-validated errors too."""
    references = [r for r in (
        noise_reference(X, y, w, deadline=deadline),
        member_reference([c.expr for c in front], errors, X, y, w, loss="mse",
                         deadline=deadline, random_state=random_state))
        if r is not None]
    if not references:
        return lengths
    reference = min(references)
    ok = consistent_with_noise(errors, w, reference) & np.isfinite(lengths)
    return np.where(ok, lengths, np.inf) if ok.any() else lengths


def _by_loss(front: list[Candidate], rule: str) -> int:
    """Index in ``front`` of the member ``rule`` chooses on its (complexity, loss) front."""
    plain = pareto_front(front)
    chosen = plain[select(plain, rule)]
    return next(i for i, c in enumerate(front) if c is chosen)


def _error_loss(loss: str) -> str:
    return loss if loss in ("log", "relative") else "mse"


def _polished(front: list[Candidate], X, y, w, loss: str, deadline: float) -> list[Candidate]:
    """Each member's constants refitted on all rows from their values, until ``deadline``
    (at least half a second: the chosen one must be at its optimum for its errors to hold;
    a member whose refit does not lower its loss keeps its constants)."""
    deadline = max(deadline, time.perf_counter() + 0.5)
    out = []
    for c in front:
        if time.perf_counter() < deadline:
            c = replace(c, expr=refit_constants(c.expr, X, y, w, _error_loss(loss)))
        out.append(c)
    return out
