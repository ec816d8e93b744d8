"""Evaluate the example labels of rules/labels with every rule set of rules/ (the build comes with issue 3)."""

import sys
from pathlib import Path

from kili_rules.cli import main

ROOT = Path(__file__).resolve().parent
if __name__ == "__main__":
    labels = sorted(str(p) for p in (ROOT / "rules" / "labels").glob("*.json"))
    for rule_file in sorted((ROOT / "rules").glob("*.yaml")):
        stem = rule_file.stem
        mine = [p for p in labels if Path(p).name.startswith(stem)]
        code = main(["eval", str(rule_file), *mine])
        if code:
            sys.exit(code)
