"""Benchmark suites: problems with a formula, sampling ranges and units, stored as JSON.

The bundled suites (``feynman``, ``nguyen``, ``strogatz``, ``blackbody``) live in
``eqlearn/data/suites/*.json`` and are written by ``scripts/build_suites.py`` from the public
benchmark definitions. A suite file holds ``name``, ``description`` and a list of
``problems``, each with the fields of :class:`Problem` (``data`` excepted).

No torch here: numpy and sympy only.
"""
from __future__ import annotations

import csv
import json
import keyword
import re
import tokenize
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import sympy

from ..timeout import call_with_timeout

__all__ = ["Problem", "Suite", "load_suite", "list_suites", "suite_from_csv"]

SAMPLINGS = ("uniform", "loguniform")
PARSE_TIMEOUT = 5.0  # seconds allowed to sympy for parsing one formula
MAX_REDRAW_ROUNDS = 100  # rounds of redrawing rows whose target is not finite

# spellings found in benchmark files for functions sympy names differently
_FUNCTION_ALIASES = {"arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
                     "ln": sympy.log}


@lru_cache(maxsize=1024)
def parse_formula(formula: str, variables: tuple[str, ...], timeout: float) -> sympy.Expr:
    """``formula`` as sympy, every name in ``variables`` a plain real symbol.

    The local dictionary shadows sympy's own meaning of names such as ``I``, ``E``, ``S``,
    ``N``, ``beta`` or ``gamma``; a variable named like a Python keyword (``lambda``) is
    renamed for the parser and keeps its name as a symbol.
    """
    local: dict[str, Any] = dict(_FUNCTION_ALIASES)
    text = formula
    for name in variables:
        alias = name
        if keyword.iskeyword(name):
            alias = f"_kw_{name}_"
            text = re.sub(rf"\b{re.escape(name)}\b", alias, text)
        local[alias] = sympy.Symbol(name, real=True)
    try:
        expr = call_with_timeout(sympy.parse_expr, text, local_dict=local, timeout=timeout)
    except (SyntaxError, TypeError, tokenize.TokenError, sympy.SympifyError) as exc:
        raise ValueError(f"cannot parse formula {formula!r}: {exc}") from None
    unknown = {s.name for s in expr.free_symbols} - set(variables)
    if unknown:
        raise ValueError(f"formula {formula!r} uses {sorted(unknown)}, which are not among "
                         f"its variables {list(variables)}")
    return expr


@lru_cache(maxsize=1024)
def _numpy_function(formula: str, variables: tuple[str, ...]) -> Callable[..., Any]:
    expr = parse_formula(formula, variables, PARSE_TIMEOUT)
    symbols = [sympy.Symbol(name, real=True) for name in variables]
    return sympy.lambdify(symbols, expr, "numpy")


@dataclass(frozen=True)
class Problem:
    """One regression problem: a target formula and how to sample its inputs.

    Parameters
    ----------
    id : str
        Identifier within its suite, e.g. ``"I.6.2a"`` or ``"Nguyen-1"``.
    formula : str or None
        Sympy-parsable right-hand side in the names of ``variables`` (``pi`` for π);
        ``None`` for a data set whose law is unknown (see :func:`suite_from_csv`).
    variables : tuple of str
        Input names, in column order of the sampled ``X``.
    ranges : tuple of (float, float)
        Sampling interval ``(low, high)`` per variable.
    sampling : tuple of str
        Distribution per variable: ``"uniform"`` or ``"loguniform"``.
    n_points : int
        Default number of points drawn by :meth:`sample`.
    output : str
        Name of the target quantity.
    tags : dict
        Free-form facts such as ``n_vars``, ``bonus``, ``srbench2021``, ``source``.
    units : dict or None
        SI exponents, ``{"variables": {name: {"m": 1, ...}}, "output": {...}}``, if known.
    data : tuple of (ndarray, ndarray) or None
        Fixed ``(X, y)`` rows that :meth:`sample` returns instead of drawing new ones.

    Examples
    --------
    >>> problem = load_suite("nguyen").get("Nguyen-1")
    >>> X, y = problem.sample(20, rng=0)
    >>> X.shape, y.shape
    ((20, 1), (20,))
    """

    id: str
    formula: str | None
    variables: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    sampling: tuple[str, ...]
    n_points: int
    output: str
    tags: dict = field(default_factory=dict)
    units: dict | None = None
    data: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.variables)
        if len(self.ranges) != n or len(self.sampling) != n:
            raise ValueError(f"problem {self.id!r}: {n} variables but {len(self.ranges)} "
                             f"ranges and {len(self.sampling)} sampling entries")
        for name, (low, high), how in zip(self.variables, self.ranges, self.sampling):
            if how not in SAMPLINGS:
                raise ValueError(f"problem {self.id!r}: sampling {how!r} for {name!r} is "
                                 f"not one of {SAMPLINGS}")
            if not low <= high or (how == "loguniform" and low <= 0):
                raise ValueError(f"problem {self.id!r}: bad {how} range {low, high} "
                                 f"for {name!r}")
        if self.formula is None and self.data is None:
            raise ValueError(f"problem {self.id!r} has neither a formula nor data")

    @property
    def n_vars(self) -> int:
        """Number of input variables."""
        return len(self.variables)

    def sympy(self, timeout: float = PARSE_TIMEOUT) -> sympy.Expr:
        """The formula as a sympy expression in real symbols named by :attr:`variables`.

        Raises
        ------
        ValueError
            If the problem has no formula or the formula does not parse.
        eqlearn.timeout.CallTimeout
            If parsing takes longer than ``timeout`` seconds.
        """
        if self.formula is None:
            raise ValueError(f"problem {self.id!r} is a data set without a known formula")
        return parse_formula(self.formula, self.variables, timeout)

    def sample(self, n: int | None = None, rng: np.random.Generator | int | None = None,
               noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` points and their targets.

        Parameters
        ----------
        n : int, optional
            Number of points (default :attr:`n_points`).
        rng : numpy.random.Generator or int, optional
            Source of randomness, or a seed for one.
        noise : float
            Relative noise level: Gaussian noise of standard deviation ``noise * RMS(y)``
            is added to the targets (the SRBench convention).

        Returns
        -------
        X : ndarray of shape (n, n_vars)
        y : ndarray of shape (n,)
            Rows whose exact target is not finite are redrawn, so ``y`` is finite.
        """
        rng = np.random.default_rng(rng)
        n = self.n_points if n is None else int(n)
        if n < 1 or noise < 0:
            raise ValueError(f"need n >= 1 and noise >= 0, got n={n}, noise={noise}")
        X, y = self._rows_from_data(n, rng) if self.data is not None else self._draw_finite(n, rng)
        if noise > 0:
            y = y + rng.normal(0.0, noise * np.sqrt(np.mean(y**2)), size=y.shape)
        return X, y

    def _draw_inputs(self, n: int, rng: np.random.Generator) -> np.ndarray:
        X = np.empty((n, self.n_vars))
        for j, ((low, high), how) in enumerate(zip(self.ranges, self.sampling)):
            if how == "loguniform":
                X[:, j] = np.exp(rng.uniform(np.log(low), np.log(high), n))
            else:
                X[:, j] = rng.uniform(low, high, n)
        return X

    def evaluate(self, X) -> np.ndarray:
        """Exact values of the formula at the rows of ``X`` (shape (n, n_vars)); NaN or
        inf where it is undefined."""
        if self.formula is None:
            raise ValueError(f"problem {self.id!r} is a data set without a known formula")
        X = np.asarray(X, dtype=float)
        X = X[:, None] if X.ndim == 1 else X
        if X.ndim != 2 or X.shape[1] != self.n_vars:
            raise ValueError(f"problem {self.id!r} has {self.n_vars} variables, X has "
                             f"shape {X.shape}")
        fn = _numpy_function(self.formula, self.variables)
        with np.errstate(all="ignore"):
            y = np.asarray(fn(*X.T))
        if np.iscomplexobj(y):
            y = np.where(y.imag == 0, y.real, np.nan)
        return np.broadcast_to(y.astype(float), (len(X),)).copy()

    def _draw_finite(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X = self._draw_inputs(n, rng)
        y = self.evaluate(X)
        for _ in range(MAX_REDRAW_ROUNDS):
            bad = ~np.isfinite(y)
            if not bad.any():
                return X, y
            X[bad] = self._draw_inputs(int(bad.sum()), rng)
            y[bad] = self.evaluate(X[bad])
        if np.isfinite(y).all():
            return X, y
        raise RuntimeError(f"problem {self.id!r}: the formula is not finite on most of its "
                           f"sampling ranges {self.ranges}")

    def _rows_from_data(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X, y = self.data
        if n >= len(y):
            return X.copy(), y.copy()
        rows = rng.choice(len(y), size=n, replace=False)
        return X[rows], y[rows]

    def to_dict(self) -> dict:
        """The JSON form of the problem (without ``data``)."""
        return {"id": self.id, "formula": self.formula, "variables": list(self.variables),
                "ranges": [list(r) for r in self.ranges], "sampling": list(self.sampling),
                "n_points": self.n_points, "output": self.output, "tags": dict(self.tags),
                "units": self.units}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Problem:
        """A problem from its JSON form."""
        return cls(id=str(raw["id"]), formula=raw["formula"],
                   variables=tuple(raw["variables"]),
                   ranges=tuple((float(lo), float(hi)) for lo, hi in raw["ranges"]),
                   sampling=tuple(raw["sampling"]), n_points=int(raw["n_points"]),
                   output=str(raw["output"]), tags=dict(raw.get("tags") or {}),
                   units=raw.get("units"))


@dataclass(frozen=True)
class Suite:
    """A named, ordered collection of :class:`Problem`.

    Parameters
    ----------
    name : str
    description : str
        Where the problems come from and how their ranges were chosen.
    problems : tuple of Problem

    Examples
    --------
    >>> small = load_suite("feynman").filter(max_vars=3, tags={"srbench2021": True})
    >>> all(p.n_vars <= 3 for p in small)
    True
    """

    name: str
    description: str
    problems: tuple[Problem, ...]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def ids(self) -> tuple[str, ...]:
        """Problem identifiers, in suite order."""
        return tuple(p.id for p in self.problems)

    def get(self, problem_id: str) -> Problem:
        """The problem with id (or source ``dataset`` tag) ``problem_id``."""
        for p in self.problems:
            if problem_id in (p.id, p.tags.get("dataset")):
                return p
        raise KeyError(f"no problem {problem_id!r} in suite {self.name!r}")

    def filter(self, max_vars: int | None = None,
               tags: Mapping[str, Any] | None = None) -> Suite:
        """The sub-suite of problems with at most ``max_vars`` variables whose tags have
        the given values (a problem without one of the tags is left out)."""
        missing = object()
        kept = tuple(
            p for p in self.problems
            if (max_vars is None or p.n_vars <= max_vars)
            and all(p.tags.get(k, missing) == v for k, v in (tags or {}).items())
        )
        return replace(self, problems=kept)

    def to_dict(self) -> dict:
        """The JSON form of the suite."""
        return {"name": self.name, "description": self.description,
                "problems": [p.to_dict() for p in self.problems]}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Suite:
        """A suite from its JSON form."""
        return cls(name=str(raw["name"]), description=str(raw.get("description", "")),
                   problems=tuple(Problem.from_dict(p) for p in raw["problems"]))


def _bundled_dir():
    return resources.files("eqlearn") / "data" / "suites"


def list_suites() -> list[str]:
    """Names of the bundled suites."""
    return sorted(entry.name[:-5] for entry in _bundled_dir().iterdir()
                  if entry.name.endswith(".json"))


def load_suite(name_or_path: str | Path) -> Suite:
    """A bundled suite by name, or a suite JSON file by path.

    Raises
    ------
    ValueError
        If ``name_or_path`` is neither a bundled suite nor a readable suite file.
    """
    key = str(name_or_path)
    bundled = list_suites()
    if key in bundled:
        text, origin = (_bundled_dir() / f"{key}.json").read_text(encoding="utf-8"), key
    elif Path(key).is_file():
        text, origin = Path(key).read_text(encoding="utf-8"), key
    else:
        raise ValueError(f"unknown suite {key!r}: bundled suites are {bundled}, "
                         "or give the path of a suite JSON file")
    try:
        return Suite.from_dict(json.loads(text))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{origin} is not a valid suite file: {exc}") from exc


def suite_from_csv(path: str | Path, target: str, name: str | None = None) -> Suite:
    """A one-problem suite whose data are the rows of a CSV file.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row and numeric columns.
    target : str
        Column to predict; every other column is an input variable.
    name : str, optional
        Suite and problem name (default: the file's stem).

    Returns
    -------
    Suite
        Its problem has ``formula=None``; ``sample()`` returns the file's rows, and
        ``sample(n)`` with ``n`` below the row count a random subset of them.
    """
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [column.strip() for column in next(reader, [])]
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    if target not in header or not rows:
        raise ValueError(f"{path} has no column {target!r} or no rows (columns: {header})")
    try:
        table = np.asarray(rows, dtype=float)
    except ValueError as exc:
        raise ValueError(f"{path} has a non-numeric cell: {exc}") from None
    j = header.index(target)
    X, y = np.delete(table, j, axis=1), table[:, j].copy()
    X.flags.writeable = y.flags.writeable = False  # the problem is frozen, so are its data
    variables = tuple(h for h in header if h != target)
    name = name or path.stem
    problem = Problem(
        id=name, formula=None, variables=variables,
        ranges=tuple((float(lo), float(hi)) for lo, hi in zip(X.min(0), X.max(0))),
        sampling=("uniform",) * len(variables), n_points=len(y), output=target,
        tags={"n_vars": len(variables), "source": str(path)}, data=(X, y))
    return Suite(name=name, description=f"rows of {path.name}, target {target!r}",
                 problems=(problem,))
