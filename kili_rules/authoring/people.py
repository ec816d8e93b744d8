"""Per labeler: who wrote the labels checked, and how each person's labels fare against the project.

For each author (the label's ``author.email``, else ``author.id``, else ``authorId``; ``(unknown)`` when the label
names nobody): labels checked, the share with a finding, the mean score and the fail rate of each rule
(:mod:`kili_rules.authoring.tallies`). A rule is *marked* for an author when the author's rate is apart from the
project's: the author has at least :data:`MIN_LABELS` labels where the rule applies, and the 95 % Wilson score
interval of the author's fail rate excludes the project's rate (the project's rate counts every label, the author's
included). One label, or a handful, never marks anyone: with 3 labels all failing the interval is [0.44, 1].

Authors are sorted worst first: most rules marked *worse*, then the largest share of labels with a finding, then the
lowest mean score. Memory: one tally per author and the :data:`WORST_PER_AUTHOR` lowest-scoring labels of each.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.tallies import LabelResult, Tally, apart
from kili_rules.runtime.label_model import as_dict

#: The fewest labels (where a rule applies) an author needs before the rule can be marked for them.
MIN_LABELS = 20
#: The lowest-scoring labels kept per author, to link to.
WORST_PER_AUTHOR = 3
UNKNOWN = "(unknown)"


def author_of(label: Any) -> str:
    """Who wrote ``label``: ``author.email``, else ``author.id``, else ``authorId``, else ``(unknown)``."""
    label = as_dict(label)
    author = as_dict(label.get("author"))
    for value in (author.get("email"), author.get("id"), label.get("authorId")):
        if isinstance(value, str) and value:
            return value
    return UNKNOWN


@dataclass
class Labeler:
    """One author's tally and their worst labels (a bounded heap of ``(-score, order, row)``)."""

    name: str
    tally: Tally = field(default_factory=Tally)
    worst: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class People:
    """Tallies per author of the labels checked (``on_report`` of the audit)."""

    rule_ids: list[str]
    min_labels: int = MIN_LABELS
    project: Tally = field(default_factory=Tally)
    authors: dict[str, Labeler] = field(default_factory=dict)
    _order: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def add(self, record: LabelRecord, result: LabelResult) -> None:
        """Count one label (:meth:`LabelResult.of` its report) for its author and for the project."""
        name = author_of(record.label)
        labeler = self.authors.get(name)
        if labeler is None:
            labeler = self.authors[name] = Labeler(name)
        labeler.tally.add(result)
        self.project.add(result)
        if result.failed:
            entry = (-result.score, next(self._order), _row(record, result))
            if len(labeler.worst) < WORST_PER_AUTHOR:
                heapq.heappush(labeler.worst, entry)
            elif entry[0] > labeler.worst[0][0]:  # a lower score than the best kept
                heapq.heapreplace(labeler.worst, entry)

    def marks(self, labeler: Labeler) -> dict[str, str]:
        """The rules where ``labeler`` is apart from the project: rule id → ``worse`` | ``better``."""
        found = {}
        for rule_id in self.rule_ids:
            reference = self.project.fail_rate(rule_id)
            if reference is None:
                continue
            side = apart(labeler.tally.failed[rule_id], labeler.tally.applied[rule_id], reference, self.min_labels)
            if side:
                found[rule_id] = side
        return found

    def ranked(self) -> list[tuple[Labeler, dict[str, str]]]:
        """Every author with their marks, worst offenders first."""
        rows = [(labeler, self.marks(labeler)) for labeler in self.authors.values()]

        def key(row: tuple[Labeler, dict[str, str]]) -> tuple[Any, ...]:
            labeler, marks = row
            worse = sum(1 for side in marks.values() if side == "worse")
            tally = labeler.tally
            return (-worse, -(tally.share_with_findings or 0), tally.mean_score or 0, labeler.name)

        return sorted(rows, key=key)

    def as_json(self) -> dict[str, Any]:
        """Per author (worst first): counts, rates, marked rules and worst labels."""
        return {
            "min_labels": self.min_labels,
            "test": "the 95% Wilson interval of the author's fail rate excludes the project's rate",
            "project": self.project.as_json(self.rule_ids),
            "authors": [
                {
                    "author": labeler.name,
                    **labeler.tally.as_json(self.rule_ids),
                    "marked": marks,
                    "worst_labels": worst_rows(labeler),
                }
                for labeler, marks in self.ranked()
            ],
        }

    def as_text(self) -> str:
        """A table: one line per author, worst first, with the rules marked worse (and better)."""
        ranked = self.ranked()
        width = max([len("author"), *(len(labeler.name) for labeler, _ in ranked)])
        lines = [f"{'author':<{width}}  {'labels':>7}  {'w/ finding':>10}  {'mean':>6}  rules apart from the project"]
        for labeler, marks in ranked:
            tally = labeler.tally
            apart_rules = ", ".join(
                f"{rule_id} {side} ({tally.fail_rate(rule_id):.0%} vs {self.project.fail_rate(rule_id):.0%})"
                for rule_id, side in marks.items()
            )
            lines.append(
                f"{labeler.name:<{width}}  {tally.labels:>7,}  {tally.share_with_findings or 0:>10.0%}  "
                f"{tally.mean_score or 0:>6.1f}  {apart_rules or '-'}"
            )
        lines.append(
            f"(a rule is apart when the author has >= {self.min_labels} labels where it applies and the 95% Wilson "
            "interval of their fail rate excludes the project's)"
        )
        return "\n".join(lines)


def worst_rows(labeler: Labeler) -> list[dict[str, Any]]:
    """An author's kept labels, lowest score first."""
    return [row for _, _, row in sorted(labeler.worst, key=lambda entry: (-entry[0], entry[1]))]


def _row(record: LabelRecord, result: LabelResult) -> dict[str, Any]:
    label = as_dict(record.label)
    return {
        "asset": record.asset_id,
        "label": label.get("id"),
        "score": result.score,
        "failed": list(result.failed),
    }


__all__ = ["MIN_LABELS", "Labeler", "People", "author_of"]
