"""Benchmarks: eqlearn and its peers side by side on SRBench-style suites (``eqlearn bench``).

No torch here: eqlearn's estimator is imported only inside the runs of an eqlearn method.
"""
from .dask_executor import DaskExecutor
from .executors import Executor, LocalExecutor, make_executor
from .methods import METHODS, Method, get_method
from .metrics import (acc_tau, accuracy_solution, model_size, r2, score_model,
                      symbolic_solution)
from .report import load_results, write_report
from .runner import BenchConfig, BenchSummary, plan_runs, run_benchmark
from .runs import RunSpec, execute_run

__all__ = ["BenchConfig", "BenchSummary", "DaskExecutor", "Executor", "LocalExecutor", "METHODS",
           "Method", "RunSpec", "acc_tau", "accuracy_solution", "execute_run", "get_method",
           "load_results", "make_executor", "model_size", "plan_runs", "r2", "run_benchmark",
           "score_model", "symbolic_solution", "write_report"]
