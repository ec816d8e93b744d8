"""``kili-rules diff``: what changing a rule set does to existing labels, before deploying it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import _live
from kili_rules.errors import InputError

NAME = "diff"
HELP = (
    "what a rule-set change does to existing labels (files or --project): per rule the labels that newly fail"
    " or pass, the score distribution before and after, the assets that would be sent back"
)
EXAMPLES = (
    "kili-rules diff old/document.yaml rules/document.yaml export.json\n"
    "  kili-rules diff old/document.yaml rules/document.yaml --project ckxyz --latest --format html --out diff.html"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules diff``."""
    parser.add_argument("old_rule_file", metavar="OLD_RULE_FILE")
    parser.add_argument("new_rule_file", metavar="NEW_RULE_FILE")
    parser.add_argument("label_files", nargs="*", metavar="LABEL_FILE", help="files of labels (or --project)")
    _live.add_connection_arguments(parser, project_required=False)
    _live.add_label_selection(parser)
    parser.add_argument("--event", choices=("submit", "review"), default="submit")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--out", metavar="FILE", help="write the report there (default: stdout; html: diff.html)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it only shows on a terminal)")


def run(args: argparse.Namespace) -> int:
    """Print (or write) the diff; exit 0 (a diff is information, not a verdict)."""
    from kili_rules.authoring.diff import diff_records
    from kili_rules.authoring.html_report import diff_html
    from kili_rules.authoring.label_files import read_labels
    from kili_rules.live.transport import resolve_endpoint

    old, new = load_rule_set(args.old_rule_file), load_rule_set(args.new_rule_file)
    _live.require_labels_or_project(args, args.label_files, "diff")
    if args.project:
        with _live.connect(args) as client:
            endpoint = client.endpoint
            progress = _live.LiveProgress(not args.no_progress)
            diff = diff_records(old, new, _live.live_records(client, args, progress), args.event, project=args.project)
            progress.close()
    else:
        if args.status or args.latest:
            raise InputError("--status and --latest select labels of a live project: use them with --project")
        missing = [f for f in args.label_files if not Path(f).exists()]  # what is not a file: read_labels says so
        if missing:
            raise InputError(f"{missing[0]}: no such file")
        endpoint = resolve_endpoint(args.endpoint)
        records = (record for path in args.label_files for record in read_labels(path))
        diff = diff_records(old, new, records, args.event, files=args.label_files)
    if args.format == "html":
        out = Path(args.out or "diff.html")
        out.write_text(diff_html(diff, endpoint=endpoint, project=args.project), encoding="utf-8")
        print(f"wrote {out}: {diff.labels:,} labels, {len(diff.changed_labels):,} change")
        return 0
    text = json.dumps(diff.as_json(), ensure_ascii=False, indent=2) if args.format == "json" else diff.as_text()
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0
