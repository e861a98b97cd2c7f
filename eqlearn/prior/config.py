"""The user-defined prior over equations: typed configuration, loaded from TOML presets.

A prior says which equations are likely: operators and their weights, how many variables
and operators, which exponents and integers occur, how constant placeholders are attached,
and how the data points (the *support*) and the constants are drawn at training time.
"""
from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from ..expr.operators import OPERATORS

__all__ = [
    "PriorConfig", "TreeConfig", "LeafConfig", "ConstantConfig", "SupportConfig", "Macro",
    "TemplateConfig",
    "load_prior", "list_presets",
]


@dataclass(frozen=True)
class TreeConfig:
    """Size of sampled trees."""

    min_ops: int = 1          #: fewest operators per equation
    max_ops: int = 8          #: most operators per equation (macros count as one)
    max_length: int = 40      #: longest canonical skeleton, in prefix tokens
    max_vars: int = 3         #: most input variables per equation
    var_weights: tuple[float, ...] = ()  #: weights of 1..max_vars variables (uniform if empty)


@dataclass(frozen=True)
class LeafConfig:
    """What the leaves of a sampled tree are."""

    variable: float = 0.8     #: relative weight of a variable leaf
    integer: float = 0.1      #: relative weight of an integer leaf
    constant: float = 0.1     #: relative weight of a constant placeholder leaf
    integers: tuple[int, ...] = (1, 2, 3, 4, 5)  #: integer leaves, drawn uniformly


@dataclass(frozen=True)
class ConstantConfig:
    """How placeholders are attached (NeSymReS style) and how their values are drawn."""

    multiplicative: float = 0.3   #: chance of ``C*u`` at each attachment point
    additive: float = 0.2         #: chance of ``u + C`` at each attachment point
    attach_to: tuple[str, ...] = ("root", "unary")  #: attachment points: root, unary, variables
    magnitude: tuple[float, float] = (0.1, 10.0)    #: |value| drawn log-uniformly in this range
    negative: float = 0.3         #: chance of a negative value


@dataclass(frozen=True)
class SupportConfig:
    """How the data points of an equation are drawn at training time."""

    points: tuple[int, int] = (10, 500)         #: points per equation, uniform in range
    loguniform: float = 0.5                      #: chance a variable is log-uniform (else uniform)
    uniform_bounds: tuple[float, float] = (-10.0, 10.0)  #: uniform ranges lie inside this
    uniform_min_width: float = 1.0
    log_low: tuple[float, float] = (-2.0, 1.0)  #: log10 of the lower end, uniform in range
    log_decades: tuple[float, float] = (0.5, 3.0)  #: decades spanned, uniform in range


@dataclass(frozen=True)
class TemplateConfig:
    """Structured forms (see :mod:`eqlearn.prior.templates`), e.g. ``"C*M*F(C*M)"``."""

    share: float = 0.0        #: fraction of equations drawn from templates
    forms: dict[str, float] = field(default_factory=dict)  #: template formula → weight
    exponents: dict[str, float] = field(
        default_factory=lambda: {"1": 4.0, "-1": 4.0, "2": 1.0, "-2": 1.0})  #: in monomials
    functions: dict[str, float] = field(default_factory=dict)  #: F choices (empty: all unary)
    include: float = 0.6      #: chance each variable enters a monomial


@dataclass(frozen=True)
class Macro:
    """A composite operator sampled as one and expanded into base operators, e.g.
    ``bose = 1/(exp(u) - 1)``. The body uses ``u`` (and ``v`` for a binary macro)."""

    body: str
    weight: float


@dataclass(frozen=True)
class PriorConfig:
    """The whole prior. Build one with :func:`load_prior` or directly.

    Examples
    --------
    >>> prior = load_prior("physics")
    >>> prior.tree.max_vars
    3
    """

    name: str = "custom"
    description: str = ""
    operators: dict[str, float] = field(default_factory=lambda: {"add": 1.0, "mul": 1.0})
    exponents: dict[str, float] = field(default_factory=lambda: {"2": 1.0, "-1": 1.0})
    macros: dict[str, Macro] = field(default_factory=dict)
    tree: TreeConfig = field(default_factory=TreeConfig)
    leaves: LeafConfig = field(default_factory=LeafConfig)
    constants: ConstantConfig = field(default_factory=ConstantConfig)
    support: SupportConfig = field(default_factory=SupportConfig)
    templates: TemplateConfig = field(default_factory=TemplateConfig)

    def __post_init__(self):
        for name, weight in self.operators.items():
            if name not in OPERATORS:
                raise ValueError(f"prior {self.name!r}: unknown operator {name!r}")
            if weight < 0:
                raise ValueError(f"prior {self.name!r}: negative weight for {name!r}")
        if not any(OPERATORS[n].arity == 2 and w > 0 for n, w in self.operators.items()):
            raise ValueError(f"prior {self.name!r}: needs at least one binary operator")
        for exponent in (*self.exponents, *self.templates.exponents):
            Fraction(exponent)  # raises on a malformed exponent
        if self.templates.share > 0 and not self.templates.forms:
            raise ValueError(f"prior {self.name!r}: templates.share > 0 needs templates.forms")
        t = self.tree
        if not (0 <= t.min_ops <= t.max_ops) or t.max_vars < 1 or t.max_length < 3:
            raise ValueError(f"prior {self.name!r}: inconsistent tree sizes {t}")
        if t.var_weights and len(t.var_weights) != t.max_vars:
            raise ValueError("tree.var_weights needs one weight per number of variables")
        lo, hi = self.support.points
        if not (1 <= lo <= hi):
            raise ValueError(f"support.points must satisfy 1 <= lo <= hi, got {lo, hi}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PriorConfig":
        data = dict(data)
        sections = {"tree": TreeConfig, "leaves": LeafConfig, "constants": ConstantConfig,
                    "support": SupportConfig, "templates": TemplateConfig}
        for key, kind in sections.items():
            if key in data:
                data[key] = _build(kind, data[key], key)
        if "macros" in data:
            data["macros"] = {k: Macro(**v) for k, v in data["macros"].items()}
        if "exponents" in data:
            data["exponents"] = {str(Fraction(str(k))): float(v)
                                 for k, v in data["exponents"].items()}
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown prior settings: {sorted(unknown)}")
        return cls(**data)


def _build(kind, values: dict[str, Any], section: str):
    known = {f.name for f in fields(kind)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown settings in [{section}]: {sorted(unknown)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return kind(**values)


def list_presets() -> list[str]:
    folder = resources.files("eqlearn.prior") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_prior(name_or_path: str | Path | PriorConfig | dict) -> PriorConfig:
    """A prior from a preset name (``"default"``, ``"polynomial"``, ``"physics"``), a TOML
    file path, a dict, or a :class:`PriorConfig` (returned as is)."""
    if isinstance(name_or_path, PriorConfig):
        return name_or_path
    if isinstance(name_or_path, dict):
        return PriorConfig.from_dict(name_or_path)
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text = path.read_text()
    else:
        preset = resources.files("eqlearn.prior") / "presets" / f"{name_or_path}.toml"
        if not preset.is_file():
            raise ValueError(f"unknown prior {str(name_or_path)!r}: not a file, and not one "
                             f"of the presets {list_presets()}")
        text = preset.read_text()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"prior {str(name_or_path)!r} is not valid TOML: {exc}") from None
    return PriorConfig.from_dict(data)
