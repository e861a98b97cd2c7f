"""The README and docs/ stay true: short README, examples equal to their files, links that
resolve, and (slow) outputs equal to a fresh run of scripts/readme_examples.py."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCRIPT = ROOT / "scripts" / "readme_examples.py"
MARKDOWN = [README, *sorted((ROOT / "docs").glob("*.md"))]


def _script():
    spec = importlib.util.spec_from_file_location("readme_examples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _prose(text: str) -> list[str]:
    """The lines outside fenced code blocks, inline code removed."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(re.sub(r"`[^`]*`", "", line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation and symbols dropped (letters,
    digits, ``_`` and ``-`` kept), each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").replace("*", "").strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    fenced = False
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"#{1,6} (.+?)#*\s*$", line)
        if match:
            base = slug(match.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            result.add(base if n == 0 else f"{base}-{n}")
    return result


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def broken_links(path: Path) -> list[str]:
    broken = []
    for line in _prose(path.read_text()):
        for target in LINK.findall(line):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                continue
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file).resolve() if file else path
            if not resolved.exists():
                broken.append(f"{target} (no such file)")
            elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
                broken.append(f"{target} (no such anchor)")
    return broken


def test_slug_follows_github():
    assert slug("Results with 1 % noise: Feynman (≤ 3 variables) + Nguyen, 30 s per run") \
        == "results-with-1--noise-feynman--3-variables--nguyen-30-s-per-run"
    assert slug("No units? Scaling symmetries read from the data") \
        == "no-units-scaling-symmetries-read-from-the-data"
    assert slug("What `fit` takes") == "what-fit-takes"
    assert slug("4. Direct fits and the network's proposals") \
        == "4-direct-fits-and-the-networks-proposals"


def test_link_checker_sees_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [bad](#nope) [gone](missing.md)\n"
                    "```\n[in code](ignored.md)\n```\n")
    assert broken_links(page) == ["#nope (no such anchor)", "missing.md (no such file)"]


def test_readme_is_short():
    n = len(README.read_text().splitlines())
    assert n <= 250, f"README.md has {n} lines; move detail into docs/"


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    assert broken_links(path) == []


def test_every_example_shown_equals_its_file():
    script = _script()
    shown = set()
    for path in script.DOCUMENTS:
        text = path.read_text()
        blocks = [m["key"] for m in script.CODE.finditer(text)]
        assert all((ROOT / key).is_file() for key in blocks), blocks
        assert script.stale_code(text) == [], f"{path.name}: run scripts/readme_examples.py"
        shown |= set(blocks)
        outputs = script.output_keys(text)
        assert all(key in outputs for key in blocks), "an example shown without its output"
    assert shown >= {"examples/quickstart.py", "examples/cli_quickstart.sh"}


def test_outputs_are_shown_with_times_masked():
    script = _script()
    assert script.normalise("fit in 13.2 s  \n(R² = 1.0, 0.4 s, 5 candidates)\n\n") == \
        "fit in … s\n(R² = 1.0, … s, 5 candidates)\n"
    assert script.normalise("budget 60.5 s, 0.5 s^-1\n") == "budget 60.5 s, 0.5 s^-1\n"
    bar = "fitting candidates " + "━" * 28 + "╸" + " " * 12 + " 163/227 0:00:03"
    table = "┏━━━┳━━━━━━━━━━━━┓\n┃   ┃ complexity ┃"
    assert script.normalise(f"{bar}\n{table}\n") == f"{table}\n"
    readme = README.read_text()
    assert "<!-- output: eqlearn demo blackbody -->" in readme
    for key in script.output_keys(readme):
        block = readme.split(f"<!-- output: {key} -->\n", 1)[1].split("<!-- /output -->")[0]
        assert block.startswith("```text\n") and block.strip() != "```text\n```", key


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_readme_outputs_match_a_fresh_run():
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
