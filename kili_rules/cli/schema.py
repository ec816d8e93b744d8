"""``kili-rules schema``: write the JSON Schema of rule files, narrowed to a project's job and category names when one
is known.
"""

from __future__ import annotations

import argparse
import sys

NAME = "schema"
HELP = (
    "print the JSON Schema of rule files (for editor completion), narrowed to the project's job and "
    "category names when a rule file or an interface is given"
)
EXAMPLES = (
    "kili-rules schema rules/document.yaml --out dist/schema/document.schema.json\n"
    "  kili-rules schema --interface project_interface.json > rules.schema.json\n"
    "then start the rule file with:  # yaml-language-server: $schema=../dist/schema/document.schema.json"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules schema``."""
    parser.add_argument("rule_file", nargs="?", metavar="RULE_FILE", help="narrow to the interface it names")
    parser.add_argument("--interface", metavar="FILE", help="narrow to this jsonInterface instead")
    parser.add_argument("--out", metavar="FILE", help="write there instead of printing")


def run(args: argparse.Namespace) -> int:
    """Write the JSON Schema of rule files, narrowed to a project's job and category names when one is known."""
    from kili_rules.authoring.schema import write_schema

    target = write_schema(args.rule_file, interface_path=args.interface, out=args.out)
    if target is not None:
        print(f"wrote {target}", file=sys.stderr)
    return 0
