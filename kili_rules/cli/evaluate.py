"""``kili-rules eval``: evaluate labels and print each rule's outcome, the findings and the score."""

from __future__ import annotations

import argparse
import json

from kili_rules.authoring.loader import load_rule_set

NAME = "eval"
HELP = "evaluate labels (Kili exports, labels, bare jsonResponses) and print the outcomes"
EXAMPLES = "kili-rules eval rules/image.yaml labels.json\n  kili-rules eval rules/image.yaml labels.json --format json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules eval``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    parser.add_argument("label_files", nargs="+", metavar="LABEL_FILE")
    parser.add_argument("--event", choices=("submit", "review"), default="submit")
    parser.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default="text",
        help="json: one JSON array of the labels' reports; jsonl: one JSON object a line, as each label is read",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when any rule fails")


#: What ``eval`` says of a label whose jobs the interface does not know at all.
FOREIGN = (
    "the label answers none of the jobs of the rule set's interface (its jobs: {jobs}): no rule can check it; "
    "a label of another project, or the wrong interface?"
)


def run(args: argparse.Namespace) -> int:
    """Evaluate labels and print each rule's outcome, the findings and the score."""
    from kili_rules.authoring.label_files import read_label_source

    rule_set = load_rule_set(args.rule_file)
    failed = False
    reports = []
    for label_file in args.label_files:
        for record in read_label_source(label_file):
            report = rule_set.evaluate(record.label, args.event, resolution=record.resolution)
            failed = failed or bool(report.failed_rule_ids)
            if args.format == "json":
                reports.append(_report_json(record, report))
                continue
            if args.format == "jsonl":
                print(json.dumps(_report_json(record, report), ensure_ascii=False))
                continue
            label_id = record.label.get("id") or "-"
            print(f"{record.source} (label {label_id}): score {report.score:g}")
            if report.foreign_jobs:
                print("  warning: " + FOREIGN.format(jobs=", ".join(report.foreign_jobs)))
            for outcome in report.outcomes:
                print(f"  {outcome.status:<14} {outcome.rule_id}" + (f": {outcome.error}" if outcome.error else ""))
                for finding in outcome.findings:
                    pin = f" @ {finding.mid}" if finding.mid else ""
                    print(f"    {finding.severity}: {finding.message}{pin}")
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    return 1 if failed and args.strict else 0


def _report_json(record, report) -> dict:
    return {
        "source": record.source,
        "label_id": record.label.get("id"),
        "asset_id": record.asset_id,
        "score": report.score,
        "failed_rules": report.failed_rule_ids,
        "unknown_jobs": list(report.foreign_jobs),  # not empty: the interface knows none of the label's jobs
        "outcomes": [{"rule_id": o.rule_id, "status": o.status, "error": o.error} for o in report.outcomes],
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "mid": f.mid,
                "job": f.job,
                "frame": f.frame,
            }
            for f in report.findings
        ],
    }
