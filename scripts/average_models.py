"""Average the weights of checkpoints from one line of fine-tuning runs (a "model soup").

    python scripts/average_models.py runs/tuned11/best runs/tuned12/best --out runs/soup/best

The checkpoints must share the architecture and the vocabulary; runs that fine-tune one
another lie close enough in weight space for their average to be a model too (check it with
`eqlearn evaluate-model` before shipping). The result records where it came from: its
``meta.training`` names the averaged checkpoints and their weights, and its ``meta.history``
is the last checkpoint's history with that checkpoint's own training appended.
"""
from __future__ import annotations

import argparse

import torch

from eqlearn.model import EquationModel


def average(paths: list[str], weights: list[float] | None = None) -> EquationModel:
    models = [EquationModel.load(p) for p in paths]
    weights = weights or [1.0] * len(models)
    if len(weights) != len(models):
        raise SystemExit(f"{len(weights)} weights for {len(models)} checkpoints")
    first, last = models[0], models[-1]
    for path, m in zip(paths, models):
        if m.config != first.config or m.vocab.to_list() != first.vocab.to_list():
            raise SystemExit(f"{path}: another architecture or vocabulary than {paths[0]}")
    total = sum(weights)
    states = [m.state_dict() for m in models]
    mean = {k: sum(w / total * s[k].double() for w, s in zip(weights, states)).to(v.dtype)
            for k, v in states[0].items()}
    out = EquationModel(first.config, first.vocab, dict(last.meta))
    out.load_state_dict(mean)
    out.meta["history"] = last.lineage()
    out.meta["training"] = {"averaged": list(paths), "weights": [w / total for w in weights],
                            "steps": 0, "samples_seen": 0, "hours": 0.0}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--weights", type=float, nargs="+")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with torch.no_grad():
        average(a.checkpoints, a.weights).save(a.out)
    print(f"averaged {len(a.checkpoints)} checkpoints into {a.out}")


if __name__ == "__main__":
    main()
