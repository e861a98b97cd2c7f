"""The command line: help, bad files get clear messages, a small real fit writes its files."""
import inspect
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import typer.main
from typer.testing import CliRunner

from eqlearn import EquationRegressor
from eqlearn.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # help pages on one line per option (rich reads the width there)


def _error_line(out) -> str:
    """The one line a failed command writes: ``error: …`` on stderr, exit code 2, no
    traceback."""
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit), out.exception
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.output
    return lines[0]


def _commands(group, path=()):
    """Every command's words (``("bench", "run")``), the groups' own included."""
    yield path
    for name, command in getattr(group, "commands", {}).items():
        yield from _commands(command, (*path, name))


HISTORY = [r"\brun \d+\b", r"\b20\d\d-\d\d-\d\d\b", r"\bcommit\b", r"\bsession\b",
           r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"]


@pytest.mark.parametrize("words", list(_commands(typer.main.get_command(app))), ids=" ".join)
def test_every_help_page_is_clean(words):
    out = runner.invoke(app, [*words, "--help"], env=WIDE)
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Usage:" in text and "--help" in text
    assert not re.search(r"<\w+(\[\w+\])?>", text), text  # typer's <bool>, <str>, <list[Path]>
    assert not re.search(r"\{\w+\}", text), text  # typer's {data} in the usage line
    for pattern in HISTORY:
        assert not re.search(pattern, text, re.IGNORECASE), (pattern, text)


def test_help_shows_click_type_names_and_none_for_flags():
    text = runner.invoke(app, ["bench", "run", "--help"], env=WIDE).output
    assert re.search(r"--time\s+FLOAT", text) and re.search(r"--seeds\s+INTEGER", text)
    assert re.search(r"--progress\s+--no-progress\s+Show a progress bar", text)
    fit_help = runner.invoke(app, ["fit", "--help"], env=WIDE).output
    assert re.search(r"Usage: \S+ fit \[OPTIONS\] DATA\s", fit_help)


def test_the_fit_command_has_the_estimators_time_budget():
    fit = typer.main.get_command(app).commands["fit"]
    default = {p.name: p.default for p in fit.params}["time"]
    assert default == EquationRegressor().time_budget
    assert inspect.signature(EquationRegressor).parameters["time_budget"].default == default
    text = runner.invoke(app, ["fit", "--help"], env=WIDE).output
    assert re.search(rf"--time\s+FLOAT\s+Time budget in seconds\. \[default: {default}\]", text)


def test_the_fit_command_passes_n_jobs_with_the_estimators_default():
    fit = typer.main.get_command(app).commands["fit"]
    default = {p.name: p.default for p in fit.params}["n_jobs"]
    assert default == EquationRegressor().n_jobs
    text = runner.invoke(app, ["fit", "--help"], env=WIDE).output
    assert re.search(r"--n-jobs\s+INTEGER\s+Processes for the search's islands", text)


def test_help_lists_the_commands():
    out = runner.invoke(app, ["--help"])
    assert out.exit_code == 0
    for command in ("fit", "generate", "train", "demo", "bench", "sample", "evaluate-model"):
        assert command in out.output


@pytest.mark.parametrize("content, args, message", [
    ("", [], "is empty"),
    ("a,b\n", [], "no rows"),
    ("a,b\n1,2\n3,4\n", ["--target", "y"], "no column 'y' in"),
    ("a,y\nx,2\nz,4\n", [], "non-numeric columns in"),
    ("m,city,y\n1,Paris,2\n3,Rome,4\n", [], "non-numeric columns in"),
    ("y\n1\n2\n", [], "only the target"),
    ("x,y\n1,1\n2,4\n3,9\n", ["--target", "y", "--time", "2"], "minimum of 5"),
    ("x,y\n1,1\n2,4\n", ["--target", "y", "--units", "x=m"], "no units for the target 'y'"),
])
def test_bad_csv_files_get_one_error_line(tmp_path, content, args, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    out = runner.invoke(app, ["fit", str(path), *(args or ["--target", "y"])])
    assert message in _error_line(out)


def test_the_text_column_is_named(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("m,city,y\n1,Paris,2\n3,Rome,4\n")
    line = _error_line(runner.invoke(app, ["fit", str(path), "--target", "y"]))
    assert "'city' (e.g. 'Paris')" in line and "'m'" not in line


def test_missing_file(tmp_path):
    out = runner.invoke(app, ["fit", str(tmp_path / "none.csv"), "--target", "y"])
    assert "none.csv does not exist" in _error_line(out)


def test_errors_of_other_commands_are_one_line_too(tmp_path):
    assert "unknown demo 'nope'" in _error_line(runner.invoke(app, ["demo", "nope"]))
    assert "unknown prior 'nope'" in _error_line(runner.invoke(app, ["sample", "--prior",
                                                                     "nope"]))
    assert str(tmp_path) in _error_line(runner.invoke(app, ["bench", "report", str(tmp_path)]))
    out = runner.invoke(app, ["bench", "run", "--noise", "0,abc", "--out", str(tmp_path)])
    assert "--noise: expected comma-separated numbers" in _error_line(out)


def test_a_failed_fit_and_an_unexpected_error_are_one_line(tmp_path, monkeypatch):
    from eqlearn import fit_report
    from eqlearn.exceptions import FitError

    path = tmp_path / "data.csv"
    pd.DataFrame({"x": np.arange(1.0, 11.0), "y": np.arange(1.0, 11.0) ** 2}).to_csv(path,
                                                                                 index=False)

    def no_fit(self, *args, **kwargs):
        raise FitError("no candidate equation could be fitted to the data")

    monkeypatch.setattr(EquationRegressor, "fit", no_fit)
    out = runner.invoke(app, ["fit", str(path), "--target", "y", "--no-save"])
    assert _error_line(out) == "error: no candidate equation could be fitted to the data"

    def broken(*args, **kwargs):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(fit_report, "read_table", broken)
    line = _error_line(runner.invoke(app, ["fit", str(path), "--target", "y"]))
    assert line.startswith("error: RuntimeError: something broke")


def test_the_installed_command_prints_no_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "eqlearn", "fit", str(tmp_path / "none.csv"),
                           "--target", "y"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {tmp_path / 'none.csv'} does not exist"]
    assert done.stdout == ""


def test_fit_prints_the_front_and_saves_files(tmp_path, tiny_model):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 3, 60)
    path = tmp_path / "data.csv"
    pd.DataFrame({"force": x, "y": 2.5 * x + 1.0}).to_csv(path, index=False)
    out = runner.invoke(app, ["fit", str(path), "--target", "y", "--time", "2", "--method",
                              "neural", "--model", tiny_model, "--out", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    assert "2.5*force + 1" in out.output
    assert f"saved the results in {tmp_path / 'res'}" in out.output
    result = json.loads((tmp_path / "res" / "result.json").read_text())
    assert result["variables"] == ["force"] and result["r2"] == pytest.approx(1.0)
    assert (tmp_path / "res" / "fit.png").stat().st_size > 10_000
    assert pd.read_csv(tmp_path / "res" / "equations.csv")["selected"].sum() == 1


def test_fit_saves_under_results_by_default_and_never_over_an_earlier_fit(tmp_path, tiny_model,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = np.linspace(1, 3, 40)
    pd.DataFrame({"x": x, "y": 3.0 * x - 2.0}).to_csv("springs.csv", index=False)
    fit = ["fit", "springs.csv", "--target", "y", "--time", "2", "--method", "neural",
           "--model", tiny_model]
    out = runner.invoke(app, fit)
    assert out.exit_code == 0, out.output
    folder = tmp_path / "results" / "springs"
    assert "saved the results in results/springs/: equations.csv, result.json, fit.png" \
        in out.output
    assert json.loads((folder / "result.json").read_text())["target"] == "y"
    assert (folder / "fit.png").is_file() and (folder / "equations.csv").is_file()
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "results").rglob("*")}
    out = runner.invoke(app, [*fit, "--no-save"])
    assert out.exit_code == 0, out.output
    assert "saved" not in out.output and "3*x - 2" in out.output
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "results").rglob("*")} == before
    assert "contradict" in _error_line(runner.invoke(app, [*fit, "--out", "o", "--no-save"]))


def test_the_default_folder_moves_on_past_earlier_results(tmp_path):
    from eqlearn.fit_report import results_folder

    assert results_folder("data/springs.csv", tmp_path) == tmp_path / "springs"
    (tmp_path / "springs").mkdir()
    assert results_folder("springs.csv", tmp_path) == tmp_path / "springs"  # empty: used
    (tmp_path / "springs" / "result.json").write_text("{}")
    (tmp_path / "springs-2").write_text("a file, not a folder")
    assert results_folder("springs.csv", tmp_path) == tmp_path / "springs-3"


def test_sample_and_presets():
    out = runner.invoke(app, ["sample", "--prior", "physics", "--n", "3"])
    assert out.exit_code == 0 and "physics" in out.output
    out = runner.invoke(app, ["presets"])
    assert "polynomial" in out.output


def _relativistic_csv(tmp_path):
    rng = np.random.default_rng(2)
    m0, v, c = rng.uniform(1, 5, 80), rng.uniform(1, 2, 80), rng.uniform(3, 10, 80)
    path = tmp_path / "mass.csv"
    pd.DataFrame({"m0": m0, "v": v, "c": c, "m": m0 / np.sqrt(1 - v**2 / c**2)}).to_csv(
        path, index=False)
    return path


def test_fit_with_units_reports_the_groups_and_finds_the_law(tmp_path, tiny_model):
    out = runner.invoke(app, ["fit", str(_relativistic_csv(tmp_path)), "--target", "m",
                              "--time", "10", "--method", "neural", "--model", tiny_model,
                              "--units", "m0=kg, v=m/s, c=m s^-1, m=kg", "--no-save"])
    assert out.exit_code == 0, out.output
    assert "dimensional analysis: m = m0 * f(" in out.output
    assert "m = m0/sqrt(1 - v**2/c**2)" in out.output


def test_fit_without_units_reports_the_symmetries_and_finds_the_law(tmp_path, tiny_model):
    out = runner.invoke(app, ["fit", str(_relativistic_csv(tmp_path)), "--target", "m",
                              "--time", "10", "--method", "neural", "--model", tiny_model,
                              "--no-save"])
    assert out.exit_code == 0, out.output
    assert "scaling symmetries: the search first saw m = m0 * f(" in out.output
    assert "m = m0/sqrt(1 - v**2/c**2)" in out.output


@pytest.mark.parametrize("units, message", [
    ("m0=kg, v=m/s, c=m/s", "no units for the target 'm'"),
    ("m0 kg, m=kg", "must read 'column=units"),
    ("v=m/s, c=m/s, m=kg", "no units for m0"),
])
def test_bad_units_options_get_clear_messages(tmp_path, units, message):
    out = runner.invoke(app, ["fit", str(_relativistic_csv(tmp_path)), "--target", "m",
                              "--time", "2", "--method", "search", "--units", units,
                              "--no-save"])
    assert message in _error_line(out)


def test_evaluate_model_prints_and_saves_the_figures(tmp_path, tiny_model):
    from eqlearn.data import generate_corpus

    generate_corpus("default", 800, tmp_path / "corpus", seed=3, progress=False)
    out = runner.invoke(app, ["evaluate-model", "--corpus", str(tmp_path / "corpus"),
                              "--model", tiny_model, "--beam", "2", "--rerank", "4",
                              "--out", str(tmp_path / "figures.json")], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "4 by fit: 2" in out.output and "beam 2 (C)" in out.output
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert (figures["beam"], figures["rerank"], figures["fit_r2"]) == (2, 4, None)
    overall = figures["overall"]
    assert overall["n"] == sum(m["n"] for m in figures["by_n_vars"].values()) > 0
    for key in ("greedy", "beam", "rerank_greedy", "rerank"):
        assert 0.0 <= overall[key] <= 1.0
    assert overall["greedy"] <= overall["beam"]


def test_train_with_replay_but_no_model_to_replay_fails_clearly(tmp_path):
    out = runner.invoke(app, ["train", "--out", str(tmp_path / "run"), "--corpus",
                              str(tmp_path), "--replay", "0.5"])
    assert "--init" in _error_line(out)


def test_fit_prints_and_saves_the_constants_with_their_errors(tmp_path, tiny_model):
    rng = np.random.default_rng(4)
    x = rng.uniform(1, 3, 40)
    path = tmp_path / "noisy.csv"
    pd.DataFrame({"force": x, "y": 2.37 * x + 1.19 + rng.normal(0, 0.05, 40)}).to_csv(
        path, index=False)
    out = runner.invoke(app, ["fit", str(path), "--target", "y", "--time", "2", "--method",
                              "neural", "--model", tiny_model, "--out", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    assert "c1 = " in out.output and "±" in out.output and "95 %" in out.output
    result = json.loads((tmp_path / "res" / "result.json").read_text())
    assert [c["name"] for c in result["constants"]] == [f"c{i + 1}" for i in
                                                        range(len(result["constants"]))]
    assert all(c["stderr"] > 0 and c["ci_low"] < c["value"] < c["ci_high"]
               for c in result["constants"])
    assert result["residual_std"] == pytest.approx(0.05, rel=0.5)
