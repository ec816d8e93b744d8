"""``kili-rules lint``: check rule files against the project's jsonInterface: 0 clean, 1 problems, 2 a file could not
be read. With ``--project``, also warn when the local interface differs from the project's live one.
"""

from __future__ import annotations

import argparse
import sys

from kili_rules.cli import _live
from kili_rules.errors import RuleFileError

NAME = "lint"
HELP = "check rule files against the project's jsonInterface (exit 0 clean, 1 problems, 2 unreadable)"
EXAMPLES = (
    "kili-rules lint rules/document.yaml\n  kili-rules lint rules/*.yaml --interface project_interface.json\n"
    "  kili-rules lint rules/document.yaml --project ckxyz   # also: is the local interface still Kili's?"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules lint``."""
    parser.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    parser.add_argument(
        "--interface",
        metavar="FILE",
        help="the jsonInterface to check against, instead of the rule file's `interface:` (a jsonInterface, or "
        "a JSON object holding one under `jsonInterface`, like a project from kili.projects())",
    )
    _live.add_connection_arguments(parser, project_required=False)


def run(args: argparse.Namespace) -> int:
    """Check rule files against the project's jsonInterface: 0 clean, 1 problems, 2 a file could not be read."""
    from kili_rules.authoring.lint import lint_rule_file

    live = None
    if args.project:
        with _live.connect(args) as client:
            live = (args.project, client.project(args.project)["jsonInterface"])
    exit_code = 0
    for path in args.rule_files:
        try:
            problems = lint_rule_file(path, interface_path=args.interface, live_interface=live)
        except RuleFileError as error:
            print(str(error), file=sys.stderr)
            exit_code = 2
            continue
        for problem in problems:
            print(problem)
        if problems:
            exit_code = max(exit_code, 1)
            errors = sum(p.severity == "error" for p in problems)
            print(f"{path}: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
        else:
            print(f"{path}: clean", file=sys.stderr)
    return exit_code
