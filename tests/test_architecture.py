"""The package's shape: imports flow one way (the import-linter contracts in pyproject.toml),
no module imports itself through others, and the estimator stays a thin front door."""
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    done = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


def _cycle(graph, modules) -> list[str] | None:
    """A cycle of direct imports among ``modules``, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.find_modules_directly_imported_by(m) & modules):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(modules):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_circular_imports():
    graph = grimp.build_graph("eqlearn", cache_dir=None)
    modules = {m for m in graph.modules if m != "eqlearn"}
    packages = {m for m in modules if (ROOT / Path(*m.split("."))).is_dir()}
    cycle = _cycle(graph, modules - packages)  # a package's __init__ re-exports its modules
    assert cycle is None, " -> ".join(cycle)


def test_cycle_finder_finds_a_planted_cycle():
    class Graph:
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}

        def find_modules_directly_imported_by(self, m):
            return self.edges[m]

    assert _cycle(Graph(), {"a", "b", "c", "d"}) == ["a", "b", "c", "a"]
    Graph.edges["c"] = set()
    assert _cycle(Graph(), {"a", "b", "c", "d"}) is None


@pytest.mark.parametrize("path, limit", [("eqlearn/estimator.py", 220)])
def test_front_door_stays_thin(path, limit):
    assert len((ROOT / path).read_text().splitlines()) <= limit
