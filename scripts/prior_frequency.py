"""How often does a prior produce a given law (any variable naming)? Used for the
issue's "Planck per million" figure:

    python scripts/prior_frequency.py --prior physics --n 1000000 --workers 2 \
        --law "C/(x1**5*(exp(C/(x1*x2)) - 1))"
"""
from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import time

import numpy as np

from eqlearn.data import Fingerprinter
from eqlearn.expr import canonical_skeleton
from eqlearn.expr import parse_expr
from eqlearn.expr.tree import Var
from eqlearn.prior import SkeletonSampler


def _targets(law: str) -> set[str]:
    tree = parse_expr(law)
    n = max(tree.variables()) + 1
    fp = Fingerprinter()
    out = set()
    for perm in itertools.permutations(range(n)):
        renamed = canonical_skeleton(tree.substitute({i: Var(j) for i, j in enumerate(perm)}))
        out.add(fp(renamed).fingerprint)
    return out


def _count(args) -> int:
    prior, law, seed, n = args
    sampler, fp, targets = SkeletonSampler(prior), Fingerprinter(), _targets(law)
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(n):
        skeleton = canonical_skeleton(sampler.sample(rng))
        if skeleton.n_constants() <= 4 and fp(skeleton).fingerprint in targets:
            hits += 1
    return hits


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--prior", default="physics")
    p.add_argument("--law", default="C/(x1**5*(exp(C/(x1*x2)) - 1))")
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chunks", type=int, default=20)
    a = p.parse_args()
    t0 = time.perf_counter()
    jobs = [(a.prior, a.law, [0, i], a.n // a.chunks) for i in range(a.chunks)]
    with mp.get_context("fork").Pool(a.workers) as pool:
        hits = sum(pool.map(_count, jobs))
    total = a.n // a.chunks * a.chunks
    print(f"{a.law} from prior {a.prior!r}: {hits} in {total} draws "
          f"= {hits / total * 1e6:.1f} per million ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
