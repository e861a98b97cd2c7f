"""Exact recoveries of the genetic-programming engine alone, with and without the polish
and the per-term linear fit of sums.

The engine (:func:`eqlearn.search.gp.run_search`, one worker, no model, no baselines) runs
on benchmark laws for a fixed time per problem and seed; a recovery is a normalised loss
below 1e-18 on the 200 training points. Runs go two at a time (one per core).

    .venv/bin/python benchmarks/gp_recovery.py --seconds 15 --seeds 0,1 --polish 0,0.5
    .venv/bin/python benchmarks/gp_recovery.py --seconds 15 --per-term 0,1 --problems both

Prints one line per run and a summary per setting; ``--out`` saves them as JSON.
"""
from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

PROBLEMS = [("feynman", p) for p in ("I.34.1", "I.10.7", "II.13.23", "II.13.34", "I.34.14",
                                     "I.16.6", "I.12.11", "I.39.11", "II.6.15b", "I.18.4",
                                     "I.40.1", "I.43.31")]
PROBLEMS += [("nguyen", f"Nguyen-{k}") for k in (5, 6, 7, 8, 10, 11)]
SUMS = [("feynman", p) for p in ("I.37.4", "III.17.37", "II.37.1", "III.15.12")]
SUMS += [("nguyen", f"Nguyen-{k}") for k in (1, 3, 4, 9, 12)]
EXACT = 1e-18


def run_one(job: tuple) -> dict:
    from eqlearn.data.suites import load_suite
    from eqlearn.search.gp import GPConfig, run_search
    from eqlearn.search.hybrid import grammar_for
    from eqlearn.search.fitting import SearchSettings

    suite, problem, seed, seconds, polish, per_term = job
    X, y = load_suite(suite).get(problem).sample(200, rng=seed)
    grammar = grammar_for(X.shape[1], SearchSettings(max_complexity=30, random_state=seed))
    t0 = time.perf_counter()
    cfg = GPConfig(workers=1, stop_loss=EXACT, polish=polish, per_term=per_term)
    report = run_search(X, y, np.ones_like(y), grammar, cfg, deadline=t0 + seconds,
                        random_state=seed)
    best = min(report.candidates, key=lambda c: c.loss)
    return {"problem": problem, "seed": seed, "setting": f"polish {polish} per-term {per_term:d}",
            "found": bool(best.loss < EXACT), "seconds": report.seconds,
            "evals": report.n_evals, "best": str(best.expr)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--seeds", default="0,1")
    p.add_argument("--polish", default="0.5", help="comma-separated GPConfig.polish values")
    p.add_argument("--per-term", default="1", help="comma-separated GPConfig.per_term (0/1)")
    p.add_argument("--problems", choices=("hard", "sums", "both"), default="hard",
                   help="the 18 laws the polish was tuned on, 9 sums of terms, or both")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    problems = {"hard": PROBLEMS, "sums": SUMS, "both": PROBLEMS + SUMS}[args.problems]
    jobs = [(suite, problem, seed, args.seconds, float(polish), bool(int(per_term)))
            for polish in args.polish.split(",") for per_term in args.per_term.split(",")
            for suite, problem in problems for seed in seeds]
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(run_one, jobs))
    for r in results:
        print(f"{r['setting']}  {r['problem']:10s} seed {r['seed']} "
              f"{'found' if r['found'] else '-----'} {r['seconds']:5.1f} s "
              f"{r['evals']:6d} evals  {r['best'][:70]}")
    for setting in sorted({r["setting"] for r in results}):
        mine = [r for r in results if r["setting"] == setting]
        rate = np.median([r["evals"] / r["seconds"] for r in mine])
        print(f"{setting}: {sum(r['found'] for r in mine)} of {len(mine)} recovered, "
              f"median {rate:.0f} evaluations/s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
