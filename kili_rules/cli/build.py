"""``kili-rules build``: build each rule file into dist/<name>/main.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set

NAME = "build"
HELP = "build rule files into uploadable plugins"
EXAMPLES = "kili-rules build rules/document.yaml\n  kili-rules build --handlers events rules/document.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules build``."""
    parser.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    parser.add_argument("--out", default="dist", help="output folder (default: dist)")
    parser.add_argument(
        "--handlers",
        choices=("legacy", "events"),
        default="legacy",
        help="how Kili calls the plugin: legacy (on_submit, on_review, on_custom_interface_click; kili >= 26.2) or "
        "events (Kili's event API, @on_kili_event; kili >= 26.2.4), which also checks the rules when the "
        "project's interface changes (default: legacy)",
    )


def run(args: argparse.Namespace) -> int:
    """Build each rule file into dist/<name>/main.py."""
    from kili_rules.generator import build_plugin

    for path in args.rule_files:
        result = build_plugin(load_rule_set(path), Path(args.out), args.handlers)
        print(result.summary())
    return 0
