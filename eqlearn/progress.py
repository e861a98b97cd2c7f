"""One progress bar (rich) for every long operation, or nothing when disabled."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(enabled: bool, total: int, label: str,
                 completed: int = 0) -> Iterator[Callable[..., None]]:
    """Yields ``advance(k=1)``; shows a bar with ``label`` when ``enabled``."""
    if not enabled:
        yield lambda k=1: None
        return
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeRemainingColumn)

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   transient=False)
    bar.start()
    task = bar.add_task(label, total=total, completed=completed)
    try:
        yield lambda k=1: bar.advance(task, k)
    finally:
        bar.stop()
