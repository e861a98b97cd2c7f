"""Decoding skeletons from the model: greedy, beam search and sampling.

Only well-formed prefix expressions come out: at every step the tokens are restricted to
those that can still complete an expression within the length limit, ``<eos>`` is allowed
exactly when the expression is complete, and variables beyond the data's columns are masked.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from ..model.batches import collate
from ..expr.operators import OPERATORS
from ..model.decoder import decode_step, start_decoding
from ..model.model import EquationModel

__all__ = ["BeamDecoder", "Hypothesis", "torch_threads"]


@contextmanager
def torch_threads(n: int = 1):
    """Run torch with ``n`` threads inside the block. Decoding works on tiny tensors, where
    thread synchronisation costs more than it saves, and under load (a search or another
    process on the same cores) several threads make each operation ~100x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class Hypothesis:
    tokens: tuple[str, ...]
    log_prob: float


class BeamDecoder:
    """Decoding strategies over a trained :class:`EquationModel`.

    Examples
    --------
    >>> dec = BeamDecoder(EquationModel.load("default"))        # doctest: +SKIP
    >>> dec.beam_search(X, y, beam_size=10)[0].tokens                # doctest: +SKIP
    """

    def __init__(self, model: EquationModel, max_len: int | None = None):
        self.model = model.eval()
        self.vocab = model.vocab
        self.max_len = max_len or model.config.max_len
        arity = []
        for tok in self.vocab.tokens:
            if tok in ("<pad>", "<bos>", "<eos>"):
                arity.append(-1)
            elif tok in OPERATORS:
                arity.append(OPERATORS[tok].arity)
            else:
                arity.append(0)
        self.arity = torch.tensor(arity)
        self.var_index = torch.tensor([int(t[1:]) if t[:1] == "x" and t[1:].isdigit() else 0
                                       for t in self.vocab.tokens])

    @property
    def device(self):
        return next(self.model.parameters()).device

    @torch.no_grad()
    def memory(self, X: np.ndarray, y: np.ndarray) -> torch.Tensor:
        batch = collate([(X, y)], self.model.config.max_vars).to(self.device)
        return self.model.encode(batch.points, batch.point_mask, batch.var_mask)

    def _allowed(self, open_slots: torch.Tensor, length: int, n_vars: int) -> torch.Tensor:
        """(K, V) bool: tokens that keep each of K prefixes completable."""
        arity = self.arity.to(open_slots.device)
        new_open = open_slots[:, None] - 1 + arity[None, :]
        room = self.max_len - 1 - (length + 1)  # positions left after this token, <eos> excluded
        ok = (arity[None, :] >= 0) & (open_slots[:, None] > 0) & (new_open <= room)
        ok &= (self.var_index.to(ok.device) <= n_vars)[None, :]
        eos = open_slots == 0
        ok[:, self.vocab.eos_id] = eos
        return ok

    @torch.no_grad()
    def beam_search(self, X, y, beam_size: int = 10, memory=None,
                    deadline: float | None = None) -> list[Hypothesis]:
        """The ``beam_size`` most probable complete skeletons, best first (those complete
        when ``deadline``, a ``time.perf_counter`` value, passes)."""
        n_vars = np.asarray(X).reshape(len(y), -1).shape[1]
        memory = self.memory(X, y) if memory is None else memory
        dev = memory.device
        state = start_decoding(self.model.decoder, memory)
        last = torch.full((1,), self.vocab.bos_id, device=dev)
        prefixes: list[list[int]] = [[]]
        scores = torch.zeros(1, device=dev)
        open_slots = torch.ones(1, dtype=torch.long, device=dev)
        done: list[Hypothesis] = []
        for length in range(self.max_len - 1):
            if deadline is not None and time.perf_counter() > deadline:
                break
            logp = torch.log_softmax(decode_step(self.model.decoder, last, state).float(), -1)
            logp = logp.masked_fill(~self._allowed(open_slots, length, n_vars), -torch.inf)
            total = (scores[:, None] + logp).flatten()
            k = min(beam_size, int(torch.isfinite(total).sum()))
            if k == 0:
                break
            top = torch.topk(total, k)
            beam, tok = top.indices // logp.shape[1], top.indices % logp.shape[1]
            keep = []
            for b, t, s in zip(beam.tolist(), tok.tolist(), top.values.tolist()):
                if t == self.vocab.eos_id:
                    done.append(Hypothesis(tuple(self.vocab.decode(prefixes[b])), s))
                else:
                    keep.append((b, t, s))
            if not keep:
                break
            if len(done) >= beam_size:  # log-probs only fall: no live beam can still enter
                worst_kept = sorted(h.log_prob for h in done)[-beam_size]
                if max(s for *_, s in keep) < worst_kept:
                    break
            b_idx = torch.tensor([b for b, _, _ in keep], device=dev)
            last = torch.tensor([t for _, t, _ in keep], device=dev)
            prefixes = [prefixes[b] + [t] for b, t, _ in keep]
            scores = torch.tensor([s for *_, s in keep], device=dev)
            open_slots = open_slots[b_idx] - 1 + self.arity.to(dev)[last]
            state = state.select(b_idx)
        return sorted(done, key=lambda h: -h.log_prob)[:beam_size]

    @torch.no_grad()
    def greedy(self, X, y, memory=None) -> Hypothesis | None:
        hyps = self.beam_search(X, y, beam_size=1, memory=memory)
        return hyps[0] if hyps else None

    @torch.no_grad()
    def sample(self, X, y, n: int, temperature: float = 1.0, seed: int = 0,
               memory=None, deadline: float | None = None) -> list[Hypothesis]:
        """``n`` skeletons drawn from the model (duplicates removed, best first; those
        complete when ``deadline`` passes)."""
        n_vars = np.asarray(X).reshape(len(y), -1).shape[1]
        memory = self.memory(X, y) if memory is None else memory
        dev = memory.device
        gen = torch.Generator(device="cpu").manual_seed(seed)
        state = start_decoding(self.model.decoder, memory)
        state = state.select(torch.zeros(n, dtype=torch.long, device=dev))
        last = torch.full((n,), self.vocab.bos_id, device=dev)
        rows = torch.empty((n, 0), dtype=torch.long, device=dev)
        scores = torch.zeros(n, device=dev)
        open_slots = torch.ones(n, dtype=torch.long, device=dev)
        finished = torch.zeros(n, dtype=torch.bool, device=dev)
        for length in range(self.max_len - 1):
            if deadline is not None and time.perf_counter() > deadline:
                break
            logp = torch.log_softmax(decode_step(self.model.decoder, last, state).float(), -1)
            logp = logp.masked_fill(~self._allowed(open_slots, length, n_vars), -torch.inf)
            logp[finished] = 0.0  # finished rows draw a dummy token, masked out below
            probs = torch.softmax(logp / temperature, dim=-1).cpu()
            tok = torch.multinomial(probs, 1, generator=gen).squeeze(1).to(dev)
            tok = torch.where(finished, torch.full_like(tok, self.vocab.pad_id), tok)
            scores += torch.where(finished, 0.0, logp.gather(1, tok[:, None]).squeeze(1))
            finished |= tok == self.vocab.eos_id
            open_slots = torch.where(finished, 0, open_slots - 1 + self.arity.to(dev)[tok])
            rows = torch.cat([rows, tok[:, None]], dim=1)
            last = tok
            if finished.all():
                break
        out: dict[tuple[str, ...], float] = {}
        for row, s, f in zip(rows.tolist(), scores.tolist(), finished.tolist()):
            if f:
                toks = tuple(self.vocab.decode(row))
                out[toks] = max(out.get(toks, -np.inf), s)
        return [Hypothesis(t, s) for t, s in sorted(out.items(), key=lambda kv: -kv[1])]
