"""Training throughput of the default-size model: samples per second, and where the time goes.

    .venv/bin/python benchmarks/train_throughput.py --corpus corpora/physics --steps 30
    .venv/bin/python benchmarks/train_throughput.py --corpus corpora/physics --device cuda

Times the two halves of a training step separately, on the real pipeline of ``eqlearn
train``: making a batch (skeletons drawn from the corpus, fresh constants and points,
evaluated and padded: numpy, one process) and the optimiser step (forward, backward,
clipping, AdamW on the chosen device: ``eqlearn.train.training_step``). Prints one JSON line; ``--out`` saves it.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from eqlearn.data.dataset import SkeletonTable
from eqlearn.model.batches import BatchStream
from eqlearn.expr.tokens import Vocabulary
from eqlearn.model import EquationModel, ModelConfig
from eqlearn.train import autocast, training_step


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-points", type=int, default=100)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--precision", default="auto", help="auto, bf16 or fp32")
    p.add_argument("--out", default=None)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    torch.manual_seed(0)
    model = EquationModel(ModelConfig(), Vocabulary.build(max_vars=10)).to(device).train()
    table = SkeletonTable.from_corpus(a.corpus, model.vocab, model.config.max_len, "train",
                                      limit=50_000)
    stream = BatchStream([table], [1.0], model.vocab, a.batch_size, model.config.max_vars,
                         a.max_points)
    rng = np.random.default_rng(0)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-4)
    amp = autocast(device, a.precision)
    data_s, step_s = [], []
    for i in range(a.steps + 3):  # the first three warm up
        t0 = time.perf_counter()
        batch = stream.next_batch(rng).to(device)
        t1 = time.perf_counter()
        training_step(model, optim, batch, amp, grad_clip=1.0)
        if device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        if i >= 3:
            data_s.append(t1 - t0)
            step_s.append(t2 - t1)
    bs = a.batch_size
    result = {
        "device": str(device), "precision": a.precision, "torch_threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(), "batch_size": bs,
        "max_points": a.max_points, "parameters": model.n_parameters(), "steps": a.steps,
        "data_samples_per_s": round(bs / float(np.mean(data_s)), 1),
        "step_samples_per_s": round(bs / float(np.mean(step_s)), 1),
        "samples_per_s": round(bs / float(np.mean(np.add(data_s, step_s))), 1),
    }
    print(json.dumps(result))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
