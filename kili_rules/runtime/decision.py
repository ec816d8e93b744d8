"""Everything the rules decide for one asset, from what was read of it: issues, routing, metadata. Pure.

One function per decision, and :func:`decide` for all three; the plugin (:mod:`~kili_rules.runtime.qa_plugin`,
one asset an event) and ``kili-rules apply`` (a page of assets at a time) both run these, so that they cannot
disagree on what a label deserves:

- :func:`decide_routing` (:mod:`~kili_rules.runtime.routing`): send back, review, or escalate after
  ``limits.max_send_backs``, from the report and the send backs counted in the asset's metadata;
- :func:`issue_plan`: which issues to create and to solve (:func:`~kili_rules.runtime.issues.plan_issues`), the
  escalation issue included: one unpinned issue ``[rule-set/send-backs] sent back to the queue N times already:
  escalated for a person to decide``, opened while the asset is escalated and solved by the first event that
  routes it otherwise (a ``click`` decides nothing about it);
- :func:`metadata_to_write`: the asset's whole ``json_metadata`` with the score and the send-back count merged in
  (every other key kept), or ``None`` when nothing would change or the metadata could not be read.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.issues import IssuePlan, OpenIssue, plan_issues
from kili_rules.runtime.metadata import AssetRead, merged_metadata, metadata_updates
from kili_rules.runtime.model import SEND_BACKS, Finding, Report, RuleOutcome
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.routing import Routing, decide_routing, send_backs_of

#: The severity of the escalation finding: it always opens an issue, whatever ``actions`` say.
ESCALATION_SEVERITY = "escalation"


@dataclass(frozen=True)
class Decision:
    """What the rules decide for one asset.

    Attributes:
        routing: send back, review, escalation.
        issues: the issues to create and solve; ``None`` when the open issues could not be read.
        metadata: the whole ``json_metadata`` to write; ``None``: write nothing.
    """

    routing: Routing
    issues: IssuePlan | None
    metadata: dict[str, Any] | None


def escalation_text(policy: Policy) -> str:
    """The message of the escalation issue (the same for every escalation of the rule set, so that it is opened
    once and kept while the asset stays escalated)."""
    most = int(policy.limits.get("max_send_backs", 0))
    return f"sent back to the queue {most} times already: escalated for a person to decide"


def routing_of(report: Report, policy: Policy, event: str, asset: AssetRead | None) -> Routing:
    """:func:`~kili_rules.runtime.routing.decide_routing` with the send backs counted in the asset's metadata
    (unknown when the asset could not be read)."""
    return decide_routing(report, policy, event, send_backs_of(asset.metadata if asset is not None else None))


def issue_plan(report: Report, policy: Policy, open_issues: list[OpenIssue], routing: Routing | None) -> IssuePlan:
    """:func:`~kili_rules.runtime.issues.plan_issues`, plus the escalation issue: wanted when ``routing`` escalates,
    solved when it decided otherwise, left alone when ``routing`` is ``None`` (unknown) or decided nothing."""
    if routing is None or not routing.decided:
        return plan_issues(report, open_issues, policy)
    findings: tuple[Finding, ...] = ()
    if routing.escalated:
        findings = (Finding(SEND_BACKS, ESCALATION_SEVERITY, escalation_text(policy)),)
    outcome = RuleOutcome(SEND_BACKS, "fail" if findings else "pass", findings=findings)
    actions = {**policy.actions, ESCALATION_SEVERITY: ("issue",)}
    with_escalation = dataclasses.replace(policy, actions=actions)
    # first, so that max_issues never cuts it
    return plan_issues(Report((outcome, *report.outcomes), report.foreign_jobs), open_issues, with_escalation)


def metadata_to_write(
    report: Report, policy: Policy, event: str, routing: Routing, current: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The asset's whole ``json_metadata`` after this event: ``current`` with the score and the send-back count
    merged in; ``None`` when ``current`` is unknown, when the event writes no metadata (``click``), or when the
    merged value equals ``current`` (nothing to write)."""
    if current is None or not routing.decided:
        return None
    updates = metadata_updates(report, policy, routing.send_backs if routing.send_back else None)
    merged = merged_metadata(current, updates)
    return None if merged == current else merged


def decide(
    report: Report, policy: Policy, event: str, open_issues: list[OpenIssue] | None, asset: AssetRead | None
) -> Decision:
    """Every decision for one asset, from the report and what was read of the asset (``None``: could not be
    read). The routing is known to the issues (the escalation issue) when the send backs were read, or when the
    rules send nothing back (then no count can escalate), as the plugin's issues group knows it."""
    routing = routing_of(report, policy, event, asset)
    known = routing if not routing.send_back or (asset is not None and asset.metadata is not None) else None
    issues = None if open_issues is None else issue_plan(report, policy, open_issues, known)
    metadata = metadata_to_write(report, policy, event, routing, asset.metadata if asset is not None else None)
    return Decision(routing, issues, metadata)
