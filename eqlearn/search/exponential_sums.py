"""Sums of exponentials in one variable, fitted directly, as equations tried before any search.

Two-compartment pharmacokinetics, the Bateman equation of a decay chain, bi-exponential
relaxation, a first-order rise to a plateau: ``y = c + a₁·e^(r₁x) + … + a_m·e^(r_m x)``.
Such a sum is linear in its amplitudes and nonlinear in its rates, and a search or a
constant fit from random starts rarely finds two rates at once: the loss has a valley
along every swap of the terms and plateaus where two rates merge. Variable projection
(Golub & Pereyra 1973) removes the amplitudes: for given rates they are a least-squares
solution, so only the m rates are searched — on a grid first (every pair of a grid for
two terms, the best pair and a third from the grid for three), then by Levenberg–Marquardt
from the best few grid points.

Where two amplitudes (or an amplitude and the intercept) cancel to within
:attr:`ExpSumConfig.tie`, the equation with one shared amplitude is proposed too
(``a·(e^(−k₁t) − e^(−k₂t))``, ``a·(1 − e^(−kt))``): one constant fewer, for the choice to weigh.
The same sums in ``log x`` are sums of free powers ``c + a₁·x^(r₁) + …`` of a positive
variable (an allometric ``a·x^b``), and for ``1/y`` they are logistic curves
``1/(c + a·e^(−kx))`` (growth, a dose-response in ``log x``: ``1/(c + a·x^r)``).
Every equation is returned with its constants, a start for ``fit_skeletons(..., warm=True)``.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from ..expr.tree import Const, Expr, Node, Num, Var

__all__ = ["ExpSumConfig", "exponential_sums"]


@dataclass(frozen=True)
class ExpSumConfig:
    """The direct fit of sums of exponentials."""

    max_terms: int = 3            #: exponentials in a sum
    grid: int = 24                #: rates per sign on the grid (log-spaced)
    slowest: float = 0.05         #: |rate| × the variable's range, smallest on the grid
    fastest: float = 40.0         #: … and largest
    max_rows: int = 400           #: rows the rates are searched on (evenly spaced; the
                                  #: equations are refitted on all rows after)
    starts: int = 2               #: grid points refined per number of terms
    max_exponent: float = 60.0    #: |rate·x| beyond this would overflow: such rates are out
    tie: float = 0.02             #: amplitudes cancelling to this share get one constant
    min_points: int = 4           #: fewer readings than this: nothing to fit
    merged: float = 1e-4          #: rates closer than this (× the range): one term
    exact: float = 1e-24          #: residual share below which no term is added
    hopeless: float = 0.8         #: … and above which (of y's variance) neither is
    gain: float = 0.5             #: a third term only where the second cut the residual so
    max_columns: int = 3          #: more variables than this: none is tried


def exponential_sums(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                     deadline: float | None = None, relative: bool = False,
                     inverse: bool = False, powers: bool = True,
                     cfg: ExpSumConfig = ExpSumConfig()) -> list[tuple[Expr, float]]:
    """``(equation, 0.0)`` pairs: for each variable, the best sums of 1 to ``max_terms``
    exponentials with and without an intercept (and their tied forms). ``relative``:
    residuals relative to ``|y|`` (for the log and relative losses). ``inverse``: sums
    for ``1/y`` (readings weighted by ``y²``, as the errors of ``y`` pass to ``1/y``), each
    returned as ``1/sum`` — the logistic ``a/(1 + b·e^(−kx))`` and its kin. ``powers``:
    also sums in ``log x`` (free powers of positive variables). Stops at ``deadline`` (a
    ``time.perf_counter`` value)."""
    n, d = X.shape
    if n < cfg.min_points or d > cfg.max_columns or not np.all(np.isfinite(y)):
        return []
    rows = np.unique(np.linspace(0, n - 1, min(n, cfg.max_rows)).astype(int))
    sw = np.sqrt(np.ones(n) if w is None else np.asarray(w, dtype=float))[rows]
    target = y[rows]
    if inverse:
        if not (np.all(target > 0) or np.all(target < 0)):
            return []
        sw, target = sw * target ** 2 / np.mean(target ** 2), 1.0 / target
    if relative:
        sw = sw / np.maximum(np.abs(target), 1e-300)
    out: list[tuple[Expr, float]] = []
    for j, log_x in itertools.product(range(d), (False, True) if powers else (False,)):
        x = X[rows, j]
        if log_x:  # e^(r·log x) = x^r: sums of free powers of a positive variable
            x = np.log(x) if np.all(x > 0) else np.zeros(0)
        if not len(x) or np.ptp(x) == 0 or not np.all(np.isfinite(x)):
            continue
        for intercept in (True, False):
            for rates, amps in _sums(x - np.mean(x), target, sw, intercept, cfg, deadline):
                # fitted about the mean: a·e^(r(x − m)) is (a·e^(−rm))·e^(rx)
                amps = amps.copy()
                amps[int(intercept):] *= np.exp(-rates * np.mean(x))
                if np.all(np.isfinite(amps)) and np.all(np.abs(rates * x[:, None]) < 700):
                    out += [(Node("div", (Num(1), e)) if inverse else e, 0.0)
                            for e in _equations(j, rates, amps, intercept, cfg.tie, log_x)]
    return out


def _design(x: np.ndarray, rates: np.ndarray, intercept: bool) -> np.ndarray:
    with np.errstate(all="ignore"):
        cols = [np.exp(np.outer(x, rates))]
    if intercept:
        cols.insert(0, np.ones((len(x), 1)))
    return np.hstack(cols)


def _project(x, y, sw, rates, intercept) -> tuple[np.ndarray, np.ndarray]:
    """Weighted residuals and amplitudes (the intercept first) for the given rates."""
    A = _design(x, rates, intercept) * sw[:, None]
    b = y * sw
    if not np.all(np.isfinite(A)):
        return np.full(len(b), 1e150), np.zeros(A.shape[1])
    amps, *_ = np.linalg.lstsq(A, b, rcond=None)
    return b - A @ amps, amps


def _grid(x: np.ndarray, cfg: ExpSumConfig) -> np.ndarray:
    span = np.ptp(x)
    mags = np.geomspace(cfg.slowest, cfg.fastest, cfg.grid) / span
    rates = np.concatenate([-mags, mags])
    return rates[np.abs(rates) * np.max(np.abs(x)) <= cfg.max_exponent]


def _sums(x, y, sw, intercept: bool, cfg: ExpSumConfig, deadline):
    """(rates, amplitudes) of the best sum of each size, refined from the grid's best."""
    grid = _grid(x, cfg)
    rss = lambda r: float(np.sum(_project(x, y, sw, np.asarray(r), intercept)[0] ** 2))  # noqa: E731
    best: tuple = ()
    previous = np.inf
    spread = float(np.sum((sw * (y - np.average(y, weights=sw ** 2))) ** 2))
    for m in range(1, cfg.max_terms + 1):
        if deadline is not None and time.perf_counter() > deadline:
            return
        if len(x) <= m + intercept + m:  # residual degrees of freedom left
            return
        trials = [best + (r,) for r in grid] if m == 3 else \
            list(itertools.combinations(grid if m == 1 else grid[::2], m))  # pairs: coarser
        trials = [t for t in trials if len(set(t)) == m]
        scored = sorted(trials, key=rss)[:cfg.starts]
        refined = [_refine(x, y, sw, np.array(t), intercept, cfg) for t in scored]
        refined = [r for r in refined if r is not None]
        if not refined:
            return
        residual, rates = min(((rss(r), r) for r in refined), key=lambda p: p[0])
        best = tuple(sorted(rates))
        yield rates, _project(x, y, sw, rates, intercept)[1]
        if residual <= cfg.exact * float(np.sum((y * sw) ** 2)):
            return  # exact: more terms would only fit round-off
        if residual > cfg.hopeless * spread:
            return  # the terms explain next to nothing: y is no such sum in x
        if m >= 2 and residual > cfg.gain * previous:
            return  # the second term bought little: a third would buy less
        previous = residual


def _refine(x, y, sw, rates, intercept, cfg: ExpSumConfig):
    """Levenberg–Marquardt on the projected residuals; None when it leaves the safe range."""
    limit = cfg.max_exponent / np.max(np.abs(x))
    try:
        fit = least_squares(lambda r: _project(x, y, sw, r, intercept)[0], rates,
                            bounds=(-limit, limit), max_nfev=100 * len(rates),
                            ftol=1e-14, xtol=1e-14, gtol=1e-14)
    except (ValueError, np.linalg.LinAlgError):
        return None
    r = fit.x
    merged = np.min(np.abs(np.subtract.outer(r, r))[~np.eye(len(r), dtype=bool)],
                    initial=np.inf)
    if min(merged, np.min(np.abs(r))) * np.ptp(x) < cfg.merged:
        return None  # two terms or a term and the constant became one
    return r


def _exp_term(j: int, rate: float, log_x: bool) -> Expr:
    if log_x:
        return Node("pow", (Var(j), Const(float(rate))))
    return Node("exp", (Node("mul", (Const(float(rate)), Var(j))),))


def _equations(j: int, rates, amps, intercept: bool, tie: float, log_x: bool) -> list[Expr]:
    """The fitted sum, and its forms with one shared amplitude where two cancel."""
    terms = [Node("mul", (Const(float(a)), _exp_term(j, r, log_x)))
             for a, r in zip(amps[int(intercept):], rates)]
    full = _sum(([Const(float(amps[0]))] if intercept else []) + terms)
    out = [full]
    scale = np.abs(amps)
    for p, q in itertools.combinations(range(len(amps)), 2):
        if abs(amps[p] + amps[q]) <= tie * max(scale[p], scale[q]):
            out.append(_tied(j, rates, amps, intercept, p, q, log_x))
    return out


def _tied(j, rates, amps, intercept: bool, p: int, q: int, log_x: bool) -> Expr:
    """``a·(u_p − u_q) + the other terms``, u the intercept's 1 or an exponential."""
    base = lambda i: (Num(1) if intercept and i == 0  # noqa: E731
                      else _exp_term(j, rates[i - int(intercept)], log_x))
    pair = Node("mul", (Const(float(amps[p])), Node("sub", (base(p), base(q)))))
    rest = [Const(float(amps[i])) if intercept and i == 0 else
            Node("mul", (Const(float(amps[i])), base(i)))
            for i in range(len(amps)) if i not in (p, q)]
    return _sum([pair] + rest)


def _sum(terms: list[Expr]) -> Expr:
    """The terms added, a term with a negative leading constant subtracted."""
    out = terms[0]
    for t in terms[1:]:
        lead = t if isinstance(t, Const) else t.args[0]
        if isinstance(lead, Const) and lead.value < 0:
            flipped = Const(-lead.value)
            out = Node("sub", (out, flipped if t is lead else Node(t.op, (flipped,) + t.args[1:])))
        else:
            out = Node("add", (out, t))
    return out
