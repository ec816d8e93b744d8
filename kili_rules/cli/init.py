"""``kili-rules init``: scaffold a rule set: rule file, placeholder interface, test cases, editor schema."""

from __future__ import annotations

import argparse

NAME = "init"
HELP = "start a rule set in a folder: rule file, placeholder interface, test cases and editor schema"
EXAMPLES = "kili-rules init qa/invoices && kili-rules test qa/invoices"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules init``."""
    parser.add_argument("folder", metavar="DIR")
    parser.add_argument("--name", help="the rule set (and plugin) name (default: the folder's name)")


def run(args: argparse.Namespace) -> int:
    """Scaffold a rule set: rule file, placeholder interface, test cases, editor schema."""
    from kili_rules.authoring.scaffold import init

    files = init(args.folder, args.name)
    for path in files:
        print(f"wrote {path}")
    rule_file = files[0]
    print(
        f"next: replace {files[1]} with your project's jsonInterface, then\n"
        f"  kili-rules lint {rule_file}\n  kili-rules test {args.folder}\n  kili-rules build {rule_file}"
    )
    return 0
