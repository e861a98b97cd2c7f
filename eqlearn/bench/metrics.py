"""SRBench metrics: symbolic solution, accuracy solution, R², pointwise accuracy, model size.

* **symbolic solution** (La Cava et al., 2021): after rounding every float to 3 significant
  digits (and snapping it to a small rational p/q, q ≤ 12, when that rounds the same), the
  model differs from the true law by a constant, or their ratio is a nonzero constant.
  An additive constant of the model below 1e-4 × RMS(y) is dropped first (SRBench zeroes
  floats below 1e-4), so ``a f + 1e-9`` counts like ``a f``. It only counts when the test
  R² exceeds 0.5; a sympy check that runs out of time counts as not solved. Variables
  sampled on positive ranges are positive symbols in the check (so ``Abs(x)`` is ``x``).
* **accuracy solution**: test R² > 0.999.
* **acc_tau** (NeSymReS): at least 95 % of the test points are within 5 % of the truth.
* **model size**: number of nodes of the sympy tree.
* **false discovery**: the model is not a symbolic solution, or it has more free constants
  (floats that are not small rationals after rounding) than the law.

numpy and sympy only.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np
import sympy

from ..data.suites import parse_formula  # the suites' parser: same symbols, same aliases
from ..expr.evaluate import r2  # noqa: F401 - one R² for the package, re-exported here
from ..timeout import CallTimeout, call_with_timeout

__all__ = ["round_constants", "symbolic_check", "symbolic_solution", "accuracy_solution", "r2",
           "pointwise_accuracy", "acc_tau", "model_size", "parse_model", "Scores",
           "score_model", "split_logs", "free_constants", "false_discovery", "ACCURACY_R2",
           "SYMBOLIC_MIN_R2"]

ACCURACY_R2 = 0.999     #: test R² above which a model is an accuracy solution
SYMBOLIC_MIN_R2 = 0.5   #: test R² a model needs before its symbolic form is checked
SIGNIFICANT_DIGITS = 3
MAX_DENOMINATOR = 12    #: constants within rounding of p/q with q ≤ this become p/q
SOLVED = ("difference", "ratio")
NEGLIGIBLE_OFFSET = 1e-4  #: additive model constants below this × RMS(y) are dropped


def parse_model(text: str, variables: Sequence[str], timeout: float = 5.0) -> sympy.Expr:
    """A model string as sympy, every name in ``variables`` a real symbol (as
    :meth:`eqlearn.data.suites.Problem.sympy` builds them).

    Raises
    ------
    ValueError
        If the text does not parse or uses a name that is not a variable.
    """
    return parse_formula(text, tuple(variables), timeout)


def _round_number(value: float) -> sympy.Rational:
    text = f"{value:.{SIGNIFICANT_DIGITS}g}"
    if not np.isfinite(float(text)):
        raise ValueError(f"non-finite constant {value}")
    fraction = Fraction(float(text)).limit_denominator(MAX_DENOMINATOR)
    if fraction != 0 and f"{float(fraction):.{SIGNIFICANT_DIGITS}g}" == text:
        return sympy.Rational(fraction.numerator, fraction.denominator)
    return sympy.Rational(text)


def round_constants(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every float rounded to 3 significant digits, as an exact rational
    (a small p/q when one rounds to the same digits), and every integer of more than 3
    digits too: a law's ``3346`` is the number a model writes ``3346.0``."""
    numbers = expr.atoms(sympy.Float) | {i for i in expr.atoms(sympy.Integer) if abs(i) > 999}
    return expr.xreplace({f: _round_number(float(f)) for f in numbers})


def free_constants(expr: sympy.Expr) -> int:
    """The constants of ``expr`` that are not simple numbers: its numbers are evaluated (a
    law's ``h/(2*pi)`` holds one constant, 0.159…, as a fitted ``0.159*h`` does), then the
    floats that, rounded to 3 significant digits, are no p/q with q ≤ 4 and |p| ≤ 20
    (halves, thirds, quarters and small integers are structure). The false-discovery rate
    counts a model with more of them than the true law."""
    expr = expr.evalf()
    simple = 0
    for f in expr.atoms(sympy.Float):
        value = float(f)
        if np.isfinite(value):
            r = _round_number(value)
            simple += r.q <= 4 and abs(r.p) <= 20
    return len(expr.atoms(sympy.Float)) - simple


def false_discovery(solved: bool | None, model_constants: int | None,
                    law_constants: int | None) -> bool | None:
    """A chosen equation that is not the law, or has more free constants than it (None
    without a law)."""
    if solved is None or law_constants is None:
        return None
    return (not solved) or model_constants is None or model_constants > law_constants


def _drop_negligible_offset(expr: sympy.Expr, scale: float | None) -> sympy.Expr:
    if not scale or not isinstance(expr, sympy.Add):
        return expr
    return sympy.Add(*(t for t in expr.args
                       if not (t.is_number and abs(complex(t)) < NEGLIGIBLE_OFFSET * scale)))


def _is_constant(expr: sympy.Expr, nonzero: bool = False) -> bool:
    if expr.free_symbols or expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return False
    return not (nonzero and expr.is_zero)


def split_logs(expr: sympy.Expr) -> sympy.Expr:
    """``log(a*b) → log(a) + log(b)`` after factoring the arguments, so that
    ``log(x**3 + x**2 + x + 1)`` and ``log(x + 1) + log(x**2 + 1)`` compare equal (on the
    domain where both are real, which is where the data lie)."""
    if not expr.has(sympy.log):
        return expr
    logs = {f: sympy.log(sympy.factor(f.args[0])) for f in expr.atoms(sympy.log)}
    return sympy.expand_log(expr.xreplace(logs), force=True)


def _compare(model: sympy.Expr, truth: sympy.Expr) -> str:
    for simplify in (sympy.simplify, lambda e: sympy.simplify(split_logs(e))):
        if _is_constant(simplify(truth - model)):
            return "difference"
        if not model.is_zero and _is_constant(simplify(model / truth), nonzero=True):
            return "ratio"
        if not (model.has(sympy.log) or truth.has(sympy.log)):
            break
    return "no"


def _assume_positive(expr: sympy.Expr, positive: Sequence[str]) -> sympy.Expr:
    names = set(positive)
    return expr.xreplace({s: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols
                          if s.name in names})


def symbolic_check(model: sympy.Expr, truth: sympy.Expr, timeout: float = 10.0,
                   scale: float | None = None, positive: Sequence[str] = ()) -> str:
    """How ``model`` relates to ``truth`` after rounding both: ``"difference"`` (they differ
    by a constant), ``"ratio"`` (their ratio is a nonzero constant), ``"no"``, ``"timeout"``
    (sympy ran past ``timeout`` seconds) or ``"error"``.

    ``scale`` (the RMS of the targets), when given, lets a negligible additive constant of
    the model be dropped first; the variables named in ``positive`` are taken as positive
    (see the module docstring)."""
    try:
        model = _drop_negligible_offset(sympy.sympify(model), scale)
        model, truth = (round_constants(_assume_positive(sympy.sympify(e), positive))
                        for e in (model, truth))
        return call_with_timeout(_compare, model, truth, timeout=timeout)
    except CallTimeout:
        return "timeout"
    except (ValueError, TypeError, ZeroDivisionError, RecursionError, sympy.SympifyError):
        return "error"


def symbolic_solution(model_sympy: sympy.Expr, true_sympy: sympy.Expr, timeout: float = 10.0,
                      scale: float | None = None) -> bool:
    """Whether the model is the true law up to an additive or multiplicative constant
    (SRBench's rule); a check that times out is not a solution.

    Examples
    --------
    >>> x, y = sympy.symbols("x y", real=True)
    >>> symbolic_solution(3.20000001 * x * sympy.exp(-0.49999999 * y),
    ...                   sympy.Rational(16, 5) * x * sympy.exp(-y / 2))
    True
    """
    return symbolic_check(model_sympy, true_sympy, timeout, scale) in SOLVED


def accuracy_solution(r2_test: float) -> bool:
    """SRBench's accuracy solution: test R² above 0.999."""
    return bool(r2_test > ACCURACY_R2)


def pointwise_accuracy(y: np.ndarray, yhat: np.ndarray, rtol: float = 0.05,
                       atol: float = 0.0) -> float:
    """Fraction of points where ``|yhat - y| <= atol + rtol |y|`` (non-finite: wrong)."""
    y, yhat = np.asarray(y, float).ravel(), np.asarray(yhat, float).ravel()
    if len(y) == 0:
        raise ValueError("no points")
    with np.errstate(invalid="ignore"):
        close = np.isfinite(yhat) & (np.abs(yhat - y) <= atol + rtol * np.abs(y))
    return float(close.mean())


def acc_tau(y: np.ndarray, yhat: np.ndarray, rtol: float = 0.05, tau: float = 0.95,
            atol: float = 0.0) -> bool:
    """NeSymReS accuracy: at least a fraction ``tau`` of the points within ``rtol``."""
    return pointwise_accuracy(y, yhat, rtol, atol) >= tau


def model_size(expr: sympy.Expr) -> int:
    """Number of nodes of the sympy expression tree (SRBench's model size)."""
    return sum(1 for _ in sympy.preorder_traversal(sympy.sympify(expr)))


@dataclass(frozen=True)
class Scores:
    """The metrics of one fitted model on a test set (see the module docstring)."""

    r2_test: float
    accuracy_solution: bool
    pointwise_accuracy: float
    acc_tau: bool
    model_size: int | None
    symbolic_check: str | None       #: None when the law is unknown
    symbolic_solution: bool | None   #: None when the law is unknown
    model_constants: int | None = None  #: :func:`free_constants` of the model
    law_constants: int | None = None    #: ... and of the law
    false_discovery: bool | None = None  #: not the law, or more constants than it

    def to_dict(self) -> dict:
        return asdict(self)


def score_model(model_text: str | None, variables: Sequence[str], y_test: np.ndarray,
                yhat_test: np.ndarray, true_law: sympy.Expr | None = None,
                timeout: float = 10.0, positive: Sequence[str] = ()) -> Scores:
    """All metrics of one model; the symbolic check only when ``true_law`` is given and the
    test R² exceeds 0.5 (otherwise its outcome reads ``"r2<=0.5"``). ``positive``: the
    variables known to be positive on the data."""
    score = r2(y_test, yhat_test)
    model = size = None
    if model_text is not None:
        model = parse_model(model_text, variables, timeout)
        size = model_size(model)
    check = solved = None
    if true_law is not None:
        if model is None or not score > SYMBOLIC_MIN_R2:
            check = "r2<=0.5" if model is not None else "no model"
        else:
            scale = float(np.sqrt(np.mean(np.square(y_test))))
            check = symbolic_check(model, true_law, timeout, scale, positive)
        solved = check in SOLVED
    fraction = pointwise_accuracy(y_test, yhat_test)
    k_model = free_constants(model) if model is not None else None
    k_law = free_constants(true_law) if true_law is not None else None
    return Scores(r2_test=score, accuracy_solution=accuracy_solution(score),
                  pointwise_accuracy=fraction, acc_tau=fraction >= 0.95, model_size=size,
                  symbolic_check=check, symbolic_solution=solved, model_constants=k_model,
                  law_constants=k_law, false_discovery=false_discovery(solved, k_model, k_law))
