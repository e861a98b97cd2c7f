"""Learning curve of the shipped model's lineage: exact skeleton match at beam 10 on the
1–2-variable held-out skeletons against the training samples seen in all, runs 1 to 16,
and how many samples the 50 % aim would take if the trend of the last runs held.

    python scripts/learning_curve.py docs/learning_curve.png

Reads the model card's results (``benchmarks/results_model/<run>.json``) and each run's
training record (``<run>_config.json``: the samples of the run and of every run before it);
runs whose checkpoint was not kept give their samples as a number (from the model card).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results_model"

#: (label, results file, training record or samples seen in all)
SERIES = {
    "samples of ≤ 100 points (runs 1–10)": [
        ("1", "run1", 576_000), ("2", "finetuned", "finetuned_config"),
        ("3", "run3", "run3_config"), ("4", "run4", "run4_config"), ("5", "run5", "run5_config"),
        ("6", "run6", "run6_config"), ("7", "run7", "run7_config"),
        ("8", "run8", 4_889_024 + 945_536), ("9", "run9", "run9_config"),
        ("10", "run10", "run10_config")],
    "the priors' 10–500 points (runs 7, 11–13, 16)": [
        ("7", "run7_prior_points", "run7_config"), ("11", "run11", "run11_config"),
        ("12", "run12", 5_042_624 + 195_136), ("13", "run13", 5_237_760 + 163_264),
        ("16", "run16", 5_401_024 + 256_000)],  # 13: runs 11 and 12 averaged, then tuned
}
AIM = 0.50
#: the series whose trend is extrapolated (one protocol from run 1 to run 10)
TREND = next(iter(SERIES))


def samples_seen(record) -> int:
    """Samples seen in all by a run: its own and those of the runs it was fine-tuned from."""
    if isinstance(record, int):
        return record
    meta = json.loads((RESULTS / f"{record}.json").read_text())
    meta = meta.get("meta", meta)
    return meta["training"]["samples_seen"] + sum(h["samples_seen"] for h in meta["history"])


def beam10_one_two_vars(name: str) -> float:
    """Share of the 1–2-variable held-out skeletons whose skeleton is in the beam of 10."""
    by_vars = json.loads((RESULTS / f"{name}.json").read_text())["by_n_vars"]
    rows = [by_vars[k] for k in ("1", "2")]
    return sum(r["n"] * r["beam"] for r in rows) / sum(r["n"] for r in rows)


def trend(n: np.ndarray, match: np.ndarray) -> tuple[np.poly1d, float, float]:
    """The least-squares line of the match against the samples, and the samples at which the
    aim is reached if the match grew linearly in the samples, and if in their logarithm."""
    line = np.poly1d(np.polyfit(n, match, 1))
    log_slope, log_icept = np.polyfit(np.log(n), match, 1)
    return line, (AIM - line.c[1]) / line.c[0], float(np.exp((AIM - log_icept) / log_slope))


def main(out: str, since: int = 5) -> None:
    """The figure, and the trend of runs ``since`` onwards of the first series."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, runs in SERIES.items():
        n = np.array([samples_seen(rec) for *_, rec in runs], dtype=float)
        match = np.array([beam10_one_two_vars(name) for _, name, _ in runs])
        order = np.argsort(n)  # runs 8 and 9 are both fine-tuned from run 7
        ax.plot(n[order] / 1e6, 100 * match[order], "o-", label=label)
        print(label)
        for (run, *_), x, y in zip(runs, n, match):
            ax.annotate(run, (x / 1e6, 100 * y), textcoords="offset points", xytext=(3, 4),
                        fontsize=7)
            print(f"  run {run:>2}: {x / 1e6:5.2f} M samples, beam 10 (1-2 vars) "
                  f"{100 * y:5.1f} %")
        if label == TREND:  # the other series changes protocol within its runs
            last = np.array([int(r) >= since for r, *_ in runs])
            line, linear, logarithmic = trend(n[last], match[last])
            print(f"  trend of runs {since}+ to {100 * AIM:.0f} %: {linear / 1e6:,.0f} M samples "
                  f"if linear in samples, {logarithmic / 1e6:,.0f} M if linear in their log")
            grid = np.linspace(n[last].min(), linear, 50)
            ax.plot(grid / 1e6, 100 * line(grid), ":", color="grey",
                    label=f"linear trend of runs {since}–10: 50 % at {linear / 1e6:.0f} M")
    ax.axhline(100 * AIM, color="red", lw=0.8, ls="--", label="the aim (50 %)")
    ax.set_xscale("log")
    ax.set_xlabel("training samples seen in all (millions)")
    ax.set_ylabel("exact skeleton in beam of 10, 1–2 variables (%)")
    ax.set_ylim(0, 55)
    ax.legend(fontsize=8, loc="upper left")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="PNG file for the figure")
    main(parser.parse_args().out)
