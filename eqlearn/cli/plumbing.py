"""The command line's plumbing: help pages in click's words (``TEXT``, ``FLOAT``; none for
flags) and every failure as one ``error: …`` line on stderr with exit code 2."""
from __future__ import annotations

import os
import re

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

__all__ = ["Command", "Group", "console", "errors", "fail", "split_list"]

console = Console(width=None if Console().is_terminal else 140)
errors = Console(stderr=True, soft_wrap=True, highlight=False)

_TYPE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH"}


def _type_name(param, ctx) -> str:
    """click's name of a value's type (``FLOAT``), none for a flag, where typer's rich help
    writes ``<float>`` for options and ``<bool>`` for flags that take no value."""
    if getattr(param, "is_flag", False):
        return ""
    label = param.display_type(ctx).strip("<>")
    label = re.sub(r"^list\[(.*)\]$", r"\1", label)  # a repeatable option: its item's type
    return _TYPE_NAMES.get(label.lower(), label.upper())


class _Option(TyperOption):
    def display_type_rich(self, ctx) -> str:
        return self.metavar if self.metavar is not None else _type_name(self, ctx)


class _Argument(TyperArgument):
    def display_type_rich(self, ctx) -> str:
        return _type_name(self, ctx)

    def get_usage_pieces(self, ctx) -> list[str]:  # DATA, [NAME], not {data}, [name]
        name = (self.metavar or self.name.upper()) + ("..." if self.nargs != 1 else "")
        return [name if self.required else f"[{name}]"]


def _plain(param):
    """``param`` shown the click way (its class swapped for a subclass that adds no state)."""
    for base, plain in ((TyperArgument, _Argument), (TyperOption, _Option)):
        if type(param) is base:
            param.__class__ = plain
    return param


def fail(message: str) -> None:
    """One ``error: …`` line on stderr, exit code 2."""
    errors.print(Text.assemble(("error:", "bold red"), " ", " ".join(message.split())))
    raise typer.Exit(code=2)


def describe_error(exc: Exception) -> str:
    """The error line's text: the message of the errors bad input raises (its type too for
    others, which EQLEARN_DEBUG=1 shows with their traceback)."""
    from ..exceptions import FitError

    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, (ValueError, FitError, OSError)) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc} (EQLEARN_DEBUG=1 shows where it came from)"


class Command(TyperCommand):
    """A command whose errors end as one line on stderr, exit code 2, never a traceback."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params = [_plain(p) for p in self.params]

    def get_help_option(self, ctx):
        return _plain(super().get_help_option(ctx))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:  # noqa: BLE001 - the command line's last word on any error
            if os.environ.get("EQLEARN_DEBUG"):
                raise
            fail(describe_error(exc))


class Group(TyperGroup):
    def get_help_option(self, ctx):
        return _plain(super().get_help_option(ctx))


def split_list(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def executor_option(what: str):
    """``--executor``: where the work runs (``what``: the task each one is on Dask)."""
    return typer.Option("local", help="local (processes on this machine) or dask (on a "
                        f"Dask cluster: {what}).")


def scheduler_option():
    """``--scheduler``: the Dask scheduler's address."""
    return typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786 (--executor "
                        "dask; without it a local cluster of --workers processes).")
