"""``kili-rules check``: audit existing labels, from files or a live Kili project: per-rule summary and score
distribution, per labeler, over time, what reviews changed and the rule file's ``project:`` assertions (text, JSON
or a self-contained HTML report); exit 1 at --fail-on severity, when a project assertion fails, and when labels
answer none of the interface's jobs (labels of another project?) unless --allow-unknown-jobs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kili_rules.authoring.findings_file import FindingsWriter
from kili_rules.authoring.loader import load_rule_set
from kili_rules.authoring.trend import PERIODS
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
    "  kili-rules check rules/document.yaml --project ckxyz --status LABELED --latest --format html --out audit.html\n"
    "  kili-rules check rules/document.yaml export.zip --by author --period month --review --fail-on never"
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
        help="check the latest non-AUTOSAVE label of each asset (the default): picked as each asset is read in exports"
        " of assets (memory stays flat; an asset listed twice is an error), at the end of the file for flat lists of"
        " labels (kili.labels() dumps)",
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
    parser.add_argument(
        "--by",
        choices=("author",),
        help="print the labelers table (worst first: labels, share with findings, mean score, the rules where each"
        " is apart from the project); always in the json and html reports",
    )
    parser.add_argument(
        "--review",
        action="store_true",
        help="compare each REVIEW label with the labeler's DEFAULT label it reviews: findings fixed, introduced,"
        " kept, per rule and per reviewer (reads every label)",
    )
    parser.add_argument(
        "--period",
        choices=PERIODS,
        help="print the trend per day, week or month of createdAt (score, fail rate per rule); the json and html"
        " reports always have it (default: week)",
    )
    parser.add_argument(
        "--findings",
        metavar="FILE",
        help="also write every finding (asset, label, author, rule, severity, message, mid, job, frame) to FILE as"
        " the audit goes, for triage in a spreadsheet: .jsonl or .csv, by extension",
    )
    parser.add_argument(
        "--project-id",
        metavar="PROJECT_ID",
        help="the Kili project the label files were exported from: the html report links labels to it",
    )


def run(args: argparse.Namespace) -> int:
    """Audit existing labels: per-rule summary, score distribution, labelers, trend, review delta, project
    assertions; exit 1 at --fail-on severity or when a project assertion fails."""
    from kili_rules.authoring.html_report import FailingLabels, audit_html
    from kili_rules.authoring.insights import new_insights

    rule_set = load_rule_set(args.rule_file)
    _live.require_labels_or_project(args, args.label_files, "check")
    if args.project and args.project_id and args.project_id != args.project:
        raise InputError("--project-id names the project of label files: with --project, leave it out")
    insights = new_insights(
        rule_set, args.event, period=args.period or "week", review=args.review, every_label=not args.latest
    )
    failing = FailingLabels() if args.format == "html" else None
    findings = FindingsWriter(args.findings) if args.findings else None

    def on_report(record: Any, report: Any) -> None:
        insights.on_report(record, report)
        if failing is not None:
            failing.add(record, report)
        if findings is not None:
            findings.on_report(record, report)

    try:
        if args.project:
            summary, endpoint = _audit_project(args, rule_set, insights, on_report)
        else:
            summary, endpoint = _audit_files(args, rule_set, insights, on_report)
    finally:
        if findings is not None:
            findings.close()
    if findings is not None:
        print(f"wrote {findings.path}: {findings.count:,} findings", file=sys.stderr)
    if args.format == "html":
        out = Path(args.out or "check.html")
        page = audit_html(
            summary, failing, endpoint=endpoint, project=args.project, insights=insights, project_id=args.project_id
        )
        out.write_text(page, encoding="utf-8")
        print(f"wrote {out}: {summary.labels:,} labels, {len(summary.rules)} rules")
    else:
        if args.format == "json":
            text = json.dumps({**summary.as_json(), **insights.as_json()}, ensure_ascii=False, indent=2)
        else:
            more = insights.as_text(by_author=args.by == "author", period=args.period is not None)
            text = summary.as_text() + (f"\n\n{more}" if more else "")
        if args.out:
            Path(args.out).write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    if summary.foreign and not args.allow_unknown_jobs:
        print(f"kili-rules check: {summary.foreign_text()} (--allow-unknown-jobs to accept them)", file=sys.stderr)
        return 1
    return 1 if summary.reaches(args.fail_on) or insights.failed() else 0


def _audit_project(args: argparse.Namespace, rule_set: Any, insights: Any, on_report: Any) -> tuple[Any, str]:
    """The audit of ``--project``'s labels, and the endpoint; with ``--review`` every label is read (the review
    delta's input) and the latest of each asset checked here (unless ``--all-labels``)."""
    from kili_rules.authoring.audit import audit_records, new_summary, seen
    from kili_rules.authoring.latest_pick import latest_labels

    with _live.connect(args) as client:
        progress = _live.LiveProgress(not args.no_progress)
        summary = new_summary(rule_set, args.event, project=args.project)
        if args.review:
            every = argparse.Namespace(**{**vars(args), "latest": False})
            records = seen(_live.live_records(client, every, progress), insights.on_record)
            records = latest_labels(records, summary.add_unlabeled) if args.latest else records
        else:
            records = _live.live_records(client, args, progress)
        audit_records(rule_set, records, args.event, summary=summary, on_report=on_report)
        progress.close()
        return summary, client.endpoint


def _audit_files(args: argparse.Namespace, rule_set: Any, insights: Any, on_report: Any) -> tuple[Any, str | None]:
    """The audit of the label files, and the endpoint the html report links to."""
    from kili_rules.authoring.audit import ProgressBar, audit

    if args.status:
        raise InputError("--status selects labels of a live project: use it with --project")
    missing = [f for f in args.label_files if not Path(f).exists()]
    if missing:
        raise InputError(f"{missing[0]}: no such file or folder")
    progress = None
    if not args.no_progress:
        progress = ProgressBar(sum(Path(f).stat().st_size for f in args.label_files if Path(f).is_file()))
    on_record = insights.on_record if args.review else None
    summary = audit(
        rule_set, args.label_files, args.event, progress, on_report, latest=args.latest, on_record=on_record
    )
    if args.format != "html":
        return summary, None
    from kili_rules.live.transport import resolve_endpoint

    return summary, resolve_endpoint(args.endpoint)
