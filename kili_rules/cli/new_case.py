"""``kili-rules new-case``: append a test case made from a real label, expecting what the rules say about it today."""

from __future__ import annotations

import argparse
import sys

NAME = "new-case"
HELP = (
    "append a test case made from a real label (a Kili export, a label or a jsonResponse file) to the "
    "rule set's tests/<name>.yaml, expecting what the rules say about it today"
)
EXAMPLES = "kili-rules new-case rules/document.yaml export.json --asset ckq2... --name 'German IBAN'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules new-case``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    parser.add_argument("label_file", metavar="LABEL_FILE")
    parser.add_argument("--name", help="the case name (default: the label file's name)")
    pick = parser.add_mutually_exclusive_group()
    pick.add_argument("--asset", metavar="ID", help="the asset (or label) id, when the file holds several labels")
    pick.add_argument("--index", type=int, metavar="N", help="the N-th label of the file (0-based)")
    parser.add_argument("--event", choices=("submit", "review"), default="submit")
    parser.add_argument("--tests", metavar="FILE", help="the test file (default: tests/<rule set>.yaml beside it)")


def run(args: argparse.Namespace) -> int:
    """Append a test case made from a real label, expecting what the rules say about it today."""
    from kili_rules.testing.new_case import new_case

    target, case, report = new_case(
        args.rule_file,
        args.label_file,
        test_file=args.tests,
        name=args.name,
        asset=args.asset,
        index=args.index,
        event=args.event,
    )
    failed = ", ".join(report.failed_rule_ids) or "no rule"
    print(f"added case {case['name']!r} to {target}: {failed} failing, score {report.score:g}")
    print("  it records what the rules say today: check that is what they should say, and edit `expect:` if not")
    for outcome in report.errors:
        print(
            f"  warning: rule {outcome.rule_id!r} raised on this label ({outcome.error}): fix the rule", file=sys.stderr
        )
    return 0
