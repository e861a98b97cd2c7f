"""QLattice (Abzu's ``feyn``) as a benchmark peer: an optional method when ``feyn`` is
installed, never a dependency (its community licence allows academic and personal use).

``feyn``'s own ``auto_run`` has no time limit; :class:`TimedQLattice` runs its documented
loop — sample models, fit them, prune, update the QLattice — until the budget is spent, and
keeps the model with the best BIC.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

__all__ = ["TimedQLattice", "qlattice_make", "qlattice_sympy"]


class TimedQLattice(RegressorMixin, BaseEstimator):
    """QLattice regression until a time budget.

    Parameters
    ----------
    time_budget : float
        Seconds for the fit.
    max_complexity : int, default=10
    random_state : int, optional

    Attributes
    ----------
    model_ : feyn.Model
    names_ : list of str
    epochs_ : int
    """

    def __init__(self, time_budget=60.0, max_complexity=10, random_state=None):
        self.time_budget = time_budget
        self.max_complexity = max_complexity
        self.random_state = random_state

    def fit(self, X, y):
        import feyn
        import pandas as pd

        deadline = time.perf_counter() + float(self.time_budget)
        X = np.asarray(X, dtype=float)
        self.names_ = [f"x{i}" for i in range(X.shape[1])]
        frame = pd.DataFrame(X, columns=self.names_).assign(target=np.asarray(y, float))
        seed = -1 if self.random_state is None else int(self.random_state)
        ql = feyn.QLattice(random_seed=seed)
        models, slowest, self.epochs_ = [], 0.0, 0
        while self.epochs_ == 0 or time.perf_counter() + slowest < deadline:
            start = time.perf_counter()
            models += ql.sample_models(frame.columns, "target", "regression",
                                       max_complexity=self.max_complexity)
            models = feyn.fit_models(models, frame, loss_function="squared_error",
                                     criterion="bic", threads=1)
            models = feyn.prune_models(models)
            ql.update(models)
            slowest = max(slowest, time.perf_counter() - start)
            self.epochs_ += 1
        self.model_ = models[0]
        return self

    def predict(self, X):
        import pandas as pd

        frame = pd.DataFrame(np.asarray(X, dtype=float), columns=self.names_)
        return np.asarray(self.model_.predict(frame), dtype=float)


def qlattice_make(time_budget: float, random_state: int | None, n_jobs: int = 1, **options):
    return TimedQLattice(time_budget=time_budget, random_state=random_state, **options)


def qlattice_sympy(est, names: Sequence[str]) -> str:
    """The QLattice model as a sympy string in ``names``."""
    import sympy

    expr = est.model_.sympify(signif=15)
    mapping = {sympy.Symbol(placeholder): sympy.Symbol(name)
               for placeholder, name in zip(est.names_, names)}
    return str(expr.xreplace(mapping))
