"""Write the bundled ``families`` suite (eqlearn/data/suites/families.json): random
instances of hard law families, from :func:`eqlearn.data.families.family_suite`.

    .venv/bin/python scripts/build_families.py
"""
import json
from dataclasses import asdict
from pathlib import Path

from eqlearn.data.families import family_suite

OUT = Path(__file__).resolve().parents[1] / "eqlearn" / "data" / "suites" / "families.json"


def main() -> None:
    suite = family_suite(per_family=10, seed=0)
    problems = [{k: v for k, v in asdict(p).items() if k != "data"} for p in suite]
    OUT.write_text(json.dumps({"name": suite.name, "description": suite.description,
                               "problems": problems}, indent=1) + "\n")
    print(f"wrote {len(problems)} problems to {OUT}")


if __name__ == "__main__":
    main()
