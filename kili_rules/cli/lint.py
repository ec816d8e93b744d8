"""``kili-rules lint``: check rule files against the project's jsonInterface: 0 clean, 1 problems, 2 a file could not
be read. With ``--project``, also warn when the local interface differs from the project's live one.
"""

from __future__ import annotations

import argparse
import json
import sys

from kili_rules.cli import _live
from kili_rules.errors import Problem, RuleFileError

NAME = "lint"
HELP = "check rule files against the project's jsonInterface (exit 0 clean, 1 problems, 2 unreadable)"
EXAMPLES = (
    "kili-rules lint rules/document.yaml\n  kili-rules lint rules/*.yaml --interface project_interface.json\n"
    "  kili-rules lint rules/document.yaml --project ckxyz   # also: is the local interface still Kili's?\n"
    "  kili-rules lint rules/*.yaml --format github   # annotations on the pull request, in a GitHub workflow"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules lint``."""
    parser.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    parser.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text: `file:line:col: severity: message [rule]` lines; github: GitHub Actions workflow annotations; "
        "json: one JSON array of every problem of every file",
    )
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
    everything: list[Problem] = []
    for path in args.rule_files:
        try:
            problems = lint_rule_file(path, interface_path=args.interface, live_interface=live)
        except RuleFileError as error:
            exit_code = 2
            if args.format == "text":
                print(str(error), file=sys.stderr)
            elif args.format == "github":
                for problem in error.problems:
                    print(github_annotation(problem))
            everything += error.problems
            continue
        everything += problems
        if args.format == "github":
            for problem in problems:
                print(github_annotation(problem))
        elif args.format == "text":
            for problem in problems:
                print(problem)
        if problems:
            exit_code = max(exit_code, 1)
            errors = sum(p.severity == "error" for p in problems)
            print(f"{path}: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
        else:
            print(f"{path}: clean", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([problem_json(p) for p in everything], ensure_ascii=False, indent=2))
    return exit_code


def problem_json(problem: Problem) -> dict[str, object]:
    """A problem as plain data (``--format json``)."""
    return {
        "path": problem.path,
        "line": problem.line,
        "column": problem.column,
        "severity": problem.severity,
        "message": problem.message + (f"; {problem.hint}" if problem.hint else ""),
        "rule_id": problem.rule_id,
    }


def github_annotation(problem: Problem) -> str:
    """A problem as a GitHub Actions workflow command (``::error file=...,line=...,col=...::message``)."""
    level = "warning" if problem.severity == "warning" else "error"
    title = "kili-rules" + (f" [{problem.rule_id}]" if problem.rule_id else "")
    message = problem.message + (f"; {problem.hint}" if problem.hint else "")
    return (
        f"::{level} file={_escape_property(problem.path)},line={problem.line},col={problem.column},"
        f"title={_escape_property(title)}::{_escape_data(message)}"
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
