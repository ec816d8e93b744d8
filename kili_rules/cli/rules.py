"""``kili-rules rules``: list the installed rule types with the first line of their documentation (all of it with
--doc); ``--python-api`` prints the reference of what a Python rule reads instead (``docs/python-rules-api.md``).
"""

from __future__ import annotations

import argparse

NAME = "rules"
HELP = "list the installed rule types"
EXAMPLES = "kili-rules rules --doc\n  kili-rules rules --python-api   # LabelView, Annotation, Point...: every name"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules rules``."""
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--doc", action="store_true", help="print each rule type's whole documentation")
    what.add_argument(
        "--python-api",
        action="store_true",
        help="print the reference of what a Python rule reads (LabelView, Annotation, Point...) instead",
    )


def run(args: argparse.Namespace) -> int:
    """List the installed rule types with the first line of their documentation (all of it with --doc), or print
    the Python rule API (--python-api)."""
    if args.python_api:
        from kili_rules.authoring.api_reference import python_api_markdown

        print(python_api_markdown(), end="")
        return 0
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
