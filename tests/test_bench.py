"""eqlearn.bench: SRBench metrics on known cases, peers' model strings, the runner's files,
the report and the CLI group. Runs use stand-in methods, except one tiny fit per peer."""
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import sympy
from typer.testing import CliRunner

from eqlearn.bench.methods import (METHODS, PYSR_NOTE, Method, get_method, gplearn_to_sympy,
                                   operon_to_sympy)
from eqlearn.bench.metrics import (acc_tau, accuracy_solution, model_size, parse_model,
                                   pointwise_accuracy, r2, score_model, symbolic_check,
                                   symbolic_solution)
from eqlearn.bench.report import load_results, write_report
from eqlearn.bench.runner import BenchConfig, plan_runs, result_path, run_benchmark
from eqlearn.bench.runs import collect_provenance, split_data
from eqlearn.cli import app
from eqlearn.data.suites import load_suite

REPO = Path(__file__).resolve().parents[1]
XY = ("x", "y")
LAW = "3.2*x*exp(-0.5*y)"


def law(text, variables=XY):
    return parse_model(text, variables)


# -- metrics ------------------------------------------------------------------------------

def test_rounded_constants_are_a_symbolic_solution():
    assert symbolic_solution(law("3.20000001*x*exp(-0.49999999*y)"), law(LAW))
    # a law's integer of 4 digits is rounded as the model's float is
    assert symbolic_solution(law("3346.0*x**2/y**2 + x"), law("3346*x**2/y**2 + x"))
    assert not symbolic_solution(law("3346.0*x**2/y**3 + x"), law("3346*x**2/y**2 + x"))


@pytest.mark.parametrize("model, outcome", [
    (LAW + " + 1.7", "difference"),
    ("6.4*x*exp(-0.5*y)", "ratio"),
    ("-0.0321*x*exp(-y/2)", "ratio"),
    (LAW + " + 0.1*x", "no"),
    ("3.2*x*exp(-0.6*y)", "no"),
    ("0", "no"),
])
def test_constant_offset_or_factor_counts_a_varying_term_does_not(model, outcome):
    assert symbolic_check(law(model), law(LAW)) == outcome
    assert symbolic_solution(law(model), law(LAW)) == (outcome != "no")


def test_constants_snap_to_small_rationals():
    variables = ("n", "alpha")
    truth = law("1 + n*alpha/(1 - n*alpha/3)", variables)
    assert symbolic_solution(law("1 + n*alpha/(1 - 0.33334*n*alpha)", variables), truth)
    assert not symbolic_solution(law("1 + n*alpha/(1 - 0.31*n*alpha)", variables), truth)


def test_negligible_offset_and_positive_variables():
    truth = law("x*y")
    affine = law("1.25*x*y/2.5 - 2e-7")  # factor and a float-noise offset
    assert symbolic_check(affine, truth) == "no"
    assert symbolic_check(affine, truth, scale=1.0) == "ratio"
    assert symbolic_check(law("Abs(x*y)"), truth) == "no"
    assert symbolic_check(law("Abs(x*y)"), truth, positive=XY) == "difference"


def test_a_product_inside_a_log_equals_the_sum_of_logs():
    truth = law("log(x + 1) + log(x**2 + 1)")  # Nguyen-7
    assert symbolic_solution(law("log(x**3 + x**2 + x + 1.0000002)"), truth)
    assert symbolic_solution(law("log((x + 1)*(1.0000001*x**2 + 1)) + 0.3"), truth)
    assert not symbolic_solution(law("log(x**3 + x**2 + x + 2)"), truth)
    assert not symbolic_solution(law("log(x + 1) + log(x**2 + 1) + log(x)"), truth)


def test_a_sympy_timeout_is_not_a_solution():
    model = law("(sin(x)**2 + cos(x)**2)**3*exp(log(y + 1)) - y*exp(x - x)")
    assert symbolic_check(model, law("1 + x"), timeout=1e-6) == "timeout"
    assert not symbolic_solution(model, law("1 + x"), timeout=1e-6)


def test_r2_and_accuracy_solution_on_planted_arrays():
    y = np.arange(10.0)
    assert r2(y, y) == 1.0
    assert r2(y, np.full(10, y.mean())) == pytest.approx(0.0)
    assert r2(y, y + np.r_[np.nan, np.zeros(9)]) == -np.inf
    assert r2(y, y + 0.01) == pytest.approx(1 - 1e-4 / np.var(y))
    assert accuracy_solution(0.9995) and not accuracy_solution(0.999)


def test_acc_tau_counts_points_within_five_percent():
    y = np.linspace(1, 2, 100)
    assert acc_tau(y, 1.04 * y)
    assert not acc_tau(y, 1.06 * y)
    off = y.copy()
    off[:5] *= 1.2  # 95 % close: still accurate
    assert pointwise_accuracy(y, off) == pytest.approx(0.95) and acc_tau(y, off)
    off[:6] *= 1.2
    assert not acc_tau(y, off)


def test_model_size_counts_sympy_nodes():
    assert model_size(law("x*y + 1")) == 5  # Add(1, Mul(x, y))
    assert model_size(law("x")) == 1


def test_symbolic_solution_needs_r2_above_half():
    y = np.linspace(1, 2, 50)
    good = score_model("2*x", ("x",), y, y, law("2*x", ("x",)))
    assert good.symbolic_solution and good.accuracy_solution and good.model_size == 3
    bad = score_model("2*x", ("x",), y, y[::-1], law("2*x", ("x",)))
    assert bad.symbolic_check == "r2<=0.5" and bad.symbolic_solution is False
    unknown = score_model("2*x", ("x",), y, y)
    assert unknown.symbolic_solution is None and unknown.acc_tau


# -- methods ------------------------------------------------------------------------------

NAMES = ["lambda", "I"]  # a Python keyword and a sympy name


def test_unknown_method_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown method 'nope'.*gplearn"):
        get_method("nope")


def test_program_strings_convert_to_the_original_names():
    lam, i = (sympy.Symbol(n, real=True) for n in NAMES)
    text = gplearn_to_sympy("add(mul(X0, 0.5), div(neg(X1), inv(X0)))", NAMES)
    assert parse_model(text, NAMES) - (0.5 * lam - i * lam) == 0
    text = operon_to_sympy("((2.0 * xop0) ^ 2.0) + sqrt(xop1)", ["xop0", "xop1"], NAMES)
    assert parse_model(text, NAMES) - (4.0 * lam**2 + sympy.sqrt(i)) == 0  # integral power


def _tiny_problem(rng):
    X = rng.uniform(1, 3, size=(60, 2))
    return X, X[:, 0] * X[:, 1] + X[:, 0]


@pytest.mark.parametrize("name", ["gplearn", "pyoperon"])
def test_peer_model_string_evaluates_like_its_predict(name, rng):
    method = get_method(name)
    if method.unavailable({}):
        pytest.skip(method.unavailable({}))
    X, y = _tiny_problem(rng)
    est = method.make(1.0, 0, n_jobs=1)
    method.fit(est, X, y, NAMES)
    expr = parse_model(method.model_sympy(est, NAMES), NAMES)
    f = sympy.lambdify([sympy.Symbol(n, real=True) for n in NAMES], expr, "numpy")
    with np.errstate(all="ignore"):
        values = np.broadcast_to(np.asarray(f(*X.T), dtype=complex), y.shape)
    real = np.isfinite(values) & (values.imag == 0)
    assert real.mean() > 0.8  # gplearn's protected operators differ only off their domain
    np.testing.assert_allclose(values.real[real], est.predict(X)[real], rtol=1e-4, atol=1e-6)


def test_unavailable_methods_say_why(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert get_method("pysr").unavailable({}) == PYSR_NOTE
    assert "not found" in get_method("eqlearn").unavailable({"model": "/no/such/model"})
    assert get_method("eqlearn-search").unavailable({"model": "/no/such/model"}) is None
    assert get_method("eqlearn").unavailable({"model": "/no/such", "method": "search"}) is None
    assert get_method("eqlearn-neural").unavailable({"model": "/no/such", "method": "search"})


# -- runner -------------------------------------------------------------------------------

def _linear_sympy(est, names):
    expr = sum(sympy.Float(c) * sympy.Symbol(n, real=True) for c, n in zip(est.coef_, names))
    return str(expr + sympy.Float(est.intercept_))


def _linear_make(time_budget, random_state, n_jobs=1, **options):
    from sklearn.linear_model import LinearRegression

    return LinearRegression(**options)


def _broken_make(time_budget, random_state, n_jobs=1, **options):
    raise RuntimeError("this method always fails")


class _Sleepy:
    def fit(self, X, y):
        time.sleep(30)


STAND_INS = {
    "linear": Method("linear", _linear_make, _linear_sympy),
    "broken": Method("broken", _broken_make, _linear_sympy),
    "sleepy": Method("sleepy", lambda *a, **k: _Sleepy(), _linear_sympy),
    "unreadable": Method("unreadable", _linear_make, lambda est, names: "x +* y"),
    "absent": Method("absent", _linear_make, _linear_sympy,
                     unavailable=lambda options: "absent needs a licence"),
}


@pytest.fixture
def stand_ins(monkeypatch):
    for name, method in STAND_INS.items():
        monkeypatch.setitem(METHODS, name, method)


@pytest.fixture
def suite_file(tmp_path):
    problems = [
        {"id": "lin", "formula": "2*x + 3*y", "variables": ["x", "y"],
         "ranges": [[1, 3], [1, 3]], "sampling": ["uniform", "uniform"], "n_points": 100,
         "output": "z", "tags": {"n_vars": 2}},
        {"id": "quad", "formula": "x**2", "variables": ["x"], "ranges": [[-2, 2]],
         "sampling": ["uniform"], "n_points": 100, "output": "z", "tags": {"n_vars": 1}},
    ]
    path = tmp_path / "toy.json"
    path.write_text(json.dumps({"name": "toy", "description": "", "problems": problems}))
    return path


def _config(suite, out, methods, **changes):
    base = dict(suite=str(suite), methods=tuple(methods), time_budget=0.5, noise=(0.0, 0.01),
                seeds=1, out=str(out), n_train=50, n_test=100, sympy_timeout=2.0,
                grace=5.0, progress=False)
    return BenchConfig(**{**base, **changes})


def test_runner_writes_one_file_per_run_and_resumes(stand_ins, suite_file, tmp_path):
    out = tmp_path / "results"
    config = _config(suite_file, out, ["linear", "broken"])
    summary = run_benchmark(config)
    assert summary.counts == {"ok": 4, "error": 4}
    files = sorted(out.rglob("*.json"))
    assert len(files) == 8
    lin = json.loads(result_path(out, "toy", "linear", "lin", 0.0, 0).read_text())
    assert lin["status"] == "ok" and lin["symbolic_solution"] and lin["accuracy_solution"]
    noisy = json.loads(result_path(out, "toy", "linear", "lin", 0.01, 0).read_text())
    assert noisy["accuracy_solution"] and noisy["r2_train"] < noisy["r2_test"]
    assert lin["model_size"] > 0 and lin["peak_memory_mb"] > 0 and lin["fit_time_s"] >= 0
    quad = json.loads(result_path(out, "toy", "linear", "quad", 0.0, 0).read_text())
    assert quad["status"] == "ok" and not quad["symbolic_solution"]
    broken = json.loads(result_path(out, "toy", "broken", "lin", 0.0, 0).read_text())
    assert broken["status"] == "error" and "always fails" in broken["message"]
    stamps = [f.stat().st_mtime_ns for f in files]
    again = run_benchmark(config)
    assert again.counts == {"cached": 8}
    assert [f.stat().st_mtime_ns for f in files] == stamps
    retry = run_benchmark(_config(suite_file, out, ["linear", "broken"], rerun_failed=True))
    assert retry.counts == {"cached": 4, "error": 4}
    with pytest.raises(ValueError, match="separate results folder per budget"):
        run_benchmark(_config(suite_file, out, ["linear"], time_budget=9.0))


def test_runner_kills_a_run_past_its_budget(stand_ins, suite_file, tmp_path):
    config = _config(suite_file, tmp_path, ["sleepy"], noise=(0.0,), problems=("quad",),
                     time_budget=0.2, sympy_timeout=0.1, grace=0.5)
    # the stand-in sleeps far past any timeout of this test: it ends only if it is killed
    assert run_benchmark(config).counts == {"timeout": 1}
    record = json.loads(result_path(tmp_path, "toy", "sleepy", "quad", 0.0, 0).read_text())
    assert record["status"] == "timeout" and "killed" in record["message"]


def test_unavailable_method_is_recorded_as_skipped(stand_ins, suite_file, tmp_path):
    summary = run_benchmark(_config(suite_file, tmp_path, ["absent"], noise=(0.0,)))
    assert summary.counts == {"skipped": 2}
    assert summary.skipped_notes == {"absent": "absent needs a licence"}


def test_an_unreadable_model_is_still_scored_for_accuracy(stand_ins, suite_file, tmp_path):
    config = _config(suite_file, tmp_path, ["unreadable"], noise=(0.0,), problems=("lin",))
    assert run_benchmark(config).counts == {"ok": 1}
    record = json.loads(result_path(tmp_path, "toy", "unreadable", "lin", 0.0, 0).read_text())
    assert record["model"] is None and "cannot parse" in record["model_error"]
    assert record["accuracy_solution"] and record["symbolic_solution"] is False


def test_csv_suite_gets_accuracy_metrics_only(stand_ins, tmp_path, rng):
    X = rng.uniform(0, 1, size=(80, 2))
    rows = "\n".join(f"{a},{b},{2 * a - b + 1}" for a, b in X)
    (tmp_path / "mine.csv").write_text("a,b,target\n" + rows + "\n")
    config = _config(tmp_path / "mine.csv", tmp_path / "out", ["linear"], noise=(0.0,),
                     target="target")
    assert run_benchmark(config).counts == {"ok": 1}
    record = json.loads(next((tmp_path / "out").rglob("*.json")).read_text())
    assert record["symbolic_solution"] is None and record["accuracy_solution"]
    assert (record["n_train"], record["n_test"]) == (50, 20)  # a held-out quarter


def test_split_data_noise_on_train_only_and_shared_inputs():
    problem = load_suite("feynman").get("I.12.1")
    X0, y0, Xt0, yt0 = split_data(problem, 50, 40, 0.0, seed=3)
    X1, y1, Xt1, yt1 = split_data(problem, 50, 40, 0.1, seed=3)
    np.testing.assert_array_equal(X0, X1)
    np.testing.assert_array_equal(Xt0, Xt1)
    np.testing.assert_array_equal(yt1, problem.evaluate(Xt1))
    assert not np.allclose(y0, y1) and not np.allclose(X0[:40], Xt0)


def test_plan_spreads_cores_and_merges_options(stand_ins, suite_file, tmp_path):
    config = _config(suite_file, tmp_path, ["linear"], workers=64,
                     options={"linear": {"fit_intercept": True}})
    specs = plan_runs(config)
    assert len(specs) == 4 and all(s.n_jobs == 1 for s in specs)
    assert specs[0].options == {"fit_intercept": True}
    with pytest.raises(ValueError, match="unknown method"):
        plan_runs(_config(suite_file, tmp_path, ["nope"]))


# -- report and CLI -----------------------------------------------------------------------

def test_report_writes_markdown_tables_and_figures(stand_ins, suite_file, tmp_path):
    run_benchmark(_config(suite_file, tmp_path, ["linear", "broken", "absent"]))
    assert len(load_results(tmp_path)) == 12
    path = write_report(tmp_path)
    text = path.read_text()
    assert path.name == "report.md"
    assert "| method | runs | ok | error | timeout | symbolic solution" in text
    assert "| linear | 4 | 4 | 0 | 0 | 25% | 50% | 50% |" in text  # noise spoils 2*x + 3*y
    assert "| 2 | 0% / 0% | 50% / 100% |" in text
    assert "## By number of variables" in text and "## By noise level" in text
    assert "absent needs a licence" in text and "always fails" in text
    assert (tmp_path / "recovery_vs_noise.png").stat().st_size > 0
    assert (tmp_path / "accuracy_vs_size.png").stat().st_size > 0


def test_report_compares_budgets_kept_in_sibling_folders(stand_ins, suite_file, tmp_path):
    for budget in (0.5, 1.0):
        run_benchmark(_config(suite_file, tmp_path / f"t{budget:g}", ["linear"], noise=(0.0,),
                              time_budget=budget))
    text = write_report(tmp_path).read_text()
    assert "## By time budget (s)" in text and "| 0.5 | 50% / 50% |" in text
    assert (tmp_path / "recovery_vs_budget.png").is_file()


def _git_head() -> str | None:
    """``git rev-parse HEAD`` of this checkout, None when it is not one (or git is missing)."""
    try:
        done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def test_records_carry_the_commit_and_machine_and_the_report_says_so(stand_ins, suite_file,
                                                                     tmp_path):
    out = tmp_path / "results"
    run_benchmark(_config(suite_file, out, ["linear", "broken", "absent"], noise=(0.0,)))
    records = [json.loads(f.read_text()) for f in sorted(out.rglob("*.json"))]
    assert {r["status"] for r in records} == {"ok", "error", "skipped"}
    provenance = records[0]["provenance"]
    assert all(r["provenance"] == provenance for r in records)  # one per invocation
    head = _git_head()
    assert provenance["commit"] == head
    assert isinstance(provenance["dirty"], bool) if head else provenance["dirty"] is None
    machine = provenance["machine"]
    assert set(machine) == {"hostname", "platform", "python", "cpu_count", "cpu_model"}
    assert machine["cpu_count"] == os.cpu_count() and machine["hostname"]
    assert provenance["eqlearn_version"] == records[0]["eqlearn_version"]
    text = write_report(out).read_text()
    assert "## Provenance" in text and f"{machine['hostname']}: " in text
    state = "dirty" if provenance["dirty"] else "clean"
    assert (f"`{head}` ({state})" if head else "unknown (not a git checkout)") in text
    assert "unknown (older record)" not in text


def test_no_git_checkout_gives_null_commit(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git looks no higher
    (tmp_path / "plain").mkdir()
    provenance = collect_provenance(tmp_path / "plain")
    assert provenance["commit"] is None and provenance["dirty"] is None
    assert provenance["machine"]["python"] and provenance["eqlearn_version"]


def test_a_record_without_provenance_is_reported_as_unknown(stand_ins, suite_file, tmp_path):
    run_benchmark(_config(suite_file, tmp_path, ["linear"], noise=(0.0,)))
    older = result_path(tmp_path, "toy", "linear", "quad", 0.0, 0)
    record = json.loads(older.read_text())
    del record["provenance"]
    older.write_text(json.dumps(record))
    text = write_report(tmp_path).read_text()
    section = text.split("## Provenance")[1]
    assert section.count("- unknown (older record): 1 run\n") == 2  # commit and machine
    assert (f"`{_git_head()}`" if _git_head() else "not a git checkout") in section


def test_cli_bench_help_run_and_report(stand_ins, suite_file, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["bench", "--help"])
    assert result.exit_code == 0 and "run" in result.output and "report" in result.output
    out = tmp_path / "res"
    result = runner.invoke(app, ["bench", "run", "--suite", str(suite_file), "--methods",
                                 "linear", "--time", "1", "--noise", "0", "--out", str(out),
                                 "--points", "40", "--no-progress",
                                 "--set", "linear.fit_intercept=true"])
    assert result.exit_code == 0, result.output
    assert "2 ok" in result.output
    result = runner.invoke(app, ["bench", "report", str(out)])
    assert result.exit_code == 0 and (out / "report.md").is_file()
    result = runner.invoke(app, ["bench", "run", "--methods", "nope", "--out", str(out)])
    assert result.exit_code == 2 and "unknown method" in result.output
