"""Training curve of a run: loss and validation figures against samples seen.

    python scripts/plot_training.py runs/default/train_log.jsonl docs/training_curve.png \
        [--offset 576000]

``--offset`` shifts a fine-tuning run by the samples its starting model had already seen.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(log: str, out: str, offset: int = 0) -> None:
    rows = [json.loads(line) for line in Path(log).read_text().splitlines()]
    for r in rows:
        if "samples_seen" in r:
            r["samples_seen"] += offset
    train = [r for r in rows if "loss" in r]
    valid = [r for r in rows if "valid" in r]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot([r["samples_seen"] / 1e6 for r in train], [r["loss"] for r in train], lw=1,
             label="training loss")
    ax1.plot([r["samples_seen"] / 1e6 for r in valid], [r["valid"]["loss"] for r in valid],
             "o-", label="validation loss (held-out skeletons)")
    ax1.set_xlabel("samples seen (millions)")
    ax1.set_ylabel("cross-entropy per token")
    ax1.set_yscale("log")
    ax1.legend()
    for key, label in (("token_acc", "token accuracy"), ("greedy", "skeleton match, greedy"),
                       ("beam", "skeleton match, beam")):
        ax2.plot([r["samples_seen"] / 1e6 for r in valid], [r["valid"][key] for r in valid],
                 "o-", label=label)
    ax2.set_xlabel("samples seen (millions)")
    ax2.set_ylim(0, 1)
    ax2.legend()
    ax2.set_title("validation")
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out} ({len(train)} training, {len(valid)} validation records)")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("out")
    p.add_argument("--offset", type=int, default=0)
    a = p.parse_args()
    main(a.log, a.out, a.offset)
