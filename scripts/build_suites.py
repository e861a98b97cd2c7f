"""Write the bundled benchmark suites (``eqlearn/data/suites/*.json``) from the public
benchmark definitions (CSV files that stay outside the project).

Usage::

    python scripts/build_suites.py [BENCHMARK_DIR] [--out DIR]

``BENCHMARK_DIR`` defaults to ``../shared/benchmarks`` relative to the repository root. The
script checks every problem it writes by loading the suite back and sampling a few points.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import sympy

from eqlearn.data.suites import Problem, Suite, load_suite

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCHMARKS = REPO_ROOT / ".." / "shared" / "benchmarks"
DEFAULT_OUT = REPO_ROOT / "eqlearn" / "data" / "suites"

# ---- Feynman --------------------------------------------------------------------------

FEYNMAN_N_POINTS = 10_000  # SRBench trains on at most 10,000 rows of each data set
NOT_IN_SRBENCH_2021 = {"I.26.2", "I.30.5", "test.10"}
FUNCTION_RENAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "ln": "log"}
# pmlb writes kelvin as "T" (AI Feynman's unit table); "K" cannot be mistaken for tesla
UNIT_RENAMES = {"T": "K"}
# AI Feynman calls I.15.10 "I.15.1"; it also lists II.11.17, which pmlb lacks
AIFEYNMAN_ALIASES = {"I.15.10": "I.15.1"}
_UNIT_FACTOR = re.compile(r"^([A-Za-z]+)\^\(?(-?\d+)\)?$")


def clean_text(text: str) -> str:
    """Source text with look-alike Greek capitals (``Τime``) made Latin."""
    return text.replace("\u03a4", "T").strip()


def parse_unit_exponents(text: str) -> dict[str, int]:
    """``"m^2 * s^(-2) * kg^1"`` -> ``{"m": 2, "s": -2, "kg": 1}``; empty for ``""``."""
    exponents: dict[str, int] = {}
    for factor in filter(None, (f.strip() for f in text.split("*"))):
        match = _UNIT_FACTOR.match(factor)
        if match is None:
            raise ValueError(f"unreadable unit factor {factor!r} in {text!r}")
        base = UNIT_RENAMES.get(match.group(1), match.group(1))
        exponents[base] = exponents.get(base, 0) + int(match.group(2))
    return {base: e for base, e in exponents.items() if e != 0}


def split_pairs(text: str) -> dict[str, str]:
    """``"a:x;b:y"`` -> ``{"a": "x", "b": "y"}`` (values may be empty)."""
    pairs = (item.split(":", 1) for item in text.split(";") if item.strip())
    return {name.strip(): value.strip() for name, value in pairs}


def normalise_formula(text: str) -> str:
    """Function names as sympy spells them (``arcsin`` -> ``asin``, ``ln`` -> ``log``)."""
    for old, new in FUNCTION_RENAMES.items():
        text = re.sub(rf"\b{old}\s*\(", f"{new}(", text)
    return text.strip()


def feynman_problem(row: dict[str, str]) -> Problem:
    variables = tuple(v.strip() for v in row["variables"].split(";"))
    ranges = split_pairs(row["ranges"])
    if set(ranges) != set(variables) or int(row["n_vars"]) != len(variables):
        raise ValueError(f"{row['eq_id']}: variables, ranges and n_vars disagree")
    var_units = split_pairs(row["variable_units"])
    quantities = split_pairs(clean_text(row["variable_descriptions"]))
    output_quantity, _, output_units = clean_text(row["output_units"]).partition(",")
    bonus = row["group"] == "Feynman_bonus"
    tags = {"n_vars": len(variables), "bonus": bonus,
            "srbench2021": row["eq_id"] not in NOT_IN_SRBENCH_2021,
            "source": row["source"], "dataset": row["dataset"],
            "output_quantity": output_quantity.strip(),
            "variable_quantities": {v: quantities.get(v, "") for v in variables}}
    units = {"variables": {v: parse_unit_exponents(var_units.get(v, "")) for v in variables},
             "output": parse_unit_exponents(output_units)}
    return Problem(
        id=row["eq_id"], formula=normalise_formula(row["formula"]), variables=variables,
        ranges=tuple(tuple(float(x) for x in json.loads(ranges[v])) for v in variables),
        sampling=("uniform",) * len(variables), n_points=FEYNMAN_N_POINTS,
        output=row["output"], tags=tags, units=units)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [row for row in csv.DictReader(fh) if any((v or "").strip() for v in row.values())]


def aifeynman_disagreements(problems: list[Problem], path: Path) -> list[str]:
    """Differences between pmlb (kept) and the AI Feynman list, for the build report.

    AI Feynman's ``# variables`` is wrong in a few rows, so its variable names are compared.
    """
    by_id = {p.id: p for p in problems}
    notes = []
    for row in read_csv(path):
        names = [row[f"v{i}_name"] for i in range(1, 11) if (row.get(f"v{i}_name") or "").strip()]
        if int(float(row["# variables"])) != len(names):
            notes.append(f"{row['Filename']}: AI Feynman says {row['# variables']} variables "
                         f"but names {len(names)}; pmlb (kept) agrees with the names")
        ids = [k for k, alias in AIFEYNMAN_ALIASES.items() if alias == row["Filename"]]
        problem = by_id.get(ids[0] if ids else row["Filename"])
        if problem is None:
            notes.append(f"{row['Filename']}: in AI Feynman only, not in pmlb (left out)")
        elif list(problem.variables) != names:
            notes.append(f"{problem.id}: AI Feynman names {names}, pmlb (kept) "
                         f"{list(problem.variables)}")
    return notes


def build_feynman(bench: Path) -> Suite:
    problems = [feynman_problem(row) for row in read_csv(bench / "pmlb_feynman_metadata.csv")]
    for note in aifeynman_disagreements(problems, bench / "AIFeynman_FeynmanEquations.csv"):
        print("  feynman:", note)
    description = (
        "The 119 Feynman problems of pmlb/SRBench (99 from the Feynman Lectures, 20 'bonus'), "
        "from pmlb's metadata: formulas, uniform sampling ranges, SI unit exponents "
        "(base units m, s, kg, K, V; pmlb writes kelvin as 'T') and quantity names. "
        "SRBench 2021 used 116 of them (tag srbench2021); the AI Feynman list was used "
        "only as a cross-check. n_points follows SRBench's cap of 10,000 training rows.")
    return Suite("feynman", description, tuple(problems))


# ---- Nguyen ---------------------------------------------------------------------------

def dso_to_sympy_text(text: str, variables: tuple[str, ...]) -> str:
    """DSO's prefix-style ``pow(x1,3)`` / ``div(a,b)`` as an infix sympy string."""
    local = {"pow": lambda a, b: a**b, "div": lambda a, b: a / b}
    local.update({v: sympy.Symbol(v, real=True) for v in variables})
    return str(sympy.parse_expr(text, local_dict=local))


def build_nguyen(bench: Path) -> Suite:
    function_sets = {row["name"]: row["function_set"].split(",")
                     for row in read_csv(bench / "dso_function_sets.csv")}
    problems = []
    for row in read_csv(bench / "nguyen_benchmarks.csv"):
        if row["sampling"] != "U":
            raise ValueError(f"{row['name']}: unexpected sampling {row['sampling']!r}")
        variables = tuple(f"x{i}" for i in range(1, int(row["n_vars"]) + 1))
        interval = (float(row["low"]), float(row["high"]))
        tags = {"n_vars": len(variables), "source": row["source"],
                "function_set": row["function_set_dso"],
                "functions": function_sets.get(row["function_set_dso"], [])}
        problems.append(Problem(
            id=row["name"], formula=dso_to_sympy_text(row["expression_dso"], variables),
            variables=variables, ranges=(interval,) * len(variables),
            sampling=("uniform",) * len(variables), n_points=int(row["n_points"]),
            output="y", tags=tags))
    description = ("Nguyen-1..12 (Uy et al. 2011) as defined in DSO's benchmark table: "
                   "20 uniform points per problem, every variable on the same interval.")
    return Suite("nguyen", description, tuple(problems))


# ---- Strogatz -------------------------------------------------------------------------

STROGATZ_N_POINTS = 400  # the row count of the pmlb Strogatz data sets
# Uniform boxes over each system's phase-plane region of interest (fixed points, limit
# cycles), kept away from the singularities of glider (x = 0) and shear flow (y = k pi).
STROGATZ_RANGES = {
    "bacres": {"x": (0.0, 20.0), "y": (0.0, 60.0)},  # fixed point (10, 51)
    "barmag": {"x": (-math.pi, math.pi), "y": (-math.pi, math.pi)},  # angles
    "glider": {"x": (0.5, 5.0), "y": (-math.pi, math.pi)},  # speed > 0, angle
    "lv": {"x": (0.0, 4.0), "y": (0.0, 4.0)},  # fixed points (0,2), (3,0), (1,1)
    "predprey": {"x": (0.0, 5.0), "y": (0.0, 10.0)},  # coexistence near (0.75, 5.7)
    "shearflow": {"x": (-math.pi, math.pi), "y": (0.1, math.pi - 0.1)},  # cot(y) finite
    "vdp": {"x": (-3.0, 3.0), "y": (-2.0, 2.0)},  # limit cycle |x| <= 2
}


def strogatz_problem(row: dict[str, str]) -> Problem:
    system = re.sub(r"^strogatz_|\d+$", "", row["dataset"])
    variables = tuple(row["features"].split(";"))
    ranges = tuple(STROGATZ_RANGES[system][v] for v in variables)
    state = row["lhs"].rstrip("'")
    tags = {"n_vars": len(variables), "source": row["source"], "dataset": row["dataset"],
            "system": row["system"], "lhs": row["lhs"]}
    return Problem(
        id=row["dataset"], formula=re.sub(r"\s+", " ", row["rhs"]).strip(),
        variables=variables, ranges=ranges, sampling=("uniform",) * len(variables),
        n_points=STROGATZ_N_POINTS, output=f"{state}_dot", tags=tags)


def build_strogatz(bench: Path) -> Suite:
    problems = tuple(strogatz_problem(row) for row in read_csv(bench / "strogatz_odes.csv"))
    boxes = "; ".join(f"{name}: " + ", ".join(f"{v} in [{lo:.4g}, {hi:.4g}]"
                                               for v, (lo, hi) in box.items())
                      for name, box in STROGATZ_RANGES.items())
    description = (
        "The 14 right-hand sides of the 7 two-state Strogatz ODE systems (ODE-Strogatz, "
        "as in pmlb/SRBench), posed as regression of dx/dt or dy/dt on (x, y). The original "
        "data are simulated trajectories; here inputs are drawn uniformly from a box over "
        "each system's phase-plane region of interest (fixed points, limit cycle), away "
        f"from singularities: {boxes}. n_points is 400, the size of the pmlb data sets.")
    return Suite("strogatz", description, problems)


# ---- Blackbody ------------------------------------------------------------------------

H, C, K_B = "6.62607015e-34", "299792458", "1.380649e-23"  # exact SI values (2019)
WAVELENGTH = (("lam", "T"), ((1e-7, 1e-5), (1e3, 1e4)))
FREQUENCY = (("nu", "T"), ((1e9, 1e16), (100.0, 6000.0)))
# spectral exitance per wavelength, W m^-3; spectral radiance per frequency, W m^-2 Hz^-1 sr^-1
OUTPUT_UNITS = {"wavelength": {"m": -1, "s": -3, "kg": 1}, "frequency": {"s": -2, "kg": 1}}
BLACKBODY_FORMS = {
    ("planck", "wavelength"): f"2*pi*{H}*{C}**2/lam**5/(exp({H}*{C}/(lam*{K_B}*T)) - 1)",
    ("planck", "frequency"): f"2*{H}*nu**3/{C}**2/(exp({H}*nu/({K_B}*T)) - 1)",
    ("rayleigh_jeans", "wavelength"): f"2*pi*{C}*{K_B}*T/lam**4",
    ("rayleigh_jeans", "frequency"): f"2*nu**2*{K_B}*T/{C}**2",
    ("wien", "wavelength"): f"2*pi*{H}*{C}**2/lam**5*exp(-{H}*{C}/(lam*{K_B}*T))",
    ("wien", "frequency"): f"2*{H}*nu**3/{C}**2*exp(-{H}*nu/({K_B}*T))",
}


def build_blackbody() -> Suite:
    problems = []
    for (law, form), formula in BLACKBODY_FORMS.items():
        variables, ranges = WAVELENGTH if form == "wavelength" else FREQUENCY
        units = {"variables": {variables[0]: {"m": 1} if form == "wavelength" else {"s": -1},
                               "T": {"K": 1}},
                 "output": OUTPUT_UNITS[form]}
        problems.append(Problem(
            id=f"{law}_{form}", formula=formula, variables=variables, ranges=ranges,
            sampling=("loguniform", "loguniform"), n_points=1000, output="I",
            tags={"n_vars": 2, "law": law, "form": form, "source": "textbook; exact SI "
                  "constants h, c, k_B"}, units=units))
    description = (
        "Black-body radiation with the SI constants h = 6.62607015e-34 J s, c = 299792458 "
        "m/s, k_B = 1.380649e-23 J/K written out: Planck's law and its Rayleigh-Jeans "
        "(long-wave) and Wien (short-wave) limits, each per wavelength, as spectral "
        "exitance 2 pi h c^2 / lam^5 / (exp(h c / (lam k_B T)) - 1) in W m^-3 with lam "
        "log-uniform on [1e-7, 1e-5] m and T on [1e3, 1e4] K, and per frequency, as "
        "spectral radiance 2 h nu^3 / c^2 / (exp(h nu / (k_B T)) - 1) in W m^-2 Hz^-1 sr^-1 "
        "with nu log-uniform on [1e9, 1e16] Hz and T on [100, 6000] K. Where h nu / k_B T "
        "exceeds about 700 the frequency forms underflow to 0.")
    return Suite("blackbody", description, tuple(problems))


# ---- writing and checking -------------------------------------------------------------

def suite_json(suite: Suite) -> str:
    """The suite as JSON with one line per problem field, which keeps diffs readable."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    problems = ",\n".join(
        "  {" + ",\n   ".join(f"{dump(k)}: {dump(v)}" for k, v in p.to_dict().items()) + "}"
        for p in suite)
    return (f'{{\n "name": {dump(suite.name)},\n "description": {dump(suite.description)},\n'
            f' "problems": [\n{problems}\n ]\n}}\n')


def write_suite(suite: Suite, out_dir: Path) -> Path:
    """Write ``suite`` as JSON, load it back and draw a few points of every problem."""
    path = out_dir / f"{suite.name}.json"
    path.write_text(suite_json(suite), encoding="utf-8")
    loaded = load_suite(path)
    if loaded != suite:
        raise RuntimeError(f"{path} does not load back to the suite that was written")
    for problem in loaded:
        _, y = problem.sample(16, rng=0)
        if not np.all(np.isfinite(y)):
            raise RuntimeError(f"{suite.name}/{problem.id}: non-finite targets")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("benchmarks", nargs="?", type=Path, default=DEFAULT_BENCHMARKS,
                        help="folder of the public benchmark CSV files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the suite JSON files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    suites = [build_feynman(args.benchmarks), build_nguyen(args.benchmarks),
              build_strogatz(args.benchmarks), build_blackbody()]
    for suite in suites:
        path = write_suite(suite, args.out)
        print(f"{suite.name}: {len(suite)} problems -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
