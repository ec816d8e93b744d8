"""Where the asset goes after the rules: sent back to the queue, or left where it is.

Pure (no Kili call): :func:`decide_routing` says whether a report sends the asset back (a finding whose severity
maps to ``send_back``), and :func:`send_back_outcome` reads what ``kili.send_back_to_queue(...)`` answered. The
call itself, sent at most once an event and again only when its outcome is unknown, is
:func:`~kili_rules.runtime.kili_calls.send_back`.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.retry import KiliAnswerError

#: What ``send_back_to_queue`` did: the asset was sent back, Kili declined (a normal outcome: a skipped asset, a
#: step not done, someone labeling), or the write failed on Kili's side (nothing was done).
SENT, DECLINED, FAILED = "sent", "declined", "failed"


@dataclass(frozen=True)
class Routing:
    """Where a report sends the asset.

    Attributes:
        send_back: whether to call ``send_back_to_queue``.
        rules: the ids of the rules that send it back (for the logs), sorted.
    """

    send_back: bool
    rules: tuple[str, ...] = ()


def decide_routing(report: Report, policy: Policy) -> Routing:
    """Send the asset back when a finding's severity maps to ``send_back``."""
    rules = tuple(sorted({f.rule_id for f in policy.findings_for(report, "send_back")}))
    return Routing(send_back=bool(rules), rules=rules)


def send_back_outcome(answer: Any) -> str:
    """:data:`SENT`, :data:`DECLINED` or :data:`FAILED` from ``send_back_to_queue``'s answer (kili ≥ 26.2.1:
    ``{succeeded, declined, failed}``; a plain object before, which means sent); KiliAnswerError when it is not an
    object."""
    if not isinstance(answer, Mapping):
        raise KiliAnswerError(f"send_back_to_queue: expected an object, got {type(answer).__name__}")
    if answer.get("failed"):  # the write threw on Kili's side; nothing was done
        return FAILED
    if answer.get("declined"):
        return DECLINED
    return SENT
