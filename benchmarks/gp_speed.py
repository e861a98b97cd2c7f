"""Evaluations per second: eqlearn's GP engine vs gplearn, same data, same machine.

    .venv/bin/python benchmarks/gp_speed.py --points 200 --seconds 20

Both run single-process first (engine speed), then eqlearn with its default 2 workers.
An "evaluation" is one candidate program evaluated on all points and scored.
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    return X, X[:, 0] ** 3 + np.sin(X[:, 1]) * X[:, 0] + 0.5


def eqlearn_rate(X, y, seconds: float, workers: int) -> tuple[float, int]:
    from eqlearn.search.gp import GPConfig, run_search
    from eqlearn.search.hybrid import grammar_for
    from eqlearn.search.fitting import SearchSettings

    grammar = grammar_for(X.shape[1], SearchSettings(max_complexity=30))
    t0 = time.perf_counter()
    report = run_search(X, y, np.ones(len(y)), grammar, GPConfig(workers=workers),
                        deadline=t0 + seconds, random_state=0)
    return report.n_evals / report.seconds, report.n_evals


def gplearn_rate(X, y, generations: int) -> tuple[float, int]:
    from gplearn.genetic import SymbolicRegressor

    est = SymbolicRegressor(population_size=1000, generations=generations, n_jobs=1,
                            function_set=("add", "sub", "mul", "div", "sin", "cos", "log",
                                          "sqrt"), random_state=0, verbose=0)
    t0 = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - t0
    n = 1000 * generations
    return n / seconds, n


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--generations", type=int, default=20)
    a = p.parse_args()
    X, y = data(a.points)
    rows = [("gplearn (1 process)", *gplearn_rate(X, y, a.generations)),
            ("eqlearn GP (1 process)", *eqlearn_rate(X, y, a.seconds, 1)),
            ("eqlearn GP (2 processes)", *eqlearn_rate(X, y, a.seconds, 2))]
    print("| engine | evaluations / s | evaluations | points |\n|---|---|---|---|")
    for name, rate, n in rows:
        print(f"| {name} | {rate:,.0f} | {n:,} | {a.points} |")


if __name__ == "__main__":
    main()
