"""Skeleton corpora: ``eqlearn generate`` writes shards of unique canonical skeletons.

Work is cut into chunks; chunk ``i`` is drawn with the seed ``(seed, i)`` and chunks are
merged in order, so a corpus is the same for a given seed whatever the number of workers or
the executor (processes on this machine, or tasks on a Dask cluster: ``executor="dask"``),
and an interrupted run resumes from its manifest to the same result.

Each raw skeleton from the prior is canonicalised (rule-based, :mod:`eqlearn.expr.simplify`),
checked (vocabulary, length, not degenerate on the fingerprint points), fingerprinted, and
kept only if neither its fingerprint nor its tokens were seen before or belong to an
excluded benchmark equation.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import threading
import time
import uuid
from collections import Counter, deque
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from ..cluster import check_executor, dask_client
from ..expr.simplify import canonical_skeleton
from ..expr.tokens import Vocabulary, to_prefix
from ..prior.config import PriorConfig, load_prior
from ..prior.sampler import SkeletonSampler
from ..progress import progress_bar
from .fingerprint import Fingerprinter

__all__ = ["generate_corpus", "read_corpus", "CorpusStats"]

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class CorpusStats:
    """What a generation run did."""

    written: int = 0
    drawn: int = 0
    seconds: float = 0.0
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.written / self.seconds if self.seconds else 0.0


# -- worker side -----------------------------------------------------------------------------
_WORKER: dict = {}
_THREAD = threading.local()  # a Dask worker's threads: one sampler each


def _worker_state(prior_dict: dict, seed: int, chunk_size: int) -> dict:
    prior = PriorConfig.from_dict(prior_dict)
    return dict(sampler=SkeletonSampler(prior), fingerprint=Fingerprinter(),
                vocab=Vocabulary.build(), max_length=prior.tree.max_length,
                seed=seed, chunk_size=chunk_size)


def _init_worker(prior_dict: dict, seed: int, chunk_size: int) -> None:
    _WORKER.update(_worker_state(prior_dict, seed, chunk_size))


def _dask_chunk(init: tuple, index: int) -> tuple[int, list[tuple[str, str, int]], Counter]:
    """A chunk drawn as a Dask task; the sampler is built once per thread and settings."""
    if getattr(_THREAD, "init", None) != init:
        _THREAD.state, _THREAD.init = _worker_state(*init), init
    return _process_chunk(index, _THREAD.state)


def _process_chunk(index: int,
                   w: dict | None = None) -> tuple[int, list[tuple[str, str, int]], Counter]:
    """Draw one chunk; return (index, [(tokens, fingerprint, n_vars)], rejection counts)."""
    w = _WORKER if w is None else w
    rng = np.random.default_rng([w["seed"], index])
    kept, rejected, seen = [], Counter(), set()
    for _ in range(w["chunk_size"]):
        skeleton = canonical_skeleton(w["sampler"].sample(rng))
        tokens = to_prefix(skeleton)
        if len(tokens) > w["max_length"]:
            rejected["too_long"] += 1
            continue
        if not w["vocab"].covers(tokens):
            rejected["out_of_vocabulary"] += 1
            continue
        text = " ".join(tokens)
        if text in seen:
            rejected["duplicate"] += 1
            continue
        seen.add(text)
        result = w["fingerprint"](skeleton)
        if result.fingerprint is None:
            rejected[result.reason] += 1
            continue
        kept.append((text, result.fingerprint, max(skeleton.variables()) + 1))
    return index, kept, rejected


# -- writer side -----------------------------------------------------------------------------
class _CorpusWriter:
    def __init__(self, out: Path, meta: dict, shard_size: int):
        self.out = out
        self.shard_size = shard_size
        self.meta = meta
        self.buffer: list[tuple[str, str, int]] = []
        self.fingerprints: set[str] = set()
        self.token_set: set[str] = set()
        self.manifest = self._load_or_start()
        self._last_flush = time.perf_counter()

    def _load_or_start(self) -> dict:
        path = self.out / MANIFEST
        if not path.exists():
            self.out.mkdir(parents=True, exist_ok=True)
            return {**self.meta, "format": FORMAT_VERSION, "next_chunk": 0, "written": 0,
                    "shards": [], "rejected": {}, "seconds": 0.0}
        manifest = json.loads(path.read_text())
        for key in ("prior", "seed", "chunk_size", "exclude"):
            if manifest.get(key) != self.meta.get(key):
                raise ValueError(f"{self.out} holds a corpus made with another {key!r}; "
                                 "use a new --out folder")
        for text, fp, _ in read_corpus(self.out, with_fingerprints=True):
            self.fingerprints.add(fp)
            self.token_set.add(text)
        return manifest

    def add(self, items, rejected: Counter, limit: int) -> bool:
        """Keep the new items up to ``limit``; False if the limit cut the chunk short."""
        complete = True
        for text, fp, n_vars in items:
            if self.manifest["written"] + len(self.buffer) >= limit:
                complete = False
                break
            if fp in self.fingerprints or text in self.token_set:
                rejected["duplicate"] += 1
                continue
            self.fingerprints.add(fp)
            self.token_set.add(text)
            self.buffer.append((text, fp, n_vars))
        totals = Counter(self.manifest["rejected"])
        totals.update(rejected)
        self.manifest["rejected"] = dict(totals)
        return complete

    def flush(self, next_chunk: int, force: bool = False) -> None:
        if not self.buffer and not force:
            return
        if len(self.buffer) < self.shard_size and not force:
            return
        if self.buffer:
            name = f"shard_{len(self.manifest['shards']):05d}.tsv"
            tmp = self.out / (name + ".tmp")
            with open(tmp, "w") as fh:
                fh.writelines(f"{n}\t{fp}\t{text}\n" for text, fp, n in self.buffer)
            os.replace(tmp, self.out / name)
            self.manifest["shards"].append(name)
            self.manifest["written"] += len(self.buffer)
            self.buffer = []
        self.manifest["next_chunk"] = next_chunk
        now = time.perf_counter()
        self.manifest["seconds"] += now - self._last_flush
        self._last_flush = now
        tmp = self.out / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=1))
        os.replace(tmp, self.out / MANIFEST)


def generate_corpus(prior: str | PriorConfig, n: int, out: str | Path, *, workers: int = 1,
                    seed: int = 0, exclude: tuple[str, ...] = (), shard_size: int = 100_000,
                    chunk_size: int = 2000, progress: bool = True, executor: str = "local",
                    scheduler: str | None = None) -> CorpusStats:
    """Write ``n`` unique canonical skeletons drawn from ``prior`` into ``out``.

    Parameters
    ----------
    prior : str or PriorConfig
        A preset name, a TOML path, or a config.
    n : int
        Number of unique skeletons wanted (the corpus holds exactly ``n`` when done).
    out : path
        Folder for ``shard_*.tsv`` files (``n_vars<TAB>fingerprint<TAB>prefix tokens``) and
        ``manifest.json``. An existing corpus made with the same settings is resumed.
    workers : int
        Processes drawing chunks in parallel (with ``executor="dask"`` and no ``scheduler``,
        the local cluster's worker processes).
    exclude : tuple of str
        Benchmark suites (e.g. ``("feynman", "nguyen")``) whose equations must not occur.
    executor : str
        ``"local"`` (processes on this machine) or ``"dask"`` (every chunk a task on a Dask
        cluster); the corpus is the same either way.
    scheduler : str, optional
        A Dask scheduler's address (``"dask"`` only); none starts a local cluster.

    Raises
    ------
    ValueError
        For an unknown executor, a scheduler with the local one, or an existing corpus in
        ``out`` made with other settings.
    """
    check_executor(executor, scheduler)
    prior = load_prior(prior)
    writer = _open_writer(prior, Path(out), seed, chunk_size, tuple(sorted(exclude)),
                          shard_size)
    start_chunk = writer.manifest["next_chunk"]
    stats = CorpusStats(written=writer.manifest["written"])
    t0 = time.perf_counter()
    chunks = (_dask_chunks(prior, seed, chunk_size, scheduler, workers, start_chunk)
              if executor == "dask" else _chunks(prior, seed, chunk_size, workers, start_chunk))
    with (progress_bar(progress, n, "skeletons", completed=stats.written) as advance,
          closing(chunks)):  # its workers go when the corpus is complete
        for index, kept, rejected in chunks:
            before = writer.manifest["written"] + len(writer.buffer)
            complete = writer.add(kept, rejected, n)
            stats.drawn += chunk_size
            advance(writer.manifest["written"] + len(writer.buffer) - before)
            done = writer.manifest["written"] + len(writer.buffer) >= n
            # a chunk cut short by the limit is drawn again on resume (its kept part then
            # counts as duplicates), so that a resumed corpus equals an uninterrupted one
            writer.flush(index + 1 if complete else index, force=done)
            if done:
                break
    stats.seconds = time.perf_counter() - t0
    stats.written = writer.manifest["written"]
    stats.rejected = dict(writer.manifest["rejected"])
    return stats


def _open_writer(prior: PriorConfig, out: Path, seed: int, chunk_size: int,
                 exclude: tuple[str, ...], shard_size: int) -> _CorpusWriter:
    """The corpus in ``out``, new or resumed, with the excluded suites' skeletons seen."""
    meta = json.loads(json.dumps({"prior": prior.to_dict(), "seed": seed,
                                  "chunk_size": chunk_size, "exclude": list(exclude)}))
    writer = _CorpusWriter(out, meta, shard_size)
    if exclude:
        from .exclusion import excluded_skeletons

        banned_tokens, banned_fps = excluded_skeletons(exclude, prior.tree.max_vars)
        writer.token_set |= banned_tokens
        writer.fingerprints |= banned_fps
    return writer


def _chunks(prior: PriorConfig, seed: int, chunk_size: int, workers: int,
            start: int) -> Iterator[tuple[int, list, Counter]]:
    init = (prior.to_dict(), seed, chunk_size)
    indices = iter(range(start, 2**62))
    if workers <= 1:
        _init_worker(*init)
        yield from map(_process_chunk, indices)
        return
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker, initargs=init) as pool:
        yield from pool.imap(_process_chunk, indices, chunksize=1)


def _dask_chunks(prior: PriorConfig, seed: int, chunk_size: int, scheduler: str | None,
                 workers: int, start: int) -> Iterator[tuple[int, list, Counter]]:
    """Chunks ``start, start + 1, ...`` drawn as Dask tasks, in order; twice the cluster's
    threads are in flight, so the cluster stays busy while the writer merges."""
    init = (prior.to_dict(), seed, chunk_size)
    with dask_client(scheduler, workers) as client:
        tag = uuid.uuid4().hex[:8]
        pending: deque = deque()
        index = start
        try:
            while True:
                window = max(2, 2 * sum(client.nthreads().values()))  # workers come and go
                while len(pending) < window:
                    pending.append(client.submit(_dask_chunk, init, index, pure=False,
                                                 key=f"eqlearn-chunk-{index}-{tag}",
                                                 retries=2))
                    index += 1
                yield pending.popleft().result()
        finally:
            client.cancel(list(pending))


def read_corpus(folder: str | Path, with_fingerprints: bool = False) -> Iterator:
    """Iterate over a corpus: ``(tokens, n_vars)`` per skeleton, or
    ``(text, fingerprint, n_vars)`` with ``with_fingerprints=True``."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for name in manifest["shards"]:
        with open(folder / name) as fh:
            for line in fh:
                n_vars, fp, text = line.rstrip("\n").split("\t")
                if with_fingerprints:
                    yield text, fp, int(n_vars)
                else:
                    yield text.split(" "), int(n_vars)


def corpus_info(folder: str | Path) -> dict:
    """The manifest of a corpus (prior, seed, counts, rejections, seconds)."""
    return json.loads((Path(folder) / MANIFEST).read_text())


def stats_dict(stats: CorpusStats) -> dict:
    return {**asdict(stats), "per_second": stats.per_second}
