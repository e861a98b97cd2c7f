"""Pre-training and fine-tuning of the equation model — one readable file.

Batches stream from skeleton corpora with constants and points drawn on the fly
(:mod:`eqlearn.data.dataset`). AdamW, linear warm-up then cosine decay, gradient clipping,
bf16 mixed precision (by default on CUDA, on request on CPUs), periodic validation on
held-out skeletons, safetensors checkpoints (no pickle), resume, and multi-process training
with DDP when started by ``torchrun`` (``nccl`` on GPUs, ``gloo`` on CPUs). Ctrl-C or SIGTERM
stops a single-process run after its current step, with its state saved to resume from.
"""
from __future__ import annotations

import json
import math
import os
import re
import signal
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.attention import SDPBackend, sdpa_kernel

from .data.dataset import SkeletonTable
from .model.batches import BatchStream
from .evaluation import evaluate_skeleton_recovery
from .expr.tokens import Vocabulary
from .model.config import ModelConfig
from .model.model import EquationModel

__all__ = ["TrainConfig", "train", "with_replay", "Trainer", "training_step", "autocast"]

STATE_FILE = "trainer_state.json"
OPTIM_FILE = "optimizer.safetensors"


@dataclass
class TrainConfig:
    """Everything a training run needs; the CLI's options have the same names."""

    corpora: list[str] = field(default_factory=list)  #: corpus folders
    weights: list[float] = field(default_factory=list)  #: mixing weights (default: equal)
    out: str = "runs/model"          #: checkpoints, logs
    init: str | None = None          #: start from a model ("default" or a folder): fine-tuning
    model: dict = field(default_factory=dict)  #: ModelConfig overrides (new models only)
    steps: int = 10_000
    batch_size: int = 64
    lr: float = 5e-4
    min_lr_ratio: float = 0.05
    warmup: int = 500
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    max_points: int = 200            #: points per equation at training time (cap)
    length_balance: float = 0.0      #: 0 uniform skeletons … 1 every skeleton length equally often
    max_hours: float | None = None   #: stop (and save) after this wall time
    valid_every: int = 1000
    valid_size: int = 200            #: held-out equations per validation
    valid_beam: int = 5
    log_every: int = 50
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"          #: auto (bf16 on CUDA, fp32 on CPU), bf16 or fp32
    num_workers: int = 0             #: DataLoader workers producing batches
    threads: int | None = None       #: torch CPU threads


def _cosine(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t))


class Trainer:
    """Holds the model, optimiser and data of one run; :meth:`run` trains."""

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        self.rank = int(os.environ.get("RANK", 0))
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        self.device = _pick_device(cfg.device, int(os.environ.get("LOCAL_RANK", 0)))
        self.amp = autocast(self.device, cfg.precision)  # a bad precision fails here, early
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.out = Path(cfg.out)
        self.model = self._build_model()
        self.optim = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr,
                                       weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
        self.step, self.samples_seen, self.seconds = 0, 0, 0.0
        self.best_valid = math.inf
        self._maybe_resume()
        self.net = self.model
        if self.world > 1:
            self.net = torch.nn.parallel.DistributedDataParallel(
                self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self._load_data()

    # -- set-up ----------------------------------------------------------------------------
    def _build_model(self) -> EquationModel:
        cfg = self.cfg
        if cfg.init:
            model = EquationModel.load(cfg.init)
            model.meta = {**model.meta, "fine_tuned_from": str(cfg.init),
                          "history": model.lineage()}
        else:
            config = ModelConfig(**cfg.model)
            model = EquationModel(config, Vocabulary.build(max_vars=10))
        return model.to(self.device).train()

    def _load_data(self) -> None:
        cfg, c = self.cfg, self.model.config
        if not cfg.corpora:
            raise ValueError("training needs at least one corpus (--corpus DIR)")
        weights = _mixing_weights(cfg.corpora, cfg.weights)
        train = [SkeletonTable.from_corpus(p, self.model.vocab, c.max_len, "train")
                 for p in cfg.corpora]
        self.valid = [SkeletonTable.from_corpus(p, self.model.vocab, c.max_len, "valid",
                                                limit=cfg.valid_size) for p in cfg.corpora]
        self.model.meta.update(priors={t.name: t.prior.to_dict() for t in train},
                               corpora=[str(p) for p in cfg.corpora],
                               train_skeletons=int(sum(len(t) for t in train)))
        stream = BatchStream(train, weights, self.model.vocab, cfg.batch_size, c.max_vars,
                             cfg.max_points, seed=cfg.seed + 1000 * self.step, rank=self.rank,
                             length_balance=cfg.length_balance)
        self.tokens_per_batch = stream.mean_targets() * cfg.batch_size
        loader = torch.utils.data.DataLoader(stream, batch_size=None,
                                             num_workers=cfg.num_workers)
        self.batches = iter(loader)

    def _maybe_resume(self) -> None:
        state_path = self.out / "last" / STATE_FILE
        if not state_path.is_file():
            return
        state = json.loads(state_path.read_text())
        last = EquationModel.load(self.out / "last", device=str(self.device))
        self.model.load_state_dict(last.state_dict())
        self.model.meta = last.meta
        self.optim.load_state_dict(_load_optimizer(self.out / "last" / OPTIM_FILE,
                                                   state["optimizer"], self.device))
        self.step, self.samples_seen = state["step"], state["samples_seen"]
        self.seconds, self.best_valid = state["seconds"], state["best_valid"]
        self._log({"event": "resumed", "step": self.step})

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> dict:
        """Train to ``cfg.steps`` (or ``cfg.max_hours``, or a stop signal); a summary."""
        with _stop_on_signals(self.world == 1) as stop:
            self._loop(stop)
        if self.world > 1:
            dist.barrier()
        return {"step": self.step, "samples_seen": self.samples_seen, "seconds": self.seconds,
                "stopped_by": stop[0] if stop else None}

    def _loop(self, stop: list[str]) -> None:
        cfg = self.cfg
        start = time.perf_counter() - self.seconds
        window_t, window_n, losses = time.perf_counter(), 0, []
        while self.step < cfg.steps:
            batch = next(self.batches).to(self.device)
            for group in self.optim.param_groups:
                group["lr"] = cfg.lr * _cosine(self.step, cfg)
            loss, tokens = training_step(self.net, self.optim, batch, self.amp,
                                         cfg.grad_clip, self.tokens_per_batch)
            self.step += 1
            n = batch.tokens.shape[0] * self.world
            self.samples_seen += n
            window_n += n
            losses.append((loss * tokens, tokens))  # the window's loss: per token
            self.seconds = time.perf_counter() - start
            if self.step % cfg.log_every == 0:
                now = time.perf_counter()
                self._log({"step": self.step, "loss": float(np.divide(*np.sum(losses, 0))),
                           "lr": self.optim.param_groups[0]["lr"],
                           "samples_per_s": window_n / (now - window_t),
                           "samples_seen": self.samples_seen, "hours": self.seconds / 3600})
                window_t, window_n, losses = now, 0, []
            out_of_time = cfg.max_hours is not None and self.seconds > cfg.max_hours * 3600
            if stop:  # asked to stop: save where it is, without the validation's minute
                self._log({"event": f"stopped by {stop[0]}", "step": self.step})
                self.validate_and_save(validate=False)
                break
            if self.step % cfg.valid_every == 0 or self.step == cfg.steps or out_of_time:
                self.validate_and_save()
            if out_of_time:
                break

    def validate_and_save(self, validate: bool = True) -> None:
        if self.rank != 0:
            return
        valid = None
        if validate:
            self.model.eval()
            valid = evaluate_skeleton_recovery(
                self.model, self.valid, beam_size=self.cfg.valid_beam,
                n_per_table=self.cfg.valid_size, seed=12345,
                max_points=self.cfg.max_points)["overall"]
            self.model.train()
            self._log({"step": self.step, "samples_seen": self.samples_seen,
                       "hours": self.seconds / 3600, "valid": valid})
        self.model.meta["training"] = {
            "steps": self.step, "samples_seen": self.samples_seen,
            "hours": round(self.seconds / 3600, 3), "device": str(self.device),
            "world_size": self.world, "config": asdict(self.cfg), "valid": valid}
        self._save("last", with_optimizer=True)
        if valid is not None and valid["loss"] < self.best_valid:
            self.best_valid = valid["loss"]
            self._save("best")

    def _save(self, name: str, with_optimizer: bool = False) -> None:
        folder = self.out / name
        self.model.save(folder)
        if with_optimizer:
            groups = _save_optimizer(self.optim, folder / OPTIM_FILE)
            state = {"step": self.step, "samples_seen": self.samples_seen,
                     "seconds": self.seconds, "best_valid": self.best_valid, "optimizer": groups}
            (folder / STATE_FILE).write_text(json.dumps(state))

    def _log(self, record: dict) -> None:
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.out / "train_log.jsonl", "a") as fh:
            fh.write(json.dumps(record) + "\n")
        print(json.dumps(record), flush=True)


class MixedPrecision:
    """bf16 autocast around a forward pass (reusable: ``with amp: ...`` at every step).

    On CPUs it also selects PyTorch's plain ("math") attention kernels: for this model's
    short sequences (32 inducing points, a few dozen tokens) they are much faster under bf16
    than the fused flash kernel, whose backward pass took a third of a CPU step (2 cores,
    the same batches: 146 against 90 samples/s)."""

    def __init__(self, device_type: str, enabled: bool):
        self.device_type, self.enabled = device_type, enabled
        self._stack: list[ExitStack] = []

    def __enter__(self):
        stack = ExitStack()
        stack.enter_context(torch.autocast(self.device_type, dtype=torch.bfloat16,
                                           enabled=self.enabled))
        if self.enabled and self.device_type == "cpu":
            stack.enter_context(sdpa_kernel([SDPBackend.MATH]))
        self._stack.append(stack)
        return self

    def __exit__(self, *exc) -> bool:
        return self._stack.pop().__exit__(*exc)


def autocast(device: torch.device, precision: str = "auto") -> MixedPrecision:
    """The mixed-precision context of a training step: bf16 autocast or full precision.

    ``"auto"`` is bf16 on CUDA and fp32 on CPUs; ``"bf16"`` on a CPU pays where it has
    native bf16 instructions (AVX512-BF16, AMX) — see ``benchmarks/train_throughput.py``.
    """
    if precision not in ("auto", "bf16", "fp32"):
        raise ValueError(f"precision must be auto, bf16 or fp32, not {precision!r}")
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    return MixedPrecision(device.type, enabled=precision == "bf16")


def training_step(net: torch.nn.Module, optim: torch.optim.Optimizer, batch, amp,
                  grad_clip: float, tokens_per_batch: float | None = None) -> tuple[float, int]:
    """One optimiser step on ``batch`` (teacher-forced next-token cross-entropy); returns
    the mean loss per token and the number of target tokens.

    The gradient is that of the summed loss over ``tokens_per_batch`` (the mean over the
    batch's own tokens without it), so that every token weighs the same whichever batch it
    is in: batches grouped by skeleton length hold few tokens or many."""
    with amp:
        logits = net(batch.points, batch.point_mask, batch.var_mask, batch.tokens[:, :-1],
                     batch.tokens[:, :-1] == 0)
    target = batch.tokens[:, 1:].flatten()
    total = torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), target,
                                              ignore_index=0, reduction="sum")
    n_tokens = int((target != 0).sum())
    optim.zero_grad(set_to_none=True)
    (total / (tokens_per_batch or n_tokens)).backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
    optim.step()
    return float(total.detach()) / n_tokens, n_tokens


@contextmanager
def _stop_on_signals(enabled: bool):
    """Yields a list that Ctrl-C (SIGINT) or SIGTERM fills with the signal's name, for the
    training loop to stop at the end of its step; the handlers go back in place at once, so
    a second signal acts as usual. Only in the main thread of a single-process run (under
    DDP every rank would have to stop at the same step)."""
    requested: list[str] = []
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handler(signum, frame):
        requested.append(signal.Signals(signum).name)
        signal.signal(signum, previous[signum])

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _mixing_weights(corpora: list[str], weights: list[float]) -> list[float]:
    """``weights``, one per corpus (equal when none are given)."""
    weights = weights or [1.0] * len(corpora)
    if len(weights) != len(corpora):
        raise ValueError("give one weight per corpus")
    return weights


def _pick_device(name: str, local_rank: int) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device(name)


def _save_optimizer(optim: torch.optim.Optimizer, path: Path) -> dict:
    """Tensors of the optimiser state to safetensors; returns the JSON-able rest."""
    from safetensors.torch import save_file

    state = optim.state_dict()
    tensors = {f"{pid}.{key}": value.detach().cpu().contiguous()
               for pid, slots in state["state"].items() for key, value in slots.items()}
    save_file(tensors, str(path))
    return {"param_groups": state["param_groups"]}


def _load_optimizer(path: Path, groups: dict, device) -> dict:
    from safetensors.torch import load_file

    state: dict = {}
    for name, tensor in load_file(str(path)).items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = tensor if key == "step" else tensor.to(device)
    return {"state": state, "param_groups": groups["param_groups"]}


def train(cfg: TrainConfig) -> dict:
    """Train (or resume, or fine-tune) as ``cfg`` says; returns a summary."""
    trainer = Trainer(cfg)
    try:
        return trainer.run()
    finally:
        if trainer.world > 1 and dist.is_initialized():
            dist.destroy_process_group()


def with_replay(corpora: list[str], weights: list[float], init: str | None, share: float,
                folder: str | Path, n: int, *, seed: int = 0,
                exclude: tuple[str, ...] = ()) -> tuple[list[str], list[float]]:
    """``corpora`` and their mixing ``weights`` with the priors ``init`` was trained on
    replayed: a corpus of ``n`` skeletons is drawn afresh from each prior it records
    (``meta.priors``, into ``folder/<prior name>``; an existing one is reused) and those
    corpora get ``share`` of the batches, split as ``init`` was trained (its recorded mixing
    weights; equal where none). Fine-tuning on a new prior alone forgets the old ones (the
    README measures it); replaying them keeps most of what it knew."""
    from .data import generate_corpus

    if init is None:
        raise ValueError("replay needs the model whose priors it replays (--init)")
    if not 0 < share < 1:
        raise ValueError(f"the replayed share must be between 0 and 1, got {share}")
    if not corpora:
        raise ValueError("replay mixes old priors into new corpora: give a corpus or a prior")
    meta = EquationModel.read_meta(init)
    priors = meta.get("priors") or {}
    if not priors:
        raise ValueError(f"model {init!r} records no priors to replay")
    recorded = (meta.get("training") or {}).get("config", {}).get("weights") or []
    old = recorded if len(recorded) == len(priors) else [1.0] * len(priors)
    new = _mixing_weights(corpora, weights)
    replayed = []
    for name, prior in priors.items():
        path = Path(folder) / re.sub(r"[^\w.-]", "_", name)
        generate_corpus(prior, n, path, workers=1, seed=seed, exclude=exclude, progress=True)
        replayed.append(str(path))
    mixed = ([(1 - share) * w / sum(new) for w in new]
             + [share * w / sum(old) for w in old])
    return [*corpora, *replayed], mixed
