"""``kili-rules deploy``: build a rule set, upload (or update) its plugin, activate it on a project, make its score
filterable, print its recent logs. Needs the ``kili`` SDK (``pip install 'kili-rules[kili]'``).
"""

from __future__ import annotations

import argparse

from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import _live
from kili_rules.cli.logs import parse_since

NAME = "deploy"
HELP = "build, upload or update the plugin, activate it on a project, make the score filterable, show recent logs"
EXAMPLES = (
    "kili-rules deploy rules/document.yaml --project ckxyz\n"
    "  kili-rules deploy rules/image.yaml --project ckxyz --plugin 'image QA'"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules deploy``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    _live.add_connection_arguments(parser)
    parser.add_argument("--plugin", metavar="NAME", help="the plugin's name in Kili (default: the rule set's name)")
    parser.add_argument("--out", default="dist", help="where to build (default: dist)")
    parser.add_argument(
        "--logs", type=int, default=20, metavar="N", help="log lines to print after (default 20; 0: none)"
    )
    parser.add_argument("--since", default="1h", help="logs of the last 30m, 2h, 1d... (default 1h)")


def run(args: argparse.Namespace) -> int:
    """Deploy."""
    from kili_rules.live.deploy import deploy

    rule_set = load_rule_set(args.rule_file)
    kili = _live.sdk_client(args)
    deploy(
        rule_set,
        kili,
        args.project,
        plugin_name=args.plugin,
        out_dir=args.out,
        logs=args.logs,
        since=parse_since(args.since),
    )
    return 0
