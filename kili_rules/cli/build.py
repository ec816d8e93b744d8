"""``kili-rules build``: build each rule file into dist/<name>/main.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set

NAME = "build"
HELP = "build rule files into uploadable plugins"
EXAMPLES = "kili-rules build rules/document.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules build``."""
    parser.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    parser.add_argument("--out", default="dist", help="output folder (default: dist)")


def run(args: argparse.Namespace) -> int:
    """Build each rule file into dist/<name>/main.py."""
    from kili_rules.generator import build_plugin

    for path in args.rule_files:
        result = build_plugin(load_rule_set(path), Path(args.out))
        print(result.summary())
    return 0
