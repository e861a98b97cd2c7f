"""Reading, showing and saving a fit: the CSV table, a rich table of the Pareto front,
CSV/JSON files, a PNG."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .inputs import describe_columns, non_numeric_columns

__all__ = ["read_table", "units_options", "results_folder", "reduction_notes", "front_table",
           "recovery_table", "save_results", "plot_fit", "save_figure", "constants_lines",
           "constants_records"]


def read_table(path: str | Path, target: str):
    """``(X, y)``: a DataFrame of the other columns and the target's Series, from a CSV file
    with a header row; ``FileNotFoundError`` or ``ValueError`` saying what is wrong with it."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable CSV file: {exc}") from None
    if df.empty:
        raise ValueError(f"{path} has a header but no rows")
    if target not in df.columns:
        raise ValueError(f"no column {target!r} in {path}; columns: "
                         f"{', '.join(map(str, df.columns))}")
    bad = non_numeric_columns(df)
    if bad:
        raise ValueError(f"non-numeric columns in {path}: {describe_columns(bad)}; "
                         "remove them or convert them to numbers")
    if df.shape[1] < 2:
        raise ValueError(f"{path} has only the target column: nothing to explain it with")
    return df.drop(columns=[target]), df[target]


def units_options(text: str, target: str) -> dict:
    """``fit``'s ``X_units`` and ``y_units`` from ``"col=units, …"`` (the target's included),
    as ``eqlearn fit --units`` gives them; none for an empty text."""
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    if not pairs:
        return {}
    if any(len(p) != 2 for p in pairs):
        raise ValueError(f"--units must read 'column=units, ...', got {text!r}")
    given = {name.strip(): unit.strip() for name, unit in pairs}
    if target not in given:
        raise ValueError(f"--units gives no units for the target {target!r}")
    return {"y_units": given.pop(target), "X_units": given}


def results_folder(data: str | Path, root: str | Path = "results") -> Path:
    """Where ``eqlearn fit data.csv`` saves by default: ``results/data/``, or ``results/data-2/``,
    ``-3``, … when that already holds something (a fit never overwrites an earlier one)."""
    stem = Path(data).stem or "fit"
    folder, n = Path(root) / stem, 2
    while folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        folder, n = Path(root) / f"{stem}-{n}", n + 1
    return folder


def reduction_notes(reg, target: str, names=None) -> list[str]:
    """What the search saw: the groups from units (``pi_groups_``) or those read from the
    data (``symmetries_``), one line each."""
    names = list(names or reg.variable_names_)
    notes = []
    if reg.pi_groups_ is not None:  # (the groups may be of differences of the columns)
        scale = reg.pi_groups_.describe(names)[1]
        notes.append(f"dimensional analysis: {target} = {scale} * f("
                     f"{', '.join(reg.search_variables_)})")
    if reg.symmetries_ is not None:
        groups, scale = reg.symmetries_.describe(names)
        notes.append(f"scaling symmetries: the search first saw {target} = {scale} * "
                     f"f({', '.join(groups)})")
    return notes


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


def constants_records(reg) -> list[dict]:
    """The selected equation's constants as printed: name, value, stderr, 95 % interval."""
    table = reg.constants_
    return [{"name": name, **{k: float(v) for k, v in row.items()}}
            for name, row in table.iterrows()]


def constants_lines(reg) -> list[str]:
    """``c1 = 212.7 ± 6.9  (95 %: 197.3 … 228.1)`` per constant of the selected equation,
    then the noise or χ², and the readings set aside as outliers."""
    from .equation import format_uncertain

    lines = [f"  {r['name']} = {format_uncertain(r['value'], r['stderr'])}  "
             f"(95 %: {r['ci_low']:.4g} … {r['ci_high']:.4g})" for r in constants_records(reg)]
    if np.isfinite(reg.reduced_chi2_):
        lines.append(f"  χ² = {reg.chi2_:.4g}, χ²/(n − k) = {reg.reduced_chi2_:.3g}")
    elif np.isfinite(reg.noise_):
        lines.append(f"  residual standard deviation {reg.noise_:.4g}; chosen by "
                     f"{reg.selection_rule_}")
    if len(reg.outliers_):
        lines.append(f"  {len(reg.outliers_)} readings set aside as outliers: rows "
                     + ", ".join(str(int(i)) for i in reg.outliers_[:20])
                     + (" …" if len(reg.outliers_) > 20 else ""))
    return lines


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
            "constants": constants_records(reg), "variables": list(reg.variable_names_),
            "residual_std": reg.noise_, "chi2": reg.chi2_, "reduced_chi2": reg.reduced_chi2_,
            "selection_rule": reg.selection_rule_,
            "outliers": [int(i) for i in reg.outliers_],
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
