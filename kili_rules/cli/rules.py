"""``kili-rules rules``: list the installed rule types with the first line of their documentation (all of it with
--doc).
"""

from __future__ import annotations

import argparse

NAME = "rules"
HELP = "list the installed rule types"
EXAMPLES = "kili-rules rules --doc"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules rules``."""
    parser.add_argument("--doc", action="store_true", help="print each rule type's whole documentation")


def run(args: argparse.Namespace) -> int:
    """List the installed rule types with the first line of their documentation (all of it with --doc)."""
    from kili_rules.authoring.docs import rule_type_doc
    from kili_rules.plugins.registry import default_registry

    registry = default_registry()
    for name, rule_type in registry.rule_types.items():
        doc = rule_type_doc(rule_type)
        if args.doc:
            print(f"# {name}  (from {registry.providers[name]})\n\n{doc}\n")
        else:
            print(f"{name:<12} {doc.splitlines()[0] if doc else ''}  [{registry.providers[name]}]")
    return 0
