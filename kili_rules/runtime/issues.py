"""The issues of one label: what identifies an issue, Kili's answers checked, which issues to create and to solve.

Everything here is pure (no Kili call): :func:`plan_issues` takes a report, the asset's open issues (as
:func:`checked_issues` reads them from ``kili.issues(...)``) and the rule set's :class:`~kili_rules.runtime.policy.
Policy`, and says which issues to create and which to set to SOLVED. The plugin runs it for one asset; anything
that reads the open issues of many assets at once can run it for each.

- An issue is identified by its text, tagged with the rule id (``[iban-fr] IBAN ...``), and the annotation it is
  pinned on (``objectMid``): a finding that moves from one box to another solves the first box's issue and opens
  one on the second.
- One issue per finding whose severity maps to ``issue``, at most ``max_issues`` a label (the rest summed up in one
  unpinned issue per rule), texts cut at ``max_issue_text`` characters.
- Only OPEN issues of type ISSUE tagged with a rule of this rule set are ever solved, and only when that rule judged
  the label (a rule that could not check only has its own ``could not check`` issues solved); QUESTIONs and other
  issues are never touched.
- No answer is trusted before its shape is checked: an answer that is not a list of issue objects is a failed read
  (:class:`~kili_rules.runtime.retry.KiliAnswerError`), and nothing is created or solved from it.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.model import COULD_NOT_CHECK, UNREADABLE_LABEL, Report
from kili_rules.runtime.policy import Policy, cut
from kili_rules.runtime.retry import KiliAnswerError

#: The fields of ``kili.issues(...)`` the plugin reads.
ISSUE_FIELDS = ["id", "status", "type", "objectMid", "comments.text"]

#: What identifies an issue: its text and the annotation it is pinned on (``None``: the whole label).
IssueKey = tuple[str | None, str | None]


@dataclass(frozen=True)
class OpenIssue:
    """An OPEN issue of the asset, as checked from Kili's answer."""

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
        solve: the open issues to set to SOLVED (their finding is gone).
        kept: how many wanted issues are already open.
    """

    create: list[IssueKey]
    solve: list[OpenIssue]
    kept: int


def issue_text(issue: Mapping[str, Any]) -> str | None:
    """The text of a Kili issue as ``kili.issues(fields=[..., "comments.text"])`` returns it (first comment)."""
    comments = issue.get("comments")
    if isinstance(comments, list) and comments and isinstance(comments[0], Mapping):
        text = comments[0].get("text")
        return text if isinstance(text, str) else None
    text = issue.get("text")
    return text if isinstance(text, str) else None


def rule_id_of(text: str) -> str | None:
    """The rule id an issue text is tagged with (``[iban-fr] ...`` gives ``iban-fr``)."""
    if text.startswith("[") and "] " in text:
        return text[1 : text.index("] ")]
    return None


def checked_issues(answer: Any) -> list[OpenIssue]:
    """The open issues in ``kili.issues(...)``'s answer; KiliAnswerError when it is not a list of issue objects
    with an id, an OPEN status, a type, a comments list and a string (or no) ``objectMid``."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"issues: expected a list of issues, got {type(answer).__name__}")
    issues = []
    for row in answer:
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) or not row["id"]:
            raise KiliAnswerError(f"issues: expected issue objects with an id, got {str(row)[:80]}")
        issue_id, status, kind, mid = row["id"], row.get("status"), row.get("type"), row.get("objectMid")
        if status != "OPEN" or kind not in ("ISSUE", "QUESTION"):
            raise KiliAnswerError(f"issues: issue {issue_id} has status {status!r} and type {kind!r}")
        if not isinstance(row.get("comments"), list):
            raise KiliAnswerError(f"issues: issue {issue_id} has no comments list")
        if mid is not None and not isinstance(mid, str):
            raise KiliAnswerError(f"issues: issue {issue_id} has an objectMid of type {type(mid).__name__}")
        issues.append(OpenIssue(issue_id, issue_text(row), mid or None, kind))
    return issues


def wanted_issues(report: Report, policy: Policy) -> list[IssueKey]:
    """``(text, mid)`` of every issue the findings want: at most ``max_issues``, the rest summed up in one unpinned
    issue per rule; texts cut at ``max_issue_text``."""
    findings = policy.findings_for(report, "issue")
    most, longest = int(policy.limits["max_issues"]), int(policy.limits["max_issue_text"])
    wanted: list[IssueKey] = [(cut(f.issue_text, longest), f.mid) for f in findings[:most]]
    for rule_id, more in Counter(f.rule_id for f in findings[most:]).items():
        summary = f"[{rule_id}] and {more} more findings of this rule (a label gets at most {most} issues)"
        wanted.append((cut(summary, longest), None))
    return wanted


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
    """Whether an open issue belongs to a rule that judged this label, so that it may be solved when its finding is
    gone (a rule that could not check only has its own ``could not check`` issues solved)."""
    judged = {o.rule_id for o in report.outcomes if o.status in ("pass", "fail", "not_applicable")}
    if not report.unreadable:
        judged.add(UNREADABLE_LABEL)
    errored = {o.rule_id for o in report.outcomes if o.status == "error"}

    def is_solvable(issue: OpenIssue) -> bool:
        rule_id = rule_id_of(issue.text or "")
        if issue.type != "ISSUE" or rule_id not in policy.rule_ids:
            return False
        if rule_id in judged:
            return True
        return rule_id in errored and (issue.text or "").startswith(f"[{rule_id}] {COULD_NOT_CHECK}")

    return is_solvable


def plan_issues(report: Report, open_issues: list[OpenIssue], policy: Policy) -> IssuePlan:
    """Which issues to create and which to solve, given the report and the asset's open issues.

    Each wanted issue that an open issue covers (same text, same ``mid``) is kept; the others are created. An open
    issue that covers no wanted issue is solved when it is this rule set's and its rule judged the label.
    """
    wanted = wanted_issues(report, policy)
    create = missing_issues(wanted, open_issues)
    is_solvable = solvable(report, policy)
    still_wanted: Counter[IssueKey] = Counter(wanted)
    solve = []
    for issue in open_issues:
        if still_wanted[issue.key] > 0:
            still_wanted[issue.key] -= 1
        elif is_solvable(issue):
            solve.append(issue)
    return IssuePlan(create=create, solve=solve, kept=len(wanted) - len(create))
