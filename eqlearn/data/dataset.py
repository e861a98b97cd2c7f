"""Training batches: skeletons from corpora, constants and points drawn afresh every time.

As in NeSymReS, a corpus stores skeletons only. Each sample draws constants and a support
from the corpus' own prior, evaluates, drops non-finite points, and is skipped when too few
remain. A deterministic slice of every corpus (by fingerprint) is held out for validation.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..expr.evaluate import evaluate
from ..expr.tokens import Vocabulary, from_prefix
from ..prior.config import PriorConfig
from ..prior.support import sample_constants, sample_support
from .generate import corpus_info, read_corpus

__all__ = ["SkeletonTable", "Batch", "BatchStream", "make_sample", "collate"]


def _is_held_out(fingerprint: str, per_mille: int) -> bool:
    return int(hashlib.md5(fingerprint.encode()).hexdigest()[:6], 16) % 1000 < per_mille


@dataclass
class SkeletonTable:
    """The skeletons of one corpus split, as padded token ids, with the corpus' prior."""

    ids: np.ndarray        #: (n, max_len) int16, <bos> tokens <eos> <pad>...
    n_vars: np.ndarray     #: (n,) int8
    prior: PriorConfig
    name: str

    @classmethod
    def from_corpus(cls, folder: str | Path, vocab: Vocabulary, max_len: int, split: str = "train",
                    held_out_per_mille: int = 10, limit: int | None = None) -> "SkeletonTable":
        """Read a corpus; ``split`` is ``"train"``, ``"valid"`` (the held-out slice) or
        ``"all"``."""
        prior = PriorConfig.from_dict(corpus_info(folder)["prior"])
        rows = []
        for text, fp, n_vars in read_corpus(folder, with_fingerprints=True):
            held = _is_held_out(fp, held_out_per_mille)
            if (split == "train" and held) or (split == "valid" and not held):
                continue
            tokens = text.split(" ")
            if len(tokens) + 2 > max_len or not vocab.covers(tokens):
                continue
            rows.append((tokens, n_vars))
            if limit and len(rows) >= limit:
                break
        return cls.from_tokens(rows, prior, vocab, max_len, Path(folder).name)

    @classmethod
    def from_tokens(cls, rows: list[tuple[list[str], int]], prior: PriorConfig,
                    vocab: Vocabulary, max_len: int, name: str = "tokens") -> "SkeletonTable":
        """A table from ``(prefix tokens, n_vars)`` pairs."""
        ids = np.full((len(rows), max_len), vocab.pad_id, dtype=np.int16)
        for i, (tokens, _) in enumerate(rows):
            row = [vocab.bos_id, *vocab.encode(tokens), vocab.eos_id]
            ids[i, : len(row)] = row
        n_vars = np.asarray([n for _, n in rows], dtype=np.int8)
        return cls(ids, n_vars, prior, name)

    def __len__(self) -> int:
        return len(self.ids)

    def tokens(self, i: int, vocab: Vocabulary) -> list[str]:
        return vocab.decode(self.ids[i, 1:])

    def lengths(self, pad_id: int) -> np.ndarray:
        """Tokens per skeleton, <bos> and <eos> included."""
        return (self.ids != pad_id).sum(axis=1)

    def length_cdf(self, pad_id: int, balance: float) -> np.ndarray | None:
        """Cumulative sampling probabilities that weight each skeleton by
        ``count(its length) ** -balance``: 0 keeps skeletons uniform (None), 1 makes every
        length equally likely. Deduplicated corpora hold few short skeletons, so they are seen
        rarely under uniform sampling."""
        if balance == 0:
            return None
        _, inverse, counts = np.unique(self.lengths(pad_id), return_inverse=True,
                                       return_counts=True)
        w = counts[inverse].astype(float) ** -balance
        cdf = np.cumsum(w)
        return cdf / cdf[-1]


def make_sample(tokens: list[str], n_vars: int, prior: PriorConfig, rng: np.random.Generator,
                max_points: int | None, tries: int = 4, min_valid: float = 0.7,
                size: float | None = None):
    """(X, y) for a skeleton with freshly drawn constants and support, or None.

    The number of points is drawn uniformly from the prior's range (capped at
    ``max_points`` unless None), or, with ``size`` in [0, 1), is that quantile of the range."""
    skeleton = from_prefix(tokens)
    lo, hi = (p if max_points is None else min(p, max_points) for p in prior.support.points)
    for _ in range(tries):
        n = int(rng.integers(lo, hi + 1)) if size is None else lo + int(size * (hi - lo + 1))
        X = sample_support(n_vars, rng, prior.support, n_points=n)
        c = sample_constants(skeleton.n_constants(), rng, prior.constants)
        y = evaluate(skeleton, X, c)
        ok = np.isfinite(y) & (np.abs(y) < 1e30)
        if ok.mean() < min_valid or ok.sum() < min(10, n):
            continue
        if np.ptp(y[ok]) > 1e-12 * np.max(np.abs(y[ok])):  # not constant on this support
            return X[ok], y[ok]
    return None


@dataclass
class Batch:
    points: torch.Tensor      #: (B, N, max_vars + 1) float64
    point_mask: torch.Tensor  #: (B, N) bool
    var_mask: torch.Tensor    #: (B, max_vars) bool
    tokens: torch.Tensor      #: (B, T) long, <bos> ... <eos> <pad>

    def to(self, device) -> "Batch":
        return Batch(*(t.to(device) for t in (self.points, self.point_mask, self.var_mask,
                                              self.tokens)))


def collate(samples: list[tuple[np.ndarray, np.ndarray]], max_vars: int,
            token_ids: list[np.ndarray] | None = None, pad_id: int = 0) -> Batch:
    """Pad (X, y) pairs (and token rows) into one :class:`Batch`."""
    B = len(samples)
    N = max(len(y) for _, y in samples)
    points = torch.zeros(B, N, max_vars + 1, dtype=torch.float64)
    point_mask = torch.zeros(B, N, dtype=torch.bool)
    var_mask = torch.zeros(B, max_vars, dtype=torch.bool)
    for i, (X, y) in enumerate(samples):
        d = X.shape[1]
        if d > max_vars:
            raise ValueError(f"{d} variables, the model reads at most {max_vars}")
        points[i, : len(y), :d] = torch.from_numpy(np.asarray(X, dtype=np.float64))
        points[i, : len(y), max_vars] = torch.from_numpy(np.asarray(y, dtype=np.float64))
        point_mask[i, : len(y)] = True
        var_mask[i, :d] = True
    if token_ids is None:
        tokens = torch.full((B, 1), pad_id, dtype=torch.long)
    else:
        T = max(int((row != pad_id).sum()) for row in token_ids)
        tokens = torch.tensor(np.stack([row[:T] for row in token_ids]).astype(np.int64))
    return Batch(points, point_mask, var_mask, tokens)


class BatchStream(torch.utils.data.IterableDataset):
    """Endless batches from weighted corpora; each DataLoader worker / DDP rank gets its own
    random stream (seed, rank, worker). ``length_balance`` (0 to 1) flattens the distribution of
    skeleton lengths within each corpus (:meth:`SkeletonTable.length_cdf`).

    Padding is kept small without changing what a sample is: the samples of a batch share one
    number of points (one quantile of each prior's range, drawn per batch; the encoder costs
    most of a step), and ``pool`` batches' worth of skeletons are drawn at once and grouped by
    length into batches (the decoder's sequences). Each skeleton is still drawn independently
    and each sample's number of points is still uniform over its prior's range."""

    def __init__(self, tables: list[SkeletonTable], weights: list[float], vocab: Vocabulary,
                 batch_size: int, max_vars: int, max_points: int, seed: int = 0, rank: int = 0,
                 length_balance: float = 0.0, pool: int = 8):
        super().__init__()
        if not tables or any(len(t) == 0 for t in tables):
            raise ValueError("every corpus needs at least one skeleton in this split")
        if not 0 <= length_balance <= 1:
            raise ValueError(f"length_balance must lie in [0, 1], got {length_balance}")
        self.tables, self.vocab = tables, vocab
        self.cdfs = [t.length_cdf(vocab.pad_id, length_balance) for t in tables]
        self.lengths = [t.lengths(vocab.pad_id) for t in tables]
        w = np.asarray(weights, dtype=float)
        self.weights = w / w.sum()
        self.batch_size, self.max_vars, self.max_points = batch_size, max_vars, max_points
        self.seed, self.rank, self.pool = seed, rank, max(1, pool)
        self._queue: list[list[tuple[int, int]]] = []

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker = info.id if info is not None else 0
        rng = np.random.default_rng([self.seed, self.rank, worker])
        while True:
            yield self.next_batch(rng)

    def mean_targets(self) -> float:
        """Expected target tokens of a sample (its skeleton's tokens and <eos>)."""
        means = []
        for lengths, cdf in zip(self.lengths, self.cdfs):
            p = np.full(len(lengths), 1 / len(lengths)) if cdf is None else np.diff(cdf, prepend=0)
            means.append(float(p @ (lengths - 1)))
        return float(self.weights @ means)

    def _pick(self, rng: np.random.Generator) -> tuple[int, int]:
        """One skeleton (table, row), drawn by corpus weight and length balance."""
        while True:
            k = int(rng.choice(len(self.tables), p=self.weights))
            cdf = self.cdfs[k]
            if cdf is None:
                i = int(rng.integers(len(self.tables[k])))
            else:
                i = int(np.searchsorted(cdf, rng.random(), side="right"))  # cdf[-1] == 1
            if self.tables[k].n_vars[i] <= self.max_vars:
                return k, i

    def _next_picks(self, rng: np.random.Generator) -> list[tuple[int, int]]:
        if not self._queue:
            picks = [self._pick(rng) for _ in range(self.pool * self.batch_size)]
            picks.sort(key=lambda ki: self.lengths[ki[0]][ki[1]])
            groups = [picks[j:j + self.batch_size] for j in range(0, len(picks), self.batch_size)]
            self._queue = [groups[j] for j in rng.permutation(len(groups))]
        return self._queue.pop()

    def next_batch(self, rng: np.random.Generator) -> Batch:
        picks = self._next_picks(rng)
        size = float(rng.random())  # one number of points for the whole batch
        samples, rows = [], []
        while len(samples) < self.batch_size:
            # a skeleton with no usable sample this time is replaced by a fresh draw
            k, i = picks.pop() if picks else self._pick(rng)
            table = self.tables[k]
            sample = make_sample(table.tokens(i, self.vocab), int(table.n_vars[i]), table.prior,
                                 rng, self.max_points, size=size)
            if sample is not None:
                samples.append(sample)
                rows.append(table.ids[i])
        return collate(samples, self.max_vars, rows, self.vocab.pad_id)
