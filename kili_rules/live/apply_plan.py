"""What ``kili-rules apply`` does to one asset of a page, decided by the plugin's own functions; and the same plan
taken up again after an interruption.

:func:`plan_asset` evaluates the asset's latest label as :class:`~kili_rules.runtime.qa_plugin.QaPlugin` does
(the same engine, budgets and label view), then decides with :func:`kili_rules.runtime.decision.decide` (issues to
create and solve, send back, review, escalation, the send-back count, the metadata to write) from the rows a page
read gave: the asset (``jsonMetadata``, ``resolution``, ``status``) and its OPEN issues. One code path for the
decision; the plugin and ``apply`` only differ in how they read and write.

**Already where it would go.** An asset whose ``status`` says it is back in the queue (``TODO``, ``ONGOING``) is
not sent back again, and that send back is neither counted in ``qa_send_backs`` nor escalated (its escalation issue
is left alone): a label a plugin sees is submitted, never in the queue, and a re-run of ``apply`` over an asset it
sent back must neither send it again nor count it twice. An asset in the queue or already ``TO_REVIEW`` is not
added to review (Kili would decline it).

**Taken up again.** A plan is plain JSON (:meth:`AssetPlan.to_json`): the state file records a page's plans
before its writes, so that a run killed between them converges on the next run (:func:`resumed_plan`): the issues
created since are not created again, the issues solved since not solved again, an asset already back in the
queue not sent again, and the metadata keys the plan writes merged into the metadata read then (every other key
kept, none lost).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime.asset_reads import needs_resolution
from kili_rules.runtime.decision import decide, issue_plan, metadata_to_write
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.issues import IssueKey, OpenIssue, checked_issues, missing_issues
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.metadata import AssetRead, checked_asset, metadata_object
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.retry import KiliAnswerError
from kili_rules.runtime.routing import ROUTING_EVENTS, Routing

#: The statuses of an asset back in the queue: sending it back again would be declined, and counted for nothing.
QUEUED = ("TODO", "ONGOING")
#: The statuses in which Kili declines ``add_to_review``.
NOT_REVIEWABLE = (*QUEUED, "TO_REVIEW")
#: The fields of an asset a page reads (its ``latestLabel`` is added by the reader).
PAGE_FIELDS = ("id", "externalId", "status", "jsonMetadata", "resolution.width", "resolution.height")


@dataclass
class AssetPlan:
    """The writes one asset gets.

    Attributes:
        create: ``(text, mid)`` of the issues to create on ``label_id``.
        open_ids: the ids of the asset's OPEN issues when it was planned (on a resume, the others were created
            since).
        solve: ``(issue id, text)`` of the issues to set to SOLVED.
        updates: the metadata keys to write, merged into the metadata read when written; ``metadata`` is the
            whole dict to write (``None``: nothing).
        failures: why the asset is not done (tried again on the next run) although its other writes go on.
    """

    asset_id: str
    label_id: str | None
    create: list[IssueKey] = field(default_factory=list)
    open_ids: list[str] = field(default_factory=list)
    solve: list[tuple[str, str | None]] = field(default_factory=list)
    kept: int = 0
    send_back: bool = False
    review: bool = False
    updates: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON (for the state file); ``metadata`` is left out (rebuilt from ``updates``)."""
        data = dataclasses.asdict(self)
        data.pop("metadata")
        data.pop("failures")
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AssetPlan:
        """A plan read back from the state file (``TypeError`` / ``ValueError`` when it is not one)."""
        return cls(
            asset_id=str(data["asset_id"]),
            label_id=data.get("label_id"),
            create=[(text, mid) for text, mid in data.get("create", [])],
            open_ids=[str(i) for i in data.get("open_ids", [])],
            solve=[(str(i), text) for i, text in data.get("solve", [])],
            kept=int(data.get("kept", 0)),
            send_back=bool(data.get("send_back")),
            review=bool(data.get("review")),
            updates=dict(data.get("updates") or {}),
        )


class Planner:
    """Plans the assets of a page with the plugin's engine and decisions (``event``: ``submit`` or ``review``)."""

    def __init__(self, engine: Engine, event: str = "submit") -> None:
        self.engine = engine
        self.event = event
        self.policy = Policy.from_rule_set(engine.rule_set)
        routes = event in ROUTING_EVENTS and (bool(self.policy.score_key) or self.policy.counts_send_backs)
        #: Whether the plugin would read the asset (its metadata or its resolution) for this event.
        self.reads_asset = routes or needs_resolution(engine.rule_set)

    def plan(self, row: Mapping[str, Any], issue_rows: Sequence[Mapping[str, Any]]) -> AssetPlan:
        """The plan of one asset from its row in a page (``latestLabel`` a dict) and its OPEN issue rows."""
        asset_id, label = str(row["id"]), row["latestLabel"]
        label_id = label.get("id") if isinstance(label.get("id"), str) else None
        plan = AssetPlan(asset_id, label_id)
        view = LabelView.from_label(label, jobs=self.engine.jobs)
        limits = self.policy.limits
        report = self.engine.evaluate(
            view, self.event, budget=float(limits["evaluation_seconds"]), rule_budget=float(limits["rule_seconds"])
        )
        open_issues: list[OpenIssue] | None
        try:
            open_issues = checked_issues(issue_rows, asset_id)
        except KiliAnswerError as error:
            open_issues = None
            plan.failures.append(f"issues: KiliAnswerError: {error}")
        asset = checked_asset([row], asset_id) if self.reads_asset else None
        if asset is not None and asset.metadata is None:
            plan.failures.append(f"json_metadata: KiliAnswerError: {asset.problem}")
        decision = decide(report, self.policy, self.event, open_issues, asset)
        routing, issues, metadata = decision.routing, decision.issues, decision.metadata
        if (routing.send_back or routing.escalated) and row.get("status") in QUEUED:
            # already back in the queue: not sent again, not counted, not escalated (the escalation issue left alone)
            routing = Routing(send_back=False, rules=routing.rules)
            issues = None if open_issues is None else issue_plan(report, self.policy, open_issues, None)
            metadata = metadata_to_write(report, self.policy, self.event, routing, _metadata(asset))
        plan.send_back = routing.send_back
        plan.review = routing.review and row.get("status") not in NOT_REVIEWABLE
        if issues is not None:
            plan.create = list(issues.create) if label_id is not None else []
            plan.solve = [(issue.id, issue.text) for issue in issues.solve]
            plan.kept = issues.kept
            plan.open_ids = [issue.id for issue in open_issues or []] if plan.create else []
        if metadata is not None:
            current = _metadata(asset) or {}
            plan.updates = {k: v for k, v in metadata.items() if k not in current or current[k] != v}
            plan.metadata = metadata
        return plan


def _metadata(asset: AssetRead | None) -> dict[str, Any] | None:
    return asset.metadata if asset is not None else None


def resumed_plan(plan: AssetPlan, row: Mapping[str, Any], issue_rows: Sequence[Mapping[str, Any]]) -> AssetPlan:
    """What is left of ``plan`` (recorded before a run was interrupted), given the asset as read now: the issues
    created since and those solved since are left out, an asset back in the queue is not sent again, and the
    metadata is the one read now with the plan's keys merged in (``None`` when that changes nothing)."""
    asset_id = plan.asset_id
    left = AssetPlan(asset_id, plan.label_id, kept=plan.kept)
    try:
        open_issues = checked_issues(issue_rows, asset_id)
    except KiliAnswerError as error:
        open_issues = None
        left.failures.append(f"issues: KiliAnswerError: {error}")
    if open_issues is not None:
        created_since = [issue for issue in open_issues if issue.id not in set(plan.open_ids)]
        left.create = missing_issues(plan.create, created_since)
        left.open_ids = [issue.id for issue in open_issues] if left.create else []
        still_open = {issue.id for issue in open_issues}
        left.solve = [(issue_id, text) for issue_id, text in plan.solve if issue_id in still_open]
    left.send_back = plan.send_back and row.get("status") not in QUEUED
    left.review = plan.review and row.get("status") not in NOT_REVIEWABLE
    left.updates = dict(plan.updates)
    if plan.updates:
        try:
            current = metadata_object(row.get("jsonMetadata"))
        except KiliAnswerError as error:
            left.failures.append(f"json_metadata: KiliAnswerError: {error}")
        else:
            merged = {**current, **plan.updates}
            left.metadata = None if merged == current else merged
    return left
