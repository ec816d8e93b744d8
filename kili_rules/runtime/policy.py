"""What a rule set says to do with a report: the actions of each severity, the limits, the score keys.

:class:`Policy` is the one input, besides Kili's answers, of the pure decisions of the plugin
(:mod:`~kili_rules.runtime.issues`, :mod:`~kili_rules.runtime.routing`, :mod:`~kili_rules.runtime.metadata`): the
plugin builds it once from the compiled rule set, and so can anything else that runs the same decisions (``apply``).

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime.model import SEND_BACKS, UNREADABLE_LABEL, Finding, Report

#: What ``limits:`` of a rule file holds when it says nothing.
DEFAULT_LIMITS: dict[str, float] = {
    "event_seconds": 50.0,
    "evaluation_seconds": 20.0,
    "rule_seconds": 5.0,
    "max_issues": 100,
    "max_issue_text": 1000,
    "max_log_line": 4000,
    "max_send_backs": 3,
}
#: The name of a rule set that has none (a compiled rule file always has one: ``name:`` or the file's stem).
DEFAULT_NAME = "kili-rules"


@dataclass(frozen=True)
class Policy:
    """What a rule set says to do with a report.

    Attributes:
        name: the rule set's name; it tags the issues it opens (``[invoices/iban-fr] ...``).
        rule_ids: the ids of the rules of the rule set (and the runtime's own, ``unreadable-label`` and
            ``send-backs``): the only issues it may solve.
        actions: the actions of each severity (``{"error": ["issue", "send_back"], ...}``).
        on_pass: the actions of a label that no rule fails (``("review",)`` or nothing).
        limits: the rule set's ``limits`` over :data:`DEFAULT_LIMITS`.
        score_key: the ``json_metadata`` key of the score (``None``: no score written).
        failed_key: the ``json_metadata`` key of the failed rule ids (``None``: not written).
        messages: the message template of each rule (to recognise the issues earlier versions opened).
    """

    name: str
    rule_ids: frozenset[str]
    actions: Mapping[str, tuple[str, ...]]
    limits: Mapping[str, float]
    score_key: str | None = None
    failed_key: str | None = None
    messages: Mapping[str, str] = field(default_factory=dict)
    on_pass: tuple[str, ...] = ()

    @classmethod
    def from_rule_set(cls, rule_set: Mapping[str, Any], limits: Mapping[str, float] | None = None) -> Policy:
        """The policy of a compiled rule set; ``limits`` overrides the rule set's own."""
        score = rule_set.get("score") or {}
        rules = rule_set.get("rules", [])
        return cls(
            name=str(rule_set.get("name") or DEFAULT_NAME),
            rule_ids=frozenset(rule["id"] for rule in rules) | {UNREADABLE_LABEL, SEND_BACKS},
            actions={severity: tuple(acts) for severity, acts in (rule_set.get("actions") or {}).items()},
            limits={**DEFAULT_LIMITS, **(rule_set.get("limits") or {}), **(limits or {})},
            score_key=score.get("key") or None,
            failed_key=score.get("failed_key") or None,
            messages={rule["id"]: str(rule.get("message", "")) for rule in rules},
            on_pass=tuple(rule_set.get("on_pass") or ()),
        )

    @property
    def counts_send_backs(self) -> bool:
        """Whether a send back can happen at all (some severity maps to ``send_back``): then the plugin counts them
        in ``json_metadata`` and escalates after ``limits.max_send_backs``."""
        return any("send_back" in acts for acts in self.actions.values())

    def findings_for(self, report: Report, action: str) -> list[Finding]:
        """The findings of ``report`` whose severity maps to ``action`` (``issue``, ``send_back``, ``review``)."""
        return [f for f in report.findings if action in self.actions.get(f.severity, ())]


def cut(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters, the last one an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
