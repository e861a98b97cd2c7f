"""Showing and saving a fit: a rich table of the Pareto front, CSV/JSON files, a PNG."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["front_table", "recovery_table", "save_results", "plot_fit", "save_figure"]


def save_figure(fig, path: str | Path, dpi: int = 110) -> Path:
    """Write a matplotlib figure (creating folders), close it, return the path."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def front_table(reg, title: str = "Pareto front"):
    """A rich Table of ``reg.equations_`` (the selected row marked)."""
    from rich.table import Table

    table = Table(title=title)
    for col, justify in (("", "left"), ("complexity", "right"), ("loss", "right"),
                         ("R²", "right"), ("source", "left"), ("equation", "left")):
        table.add_column(col, justify=justify)
    for _, row in reg.equations_.iterrows():
        table.add_row("►" if row["selected"] else "", str(row["complexity"]),
                      f"{row['loss']:.3g}", f"{row['r2']:.6f}", row["source"], row["equation"],
                      style="bold" if row["selected"] else None)
    return table


def recovery_table(result: dict, title: str, beam: int, fits: bool = False,
                   rerank: int | None = None):
    """A rich Table of :func:`~eqlearn.evaluation.evaluate_skeleton_recovery`'s figures: a
    row per variable count, per length bucket, and over all."""
    from rich.table import Table

    columns = {"greedy": "beam 1", "beam": f"beam {beam}", "greedy_placeholders": "beam 1 (C)",
               "beam_placeholders": f"beam {beam} (C)"}
    if fits:
        columns.update(target_fit="target fits", greedy_fit="beam 1 fits",
                       beam_fit=f"beam {beam} fits")
    if rerank:
        columns.update(rerank_greedy=f"{rerank} by fit: 1", rerank=f"{rerank} by fit: {beam}")
    table = Table(title=title)
    for col in ("skeletons", "n", "loss", "token acc", *columns.values()):
        table.add_column(col, justify="right")
    rows = [*((f"{k} variables", m) for k, m in result["by_n_vars"].items()),
            *result["by_length"].items(), ("all", result["overall"])]
    for key, m in rows:
        table.add_row(str(key), str(m["n"]), f"{m['loss']:.3f}", f"{m['token_acc']:.3f}",
                      *(f"{m[k]:.1%}" for k in columns))
    return table


def save_results(reg, out: str | Path, extra: dict | None = None) -> list[Path]:
    """``equations.csv`` and ``result.json`` (selected equation, LaTeX, constants, timing)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "equations.csv"
    reg.equations_.drop(columns=["sympy"]).assign(
        sympy=[str(s) for s in reg.equations_["sympy"]]).to_csv(csv, index=False)
    best = reg.best_
    info = {"equation": str(best), "sympy": str(best.sympy()), "latex": best.latex(),
            "complexity": best.complexity, "loss": best.loss, "r2": best.r2,
            "constants": best.constants(), "variables": list(reg.variable_names_),
            "loss_kind": reg.loss_kind_, "fit_seconds": reg.fit_seconds_,
            "n_candidates": reg.n_candidates_, "search": reg.search_stats_,
            "scaling": {"x": list(reg.scaling_.x_scale), "y": reg.scaling_.y_scale},
            **(extra or {})}
    js = out / "result.json"
    js.write_text(json.dumps(info, indent=1, default=float))
    return [csv, js]


def plot_fit(reg, X, y, path: str | Path, target_name: str = "y") -> Path:
    """Data against the selected equation, and the Pareto front, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pred = reg.predict(X)  # X as given to fit (DataFrame or array)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    if X.shape[1] == 1:
        order = np.argsort(X[:, 0])
        ax1.plot(X[:, 0], y, "o", ms=3, alpha=0.6, label="data")
        ax1.plot(X[order, 0], pred[order], "-", lw=2, label="equation")
        ax1.set_xlabel(reg.variable_names_[0])
        ax1.set_ylabel(target_name)
    else:
        lo, hi = np.nanmin([y.min(), pred.min()]), np.nanmax([y.max(), pred.max()])
        ax1.plot(y, pred, "o", ms=3, alpha=0.6, label="data")
        ax1.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = prediction")
        ax1.set_xlabel(f"measured {target_name}")
        ax1.set_ylabel(f"predicted {target_name}")
        if np.all(y > 0) and np.all(pred > 0) and y.max() / y.min() > 1e3:
            ax1.set_xscale("log")
            ax1.set_yscale("log")
    ax1.set_title(_short(str(reg.best_)), fontsize=9)
    ax1.legend()
    eq = reg.equations_
    ax2.step(eq["complexity"], np.maximum(eq["loss"], 1e-30), where="post", color="gray")
    ax2.plot(eq["complexity"], np.maximum(eq["loss"], 1e-30), "o")
    sel = eq[eq["selected"]]
    ax2.plot(sel["complexity"], np.maximum(sel["loss"], 1e-30), "r*", ms=14, label="selected")
    ax2.set_yscale("log")
    ax2.set_xlabel("complexity")
    ax2.set_ylabel(f"loss ({reg.loss_kind_}, normalised)")
    ax2.set_title("Pareto front")
    ax2.legend()
    return save_figure(fig, path)


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
