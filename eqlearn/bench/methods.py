"""Methods compared by ``eqlearn bench``: eqlearn and its peers behind one small contract.

A :class:`Method` (the SRBench contract) builds a scikit-learn estimator honouring a time
budget, fits it, and returns its model as a sympy-parsable string in the ORIGINAL variable
names. Peers are imported only when one of their runs starts, so this module needs neither
torch nor the peers' packages to import.

How each peer's model becomes sympy:

* ``eqlearn*`` — ``best_.sympy()``, the exact tree;
* ``gplearn`` — its prefix program (``add(mul(X0, 0.5), log(X1))``) is evaluated by sympy with
  the protected operators approximated by plain ones, as SRBench does (``div`` → ``/``,
  ``log`` → ``log``, ``sqrt`` → ``sqrt``, ``inv`` → ``1/u``);
* ``pyoperon`` — its infix formatter (``^`` for powers) with placeholder names, parsed by sympy;
* ``pysr`` — ``sympy()`` of the selected equation;
* ``qlattice`` — ``feyn``'s ``sympify`` of the best model (:mod:`eqlearn.bench.qlattice`).

Everything lands in placeholder symbols first and is renamed last, so any variable name
(``lambda``, ``I``, ``E``) survives.
"""
from __future__ import annotations

import importlib.util
import shutil
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy
from sklearn.base import BaseEstimator, RegressorMixin
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from .qlattice import qlattice_make, qlattice_sympy

__all__ = ["Method", "METHODS", "get_method", "TimedGPLearn", "GPLEARN_CONFIG", "OPERON_CONFIG",
           "gplearn_to_sympy", "operon_to_sympy"]


def _fit_plain(est, X: np.ndarray, y: np.ndarray, names: Sequence[str], units=None):
    return est.fit(X, y)


def _always_available(options: Mapping[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Method:
    """One regressor under benchmark.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"pyoperon"``.
    make : callable
        ``make(time_budget, random_state, n_jobs=1, **options) -> estimator``.
    model_sympy : callable
        ``model_sympy(fitted_estimator, variable_names) -> str``, a sympy-parsable model
        in the original variable names.
    fit : callable
        ``fit(estimator, X, y, variable_names, units=None)`` (``units``: the problem's, see
        :class:`~eqlearn.data.suites.Problem`); the default calls ``estimator.fit(X, y)``.
    unavailable : callable
        ``unavailable(options) -> str | None``: why the method cannot run here, or None.
    description : str
    """

    name: str
    make: Callable[..., Any]
    model_sympy: Callable[[Any, Sequence[str]], str]
    fit: Callable[..., Any] = _fit_plain
    unavailable: Callable[[Mapping[str, Any]], str | None] = _always_available
    description: str = ""


# -- renaming ----------------------------------------------------------------------------

def _placeholders(n: int) -> list[sympy.Symbol]:
    return [sympy.Symbol(f"_v{i}", real=True) for i in range(n)]


def _integer_powers(expr: sympy.Expr) -> sympy.Expr:
    """``x**2.0`` → ``x**2`` (peers print integral exponents as floats)."""
    return expr.replace(
        lambda e: e.is_Pow and e.exp.is_Float and float(e.exp).is_integer(),
        lambda e: e.base ** sympy.Integer(int(e.exp)))


def _to_original(expr: sympy.Expr, names: Sequence[str],
                 placeholders: Sequence[sympy.Symbol]) -> str:
    """``expr`` in placeholder symbols, as a string in the original variable names."""
    rename = {p: sympy.Symbol(name, real=True) for p, name in zip(placeholders, names)}
    return str(_integer_powers(sympy.sympify(expr)).xreplace(rename))


def _rename_by_name(expr: sympy.Expr, fitted_names: Sequence[str], names: Sequence[str]) -> str:
    """``expr`` whose symbols carry ``fitted_names``, as a string in ``names``."""
    placeholders = _placeholders(len(names))
    by_name = dict(zip(fitted_names, placeholders))
    expr = sympy.sympify(expr).xreplace({s: by_name[s.name] for s in expr.free_symbols
                                         if s.name in by_name})
    return _to_original(expr, names, placeholders)


# -- eqlearn ------------------------------------------------------------------------------

def _eqlearn_options(method: str, fixed: bool, options: Mapping[str, Any]) -> dict[str, Any]:
    """``method`` as the default (``eqlearn``) or imposed (its ``-neural``/``-search``
    variants, which share the ``eqlearn.*`` options)."""
    return {**options, "method": method} if fixed else {"method": method, **options}


def _eqlearn_maker(method: str, fixed: bool) -> Callable[..., Any]:
    def make(time_budget: float, random_state: int | None, n_jobs: int = 1, **options):
        from ..estimator import EquationRegressor  # torch loads here, in the run's process

        return EquationRegressor(time_budget=time_budget, random_state=random_state,
                                 n_jobs=max(1, int(n_jobs)),
                                 **_eqlearn_options(method, fixed, options))
    return make


def _eqlearn_fit(est, X: np.ndarray, y: np.ndarray, names: Sequence[str], units=None, *,
                 with_units: bool = False):
    """``fit`` with the variable names (when usable) and, ``with_units``, the problem's
    units for dimensional analysis when it has them."""
    usable = all(n.isidentifier() for n in names) and len(set(names)) == len(names)
    extra = {}
    if with_units and units:
        extra = {"X_units": [units["variables"][n] for n in names], "y_units": units["output"]}
    return est.fit(X, y, variable_names=list(names) if usable else None, **extra)


def _eqlearn_sympy(est, names: Sequence[str]) -> str:
    return _rename_by_name(est.best_.sympy(), est.variable_names_, names)


def _eqlearn_model_missing(options: Mapping[str, Any]) -> str | None:
    """A note when the pretrained model cannot be found (checked without importing torch)."""
    if options.get("method") == "search":
        return None
    model = str(options.get("model", "default"))
    shipped = Path(__file__).resolve().parent.parent / "model" / "weights" / model
    if Path(model).is_dir() or shipped.is_dir():
        return None
    return (f"eqlearn model {model!r} not found: pass a model folder with "
            "--set eqlearn.model=FOLDER")


def _eqlearn_method(name: str, method: str, fixed: bool, units: bool = False) -> Method:
    return Method(name=name, make=_eqlearn_maker(method, fixed), model_sympy=_eqlearn_sympy,
                  fit=partial(_eqlearn_fit, with_units=units),
                  unavailable=lambda opts: _eqlearn_model_missing(
                      _eqlearn_options(method, fixed, opts)),
                  description=f"eqlearn EquationRegressor, method={method!r}"
                              + (", with the problem's units (X_units, y_units)" if units else ""))


# -- gplearn ------------------------------------------------------------------------------

#: SRBench-like gplearn settings (its defaults, a larger function set, no fixed generations).
GPLEARN_CONFIG: dict[str, Any] = {
    "population_size": 1000, "tournament_size": 20, "init_depth": (2, 6),
    "function_set": ("add", "sub", "mul", "div", "sqrt", "log", "neg", "inv", "abs",
                     "sin", "cos"),
    "metric": "mse", "parsimony_coefficient": 0.001, "p_crossover": 0.9,
    "p_subtree_mutation": 0.01, "p_hoist_mutation": 0.01, "p_point_mutation": 0.01,
    "const_range": (-1.0, 1.0), "low_memory": True,
}


class TimedGPLearn(RegressorMixin, BaseEstimator):
    """gplearn's ``SymbolicRegressor`` evolved one generation at a time until a time budget.

    gplearn has no time limit; this wrapper uses its ``warm_start`` to add generations while
    the slowest generation so far still fits in the budget left.

    Parameters
    ----------
    time_budget : float
        Seconds for the fit.
    max_generations : int
    random_state : int, optional
    n_jobs : int
    params : dict, optional
        Overrides of :data:`GPLEARN_CONFIG`.

    Attributes
    ----------
    regressor_ : gplearn.genetic.SymbolicRegressor
    generations_ : int
    """

    def __init__(self, time_budget=60.0, max_generations=1000, random_state=None, n_jobs=1,
                 params=None):
        self.time_budget = time_budget
        self.max_generations = max_generations
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.params = params

    def fit(self, X, y):
        from gplearn.genetic import SymbolicRegressor

        deadline = time.perf_counter() + float(self.time_budget)
        gp = SymbolicRegressor(**{**GPLEARN_CONFIG, **(self.params or {})}, generations=1,
                               warm_start=True, n_jobs=self.n_jobs,
                               random_state=self.random_state)
        slowest = 0.0
        for generation in range(1, int(self.max_generations) + 1):
            start = time.perf_counter()
            if generation > 1:
                if start + slowest > deadline:
                    break
                gp.set_params(generations=generation)
            gp.fit(X, y)
            slowest = max(slowest, time.perf_counter() - start)
            if gp._program.raw_fitness_ <= gp.stopping_criteria:
                break
        self.regressor_, self.generations_ = gp, generation
        return self

    def predict(self, X):
        return self.regressor_.predict(X)


def _gplearn_functions() -> dict[str, Callable[..., sympy.Expr]]:
    return {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b, "sqrt": sympy.sqrt, "log": sympy.log,
            "neg": lambda a: -a, "inv": lambda a: 1 / a, "abs": sympy.Abs,
            "max": sympy.Max, "min": sympy.Min, "sin": sympy.sin, "cos": sympy.cos,
            "tan": sympy.tan}


def gplearn_to_sympy(program: str, names: Sequence[str]) -> str:
    """A gplearn program string (``X0, X1, …``) as a sympy string in ``names``."""
    placeholders = _placeholders(len(names))
    local = {**_gplearn_functions(), **{f"X{i}": p for i, p in enumerate(placeholders)}}
    return _to_original(parse_expr(program, local_dict=local), names, placeholders)


def _gplearn_make(time_budget: float, random_state: int | None, n_jobs: int = 1, **options):
    # one process: gplearn's joblib workers cost more than they save on benchmark-sized data
    # and outlive the run's process
    return TimedGPLearn(time_budget=time_budget, random_state=random_state, n_jobs=1,
                        **options)


def _gplearn_sympy(est, names: Sequence[str]) -> str:
    return gplearn_to_sympy(str(est.regressor_._program), names)


def _missing_package(package: str) -> Callable[[Mapping[str, Any]], str | None]:
    def check(options: Mapping[str, Any]) -> str | None:
        if importlib.util.find_spec(package) is None:
            return f"{package} is not installed (pip install 'eqlearn[bench]')"
        return None
    return check


# -- pyoperon -----------------------------------------------------------------------------

#: SRBench-like Operon settings; ``max_time`` comes from the budget.
OPERON_CONFIG: dict[str, Any] = {
    "allowed_symbols": "add,sub,mul,div,exp,log,sin,cos,sqrt,square,constant,variable",
    "population_size": 500, "pool_size": 500, "max_length": 50, "tournament_size": 5,
    "generations": 1_000_000, "max_evaluations": 1_000_000_000, "optimizer_iterations": 5,
}
OPERON_PRECISION = 40  # decimals printed per constant (its formatter writes fixed-point)


def _operon_functions() -> dict[str, Callable[..., sympy.Expr]]:
    return {"square": lambda a: a**2, "cbrt": lambda a: sympy.sign(a) * sympy.cbrt(sympy.Abs(a)),
            "abs": sympy.Abs, "logabs": lambda a: sympy.log(sympy.Abs(a)),
            "sqrtabs": lambda a: sympy.sqrt(sympy.Abs(a)), "exp": sympy.exp, "log": sympy.log,
            "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
            "tanh": sympy.tanh, "aq": lambda a, b: a / sympy.sqrt(1 + b**2),
            "pow": lambda a, b: a**b}


def operon_to_sympy(infix: str, placeholder_names: Sequence[str], names: Sequence[str]) -> str:
    """An Operon infix string written in ``placeholder_names`` as a sympy string in ``names``."""
    placeholders = _placeholders(len(names))
    local = {**_operon_functions(), **dict(zip(placeholder_names, placeholders))}
    expr = parse_expr(infix, local_dict=local,
                      transformations=standard_transformations + (convert_xor,))
    return _to_original(expr, names, placeholders)


def _operon_make(time_budget: float, random_state: int | None, n_jobs: int = 1, **options):
    from pyoperon.sklearn import SymbolicRegressor

    return SymbolicRegressor(**{**OPERON_CONFIG, **options},
                             max_time=max(1, int(time_budget)), n_threads=max(1, int(n_jobs)),
                             random_state=random_state)


def _operon_sympy(est, names: Sequence[str]) -> str:
    placeholder_names = [f"xop{i}" for i in range(len(names))]
    infix = est.get_model_string(est.model_, OPERON_PRECISION, names=placeholder_names)
    return operon_to_sympy(infix, placeholder_names, names)


# -- pysr ---------------------------------------------------------------------------------

PYSR_NOTE = "PySR needs Julia, not installed here"


def _pysr_unavailable(options: Mapping[str, Any]) -> str | None:
    if shutil.which("julia") is None:
        return PYSR_NOTE
    if importlib.util.find_spec("pysr") is None:
        return "pysr is not installed (pip install pysr)"
    return None


def _pysr_make(time_budget: float, random_state: int | None, n_jobs: int = 1, **options):
    from pysr import PySRRegressor

    defaults = {"binary_operators": ["+", "-", "*", "/"],
                "unary_operators": ["sin", "cos", "exp", "log", "sqrt"], "maxsize": 30,
                "niterations": 1_000_000, "progress": False, "verbosity": 0,
                "temp_equation_file": True}
    return PySRRegressor(**{**defaults, **options}, timeout_in_seconds=float(time_budget),
                         procs=max(1, int(n_jobs)), random_state=random_state)


def _pysr_sympy(est, names: Sequence[str]) -> str:
    return _rename_by_name(est.sympy(), [f"x{i}" for i in range(len(names))], names)


# -- registry -----------------------------------------------------------------------------

METHODS: dict[str, Method] = {
    "eqlearn": _eqlearn_method("eqlearn", "hybrid", fixed=False),
    "eqlearn-neural": _eqlearn_method("eqlearn-neural", "neural", fixed=True),
    "eqlearn-search": _eqlearn_method("eqlearn-search", "search", fixed=True),
    "eqlearn-units": _eqlearn_method("eqlearn-units", "hybrid", fixed=False, units=True),
    "gplearn": Method("gplearn", _gplearn_make, _gplearn_sympy,
                      unavailable=_missing_package("gplearn"),
                      description="gplearn SymbolicRegressor, generations until the budget"),
    "pyoperon": Method("pyoperon", _operon_make, _operon_sympy,
                       unavailable=_missing_package("pyoperon"),
                       description="Operon (pyoperon.sklearn.SymbolicRegressor), max_time"),
    "pysr": Method("pysr", _pysr_make, _pysr_sympy, unavailable=_pysr_unavailable,
                   description="PySR (PySRRegressor), timeout_in_seconds"),
    "qlattice": Method("qlattice", qlattice_make, qlattice_sympy,
                       unavailable=_missing_package("feyn"),
                       description="QLattice (feyn, optional: pip install feyn), "
                                   "sample-fit-update until the budget"),
}


def get_method(name: str) -> Method:
    """The registered method called ``name``.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r}: known methods are "
                         f"{', '.join(sorted(METHODS))}") from None
