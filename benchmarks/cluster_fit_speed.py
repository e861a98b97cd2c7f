"""One fit's search on a LocalCluster of 1 vs 2 single-thread workers (joblib's dask
backend): evaluations per second, and how busy the workers were (the islands' tasks'
compute time over the span from the first task's start to the last one's end).

An evaluation costs more as the search goes on (its equations grow), so a faster run,
which gets further in the same time, does fewer evaluations per second late in its search.
Two figures, then, both read from the searches' progress records (the islands'
evaluations so far at each return; the 1-worker run gets twice the budget so that it gets
as far as the 2-worker one): at equal time, the evaluations of each in the 2-worker
search's seconds; at equal work, the time each took for its first E evaluations, E the
smaller total.

    .venv/bin/python benchmarks/cluster_fit_speed.py 20 sin    # the law found in epoch 2
    .venv/bin/python benchmarks/cluster_fit_speed.py 20 hard   # a law not found in 20 s

Compare with benchmarks/parallel_ceiling.py, what two processes give on the machine."""
import json
import sys

import joblib
import numpy as np
from distributed import Client, LocalCluster, get_task_stream

from eqlearn import EquationRegressor
from eqlearn.search.islands import ISLAND_TASK

BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
LAW = sys.argv[2] if len(sys.argv) > 2 else "sin"


def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 2, size=(200, 2))
    if LAW == "sin":
        return X, X[:, 0] * np.sin(2.5 * X[:, 1]) + X[:, 1] ** 2
    return X, np.exp(-0.7 * X[:, 0]) * np.cos(1.3 * X[:, 1] * X[:, 0]) + 0.5 * X[:, 1] ** 3


def searches(stats):
    """Every search's statistics in a fit's (nested) statistics."""
    own = [stats] if "progress" in stats else []
    return own + [s for v in stats.values() if isinstance(v, dict) for s in searches(v)]


def busy(tasks):
    """Per worker: compute seconds of the islands' tasks / their span, and their number."""
    spans = {}
    for t in tasks:
        if str(t["key"]).startswith((ISLAND_TASK, "batch_of__evolve_island")):  # or joblib's
            spans.setdefault(t["worker"], []).extend(
                (p["start"], p["stop"]) for p in t["startstops"] if p["action"] == "compute")
    if not spans:  # joblib runs a 1-worker cluster's tasks in this process, not on it
        return {}
    lo = min(a for v in spans.values() for a, _ in v)
    hi = max(b for v in spans.values() for _, b in v)
    return {w[-5:]: [round(sum(b - a for a, b in v) / (hi - lo), 3), len(v)]
            for w, v in spans.items()}


def _curve(progress):
    """Seconds and evaluations so far, from the start (0, 0) on."""
    return np.array([[0.0, 0]] + progress).T


def seconds_to(progress, evals):
    """When the search reached ``evals`` evaluations (linear between its records)."""
    t, n = _curve(progress)
    return float(np.interp(evals, n, t))


def evals_at(progress, seconds):
    """The search's evaluations after ``seconds`` (linear between its records)."""
    t, n = _curve(progress)
    return float(np.interp(seconds, t, n))


def run(n_workers, budget):
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0") as cl, Client(cl) as c:
        c.run(lambda: __import__("eqlearn.search.gp"))
        X, y = data()
        reg = EquationRegressor(method="search", time_budget=budget, random_state=0, n_jobs=2)
        with get_task_stream(c) as stream, joblib.parallel_config(backend="dask"):
            reg.fit(X, y)
    main = max(searches(reg.search_stats_), key=lambda s: s["evals"])
    return {"workers": n_workers, "budget": budget, "evals": main["evals"],
            "search_s": round(main["seconds"], 2), "epochs": main["epochs"],
            "evals_per_s": round(main["evals"] / main["seconds"], 1),
            "best": str(reg.best_), "busy": busy(stream.data), "progress": main["progress"]}


def main():
    one, two = run(1, 2 * BUDGET), run(2, BUDGET)
    evals = min(one["progress"][-1][1], two["progress"][-1][1])
    t1, t2 = seconds_to(one["progress"], evals), seconds_to(two["progress"], evals)
    for r in (one, two):
        print(json.dumps({k: v for k, v in r.items() if k != "progress"}), flush=True)
    seconds, done = two["progress"][-1]  # the islands' evaluations (the main process's apart)
    same_time = done / evals_at(one["progress"], seconds)
    print(json.dumps({"equal_time_ratio": round(same_time, 3),
                      "equal_work_evals": evals, "one_worker_s": round(t1, 2),
                      "two_workers_s": round(t2, 2), "equal_work_ratio": round(t1 / t2, 3)}))


if __name__ == "__main__":
    main()
