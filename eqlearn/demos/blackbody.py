"""The flagship: rediscover Planck's law of black-body radiation from measurements.

Data are synthesised in raw SI units (or convenient ones) from Planck's law, optionally
with relative noise; :class:`~eqlearn.EquationRegressor` searches with no knowledge of the
law; then the discovered equation is compared with Planck's (same structure, constants
within 0.1 %), the units of its constants are inferred by dimensional analysis and the
constants are named (``c2 = 0.014388 m K ≈ h*c/k_B``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sympy

from ..physical_constants import identify
from ..data.suites import load_suite
from ..estimator import EquationRegressor
from ..expr.export import to_sympy, variable_symbols
from ..timeout import CallTimeout, call_with_timeout
from ..units import format_units, infer_constant_units

__all__ = ["BlackbodyCase", "make_case", "run_blackbody", "BlackbodyResult", "matches_law"]

H, C_LIGHT, K_B = 6.62607015e-34, 299792458.0, 1.380649e-23


@dataclass(frozen=True)
class BlackbodyCase:
    """One form of the law: its variables, units, data ranges and true constants."""

    form: str
    names: tuple[str, str]
    var_units: tuple[str, str]
    out_units: str
    law: str                  #: the law with symbolic constants c1, c2
    constants: dict[str, float]
    problem_id: str
    unit_factors: tuple[float, float, float] = (1.0, 1.0, 1.0)  #: SI → data units (x1, x2, y)


def make_case(form: str = "wavelength", units: str = "si") -> BlackbodyCase:
    if form == "wavelength":
        case = BlackbodyCase("wavelength", ("lam", "T"), ("m", "K"), "W m^-3",
                             "c1/(lam**5*(exp(c2/(lam*T)) - 1))",
                             {"c1": 2 * np.pi * H * C_LIGHT**2, "c2": H * C_LIGHT / K_B},
                             "planck_wavelength")
        if units == "scaled":  # micrometres, kelvin, W m^-2 per micrometre
            return BlackbodyCase(**{**case.__dict__, "var_units": ("um", "K"),
                                    "out_units": "W m^-2 um^-1",
                                    "unit_factors": (1e6, 1.0, 1e-6)})
        return case
    if form == "frequency":
        case = BlackbodyCase("frequency", ("nu", "T"), ("Hz", "K"), "W m^-2 Hz^-1",
                             "c1*nu**3/(exp(c2*nu/T) - 1)",
                             {"c1": 2 * H / C_LIGHT**2, "c2": H / K_B}, "planck_frequency")
        if units == "scaled":  # terahertz, kelvin, W m^-2 per terahertz
            return BlackbodyCase(**{**case.__dict__, "var_units": ("THz", "K"),
                                    "out_units": "W m^-2 THz^-1",
                                    "unit_factors": (1e-12, 1.0, 1e12)})
        return case
    raise ValueError(f"form must be 'wavelength' or 'frequency', got {form!r}")


def synthesise(case: BlackbodyCase, n_points: int, noise: float, seed: int):
    """(X, y) in the case's units; relative Gaussian noise ``y * (1 + noise * N(0, 1))``."""
    problem = load_suite("blackbody").get(case.problem_id)
    rng = np.random.default_rng(seed)
    X, y = problem.sample(n_points, rng)
    if noise:
        y = y * (1.0 + noise * rng.standard_normal(len(y)))
    fx1, fx2, fy = case.unit_factors
    return X * np.array([fx1, fx2]), y * fy


def _true_constants(case: BlackbodyCase) -> dict[str, float]:
    """The law's constants in the data's units."""
    fx1, fx2, fy = case.unit_factors
    c1, c2 = case.constants["c1"], case.constants["c2"]
    if case.form == "wavelength":  # I = c1 lam^-5 ...: c1 scales like y * x1^5; c2 like x1 x2
        return {"c1": c1 * fy * fx1**5, "c2": c2 * fx1 * fx2}
    return {"c1": c1 * fy / fx1**3, "c2": c2 * fx2 / fx1}


def matches_law(expr, case: BlackbodyCase, rtol: float = 1e-3, timeout: float = 10.0) -> bool:
    """Is ``expr`` Planck's law: each constant within ``rtol`` of a true constant (or its
    inverse) or of a small integer (the law's ``- 1``, an exponent), and sympy proves the
    law with those constants equal to the true ones? Wavelength, frequency and temperature
    are positive, so ``(nu**2)**(3/2)`` is ``nu**3``."""
    truth = _true_constants(case)
    names = list(case.names)
    symbols = {k: sympy.Symbol(k, positive=True) for k in truth}
    targets = [(symbols[k] ** p, v ** p) for k, v in truth.items() for p in (1, -1)]
    targets += [(sympy.Integer(n), float(n)) for n in range(-5, 6) if n]
    variables = {n: sympy.Symbol(n, positive=True) for n in names}
    found = to_sympy(expr, names).xreplace(dict(zip(variable_symbols(names),
                                                    variables.values())))
    replace = {}
    for f in found.atoms(sympy.Float):
        hit = [sym for sym, v in targets if abs(float(f) / v - 1) <= rtol]
        if not hit:
            return False
        replace[f] = hit[0]
    law = sympy.sympify(case.law, locals={**symbols, **variables})

    def proof():
        return sympy.simplify(found.xreplace(replace) - law) == 0

    try:
        return bool(call_with_timeout(proof, timeout=timeout))
    except CallTimeout:
        return False


@dataclass
class ConstantReport:
    value: float
    units: str | None
    name: str | None
    error: float | None

    def __str__(self) -> str:
        unit = f" {self.units}" if self.units else ""
        if self.name is None:
            return f"{self.value:.6g}{unit}: no physical constant matches"
        return f"{self.value:.6g}{unit} ≈ {self.name} (error {100 * self.error:.3g} %)"


@dataclass
class BlackbodyResult:
    case: BlackbodyCase
    regressor: EquationRegressor
    recovered: bool
    seconds: float
    constants: list[ConstantReport] = field(default_factory=list)
    data: tuple = ()


def name_constants(expr, case: BlackbodyCase) -> list[ConstantReport]:
    """Units by dimensional analysis, then the best product of CODATA constants."""
    units = infer_constant_units(expr, list(case.var_units), case.out_units)
    out = []
    for i, c in enumerate(expr.constants()):
        if i not in units:
            out.append(ConstantReport(c.value, None, None, None))
            continue
        dim, to_si = units[i]
        value = c.value * to_si
        matches = identify(value, units=dim, rtol=1e-3)
        best = matches[0] if matches else None
        out.append(ConstantReport(value, format_units(dim), best.expression if best else None,
                                  best.relative_error if best else None))
    return out


def run_blackbody(form: str = "wavelength", *, noise: float = 0.0, points: int = 200,
                  seed: int = 0, units: str = "si", time_budget: float = 60.0,
                  model: str = "default", method: str = "hybrid",
                  verbose: bool = False) -> BlackbodyResult:
    """Synthesise measurements, fit, and check the result against Planck's law."""
    case = make_case(form, units)
    X, y = synthesise(case, points, noise, seed)
    t0 = time.perf_counter()
    reg = EquationRegressor(model=model, method=method, time_budget=time_budget,
                            random_state=seed, verbose=verbose)
    reg.fit(X, y, variable_names=list(case.names))
    seconds = time.perf_counter() - t0
    recovered = matches_law(reg.best_.expr, case)
    return BlackbodyResult(case, reg, recovered, seconds, name_constants(reg.best_.expr, case),
                           (X, y))


def save_figure(result: BlackbodyResult, path: str | Path) -> Path:
    from .blackbody_plot import plot_spectra

    return plot_spectra(result, path)
