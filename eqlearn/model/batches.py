"""Batches for the network: (X, y) samples padded into tensors (:func:`collate`, also how
the decoder reads a user's data) and the endless training stream of :class:`BatchStream`
(samples from :mod:`eqlearn.data.dataset`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data.dataset import SkeletonTable, make_sample
from ..expr.tokens import Vocabulary

__all__ = ["Batch", "BatchStream", "collate"]


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
