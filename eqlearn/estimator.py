"""``EquationRegressor``: the scikit-learn front door of eqlearn.

It validates the data, reduces it by units, runs :mod:`eqlearn.search.pipeline`, maps back.
"""
from __future__ import annotations

import time
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .equation import Equation, equations_table
from .exceptions import FitError
from .expr.evaluate import evaluate, r2
from .inputs import check_choices, check_fit_data, check_n_jobs, check_predict_data, sigma_weights
from .model.model import EquationModel
from .search.choice import N_OPERATORS, choose_robustly
from .search.fitting import SearchSettings, operator_names
from .search.pipeline import FitPlan, run_fit
from .search.reduction import map_back, reduce_by_units
from .search.uncertainty import prediction_std

__all__ = ["EquationRegressor", "Equation"]


class EquationRegressor(RegressorMixin, BaseEstimator):
    """Symbolic regression: find a compact equation ``y = f(X)``, its constants with
    uncertainties. The user guide (docs/user_guide.md) explains every parameter at length.

    Parameters
    ----------
    model : str, default="default"
        The pretrained model (name of a shipped model, or a checkpoint folder).
    method : {"neural", "search", "hybrid"}, default="hybrid"
        The pretrained model's proposals, genetic programming, or both (the model's
        proposals seed and guide the search); see :mod:`eqlearn.search.pipeline`.
    beam_size, n_samples : int, default=16, 256
        Beam width of the neural decoder, and skeletons sampled from it besides.
    time_budget : float, default=30.0
        Seconds for the whole fit; it ends early when an equation fits exactly.
    operators : sequence of str, optional
        Allowed operators (e.g. ``["add", "mul", "sin"]``); default all.
    max_complexity : int, default=40
    loss : {"auto", "mse", "relative", "log", "huber"}, default="auto"
        ``"auto"``: ``"log"`` (squared log ratio) for a target of one sign spanning
        decades, else ``"mse"``. Losses are reported normalised (mse / var(y)).
    selection : {"auto", "best", "accuracy", "simplest"}, default="auto"
        ``"auto"``: an exact fit as ``"best"``, else the shortest description of the data
        (residuals, constants and form: each constant and operator must buy its cost in
        fit); ``"validation"``: the simplest that predicts left-out readings as well as the
        best; ``"best"``: the largest drop in loss per unit of complexity among the most
        accurate; ``"accuracy"``: the lowest loss; ``"simplest"``: the simplest accurate.
    n_restarts : int, default=3
        Random restarts of each constant fit.
    n_jobs : int or None, default=2
        Processes for the search's islands (None: 1, -1: every core). Inside
        ``joblib.parallel_config(backend="dask")`` the islands run on the cluster's workers.
    workers : int, optional
        Deprecated alias of ``n_jobs`` (a ``FutureWarning``); removed in the next release.
    max_epochs : int, optional
        Stop the search after this many epochs: results then depend on ``random_state`` only.
    random_state : int, optional
    verbose : bool, default=False

    Attributes
    ----------
    equations_ : pandas.DataFrame
        The Pareto front: equation, complexity, loss, r2, source, constants (± standard
        errors), sympy; simplest first.
    best_ : Equation
        The selected equation (``best_.errors``: its constants' covariance and statistics).
    constants_ : pandas.DataFrame
        The selected equation's constants as printed (c1, c2, …): value, stderr, ci_low,
        ci_high (95 %), from the fit's Jacobian as ``curve_fit`` computes them.
    noise_ : float
        The residuals' standard deviation (``sqrt(RSS / (n − k))``; NaN with ``sigma``).
    chi2_, reduced_chi2_ : float
        With ``sigma``: χ² and χ²/(n − k) of the selected equation (else NaN).
    selection_rule_ : str
        What decided the choice: "best", "mdl", "validation", "accuracy", "simplest".
    outliers_ : ndarray of int
        Rows of X set aside as outliers (readings the chosen equation misses by far).
    front_, best_index_ : list of Equation, int
    n_features_in_, feature_names_in_ (DataFrame input), variable_names_
    scaling_ : Scaling (powers of ten applied to X and y before the search)
    pi_groups_, differences_ : PiGroups, Differences or None
        With units: the dimensionless groups (``y = M·f(groups)``); with or without them,
        the differences of like variables the search saw.
    symmetries_ : PiGroups or None
        Without units: the groups of the data's scaling symmetries, searched first.
    search_variables_ : list of str
        The columns the search saw (``["v/c"]`` with units).
    loss_kind_, n_candidates_, fit_seconds_
    search_stats_ : dict
        The search's evaluations and epochs ("burst": a hybrid's unguided start;
        "symmetry": the search in the symmetry groups).

    Examples
    --------
    >>> X = np.random.default_rng(0).uniform(1, 3, size=(200, 2))
    >>> reg = EquationRegressor().fit(X, X[:, 0]**2 + np.sin(X[:, 1]))  # doctest: +SKIP
    >>> print(reg.best_)                                                 # doctest: +SKIP
    x1**2 + sin(x2)
    """

    def __init__(self, model="default", method="hybrid", beam_size=16, n_samples=256,
                 time_budget=30.0, operators=None, max_complexity=40, loss="auto",
                 selection="auto", n_restarts=3, n_jobs=2, max_epochs=None,
                 random_state=None, verbose=False, workers=None):
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
        self.n_jobs = n_jobs
        self.max_epochs = max_epochs
        self.random_state = random_state
        self.verbose = verbose
        self.workers = workers

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X, y, *, variable_names: Sequence[str] | None = None, sample_weight=None,
            sigma=None, X_units=None, y_units=None):
        """Search equations for ``y ≈ f(X)``. ``sigma``: the readings' standard deviations
        (one, or one per row; as ``curve_fit``'s with ``absolute_sigma=True``). ``X_units``
        (an SI unit string per column, ``["kg", "m/s"]``) and ``y_units``: dimensional
        analysis (``pi_groups_``); units that cannot be used are set aside with a warning."""
        t0 = time.perf_counter()
        plan = self._plan()
        data = check_fit_data(self, X, y, sigma_weights(sigma, sample_weight), variable_names)
        self.variable_names_ = data.names
        reduced = reduce_by_units(data.X, data.y, data.names, X_units, y_units, plan.extended)
        self.differences_, self.pi_groups_ = reduced.differences, reduced.pi_groups
        model = EquationModel.cached(self.model) if plan.uses_model else None
        outcome = run_fit(reduced.X, reduced.y, data.weight, reduced.names, plan, self._settings(),
                          model, t0, read_symmetries=reduced.pi_groups is None)
        self.loss_kind_, self.symmetries_ = outcome.loss, outcome.symmetries
        self.scaling_, self.search_stats_ = outcome.scaling, outcome.stats
        n_operators = len(self.operators or ()) or N_OPERATORS
        front = map_back(outcome.candidates, data.X, outcome.scaling, reduced.pi_groups,
                         reduced.differences, n_operators)
        if not front:
            raise FitError("no candidate equation could be fitted to the data")
        rows = np.flatnonzero(data.y != 0 if outcome.loss == "log" else data.y == data.y)
        choice = choose_robustly(front, data.X[rows], data.y[rows], data.weight[rows],
                                 outcome.set_aside[rows], loss=outcome.loss, rule=self.selection,
                                 sigma=None if sigma is None else data.weight[rows] ** -0.5,
                                 sample=outcome.seen(rows), all_rows_at=plan.all_rows_at(t0),
                                 deadline=t0 + self.time_budget, random_state=self._seed(),
                                 n_operators=n_operators)
        self.outliers_, self.search_variables_ = data.rows[rows[choice.outliers]], reduced.names
        self._store(choice, data, len(outcome.candidates), sigma is not None)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _store(self, choice, data, n_candidates: int, absolute: bool) -> None:
        self.n_candidates_, self.best_index_ = n_candidates, choice.index
        self.selection_rule_ = choice.rule
        self.front_ = [Equation(c.expr, tuple(data.names), c.complexity, c.loss,
                                r2(data.y, evaluate(c.expr, data.X)), c.source, e)
                       for c, e in zip(choice.front, choice.errors)]
        self.best_ = self.front_[self.best_index_]
        self.equations_ = equations_table(self.front_, self.best_index_)
        self.constants_, e = self.best_.constants_table(), self.best_.errors
        nan = float("nan")
        self.noise_, self.chi2_ = (nan, e.rss) if absolute else (e.noise, nan)
        self.reduced_chi2_ = e.reduced_chi2

    def _plan(self) -> FitPlan:
        """The fit's plan from the parameters, checked (a clear ``ValueError`` otherwise)."""
        check_choices(self)
        return FitPlan(method=self.method, time_budget=self.time_budget, loss=self.loss,
                       beam_size=self.beam_size, n_samples=self.n_samples, verbose=self.verbose,
                       n_jobs=check_n_jobs(self.n_jobs, self.workers), max_epochs=self.max_epochs)

    def _seed(self) -> int:
        return 0 if self.random_state is None else int(self.random_state)

    def _settings(self) -> SearchSettings:
        return SearchSettings(operators=operator_names(self.operators),
                              max_complexity=self.max_complexity, n_restarts=self.n_restarts,
                              fit_time=max(0.1, min(0.5, self.time_budget / 60)),
                              random_state=self._seed())

    # -- using the result ------------------------------------------------------------------
    def _equation(self, index: int | None) -> Equation:
        check_is_fitted(self, "front_")
        return self.best_ if index is None else self.front_[index]

    def predict(self, X, index: int | None = None, return_std: bool = False):
        """Values of the selected equation (or of ``front_[index]``); with ``return_std``
        also the standard deviation of a new reading there (the constants' uncertainty by
        the delta method, plus the noise; without it when ``sigma`` was given)."""
        eq, X = self._equation(index), check_predict_data(self, X)
        pred = evaluate(eq.expr, X)
        return (pred, prediction_std(eq.expr, eq.errors, X, loss=self.loss_kind_)) \
            if return_std else pred

    def sympy(self, index: int | None = None):
        """The selected equation (or ``front_[index]``) as a sympy expression."""
        return self._equation(index).sympy()

    def latex(self, index: int | None = None, precision: int = 4) -> str:
        return self._equation(index).latex(precision)

    def to_callable(self, index: int | None = None):
        """A numpy function of the selected equation: see :meth:`Equation.to_callable`."""
        return self._equation(index).to_callable()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # rows with NaN are dropped with a warning
        return tags
