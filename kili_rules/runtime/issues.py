"""The issues of one label: what identifies an issue, Kili's answers checked, which issues to create and to solve.

Everything here is pure (no Kili call): :func:`plan_issues` takes a report, the asset's open issues (as
:func:`checked_issues` reads them from ``kili.issues(...)``) and the rule set's :class:`~kili_rules.runtime.policy.
Policy`, and says which issues to create and which to set to SOLVED. The plugin runs it for one asset; anything
that reads the open issues of many assets at once can run it for each.

**The tag.** An issue's text starts with the rule set's name and the rule's id, then the message, so that it stays
readable for labelers: ``[invoices/iban-fr] IBAN number should start by FR``. Neither a name nor an id may hold
``/``, ``]`` or a space, so the tag reads back unambiguously, and two rule sets (or a reviewer's own
``[iban-fr] please double-check``) never collide. An issue is identified by that text and the annotation it is
pinned on (``objectMid``): a finding that moves from one box to another solves the first box's issue and opens one
on the second. Its text is the comment it was opened with: the first comment by creation time (``kili.issues``
gives the comments in no promised order, and a reply may come first).

**What it touches.** Only OPEN issues of type ISSUE that this rule set opened are ever solved, and only when their
rule judged the label (a rule that could not check only has its own ``could not check`` issues solved); QUESTIONs
and everyone else's issues are never touched. Issues opened by versions before the rule set's name was in the tag
(``[iban-fr] IBAN ...``) are recognised only when their text is exactly one this rule set can give: its rule's
message template (placeholders: any text), optionally naming a frame, a ``could not check`` or a summary text.
Such a text a reviewer typed, or another rule set with the same rule id and the same message gave, cannot be told
apart; ``[unreadable-label]`` ones, which every rule set gives, are never taken for this one's.

**Answers checked.** ``kili.issues``'s answer is read only if it is a list of issue objects of this very asset
(another asset's row fails the read: nothing is created or solved from it); a row listed twice is one row; a row
whose opening comment cannot be told (no comments, a comment without text, several without a creation time) is
left alone, never solved.

- One issue per finding whose severity maps to ``issue``, at most ``max_issues`` a label (the rest summed up in one
  unpinned issue per rule), texts cut at ``max_issue_text`` characters.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kili_rules.runtime.message import template_pattern
from kili_rules.runtime.model import COULD_NOT_CHECK, UNREADABLE_LABEL, Finding, Report
from kili_rules.runtime.policy import Policy, cut
from kili_rules.runtime.retry import KiliAnswerError

#: The fields of ``kili.issues(...)`` the plugin reads (the comments' creation time tells which one opened it).
ISSUE_FIELDS = ["id", "status", "type", "objectMid", "assetId", "comments.id", "comments.text", "comments.createdAt"]

#: What identifies an issue: its text and the annotation it is pinned on (``None``: the whole label).
IssueKey = tuple[str | None, str | None]

_SUMMARY = re.compile(r"and \d+ more findings of this rule \(a label gets at most \d+ issues\)")
_FRAME = re.compile(r" \(frame \d+\)\Z")


@dataclass(frozen=True)
class OpenIssue:
    """An OPEN issue of the asset, as checked from Kili's answer.

    Attributes:
        text: the text it was opened with (its first comment by creation time); ``None`` when that cannot be told.
    """

    id: str
    text: str | None
    mid: str | None
    type: str

    @property
    def key(self) -> IssueKey:
        """What identifies the issue: its text and the annotation it is pinned on."""
        return self.text, self.mid


@dataclass(frozen=True)
class IssuePlan:
    """What to do with the issues of one label.

    Attributes:
        create: ``(text, mid)`` of each issue to create, in the order of the findings.
        solve: the open issues to set to SOLVED (this rule set's, their finding gone).
        kept: how many wanted issues are already open.
        unreadable: the open issues whose text cannot be told (left alone).
    """

    create: list[IssueKey]
    solve: list[OpenIssue]
    kept: int
    unreadable: list[OpenIssue] = field(default_factory=list)


def tag(rule_set: str, rule_id: str) -> str:
    """The tag of the issues of a rule: ``[invoices/iban-fr]``."""
    return f"[{rule_set}/{rule_id}]"


def tag_of(text: str) -> tuple[str | None, str] | None:
    """``(rule set, rule id)`` of a tagged text; the rule set is ``None`` in the tag of earlier versions
    (``[iban-fr] ...``); ``None`` when the text is not tagged."""
    if not text.startswith("[") or "] " not in text:
        return None
    inside = text[1 : text.index("] ")]
    rule_set, slash, rule_id = inside.partition("/")
    if not slash:
        return (None, inside) if inside else None
    return (rule_set, rule_id) if rule_set and rule_id and "/" not in rule_id else None


def finding_text(finding: Finding, policy: Policy) -> str:
    """The text of the issue of a finding: ``[rule set/rule id] message`` (naming the frame in a video), cut at
    ``max_issue_text``."""
    body = finding.issue_text.removeprefix(f"[{finding.rule_id}] ")
    return cut(f"{tag(policy.name, finding.rule_id)} {body}", int(policy.limits["max_issue_text"]))


def _instant(value: Any) -> datetime | None:
    """A comment's ``createdAt`` (ISO 8601, ``Z`` or an offset; naive means UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def opening_text(comments: list[Any]) -> str | None:
    """The text an issue was opened with: its only comment, or its first by ``createdAt``; ``None`` when there is
    no comment, a comment has no text, or several comments lack a readable creation time (or tie with different
    texts)."""
    if not comments or not all(isinstance(c, Mapping) and isinstance(c.get("text"), str) for c in comments):
        return None
    if len(comments) == 1:
        text: str = comments[0]["text"]
        return text
    instants = [_instant(c.get("createdAt")) for c in comments]
    known = [i for i in instants if i is not None]
    if len(known) != len(instants):
        return None
    first = min(known)
    texts = {c["text"] for c, instant in zip(comments, instants, strict=True) if instant == first}
    return texts.pop() if len(texts) == 1 else None


def checked_issues(answer: Any, asset_id: str) -> list[OpenIssue]:
    """The open issues of ``asset_id`` in ``kili.issues(...)``'s answer. KiliAnswerError (the read fails) when it
    is not a list of issue objects with an id, the ``assetId`` asked for, an OPEN status, a type, a comments list
    and a string (or no) ``objectMid``, or when one id comes twice with different contents (twice the same: one)."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"issues: expected a list of issues, got {type(answer).__name__}")
    issues: list[OpenIssue] = []
    seen: dict[str, Mapping[str, Any]] = {}
    for row in answer:
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) or not row["id"]:
            raise KiliAnswerError(f"issues: expected issue objects with an id, got {str(row)[:80]}")
        issue_id, status, kind, mid = row["id"], row.get("status"), row.get("type"), row.get("objectMid")
        if row.get("assetId") != asset_id:
            raise KiliAnswerError(f"issues: issue {issue_id} is of asset {row.get('assetId')!r}, not {asset_id}")
        if status != "OPEN" or kind not in ("ISSUE", "QUESTION"):
            raise KiliAnswerError(f"issues: issue {issue_id} has status {status!r} and type {kind!r}")
        if not isinstance(row.get("comments"), list):
            raise KiliAnswerError(f"issues: issue {issue_id} has no comments list")
        if mid is not None and not isinstance(mid, str):
            raise KiliAnswerError(f"issues: issue {issue_id} has an objectMid of type {type(mid).__name__}")
        if issue_id in seen:
            if seen[issue_id] != row:
                raise KiliAnswerError(f"issues: issue {issue_id} is listed twice, differently")
            continue
        seen[issue_id] = row
        issues.append(OpenIssue(issue_id, opening_text(row["comments"]), mid or None, kind))
    return issues


@functools.lru_cache(maxsize=512)
def _pattern(template: str) -> re.Pattern[str]:
    return template_pattern(template)


def _could_be_legacy(body: str, rule_id: str, policy: Policy) -> bool:
    """Whether ``[rule_id] body`` is a text this rule set gave before its name was in the tag."""
    if rule_id == UNREADABLE_LABEL:  # every rule set gives these: never taken for this one's
        return False
    if body.startswith(COULD_NOT_CHECK) or _SUMMARY.fullmatch(body):
        return True
    pattern = _pattern(policy.messages.get(rule_id, ""))
    return bool(pattern.fullmatch(body) or pattern.fullmatch(_FRAME.sub("", body)))


def rule_of(text: str | None, policy: Policy) -> str | None:
    """The rule of this rule set whose issue ``text`` is (tagged ``[name/rule-id]``, or a text of an earlier
    version this rule set can give); ``None`` for any other text: someone else's issue."""
    tagged = tag_of(text or "")
    if text is None or tagged is None or tagged[1] not in policy.rule_ids:
        return None
    rule_set, rule_id = tagged
    if rule_set is not None:
        return rule_id if rule_set == policy.name else None
    return rule_id if _could_be_legacy(text[len(rule_id) + 3 :], rule_id, policy) else None


def _wanted(report: Report, policy: Policy) -> list[tuple[str, str, str | None]]:
    """``(text, text of earlier versions, mid)`` of every issue the findings want."""
    findings = policy.findings_for(report, "issue")
    most, longest = int(policy.limits["max_issues"]), int(policy.limits["max_issue_text"])
    wanted = [(finding_text(f, policy), cut(f.issue_text, longest), f.mid) for f in findings[:most]]
    for rule_id, more in Counter(f.rule_id for f in findings[most:]).items():
        summary = f"and {more} more findings of this rule (a label gets at most {most} issues)"
        wanted.append(
            (cut(f"{tag(policy.name, rule_id)} {summary}", longest), cut(f"[{rule_id}] {summary}", longest), None)
        )
    return wanted


def wanted_issues(report: Report, policy: Policy) -> list[IssueKey]:
    """``(text, mid)`` of every issue the findings want: at most ``max_issues``, the rest summed up in one unpinned
    issue per rule; texts cut at ``max_issue_text``."""
    return [(text, mid) for text, _, mid in _wanted(report, policy)]


def missing_issues(wanted: list[IssueKey], open_issues: Iterable[OpenIssue | IssueKey]) -> list[IssueKey]:
    """The wanted ``(text, mid)`` that no open issue covers (counted: two wanted, one open: one missing)."""
    available = Counter(issue if isinstance(issue, tuple) else issue.key for issue in open_issues)
    missing = []
    for key in wanted:
        if available[key] > 0:
            available[key] -= 1
        else:
            missing.append(key)
    return missing


def solvable(report: Report, policy: Policy) -> Callable[[OpenIssue], bool]:
    """Whether an open issue is this rule set's and belongs to a rule that judged this label, so that it may be
    solved when its finding is gone (a rule that could not check only has its own ``could not check`` issues
    solved)."""
    judged = {o.rule_id for o in report.outcomes if o.status in ("pass", "fail", "not_applicable")}
    if not report.unreadable:
        judged.add(UNREADABLE_LABEL)
    errored = {o.rule_id for o in report.outcomes if o.status == "error"}

    def is_solvable(issue: OpenIssue) -> bool:
        rule_id = rule_of(issue.text, policy)
        if issue.type != "ISSUE" or rule_id is None or issue.text is None:
            return False
        if rule_id in judged:
            return True
        return rule_id in errored and issue.text.split("] ", 1)[1].startswith(COULD_NOT_CHECK)

    return is_solvable


def plan_issues(report: Report, open_issues: list[OpenIssue], policy: Policy) -> IssuePlan:
    """Which issues to create and which to solve, given the report and the asset's open issues.

    Each wanted issue that an open issue covers (same text, or the text an earlier version gave it, and the same
    ``mid``) is kept; the others are created. An open issue that covers no wanted issue is solved when it is this
    rule set's and its rule judged the label. An issue whose text cannot be told is left alone.
    """
    wanted = _wanted(report, policy)
    current = {legacy: text for text, legacy, _ in wanted if not legacy.startswith(f"[{UNREADABLE_LABEL}]")}
    readable = [i for i in open_issues if i.text is not None]
    keys: list[IssueKey] = [
        (current.get(i.text, i.text) if i.type == "ISSUE" and i.text else i.text, i.mid) for i in readable
    ]
    create = missing_issues([(text, mid) for text, _, mid in wanted], keys)
    is_solvable = solvable(report, policy)
    still_wanted: Counter[IssueKey] = Counter((text, mid) for text, _, mid in wanted)
    solve = []
    for issue, key in zip(readable, keys, strict=True):
        if still_wanted[key] > 0:
            still_wanted[key] -= 1
        elif is_solvable(issue):
            solve.append(issue)
    unreadable = [i for i in open_issues if i.text is None]
    return IssuePlan(create=create, solve=solve, kept=len(wanted) - len(create), unreadable=unreadable)
