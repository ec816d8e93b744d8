"""Build every rule set of rules/ into dist/<name>/main.py, then evaluate the example labels of rules/labels.

    python build.py                 # all of rules/*.yaml
    python build.py rules/doc.yaml  # some of them

Each built file is what to pass to kili.upload_plugin (the printed line says how).
"""

import sys
from pathlib import Path

from kili_rules.cli import main

ROOT = Path(__file__).resolve().parent


def run(rule_files: list[str]) -> int:
    """Build, then show what the rules say about the example labels named after each rule set."""
    code = main(["build", *rule_files, "--out", str(ROOT / "dist")])
    if code:
        return code
    labels = sorted((ROOT / "rules" / "labels").glob("*.json"))
    for rule_file in rule_files:
        mine = [str(p) for p in labels if p.name.startswith(Path(rule_file).stem)]
        if mine:
            print(f"\n{Path(rule_file).name} on the example labels:")
            code = main(["eval", rule_file, *mine]) or code
    return code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:] or sorted(str(p) for p in (ROOT / "rules").glob("*.yaml"))))
