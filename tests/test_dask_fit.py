"""One fit on a Dask cluster: inside ``joblib.parallel_config(backend="dask")`` the search's
islands run as tasks of a real LocalCluster (two single-threaded worker processes), with
migration as each island returns; with ``max_epochs`` they keep in step and give what the
local fork pool gives for the same seeds."""
import time
import warnings

import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream

from eqlearn import EquationRegressor
from eqlearn.expr import to_infix
from eqlearn.search.gp import GPConfig, cluster_backend_active, local_workers, run_search
from eqlearn.search.islands import ISLAND_TASK
from eqlearn.search.mutations import Grammar

JOBLIB_TASK = "batch_of__evolve_island_1_calls"  # joblib's dask key: one island per task


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0") as cluster, Client(cluster) as c:
        yield c


def _epochs(stats: dict) -> tuple[int, int]:
    """Epochs and searches in a fit's statistics (the symmetry pass, a burst, ...)."""
    own = (stats["epochs"], 1) if "epochs" in stats else (0, 0)
    inner = [_epochs(v) for v in stats.values() if isinstance(v, dict)]
    return own[0] + sum(e for e, _ in inner), own[1] + sum(n for _, n in inner)


def _grammar():
    return Grammar(2, {"add": 1, "sub": 1, "mul": 1, "div": 1, "sin": 1}, max_complexity=20,
                   nested={"sin": {"sin"}})


def test_the_dask_backend_is_seen_only_inside_its_context(client):
    assert not cluster_backend_active()
    with joblib.parallel_config(backend="dask"):
        assert cluster_backend_active()
    with joblib.parallel_config(backend="threading"):
        assert not cluster_backend_active()  # the local pool, as without a context
    assert local_workers(None) == 1 and local_workers(3) == 3 and local_workers(-1) >= 1


def test_a_fit_under_the_dask_backend_runs_its_islands_on_the_cluster(client):
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(60, 2))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 0])  # no direct fit is exact: the search finds it
    reg = EquationRegressor(method="search", time_budget=9.0, random_state=0)
    with get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        reg.fit(X, y)
    assert reg.best_.loss < 1e-20
    assert {str(s) for s in reg.sympy().free_symbols} == {"x1", "x2"}
    tasks = [t for t in stream.data if str(t["key"]).startswith(ISLAND_TASK)]
    (epochs, searches), n = _epochs(reg.search_stats_), GPConfig().n_islands
    # without barriers a search's epochs are its islands' returns // n_islands
    assert epochs >= 1 and n * epochs <= len(tasks) < n * (epochs + searches)
    workers = set(client.scheduler_info()["workers"])
    assert {t["worker"] for t in tasks} <= workers


@pytest.mark.slow  # ~6 s: two fits
def test_islands_give_the_same_front_on_the_cluster_as_in_a_local_pool(client):
    """Same seeds per island and epoch: with ``max_epochs`` and no loss to stop at (the
    local pool's stop event would end the other islands' epoch at a moment the clock
    decides), the cluster's front and epochs are the local ones, and its evaluations all
    but a rare few."""
    rng = np.random.default_rng(4)
    X = rng.uniform(-1, 1, size=(50, 2))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 0]) + 0.01 * rng.normal(size=50)
    cfg = GPConfig(n_islands=3, population=40, generations_per_epoch=4, max_epochs=3,
                   workers=2)

    def search():
        report = run_search(X, y, np.ones(50), _grammar(), cfg,
                            deadline=time.perf_counter() + 120, random_state=7)
        front = sorted((c.complexity, to_infix(c.expr), c.loss) for c in report.candidates)
        return front, report.n_evals, report.epochs

    local = search()
    with get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = search()
    assert sum(str(t["key"]).startswith(JOBLIB_TASK) for t in stream.data) == 3 * 3
    assert remote[2] == local[2] == 3
    # the evaluations agree but for a rare few (5 of 2,069 seen, now and then on a loaded
    # machine, in either route and in one process alike: not the cluster's doing)
    assert abs(remote[1] - local[1]) <= 0.01 * local[1]
    assert remote[0] == local[0]


@pytest.mark.slow  # ~8 s: two fits
def test_workers_is_a_deprecated_alias_of_n_jobs():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 0])
    old = EquationRegressor(method="search", time_budget=9.0, max_epochs=1, workers=1,
                            random_state=3)
    assert old.get_params()["workers"] == 1 and old.get_params()["n_jobs"] == 2
    with pytest.warns(FutureWarning, match=r"workers=1 is deprecated.*n_jobs=1"):
        old.fit(X, y)
    new = EquationRegressor(method="search", time_budget=9.0, max_epochs=1, n_jobs=1,
                            random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        new.fit(X, y)
    assert old.equations_["equation"].tolist() == new.equations_["equation"].tolist()
    with pytest.raises(ValueError, match="n_jobs must be None or a non-zero integer"):
        EquationRegressor(n_jobs=0, time_budget=1.0).fit(X, y)


@pytest.mark.slow  # ~7 s: waits out a cluster with no workers
def test_a_cluster_without_workers_gives_the_search_up_without_hanging():
    """No worker takes the islands' tasks: LATE seconds after the deadline the search gives
    them up and returns the front of the islands it started with (no epoch run)."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 0])
    cfg = GPConfig(n_islands=2, population=20)
    with LocalCluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0") as cl, \
            Client(cl) as empty, joblib.parallel_config(backend="dask", client=empty):
        assert cluster_backend_active()
        report = run_search(X, y, np.ones(40), _grammar(), cfg,
                            deadline=time.perf_counter() + 1.0, random_state=0)
    assert report.epochs == 0 and report.progress == [] and report.candidates
    assert all(np.isfinite(c.loss) for c in report.candidates)
