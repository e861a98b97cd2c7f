"""One benchmark run: draw the data, fit the method within its budget, score the model,
write the record.

A run draws a training set (noise on its targets only, SRBench's convention: Gaussian of
standard deviation ``noise × RMS(y)``) and a separate noiseless test set (for a data set: a
held-out quarter of its rows), fits, and scores on the test set
(:mod:`eqlearn.bench.metrics`). Its record is one JSON file with a ``status``: ``ok``,
``error`` (message and traceback kept), ``timeout`` (killed by the executor) or ``skipped``
(the method cannot run here). ``peak_memory_mb`` is the peak resident memory of the run's
process, interpreter and imports included. ``provenance`` says what made the record: the
commit of eqlearn's checkout (and whether its tracked files differed from it), the machine and
eqlearn's version (:func:`collect_provenance`, once per benchmark invocation).
"""
from __future__ import annotations

import json
import math
import os
import platform
import resource
import socket
import subprocess
import sys
import time
import traceback
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import __version__
from ..data.real_suite import REAL_SUITE
from ..data.suites import Problem
from .methods import get_method
from .metrics import parse_model, r2, score_model
from .real_scores import score_real

__all__ = ["RunSpec", "split_data", "execute_run", "failure_record", "write_record",
           "read_record", "collect_provenance"]

TEST_FRACTION = 0.25  #: share of a data set's rows held out for testing
GIT_TIMEOUT = 10.0  #: seconds for each git command of :func:`collect_provenance`
PACKAGE_DIR = Path(__file__).resolve().parents[1]  #: eqlearn's sources: whose commit is recorded


def _git(repo: Path, *args: str) -> str | None:
    """The output of ``git args`` in ``repo``, or None when git is missing, fails or hangs."""
    try:
        done = subprocess.run(["git", "--no-optional-locks", "-C", str(repo), *args],
                              capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _cpu_model() -> str | None:
    """The CPU's model name from ``/proc/cpuinfo``, else what :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def collect_provenance(repo: str | Path | None = None) -> dict[str, Any]:
    """What makes the records of a benchmark invocation: code and machine.

    Parameters
    ----------
    repo : path, optional
        Where to ask git; default eqlearn's own sources (:data:`PACKAGE_DIR`).

    Returns
    -------
    dict
        ``commit`` (HEAD's sha) and ``dirty`` (tracked files differ from it; untracked
        files do not count), both None outside a git checkout or without git; ``machine``
        (``hostname``, ``platform``, ``python``, ``cpu_count``, ``cpu_model``) and
        ``eqlearn_version``. Never raises for a missing git or repository.
    """
    repo = Path(repo) if repo is not None else PACKAGE_DIR
    commit = _git(repo, "rev-parse", "--verify", "HEAD")
    status = None if commit is None else _git(repo, "status", "--porcelain",
                                               "--untracked-files=no")
    machine = {"hostname": socket.gethostname(), "platform": platform.platform(),
               "python": platform.python_version(), "cpu_count": os.cpu_count(),
               "cpu_model": _cpu_model()}
    return {"commit": commit, "dirty": None if status is None else bool(status),
            "machine": machine, "eqlearn_version": __version__}


@dataclass(frozen=True)
class RunSpec:
    """One run: everything its process needs (picklable).

    Attributes
    ----------
    suite, method : str
    problem : Problem
    noise : float
        Relative noise on the training targets.
    seed : int
        Seeds the data split and the method.
    time_budget : float
    n_train, n_test : int
    n_jobs : int
        Cores the method may use.
    sympy_timeout : float
    options : dict
        Keyword arguments of the method's ``make``.
    path : str
        Where its record is written.
    provenance : dict, optional
        The invocation's :func:`collect_provenance`, copied into the record; computed for
        the run itself when not given.
    """

    suite: str
    problem: Problem
    method: str
    noise: float
    seed: int
    time_budget: float
    n_train: int
    n_test: int
    n_jobs: int
    sympy_timeout: float
    options: Mapping[str, Any]
    path: str
    provenance: Mapping[str, Any] | None = None

    @property
    def kill_after(self) -> float:
        """Seconds after which the run's process is killed."""
        return self.time_budget + 2 * self.sympy_timeout

    def describe(self) -> str:
        return f"{self.method} on {self.problem.id} (noise {self.noise:g}, seed {self.seed})"


def split_data(problem: Problem, n_train: int, n_test: int, noise: float, seed: int):
    """``(X_train, y_train, X_test, y_test)``; the same for every method (seeded by the
    problem id and ``seed``), noise on the training targets only."""
    key = [seed, zlib.crc32(problem.id.encode())]
    if problem.data is None:
        X, y = problem.sample(n_train, np.random.default_rng(key + [0]), noise=noise)
        X_test, y_test = problem.sample(n_test, np.random.default_rng(key + [1]))
        return X, y, X_test, y_test
    X_all, y_all = problem.data
    order = np.random.default_rng(key + [2]).permutation(len(y_all))
    n_out = max(1, int(round(TEST_FRACTION * len(y_all))))
    test, train = order[:min(n_out, n_test)], order[n_out:][:n_train]
    if len(train) == 0:
        raise ValueError(f"data set {problem.id!r} has too few rows to split")
    X, y = X_all[train].copy(), y_all[train].copy()
    if noise > 0:
        rng = np.random.default_rng(key + [3])
        y = y + rng.normal(0.0, noise * np.sqrt(np.mean(y**2)), size=y.shape)
    return X, y, X_all[test].copy(), y_all[test].copy()


def _base_record(spec: RunSpec) -> dict[str, Any]:
    p = spec.problem
    return {"suite": spec.suite, "problem": p.id, "method": spec.method, "noise": spec.noise,
            "seed": spec.seed, "time_budget": spec.time_budget, "n_vars": p.n_vars,
            "true_model": p.formula, "variables": list(p.variables),
            "tags": {k: p.tags[k] for k in ("bonus", "srbench2021") if k in p.tags},
            "options": {k: str(v) for k, v in spec.options.items()},
            "eqlearn_version": __version__,
            "provenance": dict(spec.provenance if spec.provenance is not None
                               else collect_provenance()),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _peak_memory_mb() -> dict[str, float]:
    scale = 1024.0**2 if sys.platform == "darwin" else 1024.0  # ru_maxrss: bytes or kB
    return {"peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale,
            "children_peak_memory_mb":
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale}


def _fit_and_score(spec: RunSpec) -> dict[str, Any]:
    method = get_method(spec.method)
    problem = spec.problem
    if problem.tags.get("protocol") == REAL_SUITE:
        return _fit_real(spec, method)
    X, y, X_test, y_test = split_data(problem, spec.n_train, spec.n_test, spec.noise,
                                      spec.seed)
    est = method.make(spec.time_budget, spec.seed, n_jobs=spec.n_jobs, **spec.options)
    start = time.perf_counter()
    method.fit(est, X, y, problem.variables, problem.units)
    fit_time = time.perf_counter() - start
    yhat = np.asarray(est.predict(X_test), dtype=float)
    model, model_error = _model_text(method, est, problem.variables, spec.sympy_timeout)
    truth = problem.sympy() if problem.formula is not None else None
    positive = [v for v, (low, _) in zip(problem.variables, problem.ranges) if low > 0]
    scores = score_model(model, problem.variables, y_test, yhat, truth, spec.sympy_timeout,
                         positive)
    return {"status": "ok", "model": model, "model_error": model_error, "fit_time_s": fit_time,
            "n_train": len(y), "n_test": len(y_test),
            "r2_train": r2(y, np.asarray(est.predict(X), float)), **scores.to_dict()}


def _fit_real(spec: RunSpec, method) -> dict[str, Any]:
    """Real measurements: fit on every row, score the form and its cross-validated error
    against the accepted model (:func:`~eqlearn.bench.real_scores.score_real`)."""
    problem = spec.problem
    X, y = (np.array(a, dtype=float, order="C") for a in problem.data)  # writable copies
    est = method.make(spec.time_budget, spec.seed, n_jobs=spec.n_jobs, **spec.options)
    start = time.perf_counter()
    method.fit(est, X, y, problem.variables, problem.units)
    fit_time = time.perf_counter() - start
    model, model_error = _model_text(method, est, problem.variables, spec.sympy_timeout)
    scores = score_real(model, problem.variables, X, y, problem.tags["accepted"],
                        problem.tags["start"])
    return {"status": "ok", "model": model, "model_error": model_error, "fit_time_s": fit_time,
            "n_train": len(y), "n_test": 0, "accepted_model": problem.tags["accepted"],
            "r2_train": r2(y, np.asarray(est.predict(X), float)), **scores}


def _model_text(method, est, variables, timeout: float) -> tuple[str | None, str | None]:
    """The model as a sympy string, or None and why: a model that cannot be read still
    gets its accuracy scored (and solves nothing symbolically)."""
    try:
        text = method.model_sympy(est, variables)
        parse_model(text, variables, timeout)
        return text, None
    except Exception as exc:  # noqa: BLE001 - any peer's exporter may fail its own way
        return None, f"{type(exc).__name__}: {exc}"


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value


def write_record(path: str | Path, record: Mapping[str, Any]) -> None:
    """Write a record atomically (a crash never leaves half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_json_safe(dict(record)), indent=1), encoding="utf-8")
    os.replace(tmp, path)


def read_record(path: str | Path) -> dict[str, Any] | None:
    """The record at ``path``, or None when there is none (or it is unreadable)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def execute_run(spec: RunSpec) -> dict[str, Any]:
    """Run one benchmark run in this process, write its record and return it; an error in
    the fit or the scoring is recorded, not raised."""
    record = _base_record(spec)
    start = time.perf_counter()
    try:
        record.update(_fit_and_score(spec))
    except Exception as exc:  # noqa: BLE001 - recorded: one broken run must not stop a benchmark
        record.update(status="error", message=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=8))
    record["wall_time_s"] = time.perf_counter() - start
    record.update(_peak_memory_mb())
    write_record(spec.path, record)
    return record


def failure_record(spec: RunSpec, status: str, message: str, **extra) -> dict[str, Any]:
    """Write and return the record of a run that produced none itself (killed, crashed,
    skipped)."""
    record = {**_base_record(spec), "status": status, "message": message, **extra}
    write_record(spec.path, record)
    return record
