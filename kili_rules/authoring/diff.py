"""``kili-rules diff``: what a rule-set change does to existing labels, before it is deployed.

Both rule sets run on each label (read as a stream); for each rule id of either set, the labels that **newly
fail** (failing under the new set, not under the old one: a rule that did not exist did not fail) and those that
**newly pass** (failing before, not after). A rule *fails* a label when its outcome is ``fail``, or ``error`` counted
as failed (``on_error: fail``), as in the score. Also: the score distribution before and after, and the assets the
new set would send back (a finding whose severity maps to ``send_back``), each marked with whether the old set
already did.

Memory: counters, plus one entry per label whose outcome changes or that is sent back (what the report lists).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.authoring.audit import SCORE_BUCKETS, _median
from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.runtime.model import Report


@dataclass
class RuleChange:
    """One rule id across the two rule sets."""

    rule_id: str
    state: str  # "added" | "removed" | "changed" | "same"
    newly_fail: list[dict[str, Any]] = field(default_factory=list)
    newly_pass: list[dict[str, Any]] = field(default_factory=list)
    fail_before: int = 0
    fail_after: int = 0


@dataclass
class DiffSummary:
    """Everything ``diff`` reports."""

    old_name: str
    new_name: str
    event: str
    files: list[str]
    rules: dict[str, RuleChange]
    labels: int = 0
    scores_before: Counter[float] = field(default_factory=Counter)
    scores_after: Counter[float] = field(default_factory=Counter)
    sent_back: list[dict[str, Any]] = field(default_factory=list)
    changed_labels: set[str] = field(default_factory=set)
    seconds: float = 0.0
    project: str | None = None

    def changes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(rule id, label entry)`` of every change, rule by rule, newly failing first."""
        for change in self.rules.values():
            for label in change.newly_fail + change.newly_pass:
                yield change.rule_id, label

    def score_stats(self, which: str) -> dict[str, Any]:
        """Mean, median, min, max and buckets of the scores ``before`` or ``after``."""
        scores = self.scores_before if which == "before" else self.scores_after
        if not self.labels:
            return {"mean": None, "median": None, "min": None, "max": None, "buckets": {}}
        total = sum(score * count for score, count in scores.items())
        return {
            "mean": round(total / self.labels, 2),
            "median": _median(scores, self.labels),
            "min": min(scores),
            "max": max(scores),
            "buckets": {
                name: sum(c for s, c in scores.items() if low <= s <= high) for name, low, high in SCORE_BUCKETS
            },
        }

    def as_json(self) -> dict[str, Any]:
        """The diff as plain data (``--format json``): every changed label is listed."""
        origin = {"project": self.project} if self.project is not None else {"files": self.files}
        return {
            "old": self.old_name,
            "new": self.new_name,
            "event": self.event,
            **origin,
            "labels": self.labels,
            "labels_changed": len(self.changed_labels),
            "rules": [
                {
                    "id": c.rule_id,
                    "change": c.state,
                    "fail_before": c.fail_before,
                    "fail_after": c.fail_after,
                    "newly_fail": c.newly_fail,
                    "newly_pass": c.newly_pass,
                }
                for c in self.rules.values()
            ],
            "scores": {"before": self.score_stats("before"), "after": self.score_stats("after")},
            "sent_back": self.sent_back,
        }

    def as_text(self, most: int = 20) -> str:
        """The diff for people: per rule the counts and the first ``most`` labels of each kind."""
        width = max([len("rule"), *(len(r) for r in self.rules)])
        lines = [
            f"diff {self.old_name!r} → {self.new_name!r} over {self.labels:,} labels "
            f"({'project ' + self.project if self.project else f'{len(self.files)} file(s)'}), event {self.event}: "
            f"{len(self.changed_labels):,} labels change",
            "",
            f"{'rule':<{width}}  {'change':<8}  {'newly fail':>10}  {'newly pass':>10}  {'fail before':>11}  "
            f"{'fail after':>10}",
        ]
        for c in self.rules.values():
            lines.append(
                f"{c.rule_id:<{width}}  {c.state:<8}  {len(c.newly_fail):>10,}  {len(c.newly_pass):>10,}  "
                f"{c.fail_before:>11,}  {c.fail_after:>10,}"
            )
        for c in self.rules.values():
            for kind, entries in (("newly fails", c.newly_fail), ("newly passes", c.newly_pass)):
                for entry in entries[:most]:
                    message = f": {entry['message']}" if entry.get("message") else ""
                    lines.append(f"  {c.rule_id} {kind} on {entry['where']}{message}")
                if len(entries) > most:
                    lines.append(f"  {c.rule_id} {kind} on {len(entries) - most:,} more labels")
        lines.append("")
        for which in ("before", "after"):
            stats = self.score_stats(which)
            if stats["mean"] is not None:
                buckets = ", ".join(f"{name}: {count:,}" for name, count in stats["buckets"].items())
                lines.append(f"score {which:<6}: mean {stats['mean']:g}, median {stats['median']:g} ({buckets})")
        new = [s for s in self.sent_back if not s["before"]]
        lines.append(f"sent back by the new rules: {len(self.sent_back):,} assets, {len(new):,} not sent back before")
        for entry in new[:most]:
            lines.append(f"  {entry['where']} ({', '.join(entry['rules'])})")
        if len(new) > most:
            lines.append(f"  and {len(new) - most:,} more")
        return "\n".join(lines)


def _failing(report: Report) -> dict[str, str | None]:
    """Rule id → first finding message of each rule that fails the label (as the score counts it)."""
    failing: dict[str, str | None] = {}
    for outcome in report.outcomes:
        if outcome.status == "fail" or (outcome.status == "error" and outcome.counts_as_failed):
            first = outcome.findings[0].message if outcome.findings else outcome.error
            failing[outcome.rule_id] = first
    return failing


def _sent_back_rules(report: Report, actions: Mapping[str, Any]) -> list[str]:
    return sorted({f.rule_id for f in report.findings if "send_back" in (actions.get(f.severity) or ())})


def _rule_state(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    return "same" if old == new else "changed"


def diff_records(
    old: RuleSet,
    new: RuleSet,
    records: Iterable[LabelRecord],
    event: str = "submit",
    *,
    files: Iterable[str] = (),
    project: str | None = None,
    on_label: Callable[[int], None] | None = None,
) -> DiffSummary:
    """Run both rule sets over ``records`` and gather what changes."""
    old_rules = {r["id"]: r for r in old.data["rules"]}
    new_rules = {r["id"]: r for r in new.data["rules"]}
    ids = list(dict.fromkeys([*old_rules, *new_rules]))
    rules = {i: RuleChange(i, _rule_state(old_rules.get(i), new_rules.get(i))) for i in ids}
    summary = DiffSummary(old.name, new.name, event, [str(f) for f in files], rules, project=project)
    old_actions, new_actions = old.data.get("actions", {}), new.data.get("actions", {})
    started = time.perf_counter()
    for record in records:
        before = old.engine.evaluate(record.label, event, resolution=record.resolution)
        after = new.engine.evaluate(record.label, event, resolution=record.resolution)
        summary.labels += 1
        summary.scores_before[before.score] += 1
        summary.scores_after[after.score] += 1
        failing_before, failing_after = _failing(before), _failing(after)
        label = record.label if isinstance(record.label, Mapping) else {}
        where = _where(record)
        entry = {"where": where, "asset": record.asset_id, "label": label.get("id")}
        for rule_id in ids:
            was, now = rule_id in failing_before, rule_id in failing_after
            change = rules[rule_id]
            change.fail_before += was
            change.fail_after += now
            if now and not was:
                change.newly_fail.append({**entry, "now": "fail", "message": failing_after[rule_id]})
                summary.changed_labels.add(where)
            elif was and not now:
                change.newly_pass.append({**entry, "now": "pass", "message": failing_before[rule_id]})
                summary.changed_labels.add(where)
        sent_after = _sent_back_rules(after, new_actions)
        if sent_after:
            sent_before = bool(_sent_back_rules(before, old_actions))
            summary.sent_back.append({**entry, "rules": sent_after, "before": sent_before})
        if on_label is not None:
            on_label(summary.labels)
    summary.seconds = time.perf_counter() - started
    return summary


def _where(record: LabelRecord) -> str:
    label = record.label if isinstance(record.label, Mapping) else {}
    parts = [
        f"label {label['id']}" if label.get("id") else None,
        f"asset {record.asset_id}" if record.asset_id else None,
    ]
    ids = ", ".join(p for p in parts if p)
    return f"{record.source} ({ids})" if ids else record.source


__all__ = ["DiffSummary", "RuleChange", "diff_records"]
