"""The whole authoring loop on every rule set of rules/: lint each against its jsonInterface, write its editor
schema to dist/schema/<name>.schema.json, build it into dist/<name>/main.py, run its test cases
(rules/tests/<name>.yaml), then show what it says about the example labels of rules/labels.

    python build.py                 # all of rules/*.yaml
    python build.py rules/doc.yaml  # some of them

Each built file is what to pass to kili.upload_plugin (the printed line says how).
"""

import sys
from pathlib import Path

from kili_rules.cli import main

ROOT = Path(__file__).resolve().parent


def run(rule_files: list[str]) -> int:
    """Lint, write the schemas, build, then show what the rules say about the example labels of each rule set."""
    code = main(["lint", *rule_files])
    if code:
        return code
    for rule_file in rule_files:
        out = ROOT / "dist" / "schema" / f"{Path(rule_file).stem}.schema.json"
        code = main(["schema", rule_file, "--out", str(out)]) or code
    code = code or main(["build", *rule_files, "--out", str(ROOT / "dist")])
    if code:
        return code
    print()
    code = main(["test", *rule_files])
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
