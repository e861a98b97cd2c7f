"""Markdown tables for the README's model card, from ``eqlearn evaluate-model --out`` files.

    python scripts/model_card.py benchmarks/results_model/*.json

One table of skeleton recovery per number of variables and per skeleton length (where all
files have it; columns: beam 1 / beam k / token accuracy per file, labelled by the file's
name, and where a file has them, its fit figures of ``--fit-r2``: target / beam 1 /
beam k), then the training record of each model that was evaluated (``meta.training`` and
any earlier runs it was fine-tuned from).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from eqlearn.model import EquationModel, ModelLoadError


def _metrics(r: dict, key, group: str) -> dict:
    return r["overall"] if key == "all" else r[group][key]


def recovery_table(results: dict[str, dict], group: str = "by_n_vars") -> list[str]:
    head = ["variables" if group == "by_n_vars" else "length", "n"]
    for label, r in results.items():
        head += [f"{label}: beam 1", f"{label}: beam {r['beam']}", f"{label}: token acc"]
        if r.get("fit_r2"):
            head += [f"{label}: fits R² ≥ {r['fit_r2']} (target / beam 1 / beam {r['beam']})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    first = next(iter(results.values()))
    for key in [*first[group], "all"]:
        row = [str(key), str(_metrics(first, key, group)["n"])]
        for r in results.values():
            m = _metrics(r, key, group)
            row += [f"{m['greedy']:.1%}", f"{m['beam']:.1%}", f"{m['token_acc']:.3f}"]
            if r.get("fit_r2"):
                row += [" / ".join(f"{m[k]:.1%}" for k in ("target_fit", "greedy_fit",
                                                            "beam_fit"))]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def training_lines(model: str) -> list[str]:
    try:
        runs = EquationModel.load(model).lineage()
    except ModelLoadError as exc:
        return [f"- (no training record: {exc})"]
    lines = []
    for i, t in enumerate(runs):
        if "averaged" in t:  # scripts/average_models.py
            lines.append(f"- run {i + 1}: weight average of {t['averaged']}, weights "
                         f"{[round(w, 3) for w in t['weights']]}")
            continue
        cfg = t.get("config", {})
        lines.append(f"- run {i + 1}: {t['steps']} steps, {t['samples_seen']:,} samples, "
                     f"{t['hours']} h on {t['device']} × {t['world_size']}; batch "
                     f"{cfg.get('batch_size')}, lr {cfg.get('lr')}, corpora "
                     f"{cfg.get('corpora')} weighted {cfg.get('weights')}"
                     + (f", from {cfg['init']}" if cfg.get("init") else ""))
    return lines


def main(paths: list[str]) -> None:
    results = {Path(p).stem: json.loads(Path(p).read_text()) for p in paths}
    print("\n".join(recovery_table(results)))
    if all("by_length" in r for r in results.values()):
        print("\n" + "\n".join(recovery_table(results, "by_length")))
    for label, r in results.items():
        print(f"\n{label} ({r['model']}):")
        print("\n".join(training_lines(r["model"])))


if __name__ == "__main__":
    main(sys.argv[1:])
