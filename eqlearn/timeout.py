"""Time bounds for calls that may run long (sympy simplification, parsing, fits).

In the main thread a POSIX interval timer interrupts the call; elsewhere the call runs in a
forked child process that is killed at the deadline.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable

__all__ = ["CallTimeout", "call_with_timeout", "time_limit"]


class CallTimeout(TimeoutError):
    """A time-bounded call ran past its limit."""


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`CallTimeout` inside the block after ``seconds`` (main thread only;
    elsewhere the block runs unbounded — use :func:`call_with_timeout` there)."""
    if not _can_use_alarm() or seconds is None or seconds <= 0:
        yield
        return

    def handler(signum, frame):
        raise CallTimeout(f"call exceeded its time limit of {seconds:g} s")

    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, _ = signal.getitimer(signal.ITIMER_REAL)
    delay = seconds if old_delay <= 0 else min(seconds, old_delay)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, delay)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # re-arm an enclosing limit with what is left of it
            remaining = old_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3))


def _child(conn, fn, args, kwargs):
    try:
        conn.send((True, fn(*args, **kwargs)))
    except BaseException as exc:  # noqa: BLE001 - forwarded to the parent
        conn.send((False, exc))
    finally:
        conn.close()


def call_with_timeout(fn: Callable[..., Any], *args, timeout: float, **kwargs) -> Any:
    """``fn(*args, **kwargs)``, raising :class:`CallTimeout` after ``timeout`` seconds."""
    if _can_use_alarm():
        with time_limit(timeout):
            return fn(*args, **kwargs)
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise CallTimeout(f"call exceeded its time limit of {timeout:g} s")
        ok, value = parent.recv()
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
        parent.close()
    if ok:
        return value
    raise value
