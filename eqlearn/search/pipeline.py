"""The fit schedule: every stage of a fit, its share of the budget and its thresholds, as data
(:class:`FitPlan`) and pure functions from data + plan (+ model) to fitted candidates.

Stages, in order (each after the first skipped once an equation fits exactly):

1. direct fits: baselines, polynomials, power laws ``C·Π x_j**k`` (fitted in y), with a
   budget of ``extended_budget`` or more
   power-law factors ``y = x_j**k · g(the rest)``, rational fits of transformed targets,
   sums of powers and of exponentials (solved by projection, no share of the clock);
2. a short unguided search (``burst_share`` of the time before refinement; hybrid only);
3. the model's proposals, fitted and refined (``neural_share`` of what is left);
4. genetic programming seeded and guided by the model (the rest);
5. polish: polynomial expansion, common factors, partial fractions, pruning, snapping
   constants
   (``refine_share`` of the search's time is kept for it).

:func:`run_fit` wraps them: it chooses the loss, rescales the data, and without units reads
the data's scaling symmetries and first searches in their groups (``symmetry_share`` of the
budget), whose front, mapped back, seeds the search in the variables.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from ..exceptions import DataWarning
from ..expr.evaluate import evaluate, weighted_variance
from ..expr.export import cancelled
from ..expr.tree import Const, Var
from ..model.model import EquationModel
from ..progress import progress_bar
from .apart import partial_fraction_forms
from .dimensionless import PiGroups
from .fitting import (SearchSettings, baseline_skeletons, fit_skeletons, nonzero_targets,
                      related_columns, resolve_loss)
from .exponential_sums import exponential_sums
from .gp import GPConfig, local_workers
from .hybrid import search_candidates
from .neural import prior_macros, propose_skeletons
from .outliers import suspected_outliers
from .polynomial_expansion import expanded_polynomials
from .polynomial_fit import polynomial_skeletons
from .power_law import power_laws
from .power_sums import power_sums
from .refine import prune, refine
from .rewrite import drop_skeletons, factor_common, snap_constants
from .scaling import Scaling
from .sampling import search_sample
from .selection import Candidate, accurate_members, front_and_exact
from .separable import factored_equations
from .symmetry import symmetry_groups
from .transformed import transformed_equations

__all__ = ["FitPlan", "FitOutcome", "METHODS", "run_fit", "search_equations"]

METHODS = ("neural", "search", "hybrid")


@dataclass(frozen=True)
class FitPlan:
    """What a fit runs and when: the estimator's choices and the schedule's shares."""

    method: str = "hybrid"           #: "neural", "search" or "hybrid"
    time_budget: float = 30.0        #: seconds for the whole fit
    loss: str = "auto"               #: the loss asked for ("auto" is resolved per target)
    beam_size: int = 16
    n_samples: int = 256
    n_jobs: int | None = 2           #: processes for the search's islands (scikit-
                                     #: learn's n_jobs; a joblib dask backend: its workers)
    max_epochs: int | None = None
    verbose: bool = False
    min_hybrid_budget: float = 3.0   #: below this a hybrid runs the model's part only
    burst_share: float = 0.08        #: of a hybrid's search time: an unguided burst first
    neural_share: float = 0.55       #: of the rest: the model's proposals and refinement
    decode_share: float = 0.15       #: of the neural part: decoding,
    fit_share: float = 0.45          #: ... up to here fitting proposals, then refinement
    refine_share: float = 0.12       #: of a search's time, kept for the polish
    smooth_model_input: bool = True  #: the model reads noisy data through a kernel fit
    expand_share: float = 0.1        #: of what is left then: polynomial expansion,
    factor_share: float = 0.1        #: ... then common factors,
    apart_share: float = 0.1         #: ... then partial fractions,
    prune_share: float = 0.6         #: ... then pruning; snapping constants gets the rest
    extended_budget: float = 10.0    #: from here: extended rational fits, power-law
                                     #: factors, differences, symmetries and outlier
                                     #: screening (~1 s each; a shorter budget could end
                                     #: them at the clock)
    symmetry_share: float = 0.75     #: of the budget: the search in symmetry groups
    symmetry_refit_share: float = 0.05  #: of the budget: refitting its mapped-back front
    choice_share: float = 0.03       #: of the budget, kept after the search for the choice
                                     #: (polishing the front's constants, their errors)
    tidied: int = 3                  #: its most accurate and simplest accurate equations
                                     #: are also tried as one fraction
    exact_loss: float = 1e-24        #: a normalised loss below this is exact: stages stop
    screen_outliers: bool = True     #: set wild readings aside before the search
    constants_per_point: float = 0.5  #: free constants allowed per data point
    explained: float = 0.5           #: direct sums leaving more of y's variance are not refitted
    max_search_rows: int = 1000      #: larger data: the search, the model and the kernel
                                     #: models see this many rows (:mod:`.sampling`); the
                                     #: final front's constants are refitted on all rows
    all_rows_share: float = 0.1      #: of the budget, kept then for the work on all rows

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if not (isinstance(self.time_budget, (int, float)) and self.time_budget > 0):
            raise ValueError("time_budget must be a positive number of seconds")
        if self.max_search_rows < 20:
            raise ValueError("max_search_rows must be at least 20")

    @property
    def extended(self) -> bool:
        return self.time_budget >= self.extended_budget

    @property
    def searches(self) -> bool:
        """Whether genetic programming runs."""
        return self.method == "search" or (
            self.method == "hybrid" and self.time_budget >= self.min_hybrid_budget)

    @property
    def uses_model(self) -> bool:
        return self.method in ("neural", "hybrid")

    def exact(self, candidates: Sequence[Candidate]) -> bool:
        return bool(candidates) and min(c.loss for c in candidates) < self.exact_loss

    def all_rows_at(self, t0: float) -> float:
        """When a fit that started at ``t0`` on a sample turns to all rows."""
        return t0 + (1 - self.all_rows_share) * self.time_budget

    def max_constants(self, n_points: int) -> int:
        """Free constants a candidate may have: a fit keeps at least half its points as
        residual degrees of freedom, so that nothing interpolates (or counts as exact by
        interpolating)."""
        return max(1, int(n_points * self.constants_per_point))


@dataclass
class FitOutcome:
    """What :func:`run_fit` found, in the scaled coordinates of ``scaling``."""

    candidates: list[Candidate]
    scaling: Scaling
    loss: str                        #: the loss used ("auto" resolved)
    symmetries: PiGroups | None      #: the groups searched first, if any
    stats: dict = field(default_factory=dict)  #: the search's (and the symmetry pass's)
    set_aside: np.ndarray | None = None  #: per input row: screened out as an outlier
    sample: np.ndarray | None = None  #: per input row: seen by the search (None: all were)

    def seen(self, rows: np.ndarray) -> np.ndarray | None:
        """Of ``rows`` (indices of input rows): whether the search saw each; None: all."""
        return None if self.sample is None else self.sample[rows]


# small matrices: BLAS threads would only contend with the search's processes
@threadpool_limits.wrap(limits=1, user_api="blas")
def run_fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str],
            plan: FitPlan, settings: SearchSettings, model: EquationModel | None,
            t0: float, read_symmetries: bool = True) -> FitOutcome:
    """Fit ``y ≈ f(X)`` within ``plan.time_budget`` seconds of ``t0`` (``perf_counter``).

    ``settings.loss`` is replaced by the loss ``plan.loss`` resolves to; with the log loss
    rows with ``y == 0`` are left out (with a warning), and readings a kernel model of the
    others says are wild (:mod:`~eqlearn.search.outliers`) are set aside for the search.
    Of more than ``plan.max_search_rows`` rows the search sees a sample
    (:func:`~eqlearn.search.sampling.search_sample`), and ``all_rows_share`` of the budget
    is left for the work on all rows after it. ``read_symmetries``: whether the data's
    scaling symmetries may be read (not after a units reduction)."""
    loss = resolve_loss(plan.loss, y)
    usable = nonzero_targets(y) if loss == "log" else np.ones(len(y), bool)
    sample = search_sample(usable, X, y, plan.max_search_rows, settings.random_state)
    set_aside = np.zeros(len(y), bool)
    if plan.screen_outliers and plan.extended:  # wild readings set aside before the search
        set_aside[sample] = suspected_outliers(X[sample], y[sample],
                                               random_state=settings.random_state)
    sampled = sample.sum() < usable.sum()
    used = sample & ~set_aside
    X, y, w = X[used], y[used], w[used]
    w = w / w.mean()
    settings = replace(settings, loss=loss, max_constants=plan.max_constants(len(y)))
    scaling = Scaling.fit(X, y)
    Xs, ys = scaling.transform(X, y)
    if np.ptp(ys) == 0:
        warnings.warn("y is constant: the equation is that constant", DataWarning, stacklevel=4)
        return FitOutcome([Candidate(Const(float(ys[0])), 0.0, 1, "constant")], scaling, loss,
                          None, set_aside=set_aside, sample=sample if sampled else None)
    stats: dict = {}
    symmetries, seeds = None, []
    if read_symmetries and plan.extended:
        symmetries, seeds = _symmetry_pass(X, y, w, Xs, ys, scaling, names, plan, settings,
                                           model, t0, stats)
    kept = plan.choice_share + (plan.all_rows_share if sampled else 0.0)
    candidates, found = search_equations(Xs, ys, w, names, plan, settings, model,
                                         t0 + (1 - kept) * plan.time_budget, seeds, scaling)
    stats.update(found)
    return FitOutcome(candidates, scaling, loss, symmetries, stats, set_aside,
                      sample if sampled else None)


def _symmetry_pass(X, y, w, Xs, ys, scaling: Scaling, names, plan: FitPlan,
                   settings: SearchSettings, model, t0: float, stats: dict):
    """A search, for ``symmetry_share`` of the budget, in the groups of the data's scaling
    symmetries; its front, mapped back and refitted on the scaled data ``Xs``, ``ys``, seeds
    the search in the variables. (groups or None, seeds); its statistics go to
    ``stats["symmetry"]``."""
    pi = symmetry_groups(X, y)
    if pi is None:
        return None, []
    with np.errstate(all="ignore"):
        P, z = pi.transform(X, y)
    # y/M of a reading of 1e-295 can underflow to 0: the groups' search goes without it
    ok = np.isfinite(P).all(axis=1) & np.isfinite(z) & (z != 0)
    if 2 * ok.sum() < ok.size:
        return None, []
    P, z = P[ok], z[ok]
    inner = replace(settings, loss=resolve_loss(plan.loss, z))
    inner_scaling = Scaling.fit(P, z)
    found, stats["symmetry"] = search_equations(
        *inner_scaling.transform(P, z), w[ok], pi.describe(list(names))[0], plan, inner, model,
        t0 + plan.symmetry_share * plan.time_budget, scaling=inner_scaling)
    front = front_and_exact(found, plan.tidied)
    tidy = {id(c) for c in accurate_members(front)[:plan.tidied]}  # noisy data: the law
    front = sorted(front, key=lambda c: c.loss)
    tidy |= {id(c) for c in front[:plan.tidied]}
    positive = np.flatnonzero(np.all(X > 0, axis=0))
    mapped = [pi.to_original(inner_scaling.to_original(c.expr)) for c in front]
    mapped += [e for e in (cancelled(m, positive=positive)
                           for c, m in zip(front, mapped) if id(c) in tidy) if e is not None]
    mapped = [(scaling.to_scaled(e), 0.0) for e in mapped]
    deadline = time.perf_counter() + plan.symmetry_refit_share * plan.time_budget
    return pi, fit_skeletons(mapped, Xs, ys, w, settings, deadline, source="symmetry",
                             warm=True)


def search_equations(X: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str],
                     plan: FitPlan, settings: SearchSettings, model: EquationModel | None,
                     deadline: float, seeds: Sequence[Candidate] = (),
                     scaling: Scaling | None = None):
    """Stages 1–5 on data already scaled (by ``scaling``), until ``deadline``:
    (candidates, statistics)."""
    refine_at = deadline - plan.refine_share * (deadline - time.perf_counter())
    candidates = _direct_fits(X, y, w, plan, settings, deadline, list(seeds))
    stats: dict = {}
    if plan.searches and plan.method == "hybrid" and not plan.exact(candidates):
        # plain search finds many simple laws within a second or two: try it first,
        # seeded with the baselines only (large polynomials would crowd its islands)
        baselines = [c for c in candidates if c.source == "baseline"]
        found, stats["burst"] = _gp(X, y, w, plan, settings, plan.burst_share, refine_at,
                                    None, baselines)
        candidates += found
    if plan.uses_model and not plan.exact(candidates):
        now = time.perf_counter()
        neural_end = now + plan.neural_share * (refine_at - now) if plan.searches else refine_at
        candidates += _neural(model, X, y, w, names, plan, settings, neural_end)
    if plan.searches and plan.exact(candidates):
        stats["skipped"] = "an exact fit was found before the (guided) search"
    elif plan.searches:
        found, guided = _gp(X, y, w, plan, settings, 1.0, refine_at,
                            model if plan.uses_model else None, candidates)
        candidates += found
        stats.update(guided)
    return _polish(candidates, X, y, w, plan, settings, deadline, scaling), stats


def _direct_fits(X, y, w, plan: FitPlan, settings: SearchSettings, deadline: float,
                 found: list[Candidate]) -> list[Candidate]:
    """Stage 1, after the ``found`` seeds. Linear in their constants (solved by projection):
    no share, so that a short budget does not make how many are fitted depend on the clock;
    the same for the (at most 16) rational fits of transformed targets, needless after an
    exact polynomial."""
    found += fit_skeletons(baseline_skeletons(X.shape[1]), X, y, w, settings, deadline,
                          source="baseline")
    found += fit_skeletons(polynomial_skeletons(X, y, w), X, y, w, settings, deadline,
                           source="polynomial")
    if not plan.exact(found):  # C·Π x_j^k, fitted in y (noise of one size: not in logs)
        laws = _explaining(power_laws(X, y, w), X, y, w, plan.explained)
        found += fit_skeletons(laws, X, y, w, settings, deadline, source="powers", warm=True)
    # y = x_j**k · g(the other columns): fewer variables, ~0.5 s, so before the ~2 s rational
    # fits in all of them (and the exponentials' ~3 s), which an exact factored law skips
    if plan.extended and not plan.exact(found):
        found += fit_skeletons(factored_equations(X, y, w, deadline), X, y, w, settings,
                               deadline, source="transformed", warm=True)
    if not plan.exact(found):
        rational = transformed_equations(X, y, w, deadline, extended=plan.extended)
        found += fit_skeletons(rational, X, y, w, settings, deadline, source="transformed",
                               warm=True)
    if not plan.exact(found):  # a/x**12 - b/x**6 + …: stepwise over powers up to ±12
        sums = _explaining(power_sums(X, y, w, deadline), X, y, w, plan.explained)
        found += fit_skeletons(sums, X, y, w, settings, deadline, source="powers", warm=True)
    if not plan.exact(found):  # c + a₁·e^(r₁x) + …: rates by variable projection
        relative = settings.loss in ("log", "relative")
        forms = (False, True) if plan.extended else (False,)  # and for 1/y, in log x
        sums = [e for inverse in forms  # (logistic growth, free powers): ~0.1 s each
                for e in exponential_sums(X, y, w, deadline, relative, inverse, forms[-1])]
        found += fit_skeletons(_explaining(sums, X, y, w, plan.explained), X, y, w, settings,
                               deadline, source="exponentials", warm=True)
    return found


def _explaining(equations, X, y, w, share: float) -> list:
    """The fitted ``(equation, 0.0)`` proposals that leave less than ``share`` of y's
    variance (weighted): only those are worth refitting (noise gives none)."""
    var = weighted_variance(y, w)
    out = []
    for e, lp in equations:
        with np.errstate(all="ignore"):
            r = evaluate(e, X) - y
        if np.all(np.isfinite(r)) and np.average(r ** 2, weights=w) < share * var:
            out.append((e, lp))
    return out


def _gp(X, y, w, plan: FitPlan, settings: SearchSettings, share: float, deadline: float,
        model, seeds) -> tuple[list[Candidate], dict]:
    """Genetic programming for ``share`` of the time left (guided when ``model`` is given)."""
    k = settings.max_constants
    # an exact member stops every island, unless it could hold more constants than allowed
    stop = plan.exact_loss if k is None or 2 * k >= settings.max_complexity else 0.0
    cfg = GPConfig(workers=local_workers(plan.n_jobs), max_epochs=plan.max_epochs,
                   stop_loss=stop)
    now = time.perf_counter()
    found, stats = search_candidates(X, y, w, settings, now + share * (deadline - now),
                                     model=model, seeds=seeds, cfg=cfg)
    return [c for c in found if k is None or c.expr.n_constants() <= k], stats


def _neural(model: EquationModel, X, y, w, names, plan: FitPlan, settings: SearchSettings,
            deadline: float) -> list[Candidate]:
    """Stage 3: the model's proposals, fitted, then refined by local search around the best
    (which stops early when it stops improving)."""
    rng = np.random.default_rng(settings.random_state)
    cols = _model_columns(X, y, names, model.config.max_vars)
    start = time.perf_counter()
    at = lambda share: start + share * (deadline - start)  # noqa: E731
    skeletons = propose_skeletons(model, X[:, cols], y, beam_size=plan.beam_size,
                                  n_samples=plan.n_samples, rng=rng,
                                  deadline=at(plan.decode_share),
                                  smooth=plan.smooth_model_input)
    if len(cols) < X.shape[1]:
        skeletons = [(s.substitute({i: Var(c) for i, c in enumerate(cols)}), lp)
                     for s, lp in skeletons]
    with progress_bar(plan.verbose, len(skeletons), "fitting candidates") as advance:
        fitted = fit_skeletons(skeletons, X, y, w, settings, at(plan.fit_share),
                               on_fit=advance)
    return fitted + refine(fitted, X, y, w, settings, deadline, macros=prior_macros(model),
                           rounds=10)


def _model_columns(X, y, names, max_vars: int) -> list[int]:
    """All columns, or the ``max_vars`` most related to y when there are more."""
    cols = related_columns(X, y, max_vars)
    if len(cols) < X.shape[1]:
        warnings.warn(f"{X.shape[1]} variables but the model reads at most {max_vars}: "
                      f"proposing equations in the {max_vars} most related to y "
                      f"({', '.join(names[c] for c in cols)})", DataWarning, stacklevel=7)
    return cols


def _polish(candidates: list[Candidate], X, y, w, plan: FitPlan, settings: SearchSettings,
            deadline: float, scaling: Scaling | None = None) -> list[Candidate]:
    """Stage 5: polynomial expansion, common factors, partial fractions, pruning, constants
    snapped to the small integers and halves they are in the user's units."""
    now = time.perf_counter()
    candidates += expanded_polynomials(candidates, X, y, w, settings,
                                       now + plan.expand_share * (deadline - now))
    now = time.perf_counter()
    factored, replaced = factor_common(candidates, X, y, w, settings,
                                       now + plan.factor_share * (deadline - now))
    candidates = drop_skeletons(candidates, replaced) + factored
    now = time.perf_counter()
    candidates += partial_fraction_forms(candidates, X, y, w, settings,
                                         now + plan.apart_share * (deadline - now))
    now = time.perf_counter()
    candidates += prune(candidates, X, y, w, settings, now + plan.prune_share * (deadline - now))
    snapped, replaced = snap_constants(candidates, X, y, w, settings, deadline,
                                       keeps=None if scaling is None else scaling.keeps)
    return drop_skeletons(candidates, replaced) + snapped
