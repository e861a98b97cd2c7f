"""Does the model propose the true skeleton of benchmark laws? Recall at fixed compute.

For every problem of the suites (at most ``--max-vars`` variables) the problem's data are
drawn and rescaled as the estimator does; skeletons are decoded with beam 1, beam 10 and
beam 16 + 256 samples (the estimator's defaults); a hit is a proposal with the fingerprint of
the law's skeleton S (integers kept, or every coefficient a placeholder) or of ``C*S``,
``S + C``, ``C*S + C`` (:func:`eqlearn.evaluation.benchmark_recall`). Nothing is fitted and no
clock is read, so the figures do not depend on the machine's load: a fair comparison of two
checkpoints on real laws, which the training corpora exclude.

    .venv/bin/python benchmarks/benchmark_recall.py --model default --out recall.json
"""
from __future__ import annotations

import argparse
import json
import warnings

from eqlearn.data.fingerprint import Fingerprinter
from eqlearn.data.suites import load_suite
from eqlearn.evaluation import RECALL_SETTINGS, benchmark_recall
from eqlearn.model.model import EquationModel


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="default")
    p.add_argument("--suites", default="feynman,nguyen")
    p.add_argument("--max-vars", type=int, default=2)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="JSON file for every problem's ranks")
    a = p.parse_args()
    warnings.simplefilter("ignore")
    model = EquationModel.load(a.model)
    fp = Fingerprinter()
    suites = a.suites.split(",")
    rows = [{"suite": suite, **benchmark_recall(model, problem, points=a.points, seed=a.seed,
                                                fp=fp)}
            for suite in suites for problem in load_suite(suite).filter(max_vars=a.max_vars)]
    print(f"model {a.model}: the law's skeleton among the proposals (problems with <= "
          f"{a.max_vars} variables, seed {a.seed})\n")
    print("| suite | problems | " + " | ".join(RECALL_SETTINGS) + " |")
    print("|---|---:|" + "---:|" * len(RECALL_SETTINGS))
    for suite in [*suites, "all"]:
        chosen = [r for r in rows if suite in ("all", r["suite"])]
        hits = [sum(r[name] is not None for r in chosen) for name in RECALL_SETTINGS]
        print(f"| {suite} | {len(chosen)} | " + " | ".join(map(str, hits)) + " |")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"model": a.model, "seed": a.seed, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
