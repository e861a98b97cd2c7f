"""A lack-of-fit test of each front member against a smooth model of the same readings.

The description length weighs a form's length against its fit, and on few readings a form
that follows their shape can cost more than it gains: a constant then "describes" 11
readings of a drug's concentration rising and falling, its residuals taken for noise. A
physicist would not accept a model that misses the readings by far more than they scatter.
The scatter is estimated without any equation: the leave-one-out error of the
Gaussian-kernel ridge model that predicts left-out readings best
(:func:`~eqlearn.search.kernel.kernel_ridge`), an estimate from above of the noise variance
(it holds the smooth model's own misfit too), and the smallest cross-validated error of
the best-fitting members (the kernel model is weak on few, unevenly spaced readings: a
dosing schedule's), the smaller of the two counting. The test is made on 10 to 30
readings; on more, the fit term of the description length rules. A member whose residual
variance,
``RSS/(n − k)``, exceeds that by more than the ``level`` quantile of Fisher's F
distribution (``n − k`` and the reference's rows as degrees of freedom) is not consistent with
the noise, and is chosen only when no member is. Where the kernel model fits poorly (many
variables, a law over decades) its error is large and the test passes everything.
numpy and scipy only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats

from ..expr.tree import Expr
from .kernel import LENGTHS, SMOOTHING_RIDGES, kernel_ridge
from .scaling import Scaling
from .uncertainty import ConstantErrors
from .validation import ValidationPlan, cross_validation_errors

__all__ = ["FitTestPlan", "consistent_with_noise", "member_reference", "noise_reference"]


@dataclass(frozen=True)
class FitTestPlan:
    """When and how strictly the members are tested."""

    min_rows: int = 10      #: fewer readings: no test (the kernel cannot tell noise from shape)
    max_readings: int = 30  #: more: no test (the fit term of the description length rules,
                            #: and the test at 200 readings cost 1 % noise its snapped laws)
    level: float = 0.99     #: a member fails when its variance ratio exceeds this F quantile
    n_members: int = 3      #: the members' own reference: this many, those with the least
                            #: residual variance, cross-validated ...
    loo_max: int = 12       #: ... one reading left out at a time up to this many, else 5-fold,
    seconds: float = 0.3    #: ... members started until the choice's deadline, or for this
                            #: long where it has passed

    def tests(self, n: int) -> bool:
        """Whether ``n`` readings are tested."""
        return self.min_rows <= n <= self.max_readings


def noise_reference(X: np.ndarray, y: np.ndarray, w: np.ndarray, *,
                    plan: FitTestPlan = FitTestPlan(),
                    deadline: float = np.inf) -> tuple[float, int] | None:
    """``(variance, rows)``: the kernel model's leave-one-out mean squared error per unit
    weight and the rows it read (its kernel widths tried until ``deadline``, the first
    whatever the clock); None for untested sizes or non-finite data."""
    n = len(y)
    if not plan.tests(n) or not (np.isfinite(X).all() and np.isfinite(y).all()):
        return None
    weights = w / w.mean()
    fit = kernel_ridge(X, y, LENGTHS, SMOOTHING_RIDGES,
                       weights=None if np.all(weights == 1.0) else weights, deadline=deadline)
    if fit is None or not np.isfinite(fit[0]):
        return None
    return float(fit[0]), n


def member_reference(exprs: Sequence[Expr], errors: Sequence[ConstantErrors], X: np.ndarray,
                     y: np.ndarray, w: np.ndarray, *, loss: str,
                     plan: FitTestPlan = FitTestPlan(), deadline: float = np.inf,
                     random_state: int = 0) -> tuple[float, int] | None:
    """``(variance, rows)``: the smallest cross-validated mean squared error (per unit
    weight, y's units) among the ``n_members`` members with the smallest residual variance,
    each refitted without each reading in turn, or each fifth
    (:func:`~eqlearn.search.validation.cross_validation_errors`: at most
    ``n_members · loo_max`` refits, members started until ``deadline`` or, past it, for
    ``seconds``);
    None for untested sizes or when none could be validated."""
    n = len(y)
    dof = np.array([e.dof for e in errors])
    if not plan.tests(n) or not np.std(y) > 0 or not (dof >= 2).any():
        return None
    variance = np.array([e.rss / e.dof if e.dof >= 2 else np.inf for e in errors])
    best = np.argsort(variance, kind="stable")[:min(plan.n_members, int((dof >= 2).sum()))]
    cv = cross_validation_errors([exprs[i] for i in best], X, y, w, loss, deadline,
                                 ValidationPlan(loo_max=plan.loo_max,
                                                min_seconds=plan.seconds),
                                 random_state)
    done = np.isfinite(cv).all(axis=1)
    if not done.any():
        return None
    scaling = Scaling.fit(X, y)  # the errors are the scaled data's: back to y's units
    y_scale = float(np.std(scaling.transform(X, y)[1]) / np.std(y))
    return float(cv[done].mean(axis=1).min()) / y_scale**2, n


def consistent_with_noise(errors: list[ConstantErrors], w: np.ndarray,
                          reference: tuple[float, int],
                          plan: FitTestPlan = FitTestPlan()) -> np.ndarray:
    """Per member: whether its residual variance (per unit of the mean weight) is within
    the F test's bound of the ``reference`` variance (:func:`noise_reference`)."""
    variance, rows = reference
    out = np.zeros(len(errors), bool)
    for i, e in enumerate(errors):
        if e.dof > 0 and np.isfinite(e.rss):
            ratio = e.rss / e.dof / float(np.mean(w)) / max(variance, np.finfo(float).tiny)
            out[i] = ratio <= stats.f.ppf(plan.level, e.dof, rows)
    return out
