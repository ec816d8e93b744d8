"""Trend: the tallies of :mod:`kili_rules.authoring.tallies` per period of the labels' ``createdAt``.

A period is a day (``2026-03-02``), an ISO week (``2026-W10``, Monday to Sunday, the ISO year) or a month
(``2026-03``), in UTC as Kili writes ``createdAt`` (``2026-03-02T10:40:52.065Z``). A label without a readable
``createdAt`` counts in the period ``unknown`` (listed last). Memory: one tally per period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.authoring.tallies import LabelResult, Tally
from kili_rules.runtime.label_model import as_dict

PERIODS = ("day", "week", "month")
UNKNOWN = "unknown"


def period_of(created: Any, period: str) -> str:
    """The period (``day`` | ``week`` | ``month``) of a ``createdAt`` string, or ``unknown``."""
    if not isinstance(created, str) or len(created) < 10:
        return UNKNOWN
    try:
        day = dt.date.fromisoformat(created[:10])
    except ValueError:
        return UNKNOWN
    if period == "day":
        return day.isoformat()
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


@dataclass
class Trend:
    """Tallies per period (``on_report`` of the audit)."""

    rule_ids: list[str]
    period: str = "week"
    periods: dict[str, Tally] = field(default_factory=dict)
    #: the last createdAt string seen and its period: consecutive labels of one day skip the parsing
    _last: tuple[Any, str] = (None, UNKNOWN)

    def add(self, record: LabelRecord, result: LabelResult) -> None:
        """Count one label (:meth:`LabelResult.of` its report) in the period of its ``createdAt``."""
        created = as_dict(record.label).get("createdAt")
        key = created[:10] if isinstance(created, str) else None
        if key is None or key != self._last[0]:
            self._last = (key, period_of(created, self.period))
        name = self._last[1]
        tally = self.periods.get(name)
        if tally is None:
            tally = self.periods[name] = Tally()
        tally.add(result)

    def ordered(self) -> list[tuple[str, Tally]]:
        """The periods in time order, ``unknown`` last."""
        return sorted(self.periods.items(), key=lambda item: (item[0] == UNKNOWN, item[0]))

    def series(self, rule_id: str) -> list[float | None]:
        """The fail rate of ``rule_id`` per period (None where it never applied)."""
        return [tally.fail_rate(rule_id) for _, tally in self.ordered()]

    def as_json(self) -> dict[str, Any]:
        """Per period: counts, mean score, fail rate per rule."""
        return {
            "period": self.period,
            "periods": [{"period": name, **tally.as_json(self.rule_ids)} for name, tally in self.ordered()],
        }

    def as_text(self) -> str:
        """A compact table: one line per period, the mean score and each rule's fail rate (``-``: never applied)."""
        ordered = self.ordered()
        width = max([len(self.period), *(len(name) for name, _ in ordered)])
        columns = [max(len(rule_id), 5) for rule_id in self.rule_ids]
        header = "  ".join(f"{rule_id:>{w}}" for rule_id, w in zip(self.rule_ids, columns, strict=True))
        lines = [f"{self.period:<{width}}  {'labels':>7}  {'mean':>6}  {header}"]
        for name, tally in ordered:
            rates = "  ".join(
                f"{'-' if (rate := tally.fail_rate(rule_id)) is None else f'{rate:.0%}':>{w}}"
                for rule_id, w in zip(self.rule_ids, columns, strict=True)
            )
            lines.append(f"{name:<{width}}  {tally.labels:>7,}  {tally.mean_score or 0:>6.1f}  {rates}")
        lines.append("(fail rate of each rule per period: labels where it failed / labels where it applied)")
        return "\n".join(lines)


__all__ = ["PERIODS", "Trend", "period_of"]
