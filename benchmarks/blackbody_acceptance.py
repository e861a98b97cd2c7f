"""The flagship's acceptance: Planck's law from synthetic measurements, over seeds, noise
levels and both forms; exact recovery = sympy-equivalent with constants within 0.1 %;
"structure" = the same law with constants within 5 % (what noise allows: with 10 % noise on
200 points the constants' own standard error is several tenths of a percent).

    .venv/bin/python benchmarks/blackbody_acceptance.py --seeds 10 --noise 0,0.01,0.1 \
        --forms wavelength --points 200 --time 60
"""
from __future__ import annotations

import argparse
import json
import warnings

from eqlearn.demos.blackbody import matches_law, run_blackbody


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--noise", default="0")
    p.add_argument("--forms", default="wavelength")
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--time", type=float, default=60.0)
    p.add_argument("--model", default="default")
    p.add_argument("--out", default=None, help="JSON file for every run's outcome")
    a = p.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    print("| form | noise | points | recovered | structure | median s | max s | constants named |")
    print("|---|---|---|---|---|---|---|---|")
    for form in a.forms.split(","):
        points = a.points if form == "wavelength" else 100
        for noise in [float(v) for v in a.noise.split(",")]:
            runs = []
            for seed in range(a.seeds):
                r = run_blackbody(form, noise=noise, points=points, seed=seed,
                                  time_budget=a.time, model=a.model)
                named = [c.name for c in r.constants]
                structure = matches_law(r.regressor.best_.expr, r.case, rtol=0.05)
                runs.append({"form": form, "noise": noise, "seed": seed,
                             "recovered": r.recovered, "structure": structure,
                             "seconds": r.seconds,
                             "equation": str(r.regressor.best_), "constants": named})
                print(f"  seed {seed}: {'yes' if r.recovered else 'no '} {r.seconds:5.1f} s "
                      f"{r.regressor.best_}  {named}", flush=True)
            times = sorted(x["seconds"] for x in runs)
            ok = sum(x["recovered"] for x in runs)
            shape = sum(x["structure"] for x in runs)
            named_ok = sum(x["recovered"] and None not in x["constants"] for x in runs)
            print(f"| {form} | {noise:g} | {points} | {ok}/{len(runs)} | {shape}/{len(runs)} | "
                  f"{times[len(times) // 2]:.1f} | {times[-1]:.1f} | {named_ok}/{len(runs)} |",
                  flush=True)
            rows += runs
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
