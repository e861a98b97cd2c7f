"""Scaling symmetries found in the data, when no units are given ("virtual units").

Units give a law its scaling symmetries: ``m = m0 / sqrt(1 − v²/c²)`` is unchanged when
``v`` and ``c`` are multiplied by the same factor, and doubles with ``m0``. Without units the
same symmetries can be read off the data: in log coordinates ``L = log|x|``,
``F = log|y|``, a symmetry ``x_i → λ^{s_i} x_i, y → λ^t y`` means ``∇F · s = t`` at every
point. A Gaussian-kernel ridge regression of F on L (its width and ridge chosen by
leave-one-out error) gives the gradients; the vectors ``(s, t)`` with ``G s − t ≈ 0`` are
the near-null space of ``[G, −1]``, found by an SVD and written with small rational
exponents. Each symmetry plays the part of a base unit, so :class:`PiGroups` reduces the
problem exactly as with units (``y = M·f(v/c)``). AI Feynman (Udrescu & Tegmark 2020) tests
such symmetries one candidate at a time on a neural network fitted to the data; here one
kernel model gives them all.

Only data whose columns are never zero are read (log coordinates, ``log|x|``: a column of
both signs, such as a difference ``θ − θ1``, is read too, and where y is not even in it the
kernel model fits poorly and nothing is read), and only
when the kernel model fits F well (``WELL_FIT``): otherwise its gradients say nothing.
Where it does not, the data may be noisy: noise of one size in y is large in ``log|y|``
where y is small, and the kernel model is fitted again with larger ridges, its rows weighted
by y² when that predicts left-out rows more likely than equal weights (:func:`_noise_model`). A
target of both signs (an equation of state: pressure from attraction and repulsion) is
read as it is, ``F = y``: Euler's relation ``∇F · s = t·F`` holds for its gradients in L,
and its invariances (t = 0; ``p(λn, T, λV) = p(n, T, V)``) reduce it. numpy only.
"""
from __future__ import annotations

import itertools
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from ..expr.evaluate import weighted_variance
from .differences import evenly_spaced_rows, majority_sign_rows, one_signed_columns
from .dimensionless import PiGroups, integral_exponents
from .kernel import LENGTHS, kernel_ridge

__all__ = ["scaling_symmetries", "symmetry_groups"]

MAX_VARIABLES = 12   #: as for units: the basis search after this is combinatorial
MIN_ROWS = 20
WELL_FIT = 1e-2      #: leave-one-out error of the kernel model, share of F's variance, at most
                     #: (1 % noise on y leaves ~1–3·10⁻³ of it; 10 % noise ~5–20·10⁻², rows
                     #: weighted: read at 5·10⁻², most of what 10 % noise gives is a reduction
                     #: the noise cannot tell from the law's, and laws the search finds are
                     #: lost; at 2·10⁻² Planck's frequency form is read on a seed whose group
                     #: search then fails)
NULL = 0.08          #: singular values below this share of the largest may be symmetries ...
GAP = 5.0            #: ... when the next larger one is this many times larger
MAX_DENOMINATOR = 2  #: exponents of a symmetry are rationals p/q, q ≤ this (4 let noisy
                     #: gradients pass as ±5/4, ±3/4: wrong symmetries that fit within noise)
ROUNDING = 0.15      #: ... within this of the estimated value (relative, beyond 1)
REDUCED_FIT = 2.0    #: the groups must predict log|y/M| with at most this times the
                     #: kernel model's error on all columns (absolute, in log units)
RIDGES = (1e-8, 1e-6, 1e-4)
NOISY_RIDGES = RIDGES + (1e-2, 1e-1)  #: where the rows are weighted: larger ones smooth noise
SHIFTS = 4           #: y's exponent of a symmetry is also tried this many halves either side ...
BETTER = 0.7         #: ... and moved where the groups then fit with at most this share of the error
PAIR_NULL = 0.02     #: a symmetry of two columns read one at a time (_pair_symmetries)


class _Noise(NamedTuple):
    """How the kernel models weigh the rows of F and which ridges they try."""

    weights: np.ndarray | None  #: per row, mean 1 (inverse noise variances); None: equal
    ridges: tuple[float, ...]


QUIET = _Noise(None, RIDGES)  #: noise-free data, as it was always read


def symmetry_groups(X: np.ndarray, y: np.ndarray) -> PiGroups | None:
    """The groups of the data's scaling symmetries (``y = M·f(π)``, as with units), or None
    when there are none or they leave nothing to reduce. Of the candidate symmetry sets
    (most symmetries first) the first whose groups predict ``log|y/M|`` as well as all the
    columns predict ``log|y|`` (kernel models, leave-one-out) is taken.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(1, 5, (200, 3))
    >>> symmetry_groups(X, X[:, 0] / np.sqrt(1 + (X[:, 1] / X[:, 2]) ** 2)).describe("mvc")
    (['c/v'], 'm')
    """
    found = _verified(X, y)
    return None if found is None else found[1]


def scaling_symmetries(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(S, t)`` of the symmetries :func:`symmetry_groups` takes: one row per symmetry,
    ``S`` (m × n) the exponents of the columns and ``t`` (m,) that of y, all integers; None
    when there are none.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(1, 5, (200, 3))
    >>> S, t = scaling_symmetries(X, X[:, 0] / np.sqrt(1 + (X[:, 1] / X[:, 2]) ** 2))
    >>> S.tolist(), t.tolist()
    ([[0, 1, 1], [1, 0, 0]], [0, 1])
    """
    found = _verified(X, y)
    return None if found is None else (found[0][:, :-1], found[0][:, -1])


def _verified(X, y) -> tuple[np.ndarray, PiGroups] | None:
    """The first candidate symmetry set whose groups pass the test of
    :func:`symmetry_groups`: its integer rows ``(S | t)`` and groups."""
    read = _read(X, y)
    if read is None:
        return None
    X, y, F, loo, G, signed, noise = read
    n = X.shape[1]
    # Euler: x·∇y = t·y for y → λ^t·y; in logs ∇F·s = t; for y of both signs ∇y·s = t·y
    euler = F if signed else np.ones(len(F))
    A = np.column_stack([G, -euler])
    candidates = _candidates(A, nested=signed)
    if signed:  # and, where the spectrum is blurred, simple invariances one at a time
        candidates = itertools.chain(candidates, _pair_invariances(G))
    else:  # noisy gradients blur the spectrum: scalings of two columns one at a time, and
        # last the null spaces that end without a clear gap
        candidates = itertools.chain(candidates, _pair_symmetries(G),
                                     _candidates(A, gapless=True))
    for rows in candidates:
        if signed and np.any(rows[:, n]):
            continue  # of y of both signs only invariances are read (y/M would not be)
        rows, fit = (_best_exponents(rows, X, y, noise) if not signed else
                     (rows, _reduced_fit(rows, X, y, signed)))
        if fit is not None and fit[1] <= REDUCED_FIT * loo + 1e-12:
            return rows, fit[0]
    return None


def _reduced_fit(rows: np.ndarray, X, y, signed: bool,
                 noise: _Noise | None = None) -> tuple[PiGroups, float] | None:
    """The groups of the symmetries ``rows`` and the leave-one-out error of the kernel
    model of ``log|y/M|`` (``y`` where it takes both signs) on them; None when they leave
    nothing to reduce."""
    n = X.shape[1]
    pi = PiGroups.from_dimensions(rows[:, :n], rows[:, n], X, y)
    if pi is None or not 0 < pi.n_groups < n:
        return None
    L = np.log(np.abs(X))  # in logs: y/M of y ~ 1e-295 would underflow
    logs = [L @ np.array(g, dtype=float) for g in pi.groups]
    with np.errstate(all="ignore"), threadpool_limits(1, user_api="blas"):
        F = pi.transform(X, y)[1] / np.std(y) if signed else \
            np.log(np.abs(y)) - L @ np.array(pi.output, dtype=float)
        fit = _kernel(np.column_stack(logs), F, noise=noise)
    return None if fit is None or not np.isfinite(fit[0]) else (pi, fit[0])


def _best_exponents(rows: np.ndarray, X, y, noise: _Noise):
    """``rows`` with y's exponent of each symmetry moved, in halves up to ``SHIFTS`` either
    side, to where its groups fit ``log|y/M|`` best, when that cuts the error to at most
    ``BETTER`` of the given one; and their :func:`_reduced_fit`. Where y is exponential in
    a group (Planck's law in frequency) the gradients are steep: they give a symmetry's
    direction well and y's exponent poorly."""
    n = X.shape[1]
    fit = _reduced_fit(rows, X, y, False, noise)
    for k in range(len(rows)):
        best, error = (rows, fit), BETTER * (fit[1] if fit is not None else np.inf)
        step = int(np.abs(rows[k, :n][rows[k, :n] != 0][0]))  # half a unit of the pivot
        for shift in (s for s in range(-SHIFTS, SHIFTS + 1) if s):
            trial, row = rows.copy(), 2 * rows[k]
            row[n] += shift * step
            trial[k] = row // np.gcd.reduce(row)
            trial_fit = _reduced_fit(trial, X, y, False, noise)
            if trial_fit is not None and trial_fit[1] < error:
                best, error = (trial, trial_fit), trial_fit[1]
        rows, fit = best
    return rows, fit


def _read(X, y):
    """Rows, F (log|y|, or y/std(y) where y takes both signs), the kernel model's
    leave-one-out error and gradients dF/dL, whether y takes both signs, and the noise model
    the kernel models use (:class:`_Noise`); None when the data cannot be read. Where y's
    other sign is only noise around zero (:func:`~eqlearn.search.differences.majority_sign_rows`), the rows of its sign are
    read first, then, failing that, all rows with both signs."""
    X, y = evenly_spaced_rows(np.asarray(X, float), np.asarray(y, float))
    keep = majority_sign_rows(y)  # zeros (underflow) and noise around them say nothing in logs
    read = _read_rows(X[keep], y[keep])
    flipped = not keep.all() and np.any(y > 0) and np.any(y < 0)  # zeros alone: not again
    return _read_rows(X, y) if read is None and flipped else read


def _read_rows(X, y):
    if not (2 <= X.shape[1] <= MAX_VARIABLES and len(y) >= MIN_ROWS and np.all(X != 0)
            and np.all(np.isfinite(X)) and np.all(np.isfinite(y)) and np.std(y) > 0):
        return None
    signed = not _one_signed(y[:, None])
    with np.errstate(all="ignore"), threadpool_limits(1, user_api="blas"):
        L, F = np.log(np.abs(X)), (y / np.std(y) if signed else np.log(np.abs(y)))
        if not (np.all(np.isfinite(L)) and np.all(np.isfinite(F))):
            return None
        noise = QUIET
        fit = _kernel(L, F, gradients=True, noise=noise)
        if not signed and not _fits_well(fit, F, noise):
            fit, noise = _noise_model(L, F, y)  # noisy data: the rows weighted
    if not _fits_well(fit, F, noise):
        return None
    return X, y, F, fit[0], fit[1], signed, noise


def _fits_well(fit, F: np.ndarray, noise: _Noise) -> bool:
    """Whether the kernel model ``fit`` leaves at most ``WELL_FIT`` of F's (weighted)
    variance, with finite gradients: only then do they say anything."""
    if fit is None or not np.all(np.isfinite(fit[1])):
        return False
    return bool(fit[0] <= WELL_FIT * weighted_variance(F, noise.weights))


def _noise_model(L, F, y) -> tuple[tuple | None, _Noise]:
    """Where equal weights and small ridges leave the kernel model of ``F = log|y|`` poor:
    the model and the noise model of y's data, relative (equal weights in logs) or of one
    size in y (an error σ in y is σ/|y| in log|y|: weights ∝ y²), whichever predicts
    left-out rows more likely (Gaussian, scale fitted: ``−n/2·ln(loo) + ½·Σ ln wᵢ``,
    weights of mean 1); either with the larger ridges ``NOISY_RIDGES``, which smooth noise."""
    n = len(F)
    equal = _Noise(np.ones(n), NOISY_RIDGES)
    scaled = _Noise(np.maximum(y * y / np.mean(y * y), np.finfo(float).eps),
                    NOISY_RIDGES)
    fit, weighted = _kernel(L, F, True, equal), _kernel(L, F, True, scaled)
    if fit is None or weighted is None:
        return fit, equal
    if -n / 2 * np.log(weighted[0]) + np.sum(np.log(scaled.weights)) / 2 > \
            -n / 2 * np.log(fit[0]):
        return weighted, scaled
    return fit, equal


def _one_signed(A: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(A)) and np.all(one_signed_columns(A)))


def _kernel(L: np.ndarray, F: np.ndarray, gradients: bool = False,
            noise: _Noise | None = None):
    """(leave-one-out error, dF/dL at the rows or None) of the best kernel model of F on L
    under ``noise`` (its rows' weights and ridges; None: ``QUIET``); None when F is
    constant."""
    noise = QUIET if noise is None else noise
    return kernel_ridge(L, F, LENGTHS, noise.ridges, gradients, noise.weights)


def _candidates(A: np.ndarray, nested: bool = False, gapless: bool = False):
    """Integer bases of the near-null spaces of A (columns weighed equally), the largest
    first: a candidate ends at each clear gap of the singular values below ``NULL``; with
    ``nested`` also inside a run of small ones without a gap (a symmetry beside a near one:
    ``p(λn, T, λV) = p`` beside ``(λn, λT)``, exact only without the excluded volume).
    With ``gapless``, instead, the others: each singular value below ``NULL`` that ends no
    candidate so (noise blurs the spectrum: with 1 % noise a gap of 4.5 for 5)."""
    norms = np.linalg.norm(A, axis=0)
    if not np.all(norms > 0):
        return
    _, s, Vt = np.linalg.svd(A / norms, full_matrices=False)
    ratio = s / s[0]
    for k in range(1, len(s)):
        clear = ratio[k - 1] >= GAP * ratio[k] or (nested and ratio[k - 1] < NULL)
        if ratio[k] < NULL and clear != gapless:
            rows = _rational_basis(Vt[k:] / norms)
            if rows is not None:
                yield rows


def _two_column_scalings(n: int):
    """Exponent vectors (length n + 1, y's last and 0) that scale two columns by
    ``λ^a, λ^b`` with |a|, |b| ≤ 2."""
    for i, j in itertools.combinations(range(n), 2):
        for a, b in ((1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1)):
            s = np.zeros(n + 1, dtype=int)
            s[i], s[j] = a, b
            yield s


def _best_first(found: list[tuple[float, np.ndarray]]):
    for _, s in sorted(found, key=lambda rs: rs[0]):
        yield s[None, :]


def _pair_invariances(G: np.ndarray):
    """Invariances ``x_i → λ^a·x_i, x_j → λ^b·x_j`` (|a|, |b| ≤ 2) that the gradients G
    (dF/dL) nearly satisfy (``|G·s| < NULL·|G|·|s|``), the best first, as one-row
    ``(S | 0)`` candidates: AI Feynman's way of testing symmetries one at a time."""
    n, scale = G.shape[1], np.linalg.norm(G)
    ratios = ((np.linalg.norm(G @ s[:n]) / (scale * np.linalg.norm(s)), s)
              for s in _two_column_scalings(n))
    return _best_first([(r, s) for r, s in ratios if r < NULL])


def _pair_symmetries(G: np.ndarray):
    """Symmetries ``x_i → λ^a·x_i, x_j → λ^b·x_j, y → λ^t·y`` (|a|, |b| ≤ 2; t the median
    of ``G·s``, in halves) that the gradients satisfy within ``PAIR_NULL`` (the spread of
    ``G·s`` over the rows, against the gradients' size), the best first, as one-row
    candidates. With 1 % noise the spectrum of all columns at once rarely shows a gap:
    read so, the Feynman suite has symmetries in 70 problems, not 27 (5 of them wrong:
    ``ρv/√(1 − v²/c²)`` with v ≪ c, whose data the noise cannot tell from ``ρv``)."""
    n = G.shape[1]
    scale = np.linalg.norm(G) / np.sqrt(len(G))
    found = []
    for s in _two_column_scalings(n):
        v = G @ s[:n]
        t = np.median(v)
        ratio = np.sqrt(np.mean((v - t) ** 2)) / (scale * np.linalg.norm(s[:n]))
        if ratio < PAIR_NULL:
            s[n] = int(round(2 * t))
            s[:n] *= 2
            found.append((ratio, s // np.gcd.reduce(s)))
    return _best_first(found)


def _rational_basis(null: np.ndarray) -> np.ndarray | None:
    """The reduced row-echelon basis of the rows' span, pivots on the largest entries, its
    entries made small rationals and the rows scaled to integers; None when an entry is not
    near one."""
    B = null.copy()
    m, width = B.shape
    pivots: list[int] = []
    for r in range(m):
        rest = [c for c in range(width - 1) if c not in pivots]  # pivots on columns of X
        if not rest:
            return None
        c = max(rest, key=lambda j: abs(B[r:, j]).max())
        p = r + int(np.argmax(abs(B[r:, c])))
        B[[r, p]] = B[[p, r]]
        B[r] /= B[r, c]
        for q in range(m):
            if q != r:
                B[q] -= B[q, c] * B[r]
        pivots.append(c)
    out = []
    for row in B:  # the pivot is 1: Planck's λ → aλ, T → T/a, y → y/a⁵ reads (1, -1, -5)
        exact = [Fraction(float(v)).limit_denominator(MAX_DENOMINATOR) for v in row]
        if any(abs(float(e) - v) > ROUNDING * max(1.0, abs(v)) for e, v in zip(exact, row)):
            return None
        out.append([int(e) for e in integral_exponents(exact)])
    return np.array(out, dtype=int)
