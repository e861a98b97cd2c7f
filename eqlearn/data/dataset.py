"""Training samples: skeletons from corpora, constants and points drawn afresh every time.

As in NeSymReS, a corpus stores skeletons only. Each sample draws constants and a support
from the corpus' own prior, evaluates, drops non-finite points, and is skipped when too few
remain. A deterministic slice of every corpus (by fingerprint) is held out for validation.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..expr.evaluate import evaluate
from ..expr.tokens import Vocabulary, from_prefix
from ..prior.config import PriorConfig
from ..prior.support import sample_constants, sample_support
from .generate import corpus_info, read_corpus

__all__ = ["SkeletonTable", "make_sample"]


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
