"""Where the asset goes after the rules: sent back to the queue, on to review, or left where it is.

Pure (no Kili call): :func:`decide_routing` says whether a report sends the asset back (a finding whose severity
maps to ``send_back``) or on to review (``review``; send back wins when both apply; ``on_pass: [review]``: a label
that no rule fails), and :func:`move_outcome` reads what ``kili.send_back_to_queue(...)`` or
``kili.add_to_review(...)`` answered.

**No endless ping-pong.** The plugin counts its send backs of an asset in the asset's ``json_metadata``
(:data:`SEND_BACKS_KEY`, a flat integer, merged like the score). Once the asset has been sent back
``limits.max_send_backs`` times (3 by default; 0: no limit), a label that would be sent back again is **escalated**
instead: on a submit it moves on to review (``add_to_review``) so that a reviewer decides; on a review (a reviewer
already has it) it stays where it is; either way one issue says so (rule id ``send-backs``, see
:mod:`~kili_rules.runtime.decision`). A label that passes resets nothing: the count stays readable in the metadata.
When the count cannot be read (the asset read failed), the asset is sent back as the rules say (fails closed) and
the count is not written.

``review`` moves are made on a submit only: on a review, Kili's workflow moves the asset on itself, and adding a
reviewed asset to review again would send it round forever. A ``click`` (a labeler's "check my label" button) never
routes. The call itself, sent at
most once an event and again only when its outcome is unknown, is :func:`~kili_rules.runtime.kili_calls.move_asset`.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.retry import KiliAnswerError

#: What ``send_back_to_queue`` or ``add_to_review`` did: the asset was moved, Kili declined (a normal outcome: a
#: skipped asset, a step not done, someone labeling), or the write failed on Kili's side (nothing was done).
SENT, DECLINED, FAILED = "sent", "declined", "failed"
#: The ``json_metadata`` key of the number of times the plugin sent the asset back.
SEND_BACKS_KEY = "qa_send_backs"
#: The events that may move the asset (a labeler's ``click`` only opens or solves issues).
ROUTING_EVENTS = ("submit", "review")


@dataclass(frozen=True)
class Routing:
    """Where a report sends the asset.

    Attributes:
        send_back: whether to call ``send_back_to_queue``.
        rules: the ids of the rules that send it back or on to review (for the logs), sorted.
        review: whether to call ``add_to_review`` (never with ``send_back``).
        escalated: the rules would send it back, but it was sent back ``max_send_backs`` times already.
        send_backs: the send backs counted after this one (to write in ``json_metadata``); ``None``: unchanged or
            unknown.
        decided: False for an event that never routes (``click``): nothing about routing, escalation included, may
            be concluded from it.
    """

    send_back: bool
    rules: tuple[str, ...] = ()
    review: bool = False
    escalated: bool = False
    send_backs: int | None = None
    decided: bool = True


def send_backs_of(metadata: Mapping[str, Any] | None) -> int | None:
    """How many times the plugin sent the asset back, from its ``json_metadata`` (``None`` when it could not be
    read; 0 when the key is missing or holds no whole number >= 0: a hand-edited value starts the count again)."""
    if metadata is None:
        return None
    value = metadata.get(SEND_BACKS_KEY, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return 0
    try:
        number = float(value)
    except ValueError:
        return 0
    return int(number) if number >= 0 and number == number and number != float("inf") else 0


def decide_routing(report: Report, policy: Policy, event: str = "submit", send_backs: int | None = 0) -> Routing:
    """Send the asset back when a finding's severity maps to ``send_back``, unless it was sent back
    ``max_send_backs`` times already (``send_backs``; ``None``: unknown, then it is sent back): then escalate; else
    on to review when a finding maps to ``review``, or when no rule failed and ``on_pass`` says ``review``; else leave
    it where it is. An event outside :data:`ROUTING_EVENTS` never routes."""
    if event not in ROUTING_EVENTS:
        return Routing(send_back=False, decided=False)
    rules = tuple(sorted({f.rule_id for f in policy.findings_for(report, "send_back")}))
    if rules:
        most = int(policy.limits.get("max_send_backs", 0))
        if send_backs is None:
            return Routing(send_back=True, rules=rules)
        if most <= 0 or send_backs < most:
            return Routing(send_back=True, rules=rules, send_backs=send_backs + 1)
        return Routing(send_back=False, rules=rules, review=event == "submit", escalated=True)
    if event != "submit":  # a reviewed label is moved on by Kili's workflow: adding it to review again would loop
        return Routing(send_back=False)
    rules = tuple(sorted({f.rule_id for f in policy.findings_for(report, "review")}))
    if not rules and "review" in policy.on_pass and not report.failed_rule_ids:
        return Routing(send_back=False, review=True)
    return Routing(send_back=False, rules=rules, review=bool(rules))


def move_outcome(answer: Any, method: str = "send_back_to_queue") -> str:
    """:data:`SENT`, :data:`DECLINED` or :data:`FAILED` from the answer of ``method`` (``send_back_to_queue`` or
    ``add_to_review``; kili ≥ 26.2.1: ``{succeeded, declined, failed}``; a plain object before, which means done);
    KiliAnswerError when it is not an object."""
    if not isinstance(answer, Mapping):
        raise KiliAnswerError(f"{method}: expected an object, got {type(answer).__name__}")
    if answer.get("failed"):  # the write threw on Kili's side; nothing was done
        return FAILED
    if answer.get("declined"):
        return DECLINED
    return SENT
