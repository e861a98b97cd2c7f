"""Benchmark reports: markdown tables and SRBench-style figures from a results folder.

Rates are over attempted runs (ok, error and timeout; a failed run solves nothing); runs of
methods that could not run here (``skipped``) are listed apart. The report states which
commits (with their dirty flag) and machines made the records (their ``provenance``; records
written before it was kept: "unknown (older record)").
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..timeout import CallTimeout
from .metrics import false_discovery, free_constants, parse_model

__all__ = ["load_results", "method_overview", "rates_by", "markdown_table", "write_report"]

ATTEMPTED = ("ok", "error", "timeout")
REPORT_FILE = "report.md"
UNKNOWN_PROVENANCE = "unknown (older record)"  #: a record written without provenance


def load_results(folder: str | Path) -> pd.DataFrame:
    """Every run record under ``folder`` (searched recursively), one row per run."""
    rows = []
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and {"status", "method", "problem"} <= record.keys():
            rows.append({**record, "file": str(path)})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for column in ("symbolic_solution", "accuracy_solution", "acc_tau"):
        if column not in df:
            df[column] = np.nan
    for column in ("r2_test", "fit_time_s", "model_size", "peak_memory_mb"):
        df[column] = pd.to_numeric(df.get(column), errors="coerce")
    return df


def _rate(values: pd.Series) -> float:
    """Share of True among runs; a missing value (failed run) counts as False."""
    return float(values.eq(True).mean()) if len(values) else np.nan  # NaN, None: not True


def _percent(rate: float) -> str:
    return "n/a" if rate is None or not np.isfinite(rate) else f"{100 * rate:.0f}%"


def _number(value: float, digits: int = 3) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def _has_truth(df: pd.DataFrame) -> bool:
    return bool(df["true_model"].notna().any()) if "true_model" in df else False


def method_overview(df: pd.DataFrame) -> pd.DataFrame:
    """Per method: run counts by status, solution rates, medians of R², time, size, memory."""
    attempted = df[df["status"].isin(ATTEMPTED)]
    rows = []
    for method, runs in attempted.groupby("method", sort=True):
        ok = runs[runs["status"] == "ok"]
        has_truth = _has_truth(runs)
        rows.append({
            "method": method, "runs": len(runs), "ok": len(ok),
            "error": int((runs["status"] == "error").sum()),
            "timeout": int((runs["status"] == "timeout").sum()),
            "symbolic": _rate(runs["symbolic_solution"]) if has_truth else np.nan,
            "accuracy": _rate(runs["accuracy_solution"]), "acc_tau": _rate(runs["acc_tau"]),
            "median_r2": ok["r2_test"].median(), "median_time_s": ok["fit_time_s"].median(),
            "median_size": ok["model_size"].median(),
            "median_memory_mb": ok["peak_memory_mb"].median(),
        })
    return pd.DataFrame(rows)


def rates_by(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """Symbolic and accuracy solution rates per (``key`` value, method)."""
    attempted = df[df["status"].isin(ATTEMPTED)]
    rows = []
    for (value, method), runs in attempted.groupby([key, "method"], sort=True):
        rows.append({key: value, "method": method, "runs": len(runs),
                     "symbolic": _rate(runs["symbolic_solution"]) if _has_truth(runs) else np.nan,
                     "accuracy": _rate(runs["accuracy_solution"])})
    return pd.DataFrame(rows)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table (first column left-aligned, the others right)."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    align = ["---"] + ["---:"] * (len(headers) - 1)
    return "\n".join([line(headers), line(align), *(line(r) for r in rows)])


def _overview_section(df: pd.DataFrame) -> str:
    table = method_overview(df)
    headers = ["method", "runs", "ok", "error", "timeout", "symbolic solution",
               "accuracy solution (R² > 0.999)", "acc₀.₀₅ ≥ 95%", "median test R²",
               "median fit time (s)", "median model size", "median peak memory (MB)"]
    rows = [[r.method, r.runs, r.ok, r.error, r.timeout, _percent(r.symbolic),
             _percent(r.accuracy), _percent(r.acc_tau), _number(r.median_r2, 4),
             _number(r.median_time_s), _number(r.median_size), _number(r.median_memory_mb)]
            for r in table.itertuples()]
    return "## Overview\n\n" + markdown_table(headers, rows)


def _pivot_section(df: pd.DataFrame, key: str, title: str) -> str:
    table = rates_by(df, key)
    methods = sorted(table["method"].unique())
    rows = []
    for value, group in table.groupby(key, sort=True):
        cells = {r.method: f"{_percent(r.symbolic)} / {_percent(r.accuracy)}"
                 for r in group.itertuples()}
        rows.append([f"{value:g}" if isinstance(value, float) else value,
                     *(cells.get(m, "–") for m in methods)])
    note = "cells: symbolic solution / accuracy solution rate"
    return f"## {title}\n\n{note}\n\n" + markdown_table([key, *methods], rows)


def _false_discoveries(df: pd.DataFrame) -> pd.Series:
    """Per run with a law: not the law, or more free constants than it (scored from the
    records' model text, so that records of any version are counted alike)."""
    def one(r) -> float:
        if r.get("status") != "ok" or not isinstance(r.get("true_model"), str):
            return np.nan if r.get("status") != "ok" else 1.0
        try:
            names = list(r["variables"])
            k_model = free_constants(parse_model(r["model"], names)) if r.get("model") else None
            k_law = free_constants(parse_model(r["true_model"], names))
        except (ValueError, TypeError, CallTimeout):
            return 1.0
        return float(false_discovery(bool(r.get("symbolic_solution")), k_model, k_law))
    return df.apply(one, axis=1)


def _false_discovery_section(df: pd.DataFrame) -> str:
    """Symbolic solutions and false discoveries by training points and noise, per method."""
    runs = df[df["status"].isin(ATTEMPTED) & df["true_model"].notna()].copy() \
        if "true_model" in df else df.iloc[:0]
    if runs.empty or not (runs["noise"] > 0).any():
        return ""
    runs["fd"] = _false_discoveries(runs)
    methods = sorted(runs["method"].unique())
    rows = []
    for (points, noise), group in runs.groupby(["n_train", "noise"], sort=True):
        cells = []
        for m in methods:
            g = group[group["method"] == m]
            cells.append(f"{_percent(_rate(g['symbolic_solution']))} / "
                         f"{_percent(float(g['fd'].fillna(1).mean()))}" if len(g) else "–")
        rows.append([int(points), f"{noise:g}", *cells])
    note = ("cells: symbolic solution / false-discovery rate (the chosen equation is not the "
            "law, or has more free constants than it: floats that are not small rationals)")
    return "## False discoveries\n\n" + note + "\n\n" + markdown_table(
        ["training points", "noise", *methods], rows)


def _real_section(df: pd.DataFrame) -> str:
    """Real measurements: accepted form, constants and cross-validated error per data set."""
    if "accepted_form" not in df:
        return ""
    runs = df[df["status"].isin(ATTEMPTED) & df["accepted_model"].notna()]
    if runs.empty:
        return ""
    methods = sorted(runs["method"].unique())
    summary = []
    for m in methods:
        g = runs[runs["method"] == m]
        ok = g[g["status"] == "ok"]
        k = pd.to_numeric(ok["n_constants"], errors="coerce")
        honest = ok[k <= ok["n_rows"] / 2]  # more: a warm-started refit remembers the fold
        summary.append([m, len(g), _percent(_rate(g["accepted_form"])),
                        int(ok["interpolates"].fillna(False).astype(bool).sum()),
                        int((k > ok["n_rows"] / 2).sum()),
                        _number(pd.to_numeric(honest["cv_ratio"], errors="coerce").median()),
                        _number(k.median())])
    rows = []
    for problem, g in runs.groupby("problem", sort=True):
        first = g.iloc[0]
        cells = {r.method: (f"{'✓' if r.accepted_form else '✗'} k={_number(r.n_constants)}, "
                            f"cv×{_number(r.cv_ratio)}") for r in g.itertuples()}
        accepted = f"`{first['accepted_model']}` (k={int(first['accepted_constants'])})"
        rows.append([problem, int(first["n_rows"]), accepted,
                     *(cells.get(m, "–") for m in methods)])
    note = ("Accepted form: the accepted model's family reproduces the chosen equation (no more "
            "constants), or as many constants and a 5-fold CV RMSE within 10 % of the accepted "
            "model's. cv×: the chosen form's CV RMSE over the accepted model's (constants "
            "refitted on each fold from their values; its median leaves out models with more "
            "than one constant per two readings, whose refit remembers the left-out fold).")
    overview = markdown_table(["method", "data sets", "accepted form", "interpolates",
                               "k > n/2", "median cv×", "median k"], summary)
    per_set = markdown_table(["data set", "rows", "accepted model", *methods], rows)
    return f"## Real measurements\n\n{note}\n\n{overview}\n\n{per_set}"


def _failure_section(df: pd.DataFrame) -> str:
    lines = []
    skipped = df[df["status"] == "skipped"]
    for method, runs in skipped.groupby("method", sort=True):
        lines.append(f"- **{method}** skipped ({len(runs)} runs): {runs['message'].iloc[0]}")
    failed = df[df["status"].isin(("error", "timeout"))]
    for method, runs in failed.groupby("method", sort=True):
        messages = runs["message"].fillna("").astype(str).str.slice(0, 160).unique()[:3]
        lines.append(f"- **{method}** failed {len(runs)} runs, e.g. "
                     + "; ".join(f"`{m}`" for m in messages))
    return "## Skipped and failed runs\n\n" + "\n".join(lines) if lines else ""


def _commit_label(provenance: Any) -> str:
    """The commit that made a record, with its dirty flag and eqlearn's version."""
    if not isinstance(provenance, Mapping):
        return UNKNOWN_PROVENANCE
    version = provenance.get("eqlearn_version") or "?"
    if not provenance.get("commit"):
        return f"unknown (not a git checkout), eqlearn {version}"
    dirty = provenance.get("dirty")
    state = "dirty" if dirty else "clean" if dirty is False else "dirty flag unknown"
    return f"`{provenance['commit']}` ({state}), eqlearn {version}"


def _machine_label(provenance: Any) -> str:
    """The machine that made a record: host, CPU, platform and Python."""
    machine = provenance.get("machine") if isinstance(provenance, Mapping) else None
    if not isinstance(machine, Mapping):
        return UNKNOWN_PROVENANCE
    return (f"{machine.get('hostname') or 'unknown host'}: "
            f"{machine.get('cpu_model') or 'unknown CPU'}, {machine.get('cpu_count') or '?'} "
            f"CPUs, {machine.get('platform') or 'unknown platform'}, "
            f"Python {machine.get('python') or '?'}")


def _provenance_section(df: pd.DataFrame) -> str:
    """Which commits and machines made the records, with their numbers of runs."""
    records = df["provenance"] if "provenance" in df else pd.Series([None] * len(df))
    parts = ["## Provenance"]
    labels: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("Commits (dirty: tracked files differed from the commit)", _commit_label),
        ("Machines", _machine_label))
    for title, label in labels:
        counts = Counter(label(p) for p in records)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        parts.append(f"{title}:\n\n" + "\n".join(
            f"- {text}: {n} run{'s' if n != 1 else ''}" for text, n in ordered))
    return "\n\n".join(parts)


def _rate_figure(df: pd.DataFrame, key: str, xlabel: str, path: Path) -> Path:
    from matplotlib.figure import Figure

    table = rates_by(df, key)
    values = sorted(table[key].unique())
    methods = sorted(table["method"].unique())
    width = 0.8 / len(methods)
    fig = Figure(figsize=(9, 3.6), constrained_layout=True)
    axes = fig.subplots(1, 2, sharey=True)
    titles = ("symbolic solution rate", "accuracy solution rate (R² > 0.999)")
    for ax, column, title in zip(axes, ("symbolic", "accuracy"), titles):
        for i, method in enumerate(methods):  # grouped bars, one group per value of key
            group = table[table["method"] == method].set_index(key).reindex(values)
            offsets = np.arange(len(values)) + (i - (len(methods) - 1) / 2) * width
            ax.bar(offsets, 100 * group[column].fillna(0), width, label=method)
        ax.set_xticks(range(len(values)), [f"{v:g}" for v in values])
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.set_ylim(0, 103)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("% of runs")
    axes[1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.savefig(path, dpi=120)
    return path


def _size_figure(df: pd.DataFrame, path: Path) -> Path:
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ok = df[(df["status"] == "ok") & df["model_size"].notna()]
    fig = Figure(figsize=(5.5, 4), constrained_layout=True)
    ax = fig.subplots()
    for i, (method, runs) in enumerate(ok.groupby("method", sort=True)):
        color = f"C{i}"
        r2 = runs["r2_test"].fillna(-1.0).clip(lower=-0.1)
        ax.scatter(runs["model_size"], r2, s=10, alpha=0.25, color=color)
        ax.scatter([runs["model_size"].median()], [r2.median()], s=80, color=color,
                   edgecolor="black", label=method, zorder=3)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("model size (sympy nodes)")
    ax.set_ylabel("test R² (clipped at -0.1)")
    ax.set_title("accuracy vs model size (large dot: median)")
    ax.grid(alpha=0.3)
    if len(ok):
        ax.legend(fontsize="small")
    fig.savefig(path, dpi=120)
    return path


def _figures(df: pd.DataFrame, folder: Path) -> list[Path]:
    attempted = df[df["status"].isin(ATTEMPTED)]
    if attempted.empty:
        return []
    figures = [_rate_figure(attempted, "noise", "noise level", folder / "recovery_vs_noise.png"),
               _size_figure(attempted, folder / "accuracy_vs_size.png")]
    if attempted["time_budget"].nunique() > 1:
        figures.append(_rate_figure(attempted, "time_budget", "time budget (s)",
                                    folder / "recovery_vs_budget.png"))
    return figures


def write_report(folder: str | Path) -> Path:
    """Write ``report.md`` (tables) and PNG figures into ``folder``; return the report's path.

    Raises
    ------
    ValueError
        If ``folder`` holds no run records.
    """
    folder = Path(folder)
    df = load_results(folder)
    if df.empty:
        raise ValueError(f"no benchmark results under {folder}")
    suites = ", ".join(sorted(df["suite"].astype(str).unique()))
    sections = [f"# Benchmark report: {suites}",
                f"{len(df)} runs; rates are over attempted runs (a failed run solves nothing). "
                "Symbolic solution: equal to the true law up to an additive or multiplicative "
                "constant after rounding constants to 3 significant digits, counted only when "
                "test R² > 0.5 (SRBench).",
                _overview_section(df)]
    if df["status"].isin(ATTEMPTED).any():
        sections += [_pivot_section(df, "n_vars", "By number of variables"),
                     _pivot_section(df, "noise", "By noise level")]
        if df["suite"].nunique() > 1:
            sections.append(_pivot_section(df, "suite", "By suite"))
        if df["time_budget"].nunique() > 1:
            sections.append(_pivot_section(df, "time_budget", "By time budget (s)"))
    sections += [_false_discovery_section(df), _real_section(df), _failure_section(df),
                 _provenance_section(df)]
    figures = _figures(df, folder)
    if figures:
        sections.append("## Figures\n\n" + "\n".join(f"![{f.stem}]({f.name})" for f in figures))
    path = folder / REPORT_FILE
    path.write_text("\n\n".join(s for s in sections if s) + "\n", encoding="utf-8")
    return path
