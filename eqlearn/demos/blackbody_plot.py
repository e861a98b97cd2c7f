"""The black-body picture: measured spectra, the discovered law, and the classical laws it
replaced (Rayleigh–Jeans, with its ultraviolet catastrophe, and Wien)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..expr.evaluate import evaluate
from ..fit_report import save_figure

__all__ = ["plot_spectra"]

_H, _C, _K = 6.62607015e-34, 299792458.0, 1.380649e-23


def _classical(case, x: np.ndarray, T: float) -> tuple[np.ndarray, np.ndarray]:
    """Rayleigh–Jeans and Wien in the case's data units."""
    fx, _, fy = case.unit_factors
    si = x / fx
    if case.form == "wavelength":
        rj = 2 * np.pi * _C * _K * T / si**4
        wien = 2 * np.pi * _H * _C**2 / si**5 * np.exp(-_H * _C / (si * _K * T))
    else:
        rj = 2 * si**2 * _K * T / _C**2
        wien = 2 * _H * si**3 / _C**2 * np.exp(-_H * si / (_K * T))
    return rj * fy, wien * fy


def plot_spectra(result, path: str | Path, temperatures=None) -> Path:
    """Spectra at several temperatures on log axes; returns the PNG's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    case = result.case
    X, y = result.data
    expr = result.regressor.best_.expr
    lo, hi = X[:, 0].min(), X[:, 0].max()
    x = np.geomspace(lo, hi, 400)
    T_lo, T_hi = X[:, 1].min(), X[:, 1].max()
    temperatures = temperatures or np.geomspace(T_lo, T_hi, 4).round(-2)
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    cmap = plt.get_cmap("plasma")
    colour_of = lambda T: cmap(0.1 + 0.75 * np.log(T / T_lo) / np.log(T_hi / T_lo))  # noqa: E731
    sc = ax.scatter(X[:, 0], y, c=np.log10(X[:, 1]), cmap="plasma", s=8, alpha=0.5,
                    label="measurements (colour: temperature)")
    for i, T in enumerate(temperatures):
        grid = np.column_stack([x, np.full_like(x, T)])
        found = evaluate(expr, grid)
        rj, wien = _classical(case, x, T)
        first = i == 0
        ax.plot(x, found, color=colour_of(T), lw=2.2, label="discovered law" if first else None)
        ax.plot(x, rj, color=colour_of(T), ls=":", lw=1.3, label="Rayleigh–Jeans" if first else None)
        ax.plot(x, wien, color=colour_of(T), ls="--", lw=1.0, label="Wien" if first else None)
        peak = np.nanargmax(found)
        ax.annotate(f"{T:g} K", (x[peak], found[peak]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8, color=colour_of(T))
    ax.set_xscale("log")
    ax.set_yscale("log")
    top = np.nanmax(y)
    ax.set_ylim(top * 1e-8, top * 30)
    xlabel = {"wavelength": "wavelength λ", "frequency": "frequency ν"}[case.form]
    ax.set_xlabel(f"{xlabel} [{case.var_units[0]}]")
    ax.set_ylabel(f"spectral intensity I [{case.out_units}]")
    side = "short wavelengths" if case.form == "wavelength" else "high frequencies"
    ax.set_title(f"Black-body spectra: the discovered law vs. the classical ones "
                 f"(Rayleigh–Jeans diverges at {side})", fontsize=10)
    ax.legend(loc="lower center" if case.form == "wavelength" else "lower left", fontsize=8)
    fig.colorbar(sc, ax=ax, label="log10 T [K]")
    return save_figure(fig, path)
