"""The offline audit behind ``kili-rules check``: a rule set run over files of existing labels.

Labels are read as a stream (a JSON array item by item, JSON Lines line by line) and only counters are kept, so
memory stays flat whatever the number of labels: per rule, how often it passed, failed, did not apply or raised,
its findings by severity and the first few failing labels as examples; over the labels, the score distribution
(a count per score value, at most 10,001 of them).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kili_rules.authoring.label_files import LabelRecord, read_label_source
from kili_rules.authoring.latest_pick import latest_labels
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.runtime.model import SEVERITIES, Report

#: Failing labels kept per rule, to show where to look.
EXAMPLES_PER_RULE = 3
#: Score buckets of the summary: (label, lowest score, highest score).
SCORE_BUCKETS = (
    ("100", 100, 100),
    ("90-99", 90, 99.99),
    ("75-89", 75, 89.99),
    ("50-74", 50, 74.99),
    ("0-49", 0, 49.99),
)


@dataclass
class RuleTally:
    """What one rule did over all the labels."""

    rule_id: str
    severity: str
    statuses: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    first_error: str | None = None


@dataclass
class AuditSummary:
    """Everything ``check`` reports: per-rule tallies, the score distribution, and the worst finding."""

    rule_set: str
    event: str
    files: list[str]
    rules: dict[str, RuleTally]
    labels: int = 0
    scores: Counter[float] = field(default_factory=Counter)
    labels_with_findings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    #: the Kili project the labels were read from (``check --project``), instead of files
    project: str | None = None
    #: ``latest`` (the latest non-AUTOSAVE label of each asset) or ``all`` (every label read)
    labels_read: str = "latest"
    #: assets without a label to check (none yet, or only autosaves with ``latest``), and the first few of them
    unlabeled: int = 0
    unlabeled_examples: list[str] = field(default_factory=list)
    #: labels whose jobs the project's interface does not know at all (another project's?), their jobs, examples
    foreign: int = 0
    foreign_jobs: Counter[str] = field(default_factory=Counter)
    foreign_examples: list[str] = field(default_factory=list)

    def add_unlabeled(self, where: str) -> None:
        """Count an asset that has no label to check."""
        self.unlabeled += 1
        if len(self.unlabeled_examples) < EXAMPLES_PER_RULE:
            self.unlabeled_examples.append(where)

    def add(self, record: LabelRecord, report: Report) -> None:
        """Count one label's report."""
        self.labels += 1
        self.scores[report.score] += 1
        severities = set()
        for outcome in report.outcomes:
            tally = self.rules[outcome.rule_id]
            tally.statuses[outcome.status] += 1
            tally.findings += len(outcome.findings)
            severities.update(f.severity for f in outcome.findings)
            if outcome.status == "error" and tally.first_error is None:
                tally.first_error = f"{_where(record)}: {outcome.error}"
            if outcome.findings and len(tally.examples) < EXAMPLES_PER_RULE:
                first = outcome.findings[0]
                tally.examples.append({"label": _where(record), "message": first.message, "mid": first.mid})
        for severity in severities:
            self.labels_with_findings[severity] += 1
        if report.foreign_jobs:
            self.foreign += 1
            self.foreign_jobs.update(report.foreign_jobs)
            if len(self.foreign_examples) < EXAMPLES_PER_RULE:
                self.foreign_examples.append(_where(record))

    def foreign_text(self) -> str | None:
        """``2 labels answer none of the interface's jobs (their jobs: A, B): ...; wrong project?`` (None when
        every label answers one of them)."""
        if not self.foreign:
            return None
        jobs = ", ".join(sorted(self.foreign_jobs))
        examples = "; ".join(self.foreign_examples) + ("; ..." if self.foreign > len(self.foreign_examples) else "")
        return (
            f"{self.foreign:,} label(s) answer none of the jobs of the rule set's interface (their jobs: {jobs}): "
            f"{examples}. No rule can check them (all not applicable): labels of another project, or the wrong "
            "interface?"
        )

    @property
    def rule_errors(self) -> int:
        """How many evaluations ended in a rule raising."""
        return sum(t.statuses["error"] for t in self.rules.values())

    def reaches(self, fail_on: str) -> bool:
        """Whether a finding reached ``fail_on`` severity (or worse), or a rule raised; never for ``never``."""
        if fail_on == "never":
            return False
        worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
        return self.rule_errors > 0 or any(self.labels_with_findings[s] for s in worst)

    def score_stats(self) -> dict[str, Any]:
        """Mean, median, min, max and the count per bucket of :data:`SCORE_BUCKETS`."""
        if not self.labels:
            return {"mean": None, "median": None, "min": None, "max": None, "buckets": {}}
        values = sorted(self.scores)
        total = sum(score * count for score, count in self.scores.items())
        return {
            "mean": round(total / self.labels, 2),
            "median": _median(self.scores, self.labels),
            "min": values[0],
            "max": values[-1],
            "buckets": {
                name: sum(c for s, c in self.scores.items() if low <= s <= high) for name, low, high in SCORE_BUCKETS
            },
        }

    def as_json(self) -> dict[str, Any]:
        """The summary as plain data (``--format json``)."""
        origin = {"project": self.project} if self.project is not None else {}
        return {
            "rule_set": self.rule_set,
            "event": self.event,
            **origin,
            "files": self.files,
            "labels": self.labels,
            "seconds": round(self.seconds, 3),
            "labels_per_second": round(self.labels / self.seconds, 1) if self.seconds else None,
            "rules": [
                {
                    "id": t.rule_id,
                    "severity": t.severity,
                    **{status: t.statuses[status] for status in ("pass", "fail", "not_applicable", "error")},
                    "findings": t.findings,
                    "examples": t.examples,
                    "first_error": t.first_error,
                }
                for t in self.rules.values()
            ],
            "labels_read": self.labels_read,
            "assets_without_label": self.unlabeled,
            "assets_without_label_examples": self.unlabeled_examples,
            "labels_with_findings": {s: self.labels_with_findings[s] for s in SEVERITIES},
            "scores": self.score_stats(),
            "labels_of_unknown_jobs": {
                "count": self.foreign,
                "jobs": sorted(self.foreign_jobs),
                "examples": self.foreign_examples,
            },
        }

    def as_text(self) -> str:
        """The summary for people: a table per rule, examples, errors, the score distribution."""
        width = max([len("rule"), *(len(r) for r in self.rules)])
        rate = f" ({self.labels / self.seconds:,.0f} labels/s)" if self.seconds else ""
        origin = f"project {self.project}" if self.project is not None else f"{len(self.files)} file(s)"
        lines = [
            f"checked {self.labels:,} labels from {origin} in {self.seconds:.1f} s{rate}: "
            f"rule set {self.rule_set!r}, {len(self.rules)} rules, event {self.event}",
            "",
            f"{'rule':<{width}}  severity  {'fail':>7}  {'pass':>7}  {'n/a':>7}  {'error':>7}  {'findings':>8}",
        ]
        for t in self.rules.values():
            counts = "  ".join(f"{t.statuses[s]:>7,}" for s in ("fail", "pass", "not_applicable", "error"))
            lines.append(f"{t.rule_id:<{width}}  {t.severity:<8}  {counts}  {t.findings:>8,}")
        for t in self.rules.values():
            for example in t.examples:
                pin = f" @ {example['mid']}" if example["mid"] else ""
                lines.append(f"  {t.rule_id}: {example['label']}: {example['message']}{pin}")
            if t.first_error:
                lines.append(f"  {t.rule_id} raised {t.statuses['error']:,} time(s), first on {t.first_error}")
        stats = self.score_stats()
        lines.append("")
        if self.labels:
            lines.append(
                f"score: mean {stats['mean']:g}, median {stats['median']:g}, min {stats['min']:g}, max {stats['max']:g}"
            )
            for name, count in stats["buckets"].items():
                bar = "#" * round(40 * count / self.labels)
                lines.append(f"  {name:>6}  {count:>9,}  {bar}")
        with_findings = ", ".join(f"{s} {self.labels_with_findings[s]:,}" for s in SEVERITIES)
        lines.append(f"labels with findings: {with_findings}")
        which = "the latest non-AUTOSAVE label of each asset" if self.labels_read == "latest" else "every label"
        lines.append(f"labels read: {which}")
        if self.unlabeled:
            examples = "; ".join(self.unlabeled_examples) + (
                "; ..." if self.unlabeled > len(self.unlabeled_examples) else ""
            )
            lines.append(f"assets without a label to check (not counted above): {self.unlabeled:,}: {examples}")
        foreign = self.foreign_text()
        if foreign:
            lines.append(foreign)
        return "\n".join(lines)


def _median(scores: Counter[float], total: int) -> float:
    def kth(k: int) -> float:  # the k-th smallest score, 0-based
        seen = 0
        for score in sorted(scores):
            seen += scores[score]
            if seen > k:
                return score
        raise IndexError(k)

    if total % 2:
        return kth(total // 2)
    return round((kth(total // 2 - 1) + kth(total // 2)) / 2, 2)


def _where(record: LabelRecord) -> str:
    label_id = record.label.get("id") if isinstance(record.label, dict) else None
    ids = ", ".join(
        filter(None, [f"label {label_id}" if label_id else None, record.asset_id and f"asset {record.asset_id}"])
    )
    return f"{record.source} ({ids})" if ids else record.source


class ProgressBar:
    """A one-line progress bar on a terminal (stderr): percentage of the bytes read, labels, labels per second.
    Redrawn at most ten times a second; silent when ``stream`` is not a terminal."""

    def __init__(self, total_bytes: int, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.total = max(total_bytes, 1)
        self.done_before = 0
        self.started = time.monotonic()
        self.last_drawn = 0.0

    def update(self, labels: int, read_in_file: int) -> None:
        """Redraw (if it is time) with ``labels`` checked and ``read_in_file`` characters of the current file."""
        now = time.monotonic()
        if not self.enabled or now - self.last_drawn < 0.1:
            return
        self.last_drawn = now
        share = min((self.done_before + read_in_file) / self.total, 1.0)
        rate = labels / max(now - self.started, 1e-9)
        bar = "#" * int(30 * share)
        self.stream.write(f"\r[{bar:<30}] {share:4.0%}  {labels:,} labels  {rate:,.0f}/s ")
        self.stream.flush()

    def next_file(self, size: int) -> None:
        """The current file is done."""
        self.done_before += size

    def close(self) -> None:
        """Clear the line."""
        if self.enabled:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()


def new_summary(
    rule_set: RuleSet, event: str = "submit", files: Iterable[str] = (), project: str | None = None
) -> AuditSummary:
    """An empty summary of ``rule_set``, to fill with :func:`audit_records`."""
    rules = {r["id"]: RuleTally(r["id"], r["severity"]) for r in rule_set.data["rules"]}
    return AuditSummary(rule_set.name, event, [str(f) for f in files], rules, project=project)


def audit_records(
    rule_set: RuleSet,
    records: Iterable[LabelRecord],
    event: str = "submit",
    *,
    summary: AuditSummary | None = None,
    on_report: Callable[[LabelRecord, Report], None] | None = None,
) -> AuditSummary:
    """Run ``rule_set`` over labels from anywhere (files, a live project): one record at a time, keeping only
    counters, so memory stays flat whatever the number of records. ``summary`` is filled (default: a new one);
    ``on_report`` sees each label's report as it comes."""
    summary = summary if summary is not None else new_summary(rule_set, event)
    engine = rule_set.engine
    started = time.perf_counter()
    for record in records:
        report = engine.evaluate(record.label, event, resolution=record.resolution)
        summary.add(record, report)
        if on_report is not None:
            on_report(record, report)
    summary.seconds += time.perf_counter() - started
    return summary


def seen(records: Iterable[LabelRecord], on_record: Callable[[LabelRecord], None]) -> Iterator[LabelRecord]:
    """``records`` as they are, each shown to ``on_record`` first."""
    for record in records:
        on_record(record)
        yield record


def audit(
    rule_set: RuleSet,
    files: Iterable[str | Path],
    event: str = "submit",
    progress: ProgressBar | None = None,
    on_report: Callable[[LabelRecord, Report], None] | None = None,
    *,
    latest: bool = True,
    on_record: Callable[[LabelRecord], None] | None = None,
) -> AuditSummary:
    """Run ``rule_set`` over the labels of ``files`` (files, folders or zips of exports): with ``latest``, the
    latest non-AUTOSAVE label of each asset, else every label; ``on_report`` sees each label's report as it
    comes, ``on_record`` every label read (checked or not) as it is read. Assets without a label to check are
    counted, never skipped silently."""
    files = [Path(f) for f in files]
    summary = new_summary(rule_set, event, files)
    summary.labels_read = "latest" if latest else "all"

    def records() -> Iterable[LabelRecord]:
        for path in files:
            callback = (lambda read: progress.update(summary.labels, read)) if progress else None
            found = read_label_source(path, callback, summary.add_unlabeled)
            if on_record is not None:
                found = seen(found, on_record)
            yield from latest_labels(found, summary.add_unlabeled) if latest else found
            if progress:
                progress.next_file(path.stat().st_size if path.is_file() else 0)

    audit_records(rule_set, records(), event, summary=summary, on_report=on_report)
    if progress:
        progress.close()
    return summary


__all__ = ["AuditSummary", "ProgressBar", "RuleTally", "audit", "audit_records", "new_summary", "seen"]
