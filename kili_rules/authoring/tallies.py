"""Counters of rule outcomes over a group of labels (one labeler, one period, the whole project), and the
Wilson score interval that says whether a group's fail rate is really apart from the project's.

A tally holds counts only, never labels: memory grows with the number of groups and rules, not of labels. A rule
*fails* on a label when it ends in ``fail`` or ``error`` (an error counts as failed, as in the score, fail closed);
it *applies* when it ends in ``pass``, ``fail`` or ``error`` (``not_applicable`` is left out). Its fail rate is
failing / applying.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime.model import Report

#: The z of a two-sided 95 % interval.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class LabelResult:
    """What a tally counts of one label's report, read once and shared by every tally it goes into."""

    score: float
    applied: tuple[str, ...]
    failed: tuple[str, ...]
    findings: bool

    @classmethod
    def of(cls, report: Report) -> LabelResult:
        """The rules that applied and failed on a label, its score, whether it has a finding."""
        applied, failed, findings = [], [], False
        for outcome in report.outcomes:
            if outcome.status == "not_applicable":
                continue
            applied.append(outcome.rule_id)
            if outcome.status in ("fail", "error"):
                failed.append(outcome.rule_id)
            findings = findings or bool(outcome.findings)
        return cls(report.score, tuple(applied), tuple(failed), findings)


@dataclass
class Tally:
    """Labels counted, those with a finding, the sum of their scores, and per rule how often it applied and failed."""

    labels: int = 0
    with_findings: int = 0
    score_sum: float = 0.0
    applied: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def add(self, result: LabelResult) -> None:
        """Count one label (:meth:`LabelResult.of` its report)."""
        self.labels += 1
        self.score_sum += result.score
        self.applied.update(result.applied)
        if result.failed:
            self.failed.update(result.failed)
        if result.findings:
            self.with_findings += 1

    @property
    def mean_score(self) -> float | None:
        """The mean score of the labels counted (None without a label)."""
        return round(self.score_sum / self.labels, 2) if self.labels else None

    @property
    def share_with_findings(self) -> float | None:
        """The share of the labels counted with at least one finding."""
        return round(self.with_findings / self.labels, 4) if self.labels else None

    def fail_rate(self, rule_id: str) -> float | None:
        """How often ``rule_id`` failed where it applied (None where it never applied)."""
        applied = self.applied[rule_id]
        return self.failed[rule_id] / applied if applied else None

    def as_json(self, rule_ids: list[str]) -> dict[str, Any]:
        """Counts and rates as plain data."""
        return {
            "labels": self.labels,
            "labels_with_findings": self.with_findings,
            "share_with_findings": self.share_with_findings,
            "mean_score": self.mean_score,
            "rules": {
                rule_id: {"applied": self.applied[rule_id], "failed": self.failed[rule_id], "fail_rate": _round(rate)}
                for rule_id in rule_ids
                if (rate := self.fail_rate(rule_id)) is not None
            },
        }


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95 % by default): unlike ``p ± z·sqrt(p(1-p)/n)`` it
    stays inside [0, 1] and is wide when ``trials`` is small, so one label never makes a rate look extreme."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def apart(failed: int, applied: int, reference: float, min_count: int) -> str | None:
    """``"worse"`` or ``"better"`` when a group's fail rate (``failed`` / ``applied``) is apart from ``reference``
    (the project's rate): the group has at least ``min_count`` applicable labels and the 95 % Wilson interval of its
    rate excludes ``reference``; else None."""
    if applied < min_count:
        return None
    low, high = wilson_interval(failed, applied)
    if reference < low:
        return "worse"
    if reference > high:
        return "better"
    return None


__all__ = ["LabelResult", "Tally", "apart", "wilson_interval"]
