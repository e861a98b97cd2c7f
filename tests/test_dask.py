"""eqlearn on Dask: benchmark runs and corpus chunks as tasks of a real LocalCluster (two
single-threaded worker processes), against what the local executor writes. Runs use
deterministic stand-in methods, shipped to the workers with their runs."""
import dataclasses
import json
import os
import signal
import sys
import threading
import time

import cloudpickle
import numpy as np
import pytest
import sympy
from distributed import Client, LocalCluster
from typer.testing import CliRunner

from eqlearn.bench import METHODS, DaskExecutor, Method, make_executor
from eqlearn.bench.runner import BenchConfig, result_path, run_benchmark
from eqlearn.cli import app
from eqlearn.cluster import check_executor
from eqlearn.data import generate_corpus, read_corpus

TIMINGS = {"started", "wall_time_s", "fit_time_s", "peak_memory_mb", "children_peak_memory_mb"}
POLYNOMIALS = ("Nguyen-1", "Nguyen-2", "Nguyen-3", "Nguyen-4")


class _Poly:
    """Least squares on 1, x1, ..., x1**5: exact on Nguyen's polynomials, deterministic."""

    def __init__(self, pause=0.0):
        self.pause = pause

    def fit(self, X, y):
        time.sleep(self.pause)
        self.coef_ = np.polyfit(X[:, 0], y, 5)
        return self

    def predict(self, X):
        return np.polyval(self.coef_, X[:, 0])


class _WorkerKiller:
    """Kills the process that started its run: on a Dask worker, the worker."""

    def fit(self, X, y):
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(60)


def _poly_sympy(est, names):
    x = sympy.Symbol(names[0], real=True)
    return str(sum(sympy.Float(round(c, 8)) * x**k for k, c in enumerate(est.coef_[::-1])))


class _Sleepy:
    def fit(self, X, y):
        time.sleep(60)


class _Crasher:
    def fit(self, X, y):
        sys.stderr.write("segfault, say\n")
        os._exit(3)


STAND_INS = {
    "poly": Method("poly", lambda *a, **k: _Poly(), _poly_sympy),
    "slowpoly": Method("slowpoly", lambda *a, **k: _Poly(pause=2.0), _poly_sympy),
    "killer": Method("killer", lambda *a, **k: _WorkerKiller(), _poly_sympy),
    "sleepy": Method("sleepy", lambda *a, **k: _Sleepy(), _poly_sympy),
    "crasher": Method("crasher", lambda *a, **k: _Crasher(), _poly_sympy),
}


@pytest.fixture
def stand_ins(monkeypatch):
    """The stand-ins registered here, and pickled by value: the workers cannot import
    this test module, the methods travel with their runs."""
    for name, method in STAND_INS.items():
        monkeypatch.setitem(METHODS, name, method)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each; a task is retried once after its worker dies."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0",
                      scheduler_kwargs={"allowed_failures": 1}) as c:
        yield c


def _config(out, methods=("poly",), problems=POLYNOMIALS[:2] + ("Nguyen-5",)):
    return BenchConfig(suite="nguyen", methods=tuple(methods), problems=tuple(problems),
                       time_budget=2.0, n_train=50, n_test=100, sympy_timeout=5.0, grace=20.0,
                       out=str(out), progress=False)


def _records(out):
    return {p.relative_to(out).as_posix(): json.loads(p.read_text())
            for p in sorted(out.rglob("*.json"))}


def _without_timings(record):
    return {k: v for k, v in record.items() if k not in TIMINGS}


@pytest.mark.slow  # ~10 s: a sweep on a LocalCluster
def test_dask_sweep_writes_the_records_of_the_local_executor(cluster, stand_ins, tmp_path):
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert run_benchmark(_config(local)).counts == {"ok": 3}
    executor = DaskExecutor(scheduler=cluster.scheduler_address, grace=20.0)
    assert run_benchmark(_config(dask), executor=executor).counts == {"ok": 3}
    ours, theirs = _records(dask), _records(local)
    assert ours.keys() == theirs.keys() and len(ours) == 3
    for name in ours:
        assert _without_timings(ours[name]) == _without_timings(theirs[name]), name
    solved = {r["problem"]: r["symbolic_solution"] for r in ours.values()}
    assert solved == {"Nguyen-1": True, "Nguyen-2": True, "Nguyen-5": False}
    assert run_benchmark(_config(dask), executor=executor).counts == {"cached": 3}


@pytest.mark.slow
def test_eqlearn_itself_solves_the_same_problems_on_dask(cluster, tmp_path):
    """The real method (torch, the shipped model) on two of Nguyen's polynomials; each
    executor's records say the same: solved, both."""
    configs = [dataclasses.replace(_config(tmp_path / name, methods=("eqlearn",),
                                           problems=POLYNOMIALS[:2]), time_budget=5.0)
               for name in ("local", "dask")]
    run_benchmark(configs[0])
    run_benchmark(configs[1], executor=DaskExecutor(scheduler=cluster.scheduler_address))
    local, dask = _records(tmp_path / "local"), _records(tmp_path / "dask")
    assert local.keys() == dask.keys() and len(local) == 2
    for name, record in dask.items():
        assert record["status"] == local[name]["status"] == "ok", record.get("message")
        assert record["symbolic_solution"] and local[name]["symbolic_solution"]


def _kill_a_busy_worker(address: str) -> int:
    """SIGKILL a worker process while it runs a benchmark task; its pid."""
    with Client(address) as client:
        while True:
            busy = [w for w, keys in client.processing().items()
                    if any(str(k).startswith("eqlearn-run") for k in keys)]
            if busy:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # the run's interpreter is starting or fitting
        pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
    os.kill(pid, signal.SIGKILL)
    return pid


def _sweep_in_background(config, executor, done):
    def sweep():
        run_benchmark(config, executor=executor, on_done=lambda spec, r: done.append(spec))

    thread = threading.Thread(target=sweep, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow  # ~16 s: a worker killed on purpose (the corpus test keeps a cluster in make test)
def test_a_worker_killed_mid_run_loses_no_run(cluster, stand_ins, tmp_path):
    config = _config(tmp_path, methods=("slowpoly",), problems=POLYNOMIALS)
    done = []
    thread = _sweep_in_background(config, DaskExecutor(scheduler=cluster.scheduler_address,
                                                       grace=20.0), done)
    pid = _kill_a_busy_worker(cluster.scheduler_address)
    thread.join(240)
    assert not thread.is_alive()
    with Client(cluster.scheduler_address) as client:
        assert pid not in client.run(os.getpid).values()  # the worker did die
    assert sorted(spec.problem.id for spec in done) == list(POLYNOMIALS)  # one record each
    records = _records(tmp_path)
    assert len(records) == 4
    assert {r["status"] for r in records.values()} == {"ok"}  # the killed run, run again


@pytest.mark.slow  # ~7 s: a worker killed on purpose
def test_a_run_that_keeps_killing_its_worker_is_recorded_as_failed(cluster, stand_ins,
                                                                    tmp_path):
    config = _config(tmp_path, methods=("killer", "poly"), problems=("Nguyen-1",))
    executor = DaskExecutor(scheduler=cluster.scheduler_address, grace=20.0)
    counts = run_benchmark(config, executor=executor).counts
    assert sum(counts.values()) == 2
    killer = json.loads(result_path(tmp_path, "nguyen", "killer", "Nguyen-1", 0.0, 0)
                        .read_text())
    assert killer["status"] == "error" and "KilledWorker" in killer["message"]
    assert killer["problem"] == "Nguyen-1" and killer["provenance"]["machine"]
    poly = json.loads(result_path(tmp_path, "nguyen", "poly", "Nguyen-1", 0.0, 0).read_text())
    assert poly["status"] in ("ok", "error")  # ok unless it shared a dying worker twice


@pytest.mark.slow  # ~10 s: two runs that must time out
def test_a_run_past_its_budget_or_dead_without_a_record_is_recorded(cluster, stand_ins,
                                                                    tmp_path):
    config = dataclasses.replace(_config(tmp_path, methods=("sleepy", "crasher"),
                                         problems=("Nguyen-1",)),
                                 time_budget=0.2, sympy_timeout=0.1)
    # the sleepy stand-in sleeps far past this test's timeouts: it ends only if it is killed
    executor = DaskExecutor(scheduler=cluster.scheduler_address, grace=6.0)
    assert run_benchmark(config, executor=executor).counts == {"timeout": 1, "error": 1}
    sleepy, crasher = (json.loads(result_path(tmp_path, "nguyen", method, "Nguyen-1", 0.0, 0)
                                  .read_text()) for method in ("sleepy", "crasher"))
    assert sleepy["status"] == "timeout" and "killed after 6 s" in sleepy["message"]
    assert crasher["status"] == "error"
    assert "exited with code 3 without writing a result (segfault, say)" in crasher["message"]


def _corpus_files(folder):
    files = {p.name: p.read_bytes() for p in sorted(folder.glob("shard_*.tsv"))}
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.pop("seconds")
    return files, manifest


def test_dask_corpus_equals_the_local_corpus(cluster, tmp_path):
    a, b, c = tmp_path / "local", tmp_path / "dask", tmp_path / "resumed"
    settings = dict(seed=3, shard_size=250, chunk_size=200, progress=False)
    generate_corpus("default", 600, a, workers=1, **settings)
    stats = generate_corpus("default", 600, b, executor="dask",
                            scheduler=cluster.scheduler_address, **settings)
    assert stats.written == 600
    assert _corpus_files(b) == _corpus_files(a)
    generate_corpus("default", 300, c, executor="dask", workers=1, **settings)  # own cluster
    generate_corpus("default", 600, c, executor="dask", scheduler=cluster.scheduler_address,
                    **settings)
    assert list(read_corpus(c, True)) == list(read_corpus(a, True))  # resumed to the same


def test_executor_names_are_checked():
    check_executor("local", None)
    check_executor("dask", "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="unknown executor 'spark'"):
        check_executor("spark", None)
    with pytest.raises(ValueError, match="needs the dask executor"):
        make_executor("local", scheduler="tcp://127.0.0.1:8786")
    assert make_executor("dask", workers=2, grace=5.0) == DaskExecutor(workers=2, grace=5.0)


@pytest.mark.slow  # ~8 s: the CLI on a LocalCluster
def test_cli_runs_a_benchmark_and_a_corpus_on_dask(cluster, stand_ins, tmp_path):
    runner = CliRunner()
    address = cluster.scheduler_address
    result = runner.invoke(app, ["bench", "run", "--suite", "nguyen", "--methods", "poly",
                                 "--problems", "Nguyen-1", "--time", "2", "--points", "40",
                                 "--out", str(tmp_path / "res"), "--no-progress",
                                 "--executor", "dask", "--scheduler", address])
    assert result.exit_code == 0, result.output
    assert "1 ok" in result.output
    result = runner.invoke(app, ["generate", "--n", "100", "--out", str(tmp_path / "corpus"),
                                 "--no-progress", "--executor", "dask", "--scheduler", address])
    assert result.exit_code == 0, result.output
    assert "100 unique skeletons" in result.output


@pytest.mark.parametrize("args, message", [
    (["bench", "run", "--executor", "spark"], "error: unknown executor 'spark'"),
    (["bench", "run", "--scheduler", "tcp://127.0.0.1:8786"], "error: a scheduler address"),
    (["generate", "--out", "x", "--executor", "spark"], "error: unknown executor 'spark'"),
    (["generate", "--out", "x", "--scheduler", "tcp://127.0.0.1:8786"],
     "error: a scheduler address"),
])
def test_cli_rejects_bad_executor_options_in_one_line(args, message, tmp_path):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith(message)
