"""``kili-rules check``: audit existing labels: per-rule summary and score distribution; exit 1 at --fail-on
severity.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import InputError

NAME = "check"
HELP = (
    "audit existing labels offline: what the rules say about a Kili export (a file, or the folder or .zip of"
    " kili.export_labels), kili.labels() / kili.assets() dumps or JSON Lines, per rule and as a score"
    " distribution (read as a stream: any size; by default the latest non-AUTOSAVE label of each asset)"
)
EXAMPLES = (
    "kili-rules check rules/document.yaml export.json\n"
    "  kili-rules check rules/document.yaml labels.jsonl --format json --fail-on warning"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules check``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    parser.add_argument("label_files", nargs="+", metavar="LABEL_FILE", help="a file, folder or .zip of labels")
    parser.add_argument("--event", choices=("submit", "review"), default="submit")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        default="error",
        help="exit 1 when a finding of this severity or worse occurs, or a rule raises (default: error)",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--latest",
        dest="latest",
        action="store_true",
        default=True,
        help="check the latest non-AUTOSAVE label of each asset (the default)",
    )
    which.add_argument(
        "--all-labels", dest="latest", action="store_false", help="check every label read, autosaves and history too"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it only shows on a terminal)")


def run(args: argparse.Namespace) -> int:
    """Audit existing labels: per-rule summary and score distribution; exit 1 at --fail-on severity."""
    from kili_rules.authoring.audit import ProgressBar, audit

    rule_set = load_rule_set(args.rule_file)
    missing = [f for f in args.label_files if not Path(f).exists()]
    if missing:
        raise InputError(f"{missing[0]}: no such file or folder")
    progress = None
    if not args.no_progress:
        progress = ProgressBar(sum(Path(f).stat().st_size for f in args.label_files if Path(f).is_file()))
    summary = audit(rule_set, args.label_files, args.event, progress, latest=args.latest)
    if args.format == "json":
        print(json.dumps(summary.as_json(), ensure_ascii=False, indent=2))
    else:
        print(summary.as_text())
    return 1 if summary.reaches(args.fail_on) else 0
