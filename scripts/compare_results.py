"""Two or more `eqlearn bench run` result folders side by side: symbolic solutions and
accuracy solutions per folder, and the problems on which they differ.

    python scripts/compare_results.py results/neural_run4 results/neural_run5
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def load(folder: Path) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.rglob("*.json")):
        r = json.loads(path.read_text())
        if "problem" in r:
            out[f"{r['problem']} {r['method']} noise={r['noise']} seed={r['seed']}"] = r
    return out


def main(folders: list[str]) -> None:
    runs = {f: load(Path(f)) for f in folders}
    keys = sorted(set().union(*runs.values()))
    for f, rs in runs.items():
        sym = sum(bool(r.get("symbolic_solution")) for r in rs.values())
        acc = sum(bool(r.get("accuracy_solution")) for r in rs.values())
        print(f"{f}: {len(rs)} runs, symbolic {sym}, accuracy {acc}")
    print("\ndiffering (symbolic/accuracy per folder):")
    for k in keys:
        marks = [runs[f].get(k, {}) for f in folders]
        cells = [f"{int(bool(m.get('symbolic_solution')))}/{int(bool(m.get('accuracy_solution')))}"
                 for m in marks]
        if len(set(cells)) > 1:
            print(f"  {k}: " + "  ".join(cells))


if __name__ == "__main__":
    main(sys.argv[1:])
