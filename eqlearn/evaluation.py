"""How well a model recovers held-out skeletons (validation during training, and the model
card figures): teacher-forced loss and token accuracy, and skeleton match under greedy and
beam decoding, per number of variables.

A predicted skeleton *matches* when its canonical form computes the same function family
as the target's: equal fingerprints (evaluation on fixed points with fixed constants),
which covers exact token equality and equivalent rewritings. With ``fit_r2`` the figures
also say how often a proposal *fits* the data: its constants fitted on every other point,
R² on the points in between (an "accuracy solution", as in the benchmarks), which counts
skeletons the data cannot tell from the target. With ``rerank`` a wider beam is ordered by
that held-out R² (:func:`rerank_by_fit`) before its first proposals are compared: the network
and the constant fitting together, as a fit uses them.

:func:`benchmark_recall` asks the same of benchmark laws (Feynman, Nguyen, …), which the
corpora exclude: is the law's skeleton among the model's proposals? Nothing is fitted and no
clock is read, so two checkpoints compare fairly whatever the machine's load.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch

from .data.dataset import SkeletonTable, make_sample
from .model.batches import collate
from .data.exclusion import coefficients_as_placeholders
from .data.fingerprint import Fingerprinter
from .expr.simplify import canonical_skeleton
from .data.suites import Problem
from .expr.evaluate import evaluate, r2
from .expr.export import from_sympy
from .expr.tokens import TokenError, from_prefix
from .expr.tree import PLACEHOLDER, Node
from .model.model import EquationModel
from .search.constant_fit import fit_constants
from .search.decode import Hypothesis, BeamDecoder, torch_threads
from .search.neural import propose_skeletons
from .search.scaling import Scaling

__all__ = ["evaluate_skeleton_recovery", "held_out_r2", "rerank_by_fit", "law_fingerprints",
           "benchmark_recall", "LENGTH_BUCKETS", "RECALL_SETTINGS"]

#: decoding settings of :func:`benchmark_recall`: name → (beam width, samples); the last one
#: is what :class:`~eqlearn.EquationRegressor` decodes by default
RECALL_SETTINGS = {"beam 1": (1, 0), "beam 10": (10, 0), "beam 16 + 256 samples": (16, 256)}


#: skeleton lengths (prefix tokens) the held-out figures are also broken down by
LENGTH_BUCKETS = {"1-5 tokens": 5, "6-9 tokens": 9, "10-14 tokens": 14, "15-22 tokens": 22,
                  "23+ tokens": 10**9}


def _length_bucket(n_tokens: int) -> str:
    return next(name for name, top in LENGTH_BUCKETS.items() if n_tokens <= top)


def _fingerprint(tokens, fp: Fingerprinter, placeholders: bool = False) -> str | None:
    """Fingerprint of the canonical skeleton (with ``placeholders``, of the skeleton with
    every coefficient a placeholder, exponents kept)."""
    try:
        tree = from_prefix(list(tokens))
        if placeholders:
            tree = coefficients_as_placeholders(tree)
        return fp(canonical_skeleton(tree)).fingerprint
    except (TokenError, ValueError):
        return None


def held_out_r2(tokens, X: np.ndarray, y: np.ndarray, seconds: float = 0.25) -> float:
    """R² of a skeleton whose constants are fitted on the even-numbered points, measured on
    the odd-numbered ones (``-inf`` where it cannot be evaluated there)."""
    try:
        skeleton = from_prefix(list(tokens))
        fit = fit_constants(skeleton, X[::2], y[::2], n_restarts=2, time_limit=seconds)
        return r2(y[1::2], evaluate(skeleton, X[1::2], fit.constants))
    except (TokenError, ValueError):
        return -np.inf


@torch.no_grad()
def evaluate_skeleton_recovery(model: EquationModel, tables: list[SkeletonTable], *,
                               beam_size: int = 10, n_per_table: int = 1000, seed: int = 0,
                               max_points: int | None = None, batch_size: int = 32,
                               fit_r2: float | None = None, rerank: int | None = None,
                               progress=None) -> dict:
    """Metrics over up to ``n_per_table`` skeletons of each table (fresh constants/points,
    as many points as each table's prior draws, at most ``max_points`` unless None).

    Returns ``{"overall": {...}, "by_n_vars": {k: {...}}, "by_length": {bucket: {...}}}``
    (buckets of :data:`LENGTH_BUCKETS`, the target's prefix tokens) with ``loss``, ``token_acc``,
    ``greedy`` (match by greedy decoding, i.e. beam 1), ``beam`` (match anywhere in a beam of
    ``beam_size``), ``beam_exact`` (the target's very tokens in that beam), ``greedy_placeholders``
    and ``beam_placeholders`` (the same matches with every coefficient of both skeletons a
    placeholder, exponents kept: ``4*exp(x1*x2)`` and ``C*exp(x1*x2)`` match, as a skeleton
    with constants as placeholders has it), ``n``. With
    ``fit_r2`` (e.g. 0.999) also ``greedy_fit`` and ``beam_fit`` (a proposal reaches that
    :func:`held_out_r2`) and ``target_fit`` (the target itself does: what the fit allows).
    With ``rerank`` (e.g. 100) also ``rerank_greedy`` and ``rerank``: a beam of ``rerank``
    skeletons ordered by :func:`rerank_by_fit`, then the match of its first and of its first
    ``beam_size`` (the network's proposals after constant fitting, as a fit would rank them).
    """
    model.eval()
    decoder = BeamDecoder(model)
    fp = Fingerprinter()
    rows = _held_out_rows(model, tables, n_per_table, np.random.default_rng(seed), max_points)
    stats: dict = defaultdict(lambda: defaultdict(float))
    device = next(model.parameters()).device
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        batch = collate([(X, y) for _, X, y, _, _ in chunk], model.config.max_vars,
                        [ids for *_, ids, _ in chunk], model.vocab.pad_id).to(device)
        logits = model(batch.points, batch.point_mask, batch.var_mask, batch.tokens[:, :-1],
                       batch.tokens[:, :-1] == 0)
        target = batch.tokens[:, 1:]
        mask = target != 0
        nll = torch.nn.functional.cross_entropy(logits.flatten(0, 1), target.flatten(),
                                                reduction="none").view_as(target)
        correct = (logits.argmax(-1) == target) & mask
        for j, (k, X, y, _, tokens) in enumerate(chunk):
            memory = model.encode(batch.points[j:j + 1], batch.point_mask[j:j + 1],
                                  batch.var_mask[j:j + 1])
            sample = {"n": 1, "loss": float((nll[j] * mask[j]).sum() / mask[j].sum()),
                      "token_acc": float(correct[j].sum() / mask[j].sum()),
                      **_decoding_figures(decoder, memory, X, y, tokens, fp, beam_size,
                                          fit_r2, rerank)}
            for key in ("all", k, _length_bucket(len(tokens))):
                for name, value in sample.items():
                    stats[key][name] += value
        if progress is not None:
            progress(len(chunk))
    summary = {key: {m: (v / s["n"] if m != "n" else int(v)) for m, v in s.items()}
               for key, s in stats.items()}
    overall = summary.pop("all", {"n": 0, "loss": float("nan")})
    by_length = {b: summary.pop(b) for b in LENGTH_BUCKETS if b in summary}
    return {"overall": overall, "by_n_vars": dict(sorted(summary.items())),
            "by_length": by_length}


def _held_out_rows(model, tables, n_per_table, rng, max_points) -> list[tuple]:
    """(n_vars, X, y, token ids, tokens) of the tables' first skeletons that give a sample."""
    rows = []
    for table in tables:
        for i in range(min(n_per_table, len(table))):
            tokens = table.tokens(i, model.vocab)
            sample = make_sample(tokens, int(table.n_vars[i]), table.prior, rng, max_points)
            if sample is not None and table.n_vars[i] <= model.config.max_vars:
                rows.append((int(table.n_vars[i]), *sample, table.ids[i], tokens))
    return rows


def _decoding_figures(decoder: BeamDecoder, memory, X, y, tokens, fp: Fingerprinter,
                      beam_size: int, fit_r2: float | None, rerank: int | None) -> dict:
    """The match (and fit) figures of one held-out sample."""
    with torch_threads(1):
        greedy = decoder.beam_search(X, y, beam_size=1, memory=memory)
        hyps = decoder.beam_search(X, y, beam_size=beam_size, memory=memory)
        wide = decoder.beam_search(X, y, beam_size=rerank, memory=memory) if rerank else []
    out = {**_match_figures(tokens, greedy, hyps, fp),
           "beam_exact": tuple(tokens) in {h.tokens for h in hyps},
           **_match_figures(tokens, greedy, hyps, fp, placeholders=True),
           **_fit_figures(tokens, [h.tokens for h in hyps], greedy, X, y, fit_r2)}
    if rerank:
        ranked = rerank_by_fit(wide, X, y)
        found = _match_figures(tokens, ranked[:1], ranked[:beam_size], fp)
        out.update(rerank_greedy=found["greedy"], rerank=found["beam"])
    return out


def rerank_by_fit(hyps: list[Hypothesis], X: np.ndarray, y: np.ndarray,
                  seconds: float = 0.1) -> list[Hypothesis]:
    """``hyps`` ordered by :func:`held_out_r2` (constants fitted within ``seconds``), best
    first; ties and skeletons that cannot be evaluated by log-probability."""
    r2s = [held_out_r2(h.tokens, X, y, seconds) for h in hyps]
    order = sorted(range(len(hyps)), key=lambda i: (
        -r2s[i] if np.isfinite(r2s[i]) else np.inf, -hyps[i].log_prob))
    return [hyps[i] for i in order]


def _fit_figures(target, proposals, greedy, X, y, threshold) -> dict:
    if threshold is None:
        return {}
    r2 = {tuple(p): held_out_r2(p, X, y) for p in proposals}
    if greedy and greedy[0].tokens not in r2:
        r2[greedy[0].tokens] = held_out_r2(greedy[0].tokens, X, y)
    return {"target_fit": held_out_r2(target, X, y) >= threshold,
            "greedy_fit": bool(greedy) and r2[greedy[0].tokens] >= threshold,
            "beam_fit": max((r2[tuple(p)] for p in proposals), default=-np.inf) >= threshold}


def _match_figures(target, greedy, hyps, fp: Fingerprinter, placeholders: bool = False) -> dict:
    """``greedy`` and ``beam`` (``greedy_placeholders`` and ``beam_placeholders`` with
    ``placeholders``): does the greedy proposal, does any of the beam, match the target (a
    target without a fingerprint matches nothing)?"""
    suffix = "_placeholders" if placeholders else ""
    target_fp = _fingerprint(target, fp, placeholders)
    found = [_fingerprint(h.tokens, fp, placeholders) for h in hyps]
    return {f"greedy{suffix}": bool(greedy) and target_fp is not None and
            _fingerprint(greedy[0].tokens, fp, placeholders) == target_fp,
            f"beam{suffix}": target_fp is not None and target_fp in found}


def law_fingerprints(problem: Problem, scaling: Scaling, fp: Fingerprinter) -> set[str]:
    """Fingerprints of a benchmark law's skeleton S in the rescaled variables the model reads
    (``scaling``, as :class:`~eqlearn.EquationRegressor` rescales): S with its integers kept
    and with every coefficient a placeholder, each also as ``C*S``, ``S + C``, ``C*S + C``."""
    law = scaling.to_scaled(from_sympy(problem.sympy(), list(problem.variables)))
    out = set()
    for form in (law, coefficients_as_placeholders(law)):
        scaled = Node("mul", (PLACEHOLDER, form))
        for variant in (form, scaled, Node("add", (form, PLACEHOLDER)),
                        Node("add", (scaled, PLACEHOLDER))):
            result = fp(canonical_skeleton(variant))
            if result.fingerprint is not None:
                out.add(result.fingerprint)
    return out


def benchmark_recall(model: EquationModel, problem: Problem, *, points: int = 200,
                     seed: int = 0, fp: Fingerprinter | None = None) -> dict:
    """For each of :data:`RECALL_SETTINGS`, the rank of the first proposal (canonical,
    duplicates merged, most probable first) that is the law's skeleton, or None; the
    problem's data are ``problem.sample(points, rng=seed)``."""
    fp = fp or Fingerprinter()
    X, y = problem.sample(points, rng=seed)
    scaling = Scaling.fit(X, y)
    Xs, ys = scaling.transform(X, y)
    targets = law_fingerprints(problem, scaling, fp)
    row = {"problem": problem.id, "n_vars": problem.n_vars}
    for name, (beam, samples) in RECALL_SETTINGS.items():
        proposals = propose_skeletons(model, Xs, ys, beam_size=beam, n_samples=samples,
                                      rng=np.random.default_rng(seed))
        ranks = [i + 1 for i, (skeleton, _) in enumerate(proposals)
                 if fp(skeleton).fingerprint in targets]
        row[name] = ranks[0] if ranks else None
    return row
