"""``EquationRegressor``: the scikit-learn front door of eqlearn."""
from __future__ import annotations

import time
import warnings
from functools import lru_cache
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .expr.evaluate import evaluate, r2
from .expr.export import cancelled
from .expr.tree import Const, Var
from .equation import Equation, equations_table
from .inputs import (DataWarning, check_fit_data, check_predict_data, resolve_loss,
                     without_zero_targets)
from .model.model import EquationModel
from .search.gp import GPConfig
from .search.hybrid import search_candidates
from .search.polyfit import polynomial_skeletons
from .search.polynomial import expanded_polynomials
from .search.refine import prune, refine
from .search.rewrite import drop_skeletons, factor_common, snap_constants
from .search.neural import (SearchSettings, baseline_skeletons, fit_skeletons, operator_names,
                            prior_macros, propose_skeletons, related_columns)
from .reduction import map_back, reduce_by_units
from .search.scaling import Scaling
from .search.separable import factored_equations
from .search.symmetry import symmetry_groups
from .search.transformed import transformed_equations
from .progress import progress_bar
from .search.selection import Candidate, accurate_members, pareto_front, select

__all__ = ["EquationRegressor", "Equation"]

METHODS = ("neural", "search", "hybrid")
MIN_HYBRID_BUDGET = 3.0  #: below this many seconds "hybrid" runs the neural part only
BURST_SHARE = 0.08       #: share of a hybrid budget for an unguided search before the model
NEURAL_SHARE = 0.55      #: share of the rest for the model's proposals and refinement
DECODE_SHARE = 0.15      #: share of the neural part for decoding,
FIT_SHARE = 0.45         #: ... up to here for fitting the proposals, the rest for refinement
REFINE_SHARE = 0.12      #: share of a search's time kept for refining the best equations
                         #: (expand, factor, prune, snap)
MAP_BUDGET = 10.0        #: budgets from which the rational fits are extended and
                         #: like variables are tested for differences (a shorter one could
                         #: end them at the clock, or spend it on them: results would vary)
SYMMETRY_SHARE = 0.75    #: share of the budget for the search in the groups of symmetries
TIDIED = 3               #: its most accurate and simplest accurate equations are also
                         #: tried as one fraction
EXACT = 1e-24            #: normalised loss of an exact fit: the search stops early


def _exact(candidates: list[Candidate]) -> bool:
    return bool(candidates) and min(c.loss for c in candidates) < EXACT


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
        ``"auto"`` uses ``"log"`` (squared log ratio) when y has one sign and spans more than
        three decades (zeros aside, up to 10 % of the rows) with the middle half of |y|
        (quartile to quartile) spanning more than one, else ``"mse"``: a law over many
        decades, not a bounded one whose few readings near a zero (sin², 1 − cos) reach
        down there. The log loss leaves rows with y == 0 out of the fit, with a warning
        (readings that underflowed).
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
        With units and a budget of 10 s or more: the differences of variables of equal
        units that y depends on only through them (``x2 - x1``), tested with kernel ridge
        regressions (:mod:`eqlearn.search.differences`); the search sees each pair as one
        column, before dimensional analysis. None when there are none.
    symmetries_ : PiGroups or None
        Without units (or with units it cannot use), with a budget of 10 s or more: the
        groups of the scaling symmetries read from the data (``x → λ^s x`` changes y by
        ``λ^t``; found with a kernel model's gradients, :mod:`eqlearn.search.symmetry`).
        Three quarters of the budget go to a search in them, whose equations, mapped back,
        seed the search in the variables.
        None when the data shows none (or cannot show them: a column or y changing sign or
        zero).
    search_variables_ : list of str
        The columns the search saw: ``variable_names_``, the differences (``["(x1 - x2)",
        "y1"]``), or the groups (``["v/c"]``).
    loss_kind_ : str
    n_candidates_ : int
        Candidate equations fitted.
    search_stats_ : dict
        Evaluations, epochs, evaluations per second of the search (empty without search;
        a hybrid's first, unguided search under ``"burst"``).
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
        self._check_params()
        data = check_fit_data(self, X, y, sample_weight, variable_names)
        self.variable_names_ = data.names
        work = self._dimensionless(data, X_units, y_units)
        self.loss_kind_ = resolve_loss(self.loss, work.y)
        used = without_zero_targets(work) if self.loss_kind_ == "log" else work
        weight = used.weight / used.weight.mean()
        self.scaling_ = Scaling.fit(used.X, used.y)
        Xs, ys = self.scaling_.transform(used.X, used.y)
        if np.ptp(ys) == 0:
            warnings.warn("y is constant: the equation is that constant", DataWarning,
                          stacklevel=2)
            candidates = [Candidate(Const(float(ys[0])), 0.0, 1, "constant")]
        else:  # small matrices: BLAS threads would only contend with the search's processes
            with threadpool_limits(1, user_api="blas"):
                seeds = self._symmetric(used, Xs, ys, weight, t0)
                candidates = self._search(Xs, ys, weight, t0 + float(self.time_budget), seeds)
        self._store(candidates, data)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _check_params(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if not (isinstance(self.time_budget, (int, float)) and self.time_budget > 0):
            raise ValueError("time_budget must be a positive number of seconds")
        if self.loss not in ("auto", "mse", "relative", "log", "huber"):
            raise ValueError(f"unknown loss {self.loss!r}")
        if self.selection not in ("best", "accuracy", "simplest"):
            raise ValueError(f"unknown selection {self.selection!r}: best, accuracy or simplest")
        operator_names(self.operators)

    def _dimensionless(self, data, X_units, y_units):
        """The data the search sees (:func:`~eqlearn.reduction.reduce_by_units`)."""
        found = reduce_by_units(data, X_units, y_units, self.time_budget >= MAP_BUDGET)
        self.differences_, self.pi_groups_ = found.differences, found.pi_groups
        self.search_variables_, self.symmetries_ = found.names, None  # (set by _symmetric)
        return found.data

    def _settings(self) -> SearchSettings:
        seed = 0 if self.random_state is None else int(self.random_state)
        return SearchSettings(loss=self.loss_kind_, operators=operator_names(self.operators),
                              max_complexity=self.max_complexity, n_restarts=self.n_restarts,
                              fit_time=max(0.1, min(0.5, self.time_budget / 60)),
                              random_state=seed)

    def _symmetric(self, data, Xs: np.ndarray, ys: np.ndarray, w: np.ndarray,
                   t0: float) -> list[Candidate]:
        """Without (usable) units, with a budget of ``MAP_BUDGET`` or more: a search, for
        ``SYMMETRY_SHARE`` of the budget, in the groups of the data's scaling symmetries
        (``symmetries_``); its front, mapped back and refitted on the scaled data ``Xs``,
        ``ys``, seeds the search."""
        if self.pi_groups_ is not None or self.differences_ is not None or \
                self.time_budget < MAP_BUDGET:
            return []
        pi = symmetry_groups(data.X, data.y)
        if pi is None:
            return []
        self.symmetries_ = pi
        outer = self.loss_kind_, self.search_variables_
        P, z = pi.transform(data.X, data.y)
        self.loss_kind_ = resolve_loss(self.loss, z)
        self.search_variables_ = pi.describe(self.search_variables_)[0]
        scaling = Scaling.fit(P, z)
        found = self._search(*scaling.transform(P, z), w, t0 + SYMMETRY_SHARE * self.time_budget)
        self.loss_kind_, self.search_variables_ = outer
        front = pareto_front(found)
        tidy = {id(c) for c in accurate_members(front)[:TIDIED]}  # noisy data: the law
        front = sorted(front, key=lambda c: c.loss)
        tidy |= {id(c) for c in front[:TIDIED]}
        positive = np.flatnonzero(np.all(data.X > 0, axis=0))
        mapped = [pi.to_original(scaling.to_original(c.expr)) for c in front]
        mapped += [e for e in (cancelled(m, positive=positive)
                               for c, m in zip(front, mapped) if id(c) in tidy) if e is not None]
        mapped = [(self.scaling_.to_scaled(e), 0.0) for e in mapped]
        now = time.perf_counter()
        return fit_skeletons(mapped, Xs, ys, w, self._settings(), now + 0.05 * self.time_budget,
                             source="symmetry", warm=True)

    def _search(self, X: np.ndarray, y: np.ndarray, w: np.ndarray, deadline: float,
                seeds: Sequence[Candidate] = ()):
        settings = self._settings()
        model = _load_model(str(self.model)) if self.method in ("neural", "hybrid") else None
        refine_at = deadline - REFINE_SHARE * (deadline - time.perf_counter())
        candidates = list(seeds) + fit_skeletons(baseline_skeletons(X.shape[1]), X, y, w,
                                                 settings, deadline, source="baseline")
        # linear in their constants (solved by projection): no share, so that a short budget
        # does not make how many are fitted depend on the clock; the same for the (at most
        # 16) rational fits of transformed targets, needless after an exact polynomial
        candidates += fit_skeletons(polynomial_skeletons(X, y, w), X, y, w, settings, deadline,
                                    source="polynomial")
        extended = self.time_budget >= MAP_BUDGET  # the extended fits (~1 s) need a budget
        if not _exact(candidates):
            rational = transformed_equations(X, y, w, deadline, extended=extended)
            candidates += fit_skeletons(rational, X, y, w, settings, deadline,
                                        source="transformed", warm=True)
        if extended and not _exact(candidates):  # y = x_j**k · g(the other columns)
            candidates += fit_skeletons(factored_equations(X, y, w, deadline), X, y, w,
                                        settings, deadline, source="transformed", warm=True)
        search = self.method == "search" or (
            self.method == "hybrid" and self.time_budget >= MIN_HYBRID_BUDGET)
        self.search_stats_ = {}
        if search and self.method == "hybrid" and not _exact(candidates):
            # plain search finds many simple laws within a second or two: try it first,
            # seeded with the baselines only (large polynomials would crowd its islands)
            baselines = [c for c in candidates if c.source == "baseline"]
            candidates += self._gp(X, y, w, settings, BURST_SHARE, refine_at, None, baselines)
        if model is not None and not _exact(candidates):
            now = time.perf_counter()
            neural_end = now + NEURAL_SHARE * (refine_at - now) if search else refine_at
            candidates += self._neural(model, X, y, w, settings, neural_end)
        if search and _exact(candidates):
            self.search_stats_["skipped"] = "an exact fit was found before the (guided) search"
        elif search:
            candidates += self._gp(X, y, w, settings, 1.0, refine_at, model, candidates)
        now = time.perf_counter()
        candidates += expanded_polynomials(candidates, X, y, w, settings,
                                           now + 0.1 * (deadline - now))
        now = time.perf_counter()
        factored, replaced = factor_common(candidates, X, y, w, settings,
                                           now + 0.1 * (deadline - now))
        candidates = drop_skeletons(candidates, replaced) + factored
        now = time.perf_counter()
        candidates += prune(candidates, X, y, w, settings, now + 0.6 * (deadline - now))
        snapped, replaced = snap_constants(candidates, X, y, w, settings, deadline)
        return drop_skeletons(candidates, replaced) + snapped

    def _gp(self, X, y, w, settings, share: float, deadline: float, model, seeds):
        """Genetic programming for ``share`` of the time left (guided when ``model`` is
        given); its statistics go to ``search_stats_`` (an unguided hybrid burst's under
        ``"burst"``)."""
        cfg = GPConfig(workers=self.workers, max_epochs=self.max_epochs, stop_loss=EXACT)
        now = time.perf_counter()
        found, stats = search_candidates(X, y, w, settings, now + share * (deadline - now),
                                         model=model, seeds=seeds, cfg=cfg)
        if model is None and self.method == "hybrid":
            self.search_stats_["burst"] = stats
        else:
            self.search_stats_.update(stats)
        return found

    def _neural(self, model, X, y, w, settings, deadline):
        """Model proposals, fitted, then refined by local search around the best (which
        stops early when it stops improving)."""
        rng = np.random.default_rng(settings.random_state)
        cols = self._model_columns(X, y, model.config.max_vars)
        start = time.perf_counter()
        at = lambda share: start + share * (deadline - start)  # noqa: E731
        skeletons = propose_skeletons(model, X[:, cols], y, beam_size=self.beam_size,
                                      n_samples=self.n_samples, rng=rng,
                                      deadline=at(DECODE_SHARE))
        if len(cols) < X.shape[1]:
            skeletons = [(s.substitute({i: Var(c) for i, c in enumerate(cols)}), lp)
                         for s, lp in skeletons]
        with progress_bar(self.verbose, len(skeletons), "fitting candidates") as advance:
            fitted = fit_skeletons(skeletons, X, y, w, settings, at(FIT_SHARE), on_fit=advance)
        return fitted + refine(fitted, X, y, w, settings, deadline, macros=prior_macros(model),
                               rounds=10)

    def _model_columns(self, X, y, max_vars: int) -> list[int]:
        """All columns, or the ``max_vars`` most related to y when there are more."""
        cols = related_columns(X, y, max_vars)
        if len(cols) < X.shape[1]:
            warnings.warn(f"{X.shape[1]} variables but the model reads at most {max_vars}: "
                          f"proposing equations in the {max_vars} most related to y "
                          f"({', '.join(self.search_variables_[c] for c in cols)})",
                          DataWarning, stacklevel=3)
        return cols

    def _store(self, candidates: list[Candidate], data) -> None:
        front = map_back(candidates, data.X, self.scaling_, self.pi_groups_, self.differences_)
        if not front:
            raise RuntimeError("no candidate equation could be fitted to the data")
        self.n_candidates_ = len(candidates)
        self.best_index_ = select(front, self.selection)
        self.front_ = [Equation(c.expr, tuple(data.names), c.complexity, c.loss,
                                r2(data.y, evaluate(c.expr, data.X)), c.source) for c in front]
        self.best_ = self.front_[self.best_index_]
        self.equations_ = equations_table(self.front_, self.best_index_)

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
