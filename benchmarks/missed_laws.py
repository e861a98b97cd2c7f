"""Why a benchmark missed its laws: search or information?

For every missed run of a results folder (``eqlearn bench run … --out DIR``, eqlearn's
records), the run's own training data is drawn again (same problem, noise and seed), and
both the chosen equation and the true law get their constants refitted there and their
description length (:func:`eqlearn.search.choice.description_lengths`, the default choice's
criterion) computed. Where the law's is shorter, the choice would have taken the law had the
search offered it: a *search* miss. Where the chosen equation's is shorter, the data cannot
tell the law from it: an *information* miss (no criterion on these data would be right).

    python benchmarks/missed_laws.py DIR [--suites feynman,nguyen]
"""
from __future__ import annotations

import argparse
import glob
import json
import warnings

import numpy as np

from eqlearn.bench.runs import split_data
from eqlearn.data.suites import load_suite
from eqlearn.expr.export import parse_expr
from eqlearn.search.choice import N_OPERATORS, description_lengths
from eqlearn.search.selection import Candidate, complexity, symbol_count
from eqlearn.search.uncertainty import constant_errors, refit_constants


def description_length(text: str, names, X, y) -> float:
    w = np.ones(len(y))
    expr = refit_constants(parse_expr(text, names), X, y, w, "mse")
    errors = constant_errors(expr, X, y, w, sigma=None, loss="mse")
    cand = Candidate(expr, float(errors.rss / len(y)), complexity(expr))
    return float(description_lengths([cand], [errors], y, w, symbol_count(N_OPERATORS, X.shape[1]),
                                     False)[0])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("--suites", default="feynman,nguyen")
    args = p.parse_args()
    warnings.simplefilter("ignore")
    problems = {q.id: q for s in args.suites.split(",") for q in load_suite(s).problems}
    tally: dict[str, list[str]] = {"search": [], "information": []}
    for path in sorted(glob.glob(f"{args.folder}/*/eqlearn/*.json")):
        r = json.load(open(path))
        if r["status"] != "ok" or r["symbolic_solution"] or r["problem"] not in problems:
            continue
        q = problems[r["problem"]]
        X, y, _, _ = split_data(q, r["n_train"], r["n_test"], r["noise"], r["seed"])
        try:
            law = description_length(q.formula, r["variables"], X, y)
            chosen = description_length(r["model"], r["variables"], X, y)
        except Exception as exc:  # a formula the tree cannot hold: say so, go on
            print(f"{q.id:10s} not compared: {exc}")
            continue
        kind = "search" if law < chosen else "information"
        tally[kind].append(q.id)
        print(f"{q.id:10s} {kind:11s} law {law:10.1f} nats, chosen {chosen:10.1f} nats")
    print(json.dumps({k: len(v) for k, v in tally.items()}), json.dumps(tally))


if __name__ == "__main__":
    main()
