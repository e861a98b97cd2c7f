"""``EquationRegressor``: the scikit-learn front door of eqlearn.

It validates the data, reduces it by units when given, runs the fit pipeline
(:mod:`eqlearn.search.pipeline`), maps the front back to the user's variables and stores it.
"""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Sequence

from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .equation import Equation, equations_table
from .exceptions import FitError
from .expr.evaluate import evaluate, r2
from .inputs import check_fit_data, check_predict_data
from .model.model import EquationModel
from .search.fitting import SearchSettings, operator_names
from .search.pipeline import METHODS, FitPlan, run_fit
from .search.reduction import map_back, reduce_by_units
from .search.selection import select

__all__ = ["EquationRegressor", "Equation"]

LOSSES = ("auto", "mse", "relative", "log", "huber")
SELECTIONS = ("best", "accuracy", "simplest")


@lru_cache(maxsize=4)
def _load_model(name: str) -> EquationModel:
    return EquationModel.load(name)


class EquationRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression: find a compact equation ``y = f(X)``.

    Parameters
    ----------
    model : str, default="default"
        The pretrained model (name of a shipped model, or a checkpoint folder).
    method : {"neural", "search", "hybrid"}, default="hybrid"
        Where candidate equations come from: the pretrained model alone, genetic programming
        alone, or both: a short unguided search (8 % of the budget), then the model's
        proposals, then genetic programming seeded and guided by the model; each stage is
        skipped once an equation fits exactly (with less than 3 s of budget, "hybrid" runs
        the model only).
    beam_size : int, default=16
        Beam width of the neural decoder.
    n_samples : int, default=256
        Additional skeletons sampled from the model.
    time_budget : float, default=30.0
        Seconds for the whole fit (honoured: fits stop when it is spent; a fit ends early
        when an exact equation — normalised loss below 1e-24 — is found before the search).
    operators : sequence of str, optional
        Allowed operators (e.g. ``["add", "mul", "sin"]``); default all.
    max_complexity : int, default=40
    loss : {"auto", "mse", "relative", "log", "huber"}, default="auto"
        ``"auto"`` uses ``"log"`` (squared log ratio) for a target of one sign spanning
        decades (rows with y == 0 are then left out, with a warning), else ``"mse"``.
        Reported losses are normalised: mse / var(y), the mean squared relative error, or
        the mean squared log ratio.
    selection : {"best", "accuracy", "simplest"}, default="best"
    n_restarts : int, default=3
        Random restarts of each constant fit.
    workers : int, default=2
        Processes for the search islands.
    max_epochs : int, optional
        Stop the search after this many epochs (10 generations each). With it, and the time
        budget not reached, results depend on ``random_state`` only.
    random_state : int, optional
    verbose : bool, default=False
        Show a progress bar.

    Attributes
    ----------
    equations_ : pandas.DataFrame
        The Pareto front: equation, complexity, loss, r2, source, sympy; simplest first.
    best_ : Equation
        The selected equation.
    best_index_ : int
    front_ : list of Equation
    n_features_in_ : int
    feature_names_in_ : ndarray of str (only for DataFrame input)
    variable_names_ : list of str
    scaling_ : Scaling
        Powers of ten applied to X and y before the search.
    pi_groups_ : PiGroups or None
        With ``X_units`` and ``y_units`` given to ``fit``: the dimensionless groups the
        search saw and the product of powers ``M`` with y's units (``y = M·f(groups)``);
        None when units were not given or could not be used (a warning says why).
    differences_ : Differences or None
        With units and a budget of 10 s or more: differences of variables of equal units
        that y depends on only through them (``x2 - x1``), searched as one column.
    symmetries_ : PiGroups or None
        Without units, with a budget of 10 s or more: the groups of the scaling symmetries
        read from the data (``x → λ^s x`` changes y by ``λ^t``), searched first for three
        quarters of the budget; None when the data shows none.
    search_variables_ : list of str
        The columns the search saw: ``variable_names_``, the differences (``["(x1 - x2)",
        "y1"]``), or the groups (``["v/c"]``).
    loss_kind_ : str
    n_candidates_ : int
        Candidate equations fitted.
    search_stats_ : dict
        Evaluations, epochs, evaluations per second of the search (empty without search);
        a hybrid's first, unguided search under ``"burst"``, the search in the symmetry
        groups under ``"symmetry"``.
    fit_seconds_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from eqlearn import EquationRegressor
    >>> X = np.random.default_rng(0).uniform(1, 3, size=(200, 2))
    >>> y = X[:, 0] ** 2 + np.sin(X[:, 1])
    >>> reg = EquationRegressor(time_budget=20, random_state=0).fit(X, y)  # doctest: +SKIP
    >>> print(reg.best_)                                                     # doctest: +SKIP
    x1**2 + sin(x2)
    """

    def __init__(self, model="default", method="hybrid", beam_size=16, n_samples=256,
                 time_budget=30.0, operators=None, max_complexity=40, loss="auto",
                 selection="best", n_restarts=3, workers=2, max_epochs=None,
                 random_state=None, verbose=False):
        self.model = model
        self.method = method
        self.beam_size = beam_size
        self.n_samples = n_samples
        self.time_budget = time_budget
        self.operators = operators
        self.max_complexity = max_complexity
        self.loss = loss
        self.selection = selection
        self.n_restarts = n_restarts
        self.workers = workers
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X, y, *, variable_names: Sequence[str] | None = None, sample_weight=None,
            X_units=None, y_units=None):
        """Search equations for ``y ≈ f(X)``; see the class docstring.

        ``X_units`` (one SI unit string per column, e.g. ``["kg", "m/s", "m/s"]``, or a
        mapping from variable name to units; ``""`` for dimensionless) and ``y_units``
        (e.g. ``"kg"``) turn on dimensional analysis: the search looks for
        ``y / M = f(π1, …)`` in fewer, dimensionless groups (``v/c``) and the equation is
        mapped back (``pi_groups_``). Units that cannot be used (y's are not a product of
        powers of the variables': constants such as h are at work) are set aside with a
        warning.
        """
        t0 = time.perf_counter()
        plan = self._plan()
        data = check_fit_data(self, X, y, sample_weight, variable_names)
        self.variable_names_ = data.names
        reduced = reduce_by_units(data.X, data.y, data.names, X_units, y_units, plan.extended)
        self.differences_, self.pi_groups_ = reduced.differences, reduced.pi_groups
        model = _load_model(str(self.model)) if plan.uses_model else None
        outcome = run_fit(reduced.X, reduced.y, data.weight, reduced.names, plan,
                          self._settings(), model, t0, read_symmetries=not reduced.reduced)
        self.loss_kind_, self.symmetries_ = outcome.loss, outcome.symmetries
        self.search_variables_ = reduced.names
        self.scaling_, self.search_stats_ = outcome.scaling, outcome.stats
        front = map_back(outcome.candidates, data.X, outcome.scaling, reduced.pi_groups,
                         reduced.differences)
        if not front:
            raise FitError("no candidate equation could be fitted to the data")
        self.n_candidates_ = len(outcome.candidates)
        self.best_index_ = select(front, self.selection)
        self.front_ = [Equation(c.expr, tuple(data.names), c.complexity, c.loss,
                                r2(data.y, evaluate(c.expr, data.X)), c.source) for c in front]
        self.best_ = self.front_[self.best_index_]
        self.equations_ = equations_table(self.front_, self.best_index_)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _plan(self) -> FitPlan:
        """The fit's plan from the parameters, checked (a clear ``ValueError`` otherwise)."""
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}: one of {', '.join(LOSSES)}")
        if self.selection not in SELECTIONS:
            raise ValueError(f"unknown selection {self.selection!r}: best, accuracy or simplest")
        operator_names(self.operators)
        return FitPlan(method=self.method, time_budget=self.time_budget, loss=self.loss,
                       beam_size=self.beam_size, n_samples=self.n_samples,
                       workers=self.workers, max_epochs=self.max_epochs, verbose=self.verbose)

    def _settings(self) -> SearchSettings:
        seed = 0 if self.random_state is None else int(self.random_state)
        return SearchSettings(operators=operator_names(self.operators),
                              max_complexity=self.max_complexity, n_restarts=self.n_restarts,
                              fit_time=max(0.1, min(0.5, self.time_budget / 60)),
                              random_state=seed)

    # -- using the result ------------------------------------------------------------------
    def _equation(self, index: int | None) -> Equation:
        check_is_fitted(self, "front_")
        return self.best_ if index is None else self.front_[index]

    def predict(self, X, index: int | None = None) -> np.ndarray:
        """Values of the selected equation (or of ``front_[index]``)."""
        eq = self._equation(index)
        return evaluate(eq.expr, check_predict_data(self, X))

    def sympy(self, index: int | None = None):
        return self._equation(index).sympy()

    def latex(self, index: int | None = None, precision: int = 4) -> str:
        return self._equation(index).latex(precision)

    def to_callable(self, index: int | None = None):
        return self._equation(index).to_callable()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # rows with NaN are dropped with a warning
        return tags
