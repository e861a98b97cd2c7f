"""Evaluations per second of one fit's search on a LocalCluster of 1 vs 2 single-thread
workers (joblib's dask backend), and how busy the workers were: the islands' tasks'
compute time over the span from the first task's start to the last one's end, per worker.

    .venv/bin/python benchmarks/cluster_fit_speed.py 20 sin    # the law found in epoch 2
    .venv/bin/python benchmarks/cluster_fit_speed.py 20 hard   # a law not found in 20 s

Compare with benchmarks/parallel_ceiling.py, what two processes give on the machine."""
import json
import sys

import joblib, numpy as np
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

def totals(stats):
    ev = stats.get("evals", 0); s = stats.get("seconds", 0.0); ep = stats.get("epochs", 0)
    for v in stats.values():
        if isinstance(v, dict):
            e2, s2, p2 = totals(v); ev += e2; s += s2; ep += p2
    return ev, s, ep

def busy(tasks):
    """Per worker: compute seconds of the islands' tasks / their span, and their number."""
    spans = {}
    for t in tasks:
        if not str(t["key"]).startswith(ISLAND_TASK):
            continue
        for part in t["startstops"]:
            if part["action"] == "compute":
                spans.setdefault(t["worker"], []).append((part["start"], part["stop"]))
    lo = min(a for v in spans.values() for a, _ in v)
    hi = max(b for v in spans.values() for _, b in v)
    return {w[-5:]: [round(sum(b - a for a, b in v) / (hi - lo), 3), len(v)] for w, v in spans.items()}


def main():
  for n in (1, 2):
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0") as cl, Client(cl) as c:
        c.run(lambda: __import__("eqlearn.search.gp"))
        with get_task_stream(c) as stream, joblib.parallel_config(backend="dask"):
            X, y = data()
            reg = EquationRegressor(method="search", time_budget=BUDGET, random_state=0, n_jobs=2)
            reg.fit(X, y)
        ev, s, ep = totals(reg.search_stats_)
        print(json.dumps({"workers": n, "evals": ev, "search_s": round(s, 2), "epochs": ep,
                          "evals_per_s": round(ev / s, 1), "best": str(reg.best_), "busy": busy(stream.data)}), flush=True)


if __name__ == "__main__":
    main()
