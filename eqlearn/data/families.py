"""Random instances of law families that textbooks are full of and searches find by chance:
sums of exponentials, sums of inverse powers, and equations of state with two competing
terms. Each instance is a :class:`~eqlearn.data.suites.Problem` with its own constants and
ranges, so a benchmark measures a mechanism, not one lucky law.

The bundled suite ``families`` (``eqlearn/data/suites/families.json``) is
``family_suite(per_family=10, seed=0)``, written by ``scripts/build_families.py``.

No torch here: numpy only.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .suites import Problem, Suite

__all__ = ["FAMILIES", "family_problems", "family_suite"]


def _g(x: float) -> str:
    return f"{x:.4g}"


Instance = tuple[str, tuple[tuple[float, float], ...]]  # formula, sampling ranges


def _exponential_sum(rng: np.random.Generator) -> Instance:
    """Two-compartment elimination, a Bateman chain or a rise to a plateau, over ~5 slow
    decay times."""
    slow = float(np.exp(rng.uniform(np.log(0.05), np.log(0.5))))
    fast = slow * float(rng.uniform(3, 12))
    a, b = (float(v) for v in rng.uniform(0.5, 5, 2))
    kind = int(rng.integers(3))
    if kind == 0:
        formula = f"{_g(a)}*exp(-{_g(fast)}*t) + {_g(b)}*exp(-{_g(slow)}*t)"
    elif kind == 1:
        formula = f"{_g(a)}*(exp(-{_g(slow)}*t) - exp(-{_g(fast)}*t))"
    else:
        formula = f"{_g(a)} - {_g(b)}*exp(-{_g(slow)}*t)"
    return formula, ((0.0, float(5 / slow)),)


def _inverse_powers(rng: np.random.Generator) -> Instance:
    """``a/r^n − b/r^m`` (Mie), n from 7 to 12, m from 1 to n − 3, over the well and its tail:
    from just inside the zero crossing to 3 times it."""
    n = int(rng.integers(7, 13))
    m = int(rng.integers(1, n - 2))
    a, b = (float(v) for v in rng.uniform(0.5, 4, 2))
    zero = (a / b) ** (1 / (n - m))
    return f"{_g(a)}/r**{n} - {_g(b)}/r**{m}", ((0.9 * zero, 3 * zero),)


def _equation_of_state(rng: np.random.Generator) -> Instance:
    """Van der Waals, Berthelot or Redlich–Kwong in (n, T, V): a repulsive ``c·n·T/(V −
    n·b)`` and an attraction 20 to 60 % of it at the ranges' middle."""
    c, b = float(rng.uniform(0.5, 10)), float(rng.uniform(0.02, 0.1))
    share = float(rng.uniform(0.2, 0.6))
    n0, T0, V0 = 1.25, 400.0, 2.75
    repulsion = c * n0 * T0 / (V0 - n0 * b)
    kind = int(rng.integers(3))
    if kind == 0:
        a = share * repulsion * V0 ** 2 / n0 ** 2
        attraction = f"{_g(a)}*n**2/V**2"
    elif kind == 1:
        a = share * repulsion * T0 * V0 ** 2 / n0 ** 2
        attraction = f"{_g(a)}*n**2/(T*V**2)"
    else:
        a = share * repulsion * np.sqrt(T0) * V0 * (V0 + n0 * b) / n0 ** 2
        attraction = f"{_g(a)}*n**2/(sqrt(T)*V*(V + {_g(b)}*n))"
    return (f"{_g(c)}*n*T/(V - {_g(b)}*n) - {attraction}",
            ((0.5, 2.0), (200.0, 600.0), (0.5, 5.0)))


#: family → (instance generator, variables)
FAMILIES: dict[str, tuple[Callable[[np.random.Generator], Instance], tuple[str, ...]]] = {
    "exponential-sums": (_exponential_sum, ("t",)),
    "inverse-powers": (_inverse_powers, ("r",)),
    "equations-of-state": (_equation_of_state, ("n", "T", "V")),
}


def family_problems(family: str, count: int, seed: int = 0, n_points: int = 200) -> list[Problem]:
    """``count`` random instances of ``family`` (one of :data:`FAMILIES`), the same for the
    same ``seed``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}: one of {sorted(FAMILIES)}")
    make, variables = FAMILIES[family]
    rng = np.random.default_rng([seed, sorted(FAMILIES).index(family)])
    out = []
    for i in range(count):
        formula, ranges = make(rng)
        out.append(Problem(id=f"{family}-{i + 1}", formula=formula, variables=variables,
                           ranges=ranges, sampling=("uniform",) * len(variables),
                           n_points=n_points, output="y",
                           tags={"n_vars": len(variables), "family": family}))
    return out


def family_suite(per_family: int = 10, seed: int = 0) -> Suite:
    """Every family's ``per_family`` instances as one suite."""
    problems = [p for f in FAMILIES for p in family_problems(f, per_family, seed)]
    return Suite("families", f"Random instances of hard law families ({per_family} per "
                 f"family, seed {seed}; eqlearn.data.families)", tuple(problems))
