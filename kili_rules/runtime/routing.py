"""Where the asset goes after the rules: sent back to the queue, on to review, or left where it is.

Pure (no Kili call): :func:`decide_routing` says whether a report sends the asset back (a finding whose severity
maps to ``send_back``) or on to review (``review``; send back wins when both apply), and :func:`move_outcome`
reads what ``kili.send_back_to_queue(...)`` or ``kili.add_to_review(...)`` answered. The call itself, sent at
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


@dataclass(frozen=True)
class Routing:
    """Where a report sends the asset.

    Attributes:
        send_back: whether to call ``send_back_to_queue``.
        rules: the ids of the rules that send it back or on to review (for the logs), sorted.
        review: whether to call ``add_to_review`` (never with ``send_back``).
    """

    send_back: bool
    rules: tuple[str, ...] = ()
    review: bool = False


def decide_routing(report: Report, policy: Policy) -> Routing:
    """Send the asset back when a finding's severity maps to ``send_back``; else on to review when one maps to
    ``review``; else leave it where it is."""
    rules = tuple(sorted({f.rule_id for f in policy.findings_for(report, "send_back")}))
    if rules:
        return Routing(send_back=True, rules=rules)
    rules = tuple(sorted({f.rule_id for f in policy.findings_for(report, "review")}))
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
