"""Large data on one machine: the same law at 10³ … 10⁶ rows, each fit in its own process
(so that its peak memory is its own), with a 3-variable law and a 10-variable problem (the
same law in three of the columns, seven distractors). "recovered" = the law up to its
constants (each within 1 % of the planted one, then sympy proves the two equal); R² on all
rows; wall time of ``fit`` alone; peak RSS of the fitting process (and, apart, of its
largest worker).

    .venv/bin/python benchmarks/large_data.py --rows 1000,10000,100000,1000000 \
        --variables 3,10 --seeds 1 --time 30
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import sympy

from eqlearn.bench.metrics import NEGLIGIBLE_OFFSET

LAW = "2.5*x1*exp(-0.8*x2) + 1.3*x3**2"   #: in the columns LAW_COLUMNS of X
LAW_COLUMNS = {3: (0, 1, 2), 10: (0, 4, 7)}
SIMPLE = [sympy.Integer(n) for n in range(-5, 6) if n] + [sympy.Rational(n, 2)
                                                          for n in (-3, -1, 1, 3)]


def make_data(rows: int, n_vars: int, seed: int, noise: float):
    """X uniform on [0.5, 3], y the law of three of its columns plus ``noise``·std(y)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 3.0, size=(rows, n_vars))
    a, b, c = (X[:, j] for j in LAW_COLUMNS[n_vars])
    y = 2.5 * a * np.exp(-0.8 * b) + 1.3 * c ** 2
    return X, y + noise * float(np.std(y)) * rng.standard_normal(rows)


def law(n_vars: int) -> tuple[sympy.Expr, list[str]]:
    """The planted law in the names ``x1 … x{n_vars}`` (positive symbols)."""
    names = [f"x{j + 1}" for j in range(n_vars)]
    symbols = {n: sympy.Symbol(n, positive=True) for n in names}
    a, b, c = (symbols[names[j]] for j in LAW_COLUMNS[n_vars])
    x1, x2, x3 = sympy.symbols("x1 x2 x3", positive=True)
    text = sympy.sympify(LAW, locals={"x1": x1, "x2": x2, "x3": x3}, rational=True)
    return text.xreplace({x1: a, x2: b, x3: c}), names


def recovered(model: sympy.Expr, truth: sympy.Expr, rtol: float = 0.01,
              scale: float = 1.0) -> bool:
    """Each float of ``model`` within ``rtol`` of a number of ``truth`` (or its negative or
    inverse) or of a small integer or half; sympy then proves the two equal. An additive
    number below 1e-4 × ``scale`` (the RMS of y) is dropped first, as SRBench does
    (:mod:`eqlearn.bench.metrics`). The model is expanded first: ``1.3*(1.92311*a + b)``
    holds the law's 2.5 as ``1.3·1.92311``."""
    model = sympy.expand(model)
    if isinstance(model, sympy.Add):
        model = sympy.Add(*(t for t in model.args
                            if not (t.is_number and abs(float(t)) < NEGLIGIBLE_OFFSET * scale)))
    targets = [v for r in truth.atoms(sympy.Rational) if r != 0 for v in (r, -r, 1 / r)]
    targets += SIMPLE
    swap = {}
    for f in model.atoms(sympy.Float):
        hit = [t for t in targets if abs(float(f) / float(t) - 1) <= rtol]
        if not hit:
            return False
        swap[f] = hit[0]
    model = model.xreplace({s: sympy.Symbol(s.name, positive=True)
                            for s in model.free_symbols})
    return bool(sympy.simplify(model.xreplace(swap) - truth) == 0)


def one_fit(rows: int, n_vars: int, seed: int, noise: float, budget: float) -> dict:
    """One fit in this process: its outcome and this process's peak memory."""
    from eqlearn import EquationRegressor

    warnings.simplefilter("ignore")
    X, y = make_data(rows, n_vars, seed, noise)
    start = time.perf_counter()
    reg = EquationRegressor(time_budget=budget, random_state=seed).fit(X, y)
    seconds = time.perf_counter() - start
    truth, _ = law(n_vars)
    found = recovered(reg.sympy(), truth, scale=float(np.sqrt(np.mean(y * y))))
    return {"rows": rows, "vars": n_vars, "seed": seed, "seconds": seconds,
            "recovered": found, "r2": reg.best_.r2,
            "equation": str(reg.best_),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", default="1000,10000,100000,1000000")
    p.add_argument("--variables", default="3,10")
    p.add_argument("--seeds", default="0", help="comma-separated seeds")
    p.add_argument("--noise", type=float, default=0.01, help="share of std(y)")
    p.add_argument("--time", type=float, default=30.0)
    p.add_argument("--out", default=None, help="JSON file for every fit's outcome")
    p.add_argument("--one", default=None, help=argparse.SUPPRESS)  # rows,vars,seed: a child
    a = p.parse_args()
    if a.one:
        rows, n_vars, seed = (int(v) for v in a.one.split(","))
        print(json.dumps(one_fit(rows, n_vars, seed, a.noise, a.time)))
        return
    runs = []
    print("| rows | vars | seed | recovered | wall s | peak RSS MB | worker peak MB | R² "
          "| equation |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n_vars in (int(v) for v in a.variables.split(",")):
        for rows in (int(v) for v in a.rows.split(",")):
            for seed in (int(v) for v in a.seeds.split(",")):
                out = subprocess.run([sys.executable, __file__, "--one", f"{rows},{n_vars},{seed}",
                                      "--noise", str(a.noise), "--time", str(a.time)],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                runs.append(r)
                print(f"| {rows} | {n_vars} | {seed} | {'yes' if r['recovered'] else 'no'} | "
                      f"{r['seconds']:.1f} | {r['peak_mb']:.0f} | {r['worker_peak_mb']:.0f} | "
                      f"{r['r2']:.6f} | `{r['equation']}` |", flush=True)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(runs, fh, indent=1)


if __name__ == "__main__":
    main()
