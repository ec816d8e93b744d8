"""What ``check`` tells a manager beyond the per-rule table: per labeler (:mod:`~kili_rules.authoring.people`),
over time (:mod:`~kili_rules.authoring.trend`), what reviewers changed (:mod:`~kili_rules.authoring.review_delta`,
with ``--review``) and the rule file's ``project:`` assertions (:mod:`~kili_rules.authoring.project_assertions`).

All of it is fed label by label, as the audit reads them (``on_report`` for the labels checked, ``on_record`` for
every label read, which the review delta needs), and keeps counters only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.loader import RuleSet
from kili_rules.authoring.people import People
from kili_rules.authoring.project_assertions import (
    CategoryCounts,
    ProjectAssertions,
    Verdict,
    needs_categories,
    verdicts,
    verdicts_text,
)
from kili_rules.authoring.review_delta import ReviewDelta
from kili_rules.authoring.tallies import LabelResult
from kili_rules.authoring.trend import Trend
from kili_rules.runtime.model import Report


@dataclass
class Insights:
    """People, trend, review delta and project assertions of one ``check`` run."""

    people: People
    trend: Trend
    review: ReviewDelta | None = None
    project: ProjectAssertions | None = None
    categories: CategoryCounts | None = None

    #: every label read is checked (``--all-labels``): the review delta takes the audit's reports, instead of
    #: evaluating the labels a second time
    review_from_reports: bool = False

    def on_report(self, record: LabelRecord, report: Report) -> None:
        """Count one checked label."""
        result = LabelResult.of(report)
        self.people.add(record, result)
        self.trend.add(record, result)
        if self.categories is not None:
            self.categories.add(record)
        if self.review is not None and self.review_from_reports:
            self.review.add(record, report)

    def on_record(self, record: LabelRecord) -> None:
        """See one label read (checked or not): the review delta's input, unless it takes the reports."""
        if self.review is not None and not self.review_from_reports:
            self.review.add(record)

    def verdicts(self) -> list[Verdict]:
        """The ``project:`` assertions checked (none without a ``project:`` section)."""
        if self.project is None:
            return []
        return verdicts(self.project, self.people.project, self.categories)

    def failed(self) -> bool:
        """Whether a project assertion failed."""
        return any(not verdict.passed for verdict in self.verdicts())

    def as_json(self) -> dict[str, Any]:
        """The keys ``check --format json`` adds: labelers, trend, review (with --review), project assertions."""
        found: dict[str, Any] = {"labelers": self.people.as_json(), "trend": self.trend.as_json()}
        if self.review is not None:
            found["review"] = self.review.as_json()
        if self.project is not None:
            found["project_assertions"] = [verdict.as_json() for verdict in self.verdicts()]
        return found

    def as_text(self, *, by_author: bool, period: bool) -> str:
        """The sections ``check`` prints after its summary: the labelers (``--by author``), the trend
        (``--period``), the review delta (``--review``), the project assertions (when the rule file has some)."""
        parts = []
        if by_author:
            parts.append("labelers (worst first):\n" + self.people.as_text())
        if period:
            parts.append(f"trend per {self.trend.period}:\n" + self.trend.as_text())
        if self.review is not None:
            parts.append(self.review.as_text())
        if self.project is not None:
            parts.append(verdicts_text(self.verdicts()))
        return "\n\n".join(parts)


def new_insights(
    rule_set: RuleSet, event: str = "submit", *, period: str = "week", review: bool = False, every_label: bool = False
) -> Insights:
    """Empty insights for ``rule_set``: per labeler, per ``period``, with a review delta when ``review``
    (``every_label``: the audit checks every label read, so the review delta takes its reports)."""
    rule_ids = [rule["id"] for rule in rule_set.data["rules"]]
    jobs = needs_categories(rule_set.project)
    return Insights(
        People(rule_ids),
        Trend(rule_ids, period),
        ReviewDelta(rule_set.engine, rule_ids, event) if review else None,
        rule_set.project,
        CategoryCounts(jobs) if jobs is not False else None,
        review_from_reports=every_label,
    )


__all__ = ["Insights", "new_insights"]
