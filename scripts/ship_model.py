"""Ship a trained checkpoint as the package's default model (float16 safetensors + JSON).

    python scripts/ship_model.py runs/default/best [--name default]

Checks that the shipped copy loads and agrees with the original (float16 rounding only),
and that it stays within the 16 MB limit.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch

from eqlearn.model.batches import collate
from eqlearn.model import EquationModel

LIMIT_MB = 16


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint")
    p.add_argument("--name", default="default")
    a = p.parse_args()
    model = EquationModel.load(a.checkpoint)
    target = Path(__file__).resolve().parents[1] / "eqlearn" / "model" / "weights" / a.name
    if target.exists():
        shutil.rmtree(target)
    model.save(target, half=True)
    size = sum(f.stat().st_size for f in target.iterdir()) / 2**20
    assert size <= LIMIT_MB, f"{size:.1f} MB is over the {LIMIT_MB} MB limit"
    shipped = EquationModel.load(a.name)
    rng = np.random.default_rng(0)
    batch = collate([(rng.uniform(1, 2, (50, 2)), rng.normal(size=50))], model.config.max_vars)
    tokens = torch.tensor([[1, 5, 6, 7]])
    with torch.no_grad():
        ref = model(batch.points, batch.point_mask, batch.var_mask, tokens)
        out = shipped(batch.points, batch.point_mask, batch.var_mask, tokens)
    drift = float((ref - out).abs().max())
    print(f"shipped {a.checkpoint} as {a.name!r}: {size:.1f} MB, max logit drift {drift:.2e}")


if __name__ == "__main__":
    main()
