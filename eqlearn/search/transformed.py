"""Rational functions of a transformed target, fitted directly (AI Feynman's polynomial fit
after transforming y, extended to rational functions).

Many laws are a rational function once y is transformed: ``γ = 1/sqrt(1 − u²)`` gives
``1/γ² = 1 − u²``, ``(1 + u)/sqrt(1 − u²)`` squared is ``(1 + u)/(1 − u)``, the relativistic
sum of velocities is ``(a + b)/(1 + a·b)`` as it stands. For each transform ``g`` (none,
1/y, y², 1/y², √y, log y, eʸ) :func:`transformed_equations` fits ``g(y) = P(x) / (1 + Q(x))``
by least squares on the linearised form ``g(y) = P(x) − g(y)·Q(x)``, with ``P`` and ``Q``
sparse sums of monomials with exponents from −2 to 2 (negative ones for columns that keep
one sign), chosen by forward selection and backward elimination as in
:mod:`eqlearn.search.polynomial_fit`. The subsets that fit the transformed target closely (or,
on noisy data, about as closely as the closest) become equations ``g⁻¹(P/(1 + Q))``
whose constants, those of the linearised fit, start the usual constant fitting on y (a
random start may never reach ``log((1 − x⁴)/(1 − x))`` across its removable pole).
"""
from __future__ import annotations

import itertools
import time
from fractions import Fraction
from typing import Callable, NamedTuple

import numpy as np

from ..expr.evaluate import evaluate, weighted_variance
from ..expr.simplify import canonicalize
from ..expr.tree import Const, Expr, Node, Num, Var
from .choice import N_OPERATORS
from .differences import one_signed_columns
from .polynomial_fit import monomial_columns, stepwise_subsets
from .polynomial_expansion import monomial_sum
from .selection import complexity, model_price, symbol_count

__all__ = ["transformed_equations", "TRANSFORMS"]

MAX_COLUMNS = 32     #: numerator and denominator columns together
WIDE_COLUMNS = 48    #: ... in the wider second basis (see ``_designs``)
MAX_DEGREE = 4       #: highest total |degree| of a monomial (one variable: x⁻⁴ … x⁴)
MAX_TERMS = 5        #: terms of P and Q together
CLOSE = 1e-4         #: a fit leaving less than this share of g(y)'s variance is exact;
SURE = 1e-20         #: ... and below this surely so (a rational approximation is not)
NOISY = 3.0          #: without one, fits within this factor of a transform's closest
LOOSE = 0.5          #: ... and under this share are kept (noise sets a floor)
MAX_SKELETONS = 16   #: the closest fits over all transforms
SCREENED = 24        #: small subsets (of up to 3 columns) fitted after screening them all
MAX_ROWS = 1000      #: rows the subsets are chosen on (evenly spaced); all are fitted later
ANGLES = 100.0       #: sin and cos of variables only below this (radians, not raw SI units)
MAX_MAPPED = 3       #: variables mapped (``VARIABLE_MAPS``) only in problems with at most these


def _power(e: Expr, p: Fraction) -> Expr:
    """``e**p``; a lone constant stays a constant (``sqrt(C)`` is just ``C``)."""
    if isinstance(e, Const):
        return Const(abs(e.value) ** float(p))
    return Node("sqrt", (e,)) if p == Fraction(1, 2) else Node("pow", (e, Num(p)))


def _ratio(top: Expr, bottom: Expr | None) -> Expr:
    return top if bottom is None else Node("div", (top, bottom))


class Transform(NamedTuple):
    g: Callable[[np.ndarray], np.ndarray]
    #: the inverse on (numerator, denominator or None) skeletons
    inverse: Callable[[Expr, Expr | None], Expr]
    one_sign: bool = False   #: needs y of one sign (g of |y|, the sign put back outside)
    domain: Callable[[np.ndarray], bool] | None = None  #: the y that g⁻¹ can give back


#: the inverses write ``(P/Q)**p`` as ``P**p / Q**p``, e.g. ``C/sqrt(1 + C·x²)``
TRANSFORMS: dict[str, Transform] = {
    "none": Transform(lambda y: y, _ratio),
    "inverse": Transform(lambda y: 1.0 / y,
                         lambda p, q: _ratio(Num(1) if q is None else q, p)),
    "square": Transform(lambda y: y * y, lambda p, q: _ratio(
        _power(p, Fraction(1, 2)), None if q is None else _power(q, Fraction(1, 2))), True),
    "inverse square": Transform(lambda y: 1.0 / (y * y), lambda p, q: _ratio(
        Num(1) if q is None else _power(q, Fraction(1, 2)), _power(p, Fraction(1, 2))), True),
    "sqrt": Transform(np.sqrt, lambda p, q: _ratio(
        _power(p, Fraction(2)), None if q is None else _power(q, Fraction(2))), True),
    "log": Transform(np.log, lambda p, q: Node("exp", (_ratio(p, q),)), True),
    "exp": Transform(np.exp, lambda p, q: Node("log", (_ratio(p, q),))),
    "sin": Transform(np.sin, lambda p, q: Node("asin", (_ratio(p, q),)),
                     domain=lambda y: bool(np.all(np.abs(y) <= np.pi / 2))),
    "cos": Transform(np.cos, lambda p, q: Node("acos", (_ratio(p, q),)),
                     domain=lambda y: bool(np.all((y >= 0) & (y <= np.pi)))),
}

#: a variable may enter as one of these (``sin θ`` in Snell's law, ``log x`` in ``x**y``,
#: ``exp(a)`` in ``1/(exp(a) + exp(-a))``, ``exp(1/g)`` where a group is ``g = 1/a``),
#: tried one variable at a time when no transform fits surely exactly with the variables as
#: given (``sin θ`` has rational approximations within ``CLOSE``); only exact fits are kept
#: where any fit is exact (on noisy data, all within ``LOOSE``, ranked with the rest).
#: name → (h, whether h suits a column, h on a variable's tree)
VARIABLE_MAPS: dict[str, tuple[Callable, Callable, Callable[[Expr], Expr]]] = {
    "sin": (np.sin, lambda x: bool(np.all(np.abs(x) < ANGLES)), lambda v: Node("sin", (v,))),
    "cos": (np.cos, lambda x: bool(np.all(np.abs(x) < ANGLES)), lambda v: Node("cos", (v,))),
    "log": (np.log, lambda x: bool(np.all(x > 0)), lambda v: Node("log", (v,))),
    "exp": (np.exp, lambda x: bool(np.all(np.abs(x) < 30)), lambda v: Node("exp", (v,))),
    "exp of inverse": (lambda x: np.exp(1 / x), lambda x: bool(np.all(np.abs(x) > 1 / 30)),
                       lambda v: Node("exp", (Node("div", (Num(1), v)),))),
}


def _exponents(X: np.ndarray, degree: int, with_constant: bool,
               positive: bool = False) -> list[tuple[int, ...]]:
    """Monomials with |exponents| summing to ≤ ``degree``; negative exponents only for
    columns without zeros or sign changes (none at all when ``positive``). Simplest first."""
    one_sign = [not positive and bool(s) for s in one_signed_columns(X)]

    def grow(j: int, left: int):
        if j == len(one_sign):
            yield ()
            return
        for k in range(-left if one_sign[j] else 0, left + 1):
            for rest in grow(j + 1, left - abs(k)):
                yield (k, *rest)
    return _simplest_first(e for e in grow(0, degree) if with_constant or any(e))


def _simplest_first(exponents) -> list[tuple[int, ...]]:
    """Monomials by total |degree|, then higher powers of earlier columns first."""
    return sorted(exponents, key=lambda e: (sum(map(abs, e)), tuple(-k for k in e)))


def _designs(X: np.ndarray) -> list[tuple[list, list]]:
    """(numerator, denominator) monomials of the highest degree (4 at most) whose basis
    stays within ``MAX_COLUMNS`` (at degree 1 the denominator may be cut short); then, below
    degree 4, the same with the next degree's monomials without negative exponents added,
    within ``WIDE_COLUMNS`` (``x1/(1 + x2² + x3²)`` in three variables of one sign); then
    the products of all variables (:func:`_cross_design`) where they fit."""
    if 1 + 2 * X.shape[1] > MAX_COLUMNS:
        return []
    degree = next((d for d in range(MAX_DEGREE, 1, -1)
                   if (2 * d + 1) ** min(X.shape[1], 3) <= 8 * MAX_COLUMNS  # else surely
                   and len(_exponents(X, d, True)) + len(_exponents(X, d, False))  # too many
                   <= MAX_COLUMNS), 1)
    num = _exponents(X, degree, True)
    out = [(num, _exponents(X, degree, False)[: MAX_COLUMNS - len(num)])]
    if degree < MAX_DEGREE:
        wide = [list(dict.fromkeys(part + _exponents(X, degree + 1, k == 0, positive=True)))
                for k, part in enumerate(out[0])]
        if len(wide[0]) + len(wide[1]) <= WIDE_COLUMNS:
            out.append((wide[0], wide[1]))
    cross = _cross_design(X)
    if cross is not None and cross not in out:
        out.append(cross)
    return out


def _cross_design(X: np.ndarray) -> tuple[list, list] | None:
    """Numerator monomials with every exponent in −1…1 (−1 only for one-signed columns:
    ``λ/(n·d)``, ``V·p``, ``n/d₂``), denominator ones of |degree| up to 2 (``v/c``), where
    they fit in ``WIDE_COLUMNS`` (up to three variables)."""
    if X.shape[1] < 3:  # in fewer variables the first bases hold these products
        return None
    ranges = [range(-1, 2) if s else range(0, 2) for s in one_signed_columns(X)]
    num = _simplest_first(itertools.product(*ranges))
    den = [e for e in num if 0 < sum(map(abs, e)) <= 2]
    return (num, den) if len(num) + len(den) <= WIDE_COLUMNS else None


def _body(cols: tuple[int, ...], coef: np.ndarray, num: list, den: list, flip: bool):
    """(numerator, denominator or None) of ``P/(1 + Q)`` with the linearised fit's
    coefficients as its constants; with ``flip`` (both negative on the data), written
    ``(−P)/(−Q − 1)``, so that ``sqrt(P)/sqrt(1 + Q)`` and the like stay real."""
    sign = -1.0 if flip else 1.0
    terms = list(zip(cols, coef))
    top = [(num[j], Const(sign * float(c))) for j, c in terms if j < len(num)]
    bottom = [(den[j - len(num)], Const(sign * float(c))) for j, c in terms if j >= len(num)]
    if not top:
        return None
    p = monomial_sum(top)
    if not bottom:
        return p, None
    return p, Node("sub", (monomial_sum(bottom), Num(1))) if flip else \
        Node("add", (Num(1), monomial_sum(bottom)))


def _fits(g_y: np.ndarray, X: np.ndarray, sw: np.ndarray, num, den):
    """(share of g(y)'s variance left, columns, coefficients, whether P and 1 + Q are both
    negative on every row) of the screened, forward and backward subsets. The
    subsets are chosen on the linearised system, but a subset's share is that of its
    rational function ``P/(1 + Q)``: the linearised residual flatters denominators, whose
    columns hold g(y) and so its noise."""
    with np.errstate(all="ignore"):
        M = np.concatenate([monomial_columns(X, num), monomial_columns(X, den)], axis=1)
        A = np.concatenate([M[:, :len(num)], -g_y[:, None] * M[:, len(num):]], axis=1)
        A, b = A * sw[:, None], g_y * sw
        norm = np.sqrt(np.mean(A ** 2, axis=0))
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b)) and np.all(norm > 0)):
        return []
    A = A / norm
    total = float(np.sum((b - np.average(b, weights=sw * sw) * sw) ** 2))
    if total <= 0:
        return []
    out = []
    terms = min(MAX_TERMS, (len(b) - 1) // 3)  # three rows a term: few rows fit anything
    paths = _screened(A, b, M / norm, len(num), g_y, sw, total) + stepwise_subsets(A, b, terms)
    for cols in dict.fromkeys(c for c in paths if len(c) <= terms):
        cols_ = list(cols)
        coef = np.linalg.lstsq(A[:, cols_], b, rcond=None)[0] / norm[cols_]
        top = np.array([c < len(num) for c in cols_])
        with np.errstate(all="ignore"):
            p, q = M[:, cols_][:, top] @ coef[top], 1.0 + M[:, cols_][:, ~top] @ coef[~top]
            share = float(np.sum((sw * (g_y - p / q)) ** 2)) / total
        flip = bool(np.all(p < 0) and np.all(q < 0))
        out.append((share if np.isfinite(share) else np.inf, cols, coef, flip))
    return out


def _screened(A: np.ndarray, b: np.ndarray, M: np.ndarray, n_num: int, g_y: np.ndarray,
              sw: np.ndarray, total: float) -> list[tuple[int, ...]]:
    """The ``SCREENED`` best of every subset of up to 3 columns (2 for more than 18
    columns): the sparsest exact forms need not lie on the greedy paths (``(1 + u)/(1 − u)``
    among 17 columns). All subsets of a size are solved at once on the normal equations
    (``M``: the columns scaled as ``A``'s), less precise than the least squares the chosen
    ones get next: near-exact shares count as equal, the smaller subset first."""
    size = 3 if A.shape[1] <= 18 else 2
    G, r = A.T @ A, A.T @ b
    scored = []
    for k in range(1, size + 1):
        S = np.array(list(itertools.combinations(range(A.shape[1]), k)))
        Gs = G[S[:, :, None], S[:, None, :]] + 1e-10 * len(b) * np.eye(k)
        coef = np.linalg.solve(Gs, r[S][..., None])[..., 0]
        C = np.zeros((A.shape[1], len(S)))
        for i in range(k):
            C[S[:, i], np.arange(len(S))] = coef[:, i]
        with np.errstate(all="ignore"):
            fit = (M[:, :n_num] @ C[:n_num]) / (1.0 + M[:, n_num:] @ C[n_num:])
            share = np.nan_to_num(np.sum((sw[:, None] * (g_y[:, None] - fit)) ** 2, axis=0)
                                  / total, nan=np.inf)
            decade = np.maximum(np.floor(np.log10(share)), -8)
        scored += [(d, k, sh if d > -8 else 0.0, tuple(c))  # noisy: closest first
                   for d, sh, c in zip(decade.tolist(), share.tolist(), S.tolist())]
    return [cols for *_, cols in sorted(scored)[:SCREENED]]


def transformed_equations(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                          deadline: float | None = None,
                          extended: bool = True) -> list[tuple[Expr, float]]:
    """Equations ``g⁻¹(P/(1 + Q))`` (constants from the linearised fit, a start for
    ``fit_skeletons(..., warm=True)``) whose fit leaves less than ``CLOSE`` of the transformed
    target's variance, or when none does (noisy data), less than ``NOISY`` times its
    transform's closest fit's share and under ``LOOSE`` (at most ``MAX_SKELETONS``: exact
    fits by decade of the residual, then the smallest; noisy ones by their description
    length on y, :func:`_by_information`), as ``(equation, 0.0)`` pairs. Unless a fit is
    surely exact (``SURE``) and ``extended``, the further bases (see :func:`_designs`:
    wider monomials, products of all variables), and each variable in turn entering as one of
    :data:`VARIABLE_MAPS` (up to ``MAX_MAPPED`` variables; exact fits only where any is
    exact). The
    transforms stop at ``deadline`` (a ``time.perf_counter`` value)."""
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    if len(y) > MAX_ROWS:
        rows = np.linspace(0, len(y) - 1, MAX_ROWS).astype(int)
        X, y, w = X[rows], y[rows], w[rows]
    sw = np.sqrt(w)
    designs = _designs(X)
    if not designs:
        return []
    found = _over_transforms(X, y, sw, deadline, designs[0])
    for design in designs[1:] if extended else ():
        if any(share <= SURE for share, _ in found.values()):
            break
        for share, tree in _over_transforms(X, y, sw, deadline, design).values():
            _keep(found, share, tree)
    if extended and X.shape[1] <= MAX_MAPPED \
            and not any(share <= SURE for share, _ in found.values()):
        # noisy (nothing exact so far): every mapped fit within ``LOOSE``, ranked with the rest
        limit = CLOSE if any(share <= CLOSE for share, _ in found.values()) else LOOSE
        for j, name in itertools.product(range(X.shape[1]), VARIABLE_MAPS):
            h, usable, tree_of = VARIABLE_MAPS[name]
            if deadline is not None and time.perf_counter() > deadline:
                break
            if not usable(X[:, j]):
                continue
            Xh = X.copy()
            with np.errstate(all="ignore"):
                Xh[:, j] = h(X[:, j])
            inner = {j: tree_of(Var(j))}
            mapped = _over_transforms(Xh, y, sw, deadline, _designs(Xh)[0], limit=limit)
            for share, tree in mapped.values():
                _keep(found, share, tree.substitute(inner))
    if any(share <= CLOSE for share, _ in found.values()):  # exact somewhere: only those
        found = {k: v for k, v in found.items() if v[0] <= CLOSE}
        # near-exact first, simplest first within a decade of residual
        ranked = sorted(found.values(),
                        key=lambda v: (np.floor(np.log10(max(v[0], 1e-14))), v[1].size()))
    else:  # noisy: shares of different transforms are not comparable; the fits on y are
        ranked = _by_information([tree for _, tree in found.values()], X, y, w)
    return [(tree, 0.0) for _, tree in ranked[:MAX_SKELETONS]]


def _by_information(trees: list[Expr], X: np.ndarray, y: np.ndarray,
                    w: np.ndarray) -> list[tuple[float, Expr]]:
    """``(description length, tree)`` of the ``trees`` with their linearised constants, as
    the choice counts it (:func:`~eqlearn.search.choice.description_lengths`, up to a
    constant: ``n/2·ln(RSS) + k/2·ln(n) + complexity·ln(symbols)``), shortest first, so
    that on noisy data a term that fits only the noise costs more than it gains. Trees
    leaving more than ``LOOSE`` of y's variance are left out (a pole of g(y)'s fit placed
    on a spike of the transformed noise, 1/y near y = 0, fits nothing on y)."""
    n, symbols = len(y), symbol_count(N_OPERATORS, X.shape[1])
    limit = LOOSE * weighted_variance(y, w) * float(np.sum(w))
    out = []
    for tree in trees:
        with np.errstate(all="ignore"):
            rss = float(np.sum(w * (y - evaluate(tree, X)) ** 2))
        if np.isfinite(rss) and rss <= limit:
            out.append((n / 2 * np.log(max(rss, np.finfo(float).tiny))
                        + model_price(tree.n_constants(), complexity(tree), n, symbols), tree))
    return sorted(out, key=lambda v: v[0])


def _over_transforms(X: np.ndarray, y: np.ndarray, sw: np.ndarray, deadline: float | None,
                     design: tuple[list, list], limit: float = LOOSE
                     ) -> dict[Expr, tuple[float, Expr]]:
    """skeleton → (share, equation) of every transform's kept fits in ``design``'s
    (numerator, denominator) monomials, none over ``limit``."""
    num, den = design
    if not np.all(np.isfinite(X)):
        return {}
    sign = -1.0 if np.all(y < 0) else 1.0
    found: dict[Expr, tuple[float, Expr]] = {}
    for g, inverse, one_sign, domain in TRANSFORMS.values():
        if deadline is not None and time.perf_counter() > deadline:
            break
        if (one_sign and not np.all(sign * y > 0)) or (domain is not None and not domain(y)):
            continue
        with np.errstate(all="ignore"):
            g_y = g(sign * y if one_sign else y)
        if not np.all(np.isfinite(g_y)):
            continue
        fits = [fit for fit in _fits(g_y, X, sw, num, den) if fit[0] <= limit]
        floor = min((fit[0] for fit in fits), default=np.inf)
        if floor > CLOSE:  # noisy: the transform's likeliest subsets (BIC on g(y)) only
            fits = sorted(fits, key=lambda f: len(y) * np.log(f[0]) + len(f[1]) * np.log(len(y))
                          )[:MAX_SKELETONS]
        for share, cols, coef, flip in fits:
            body = _body(cols, coef, num, den, flip)
            if body is None or share > max(CLOSE, NOISY * floor):
                continue
            tree = inverse(*body)
            _keep(found, share, Node("neg", (tree,)) if one_sign and sign < 0 else tree)
    return found


def _keep(found: dict[Expr, tuple[float, Expr]], share: float, tree: Expr) -> None:
    """Record ``tree`` (canonical) under its skeleton unless a closer fit has it already."""
    tree = canonicalize(tree)
    key = tree.skeleton()
    if key not in found or share < found[key][0]:
        found[key] = (share, tree)
