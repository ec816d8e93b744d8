"""``kili-rules check``: audit existing labels, from files or a live Kili project: per-rule summary and score
distribution (text, JSON or a self-contained HTML report); exit 1 at --fail-on severity, and when labels answer none
of the interface's jobs (labels of another project?) unless --allow-unknown-jobs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import _live
from kili_rules.errors import InputError

NAME = "check"
HELP = (
    "audit existing labels: what the rules say about a Kili export (a file, or the folder or .zip of"
    " kili.export_labels), kili.labels() / kili.assets() dumps, JSON Lines or a live project (--project), per rule"
    " and as a score distribution (read as a stream: any size; by default the latest non-AUTOSAVE label of each"
    " asset)"
)
EXAMPLES = (
    "kili-rules check rules/document.yaml export.json\n"
    "  kili-rules check rules/document.yaml labels.jsonl --format json --fail-on warning\n"
    "  kili-rules check rules/document.yaml --project ckxyz --status LABELED --latest --format html --out audit.html"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules check``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    parser.add_argument(
        "label_files", nargs="*", metavar="LABEL_FILE", help="a file, folder or .zip of labels (or --project)"
    )
    _live.add_connection_arguments(parser, project_required=False)
    _live.add_status_selection(parser)
    parser.add_argument("--event", choices=("submit", "review"), default="submit")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--out", metavar="FILE", help="write the report there (default: stdout; html: check.html)")
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
    parser.add_argument(
        "--allow-unknown-jobs",
        action="store_true",
        help="exit 0 even when labels answer none of the interface's jobs (by default: exit 1, wrong project?)",
    )


def run(args: argparse.Namespace) -> int:
    """Audit existing labels: per-rule summary and score distribution; exit 1 at --fail-on severity."""
    from kili_rules.authoring.audit import ProgressBar, audit, audit_records, new_summary
    from kili_rules.authoring.html_report import FailingLabels, audit_html

    rule_set = load_rule_set(args.rule_file)
    _live.require_labels_or_project(args, args.label_files, "check")
    failing = FailingLabels() if args.format == "html" else None
    on_report = failing.add if failing is not None else None
    endpoint = None
    if args.project:
        with _live.connect(args) as client:
            endpoint = client.endpoint
            progress = _live.LiveProgress(not args.no_progress)
            summary = new_summary(rule_set, args.event, project=args.project)
            audit_records(
                rule_set, _live.live_records(client, args, progress), args.event, summary=summary, on_report=on_report
            )
            progress.close()
    else:
        if args.status:
            raise InputError("--status selects labels of a live project: use it with --project")
        missing = [f for f in args.label_files if not Path(f).exists()]
        if missing:
            raise InputError(f"{missing[0]}: no such file or folder")
        progress = None
        if not args.no_progress:
            progress = ProgressBar(sum(Path(f).stat().st_size for f in args.label_files if Path(f).is_file()))
        summary = audit(rule_set, args.label_files, args.event, progress, on_report, latest=args.latest)
        if args.format == "html":
            from kili_rules.live.transport import resolve_endpoint

            endpoint = resolve_endpoint(args.endpoint)
    if args.format == "html":
        out = Path(args.out or "check.html")
        out.write_text(audit_html(summary, failing, endpoint=endpoint, project=args.project), encoding="utf-8")
        print(f"wrote {out}: {summary.labels:,} labels, {len(summary.rules)} rules")
    else:
        text = (
            json.dumps(summary.as_json(), ensure_ascii=False, indent=2) if args.format == "json" else summary.as_text()
        )
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    if summary.foreign and not args.allow_unknown_jobs:
        print(f"kili-rules check: {summary.foreign_text()} (--allow-unknown-jobs to accept them)", file=sys.stderr)
        return 1
    return 1 if summary.reaches(args.fail_on) else 0
