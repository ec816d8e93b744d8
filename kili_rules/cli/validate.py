"""``kili-rules validate``: load each rule file and say what it holds."""

from __future__ import annotations

import argparse

from kili_rules.authoring.loader import load_rule_set

NAME = "validate"
HELP = "load rule files and report any problem"
EXAMPLES = "kili-rules validate rules/*.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules validate``."""
    parser.add_argument("rule_files", nargs="+", metavar="RULE_FILE")


def run(args: argparse.Namespace) -> int:
    """Load each rule file and say what it holds."""
    for path in args.rule_files:
        rule_set = load_rule_set(path)
        types = ", ".join(sorted({r["type"] for r in rule_set.data["rules"]})) or "none"
        print(f"{path}: OK, rule set {rule_set.name!r}: {len(rule_set.data['rules'])} rules ({types})")
    return 0
