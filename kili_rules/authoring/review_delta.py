"""Review delta (``check --review``): what reviewers changed, rule by rule.

For each REVIEW label, the rules run on it and on the labeler's DEFAULT label of the same asset it reviews (the
latest DEFAULT label of the asset read before it and not created after it), both with the same event (``--event``,
so the same rules run on both). A finding is identified by its rule id, the ``mid`` of its annotation and its
message: the same finding on both labels is *kept*; on the labeler's only, *fixed* by the review; on the reviewer's
only, *introduced*. Identical findings on one label count once. Another box with the same mistake has another mid:
a reviewer who redraws a box (a new mid) fixes the old finding and introduces the new one.

Every label is read (not only the latest), in the order the source gives them: Kili's exports list an asset's
labels in time order. A REVIEW label with no DEFAULT label of its asset before it (or a second review of the same
DEFAULT label) is counted as *unpaired*, not compared. Labels that name no asset are not compared.

Memory: at most one pending DEFAULT label per asset, and not the label itself: its ``createdAt`` and the hashes of
its findings (a shared empty set for a label without one), dropped once a review pairs with it. When an asset's
labels come together (an export of assets, each with its ``labels`` list: ``kili.export_labels``,
``kili.assets(fields=["labels.*"])``), its pending label is dropped once the list is read, so at most one is held
whatever the number of assets. From a flat list of labels (``kili.labels()`` dumps, ``check --project``) the bound
is one pending entry (about 200 bytes) per asset labeled and not reviewed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.people import author_of
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.model import Report

KINDS = ("fixed", "introduced", "kept")
FindingKey = tuple[str, int]  # (rule id, hash of (rule id, mid, message))


def finding_keys(report: Report) -> frozenset[FindingKey]:
    """The findings of ``report`` as (rule id, hash of rule id + mid + message)."""
    return frozenset((f.rule_id, hash((f.rule_id, f.mid, f.message))) for f in report.findings)


_NONE: frozenset[FindingKey] = frozenset()


@dataclass
class ReviewDelta:
    """Fixed / introduced / kept findings per rule and per reviewer (``on_record`` of every label read)."""

    engine: Engine
    rule_ids: list[str]
    event: str = "submit"
    pending: dict[str, tuple[str, frozenset[FindingKey]]] = field(default_factory=dict)
    rules: dict[str, Counter[str]] = field(default_factory=dict)
    reviewers: dict[str, Counter[str]] = field(default_factory=dict)
    reviewer_rules: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)
    pairs: int = 0
    unpaired: int = 0
    #: the asset whose ``labels`` list is being read (its pending label is dropped once the list is read)
    _grouped: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.rules = {rule_id: Counter() for rule_id in self.rule_ids}

    def add(self, record: LabelRecord, report: Report | None = None) -> None:
        """Read one label: a DEFAULT label waits for its review, a REVIEW label is compared with it. ``report``:
        the label's report when the caller has it (with this rule set and event), else the label is evaluated."""
        kind = record.label.get("labelType") if isinstance(record.label, dict) else None
        if self._grouped is not None and self._grouped != record.asset_id:
            self.pending.pop(self._grouped, None)  # its asset's labels are all read: no review can follow
        self._grouped = record.asset_id if record.grouped else None
        if record.asset_id is None or kind not in ("DEFAULT", "REVIEW"):
            return
        created = record.label.get("createdAt")
        created = created if isinstance(created, str) else ""
        if kind == "DEFAULT":
            waiting = self.pending.get(record.asset_id)
            if waiting is None or created >= waiting[0]:
                keys = finding_keys(report or self._evaluate(record))
                self.pending[record.asset_id] = (created, keys or _NONE)
            return
        waiting = self.pending.get(record.asset_id)
        if waiting is None or (created and created < waiting[0]):
            self.unpaired += 1
            return
        del self.pending[record.asset_id]
        self._compare(waiting[1], finding_keys(report or self._evaluate(record)), record)

    def _evaluate(self, record: LabelRecord) -> Report:
        return self.engine.evaluate(record.label, self.event, resolution=record.resolution)

    def _compare(self, before: frozenset[FindingKey], after: frozenset[FindingKey], record: LabelRecord) -> None:
        self.pairs += 1
        reviewer = author_of(record.label)
        totals = self.reviewers.setdefault(reviewer, Counter())
        by_rule = self.reviewer_rules.setdefault(reviewer, {})
        totals["reviews"] += 1
        for kind, keys in (("fixed", before - after), ("introduced", after - before), ("kept", before & after)):
            for rule_id, _ in keys:
                self.rules.setdefault(rule_id, Counter())[kind] += 1
                by_rule.setdefault(rule_id, Counter())[kind] += 1
                totals[kind] += 1

    def as_json(self) -> dict[str, Any]:
        """Per rule and per reviewer: fixed, introduced, kept."""
        return {
            "identity": "rule id + annotation mid + message",
            "reviews_compared": self.pairs,
            "reviews_unpaired": self.unpaired,
            "rules": {rule_id: {k: counts[k] for k in KINDS} for rule_id, counts in self.rules.items()},
            "reviewers": [
                {
                    "reviewer": name,
                    "reviews": totals["reviews"],
                    **{k: totals[k] for k in KINDS},
                    "rules": {r: {k: c[k] for k in KINDS} for r, c in sorted(self.reviewer_rules[name].items())},
                }
                for name, totals in self.ranked()
            ],
        }

    def ranked(self) -> list[tuple[str, Counter[str]]]:
        """Reviewers, most findings fixed first."""
        return sorted(self.reviewers.items(), key=lambda item: (-item[1]["fixed"], item[1]["introduced"], item[0]))

    def as_text(self) -> str:
        """Two small tables: per rule, per reviewer."""
        width = max([len("rule"), *(len(r) for r in self.rules)])
        lines = [
            f"review delta: {self.pairs:,} reviews compared with the labeler's label, {self.unpaired:,} unpaired "
            "(findings identified by rule id + mid + message)",
            f"{'rule':<{width}}  {'fixed':>7}  {'introduced':>10}  {'kept':>7}",
        ]
        for rule_id, counts in self.rules.items():
            lines.append(
                f"{rule_id:<{width}}  {counts['fixed']:>7,}  {counts['introduced']:>10,}  {counts['kept']:>7,}"
            )
        ranked = self.ranked()
        width = max([len("reviewer"), *(len(name) for name, _ in ranked)])
        lines.append(f"{'reviewer':<{width}}  {'reviews':>7}  {'fixed':>7}  {'introduced':>10}  {'kept':>7}")
        for name, totals in ranked:
            lines.append(
                f"{name:<{width}}  {totals['reviews']:>7,}  {totals['fixed']:>7,}  {totals['introduced']:>10,}  "
                f"{totals['kept']:>7,}"
            )
        return "\n".join(lines)


__all__ = ["KINDS", "ReviewDelta", "finding_keys"]
