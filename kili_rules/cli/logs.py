"""``kili-rules logs``: a plugin's recent log lines on a project (through the ``kili`` SDK)."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta

from kili_rules.cli import _live
from kili_rules.errors import InputError

NAME = "logs"
HELP = "print a plugin's recent logs on a project (needs the kili SDK)"
EXAMPLES = (
    "kili-rules logs --project ckxyz --plugin document\n"
    "  kili-rules logs --project ckxyz --plugin document --since 1d --limit 200"
)


def parse_since(text: str) -> timedelta:
    """``30m``, ``2h``, ``1d`` as a timedelta."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhd])\s*", text or "")
    if match is None:
        raise InputError(f"--since {text!r}: give minutes, hours or days, like 30m, 2h or 1d")
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: float(match.group(1))})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules logs``."""
    _live.add_connection_arguments(parser)
    parser.add_argument("--plugin", required=True, metavar="NAME", help="the plugin's name in Kili")
    parser.add_argument("--since", default="1d", help="the last 30m, 2h, 1d... (default 1d)")
    parser.add_argument("--limit", type=int, default=100, help="at most this many lines (default 100)")


def run(args: argparse.Namespace) -> int:
    """Print the log lines, oldest first."""
    from kili_rules.live.deploy import log_line, read_logs

    since = parse_since(args.since)
    entries = read_logs(_live.sdk_client(args), args.project, args.plugin, limit=args.limit, since=since)
    for entry in entries:
        print(log_line(entry))
    if not entries:
        print(f"no logs of plugin {args.plugin!r} on project {args.project} in the last {args.since}")
    return 0
