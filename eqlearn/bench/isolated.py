"""One benchmark run in a fresh interpreter, killed at its deadline: how a run executes on a
machine that is not the one that planned it (a Dask worker, see
:mod:`eqlearn.bench.dask_executor`).

:func:`run_isolated` takes a run and its :class:`~eqlearn.bench.methods.Method` pickled
together (so a method registered only where the benchmark was planned runs too), starts a
new Python interpreter in its own session, waits at most ``kill_after + grace``
seconds, and returns the record: the one the run wrote, or a ``timeout`` / ``error`` record
when it was killed or died without one. The run writes into a private temporary folder, never
at its final path: whoever called returns the record and the caller writes it, so the nodes
need no shared file system and a stray process can never overwrite a record.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from .methods import METHODS
from .runs import RunSpec, execute_run, failure_record, read_record

__all__ = ["run_isolated"]

_CHILD = "import sys; from eqlearn.bench.isolated import _main; _main(*sys.argv[1:3])"


def _child_env() -> dict[str, str]:
    """This process's environment, its import path passed on: the run imports the same
    eqlearn (and the same registered methods' modules) as its parent."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


def _kill_session(proc: subprocess.Popen) -> None:
    """Kill the run's process and whatever it started (its session's process group), which
    may outlive the run itself (a fit's worker processes)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if proc.poll() is None:
            proc.kill()
    proc.wait()


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def run_isolated(payload: bytes, grace: float) -> dict[str, Any]:
    """Run a pickled ``(RunSpec, Method)`` in a child interpreter; return its record.

    Parameters
    ----------
    payload : bytes
        ``cloudpickle.dumps((spec, method))``.
    grace : float
        Seconds past ``spec.kill_after`` before the run is killed.

    Returns
    -------
    dict
        The run's record, not written anywhere (its ``spec.path`` is the caller's).
    """
    spec, _ = pickle.loads(payload)
    with tempfile.TemporaryDirectory(prefix="eqlearn-run-") as tmp:
        local = dataclasses.replace(spec, path=str(Path(tmp) / "record.json"))
        job, log = Path(tmp) / "run.pkl", Path(tmp) / "stderr.txt"
        job.write_bytes(payload)
        limit = spec.kill_after + grace
        with open(log, "wb") as stderr:
            proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(job), local.path],
                                    env=_child_env(), start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            return failure_record(local, "timeout", f"killed after {limit:.0f} s (budget "
                                  f"{spec.time_budget:g} s + grace)", wall_time_s=limit)
        finally:
            _kill_session(proc)  # on time or not: leave nothing of the run behind
        record = read_record(local.path)
        if record is None:
            last = _last_line(log)
            return failure_record(local, "error", f"the run's process exited with code "
                                  f"{proc.returncode} without writing a result"
                                  + (f" ({last})" if last else ""))
        return record


def _exit_when_orphaned(parent: int) -> None:
    """Kill this run's session once its parent (a Dask worker, say) is gone."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.killpg(0, signal.SIGKILL)


def _main(job: str, record_path: str) -> None:
    """The child: unpickle the run and its method, run it, write its record."""
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    warnings.simplefilter("ignore")  # the peers' numerical warnings are no news here
    spec, method = pickle.loads(Path(job).read_bytes())
    METHODS[spec.method] = method  # the planner's method, even one registered only there
    execute_run(dataclasses.replace(spec, path=record_path))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # the record is written: leave now, whatever exit hooks the fit registered

