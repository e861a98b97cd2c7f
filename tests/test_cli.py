"""The command line: help, bad files get clear messages, a small real fit writes its files."""
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from eqlearn.cli import app

runner = CliRunner()


def test_help_lists_the_commands():
    out = runner.invoke(app, ["--help"])
    assert out.exit_code == 0
    for command in ("fit", "generate", "train", "demo", "bench", "sample", "evaluate-model"):
        assert command in out.output


@pytest.mark.parametrize("content, args, message", [
    ("", [], "is empty"),
    ("a,b\n", [], "no rows"),
    ("a,b\n1,2\n3,4\n", ["--target", "y"], "no column 'y'"),
    ("a,y\nx,2\nz,4\n", [], "non-numeric columns"),
    ("y\n1\n2\n", [], "only the target"),
])
def test_bad_csv_files_get_clear_messages(tmp_path, content, args, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    out = runner.invoke(app, ["fit", str(path), *(args or ["--target", "y"])])
    assert out.exit_code == 2
    assert message in out.output


def test_missing_file(tmp_path):
    out = runner.invoke(app, ["fit", str(tmp_path / "none.csv"), "--target", "y"])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_too_few_rows_are_reported(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 4.0, 9.0]}).to_csv(path, index=False)
    out = runner.invoke(app, ["fit", str(path), "--target", "y", "--time", "2"])
    assert out.exit_code == 2 and "minimum of 5" in out.output


def test_fit_prints_the_front_and_saves_files(tmp_path, tiny_model):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 3, 60)
    path = tmp_path / "data.csv"
    pd.DataFrame({"force": x, "y": 2.5 * x + 1.0}).to_csv(path, index=False)
    out = runner.invoke(app, ["fit", str(path), "--target", "y", "--time", "2", "--method",
                              "neural", "--model", tiny_model, "--out", str(tmp_path / "res")])
    assert out.exit_code == 0, out.output
    assert "2.5*force + 1" in out.output
    result = json.loads((tmp_path / "res" / "result.json").read_text())
    assert result["variables"] == ["force"] and result["r2"] == pytest.approx(1.0)
    assert (tmp_path / "res" / "fit.png").stat().st_size > 10_000
    assert pd.read_csv(tmp_path / "res" / "equations.csv")["selected"].sum() == 1


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
                              "--units", "m0=kg, v=m/s, c=m s^-1, m=kg"])
    assert out.exit_code == 0, out.output
    assert "dimensional analysis: m = m0 * f(" in out.output
    assert "m = m0/sqrt(1 - v**2/c**2)" in out.output


def test_fit_without_units_reports_the_symmetries_and_finds_the_law(tmp_path, tiny_model):
    out = runner.invoke(app, ["fit", str(_relativistic_csv(tmp_path)), "--target", "m",
                              "--time", "10", "--method", "neural", "--model", tiny_model])
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
                              "--time", "2", "--method", "search", "--units", units])
    assert out.exit_code == 2 and message in out.output


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
    assert out.exit_code == 2 and "--init" in out.output
