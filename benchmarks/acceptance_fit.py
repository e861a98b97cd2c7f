"""Issue acceptance: three laws from 200 noise-free points, 30 s each, exact recovery
(sympy-equivalent after rounding constants to 3 significant digits).

    .venv/bin/python benchmarks/acceptance_fit.py [--model default] [--time 30]
"""
from __future__ import annotations

import argparse
import warnings
import time

import numpy as np
import sympy

from eqlearn import EquationRegressor
from eqlearn.bench.metrics import round_constants, split_logs

LAWS = [
    ("x1**2 + sin(x2)", lambda X: X[:, 0] ** 2 + np.sin(X[:, 1]), (-3, 3), 2),
    ("3.2*x1*exp(-0.5*x2)", lambda X: 3.2 * X[:, 0] * np.exp(-0.5 * X[:, 1]), (0.1, 4), 2),
    ("log(x1 + 1) + log(x1**2 + 1)", lambda X: np.log(X[:, 0] + 1) + np.log(X[:, 0] ** 2 + 1),
     (0, 2), 1),
]


def main() -> None:
    warnings.simplefilter("ignore")
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="default")
    p.add_argument("--time", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    print("| law | found | exact | seconds |\n|---|---|---|---|")
    for text, f, (lo, hi), d in LAWS:
        rng = np.random.default_rng(a.seed)
        X = rng.uniform(lo, hi, size=(200, d))
        y = f(X)
        t0 = time.perf_counter()
        reg = EquationRegressor(model=a.model, time_budget=a.time, random_state=a.seed).fit(X, y)
        seconds = time.perf_counter() - t0
        names = sympy.symbols(" ".join(f"x{i + 1}" for i in range(d)), real=True)
        truth = sympy.sympify(text, locals={f"x{i + 1}": s for i, s in enumerate(
            names if isinstance(names, tuple) else (names,))})
        found = round_constants(reg.sympy())
        exact = sympy.simplify(split_logs(found - truth)) == 0
        print(f"| `{text}` | `{reg.best_}` | {'yes' if exact else 'no'} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
