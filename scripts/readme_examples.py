"""Run the examples of README.md and docs/user_guide.md and write their real output there.

A document marks what this script keeps true:

    <!-- example: examples/quickstart.py -->
    ```python
    ... the file's content, copied here ...
    ```

    <!-- output: examples/quickstart.py -->
    ```text
    ... what running it printed ...
    ```
    <!-- /output -->

An ``output`` key is a file under examples/ (``.py`` run with this Python, ``.sh`` with bash)
or an ``eqlearn`` command line (``eqlearn demo blackbody``). Each runs in a fresh temporary
folder holding a copy of examples/, with this virtual environment's ``bin`` first on PATH,
so files it saves appear under ``results/`` as they would for a user (a PNG it writes in the
folder itself is a figure of the documents: it is copied into docs/). Its stdout and stderr
are shown as a terminal interleaves them, less what varies from run to run: wall-clock times
(``13.2 s``) are masked as ``… s`` and progress bars (where a bar stopped depends on the
clock) are left out; trailing spaces are dropped. The examples fix their seeds.

    .venv/bin/python scripts/readme_examples.py            # run everything, update the documents
    .venv/bin/python scripts/readme_examples.py --only examples/quickstart.py
    .venv/bin/python scripts/readme_examples.py --check    # exit 1 if a document is stale
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "user_guide.md")
BIN = Path(sys.executable).parent

#: an example's code block: the marker, then a fenced block holding the file's content
CODE = re.compile(r"(?P<head><!-- example: (?P<key>\S+) -->\n```\w*\n)(?P<body>.*?)"
                  r"(?P<tail>^```$)", re.S | re.M)
#: an output block: everything between the markers
OUTPUT = re.compile(r"(?P<head><!-- output: (?P<key>.+?) -->\n)(?P<body>.*?)"
                    r"(?P<tail><!-- /output -->)", re.S)
#: a wall-clock time, "13.2 s"; not the "budget 60.5 s" asked for, nor units ("0.5 s^-1")
TIMING = re.compile(r"(?<!budget )\b\d+\.\d+ s(?![\w^*/])")
#: a progress bar's last state (how far it got before the clock stopped it varies)
PROGRESS = re.compile(r"^\S.* [━╸╺ ]+ \d+/\d+ (\d+:\d\d:\d\d|-:--:--)\s*$")


def command(key: str) -> list[str]:
    """The command line that runs an output key."""
    if key.startswith("examples/"):
        path = ROOT / key
        if not path.is_file():
            raise SystemExit(f"{key} is named in a document but does not exist")
        runner = {".py": [sys.executable], ".sh": ["bash"]}.get(path.suffix)
        if runner is None:
            raise SystemExit(f"{key}: only .py and .sh examples can be run")
        return runner + [key]
    words = shlex.split(key)
    if words[0] != "eqlearn":
        raise SystemExit(f"output key {key!r}: a file under examples/ or an eqlearn command")
    return [str(BIN / "eqlearn")] + words[1:]


#: examples whose printed equation depends on how much search the machine does within the
#: budget (few noisy readings: several forms are within the noise); --check skips them,
#: tests/test_readme.py still checks that their output is shown
CLOCK_BOUND = {"examples/puromycin.py"}


def normalise(text: str) -> str:
    """Output as the documents show it: progress bars left out, times masked, no trailing
    spaces, one final newline."""
    lines = [TIMING.sub("… s", line).rstrip() for line in text.splitlines()
             if not PROGRESS.match(line)]
    return "\n".join(lines).strip("\n") + "\n"


def run(key: str, save_figures: bool = False) -> str:
    """Run one output key in a fresh folder: its normalised output. With ``save_figures``
    the PNG files it writes in that folder (not under results/) are copied into docs/."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1",
               NO_COLOR="1")
    with tempfile.TemporaryDirectory(prefix="readme-") as folder:
        shutil.copytree(ROOT / "examples", Path(folder) / "examples")
        start = time.perf_counter()
        done = subprocess.run(command(key), cwd=folder, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        print(f"{key}: {time.perf_counter() - start:.1f} s, exit {done.returncode}",
              file=sys.stderr)
        for figure in Path(folder).glob("*.png") if save_figures else ():
            shutil.copyfile(figure, ROOT / "docs" / figure.name)
    if done.returncode != 0:
        sys.stderr.write(done.stdout)
        raise SystemExit(f"{key} failed (exit {done.returncode})")
    return normalise(done.stdout)


def stale_code(text: str) -> list[str]:
    """Keys whose code block in a document differs from the example file."""
    return [m["key"] for m in CODE.finditer(text)
            if m["body"] != (ROOT / m["key"]).read_text()]


def with_code(text: str) -> str:
    return CODE.sub(lambda m: m["head"] + (ROOT / m["key"]).read_text() + m["tail"], text)


def output_keys(text: str) -> list[str]:
    return list(dict.fromkeys(m["key"] for m in OUTPUT.finditer(text)))


def output_block(text: str) -> str:
    return f"```text\n{text}```\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a document differs from a fresh run")
    parser.add_argument("--only", action="append", default=[], metavar="KEY",
                        help="run only this output key (repeat); the others stay as they are")
    args = parser.parse_args(argv)

    texts = {path: path.read_text() for path in DOCUMENTS}
    keys = list(dict.fromkeys(k for text in texts.values() for k in output_keys(text)))
    unknown = set(args.only) - set(keys)
    if unknown:
        parser.error(f"not an output key of the documents: {', '.join(sorted(unknown))}; "
                     f"keys: {', '.join(keys)}")
    fresh = {key: output_block(run(key, save_figures=not args.check))
             for key in (args.only or keys)}
    if args.check:  # a clock-bound fit on noisy data: its choice may differ run to run
        fresh = {k: v for k, v in fresh.items() if k not in CLOCK_BOUND}
    stale = []
    for path, text in texts.items():
        updated = OUTPUT.sub(lambda m: m["head"] + fresh.get(m["key"], m["body"]) + m["tail"],
                             with_code(text))
        if updated == text:
            continue
        name = str(path.relative_to(ROOT))
        stale.append(name)
        if not args.check:
            path.write_text(updated)
            continue
        for key in stale_code(text):
            print(f"{name}: the code block of {key} differs from the file")
        sys.stdout.writelines(difflib.unified_diff(
            text.splitlines(True), updated.splitlines(True), name, f"{name} (fresh run)"))
    verb = "stale" if args.check else "updated"
    print(f"{len(fresh)} output(s) run; {verb}: {', '.join(stale) or 'none'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
