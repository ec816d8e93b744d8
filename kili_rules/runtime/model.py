"""The data the engine passes around: what a check returns, what a rule concludes, what a label gets.

A rule type's ``check(params, label)`` returns a list of :class:`Violation` (empty: the rule passes) or
:data:`NOT_APPLICABLE` (nothing to check on this label). The engine turns violations into :class:`Finding` objects
(rendering the rule's message template) and gathers one :class:`RuleOutcome` per rule into a :class:`Report`.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
#: What a rule that cannot give a verdict counts as: ``fail`` (the default: it fails, with an issue) or ``skip``.
ON_ERROR = ("fail", "skip")
#: The rule id of the finding a label whose ``jsonResponse`` cannot be read gets (no user rule may take it).
UNREADABLE_LABEL = "unreadable-label"
#: The rule id of the plugin's own issue on an asset it stopped sending back (``limits.max_send_backs``).
SEND_BACKS = "send-backs"
#: The start of the message of a rule that could not give a verdict (``[rule-id] could not check this label: ...``).
COULD_NOT_CHECK = "could not check this label: "
#: The start of the ``error`` of a rule that could not check a job the label holds unreadable objects in.
UNREADABLE_DATA = "what the rule reads cannot be read: "
#: The events a rule may run on: ``submit`` and ``review`` (a label submitted or reviewed), ``click`` (a labeler's
#: "check my label" button in Kili's custom interface: issues only).
EVENTS = ("submit", "review", "click")
#: The events a rule runs on when it names none.
DEFAULT_EVENTS = ("submit", "review")
STATUSES = ("pass", "fail", "not_applicable", "error")


class CannotCheck(Exception):
    """What a rule type raises when the label lacks what it needs to give a verdict (a rule in pixels on an asset
    whose resolution is unknown): the engine ends the rule in ``error`` with this message (no traceback), failing
    closed per ``on_error``."""


class _NotApplicable:
    """The type of :data:`NOT_APPLICABLE`."""

    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


#: What a check returns when the label gives it nothing to check (the job is absent and not required...).
NOT_APPLICABLE = _NotApplicable()


#: The default of ``Violation.values``: a new empty dict for each violation.
_NO_VALUES: Any = object()


@dataclass(frozen=True, init=False)
class Violation:
    """One thing a check found wrong.

    Attributes:
        values: the values of the rule's message placeholders (``{"count": 3}``).
        mid: the annotation to pin the Kili issue on, when there is one.
        job: the job the violation is about.
        frame: the video frame, when there is one.
        message: a message that replaces the rule's template (Python rules may set it).
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    mid: str | None = None
    job: str | None = None
    frame: str | None = None
    message: str | None = None

    def __init__(
        self,
        values: Mapping[str, Any] = _NO_VALUES,
        mid: str | None = None,
        job: str | None = None,
        frame: str | None = None,
        message: str | None = None,
    ) -> None:
        # what the generated __init__ does, written into the instance dict at once: a frozen dataclass's own
        # __init__ calls object.__setattr__ per field, which makes a finding cost twice as much
        fields = self.__dict__
        fields["values"] = {} if values is _NO_VALUES else values
        fields["mid"], fields["job"], fields["frame"], fields["message"] = mid, job, frame, message


@dataclass(frozen=True, init=False)
class Finding:
    """A violation of one rule on one label, with its rendered message."""

    rule_id: str
    severity: str
    message: str
    mid: str | None = None
    job: str | None = None
    frame: str | None = None

    def __init__(
        self,
        rule_id: str,
        severity: str,
        message: str,
        mid: str | None = None,
        job: str | None = None,
        frame: str | None = None,
    ) -> None:
        fields = self.__dict__  # as Violation.__init__: one write of the instance dict
        fields["rule_id"], fields["severity"], fields["message"] = rule_id, severity, message
        fields["mid"], fields["job"], fields["frame"] = mid, job, frame

    @property
    def issue_text(self) -> str:
        """The message tagged with the rule id, ``[iban-fr] IBAN ...`` (logs, reports); the Kili issue's text also
        names the rule set: ``[invoices/iban-fr] IBAN ...`` (:func:`kili_rules.runtime.issues.finding_text`).

        A finding on a video frame names its frame (Kili's issues cannot carry one) unless the message does.
        """
        text = f"[{self.rule_id}] {self.message}"
        if self.frame is not None and self.frame.isdigit() and f"frame {self.frame}" not in self.message:
            text += f" (frame {self.frame})"
        return text


@dataclass(frozen=True, init=False)
class RuleOutcome:
    """How one rule ended on one label: ``pass``, ``fail``, ``not_applicable`` or ``error``.

    An ``error`` (the rule could not give a verdict) counts as failed in the score, with one finding
    ``could not check this label: <reason>``, unless the rule's ``on_error`` is ``skip``.
    """

    rule_id: str
    status: str
    weight: float = 1.0
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    traceback: str | None = None
    on_error: str = "fail"

    def __init__(
        self,
        rule_id: str,
        status: str,
        weight: float = 1.0,
        findings: tuple[Finding, ...] = (),
        error: str | None = None,
        traceback: str | None = None,
        on_error: str = "fail",
    ) -> None:
        fields = self.__dict__  # as Violation.__init__: one write of the instance dict
        fields["rule_id"], fields["status"], fields["weight"], fields["findings"] = rule_id, status, weight, findings
        fields["error"], fields["traceback"], fields["on_error"] = error, traceback, on_error

    @property
    def counts_as_failed(self) -> bool:
        """Whether the score counts the rule as failed: it failed, or it could not check and fails closed."""
        return self.status == "fail" or (self.status == "error" and self.on_error == "fail")


@dataclass(frozen=True)
class Report:
    """Everything the rules say about one label. ``foreign_jobs``: the label's jobs when the project's interface
    knows none of them (a label of another project? every rule is then not applicable); empty otherwise."""

    outcomes: tuple[RuleOutcome, ...]
    foreign_jobs: tuple[str, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every failed rule, in rule order."""
        return [f for outcome in self.outcomes for f in outcome.findings]

    @property
    def failed_rule_ids(self) -> list[str]:
        """The ids of the rules that failed (or could not check and fail closed), in rule order."""
        return [o.rule_id for o in self.outcomes if o.counts_as_failed]

    @property
    def unreadable(self) -> bool:
        """True when the label's ``jsonResponse`` could not be read: no rule ran, the label scores 0."""
        return any(o.rule_id == UNREADABLE_LABEL for o in self.outcomes)

    @property
    def errors(self) -> list[RuleOutcome]:
        """The rules that raised."""
        return [o for o in self.outcomes if o.status == "error"]

    @property
    def score(self) -> float:
        """``100 × Σweight(pass) / Σweight(pass + fail)``, rounded to 2 decimals; 100 when nothing applied.

        A rule that could not give a verdict counts as ``fail`` unless its ``on_error`` is ``skip``.
        Computed on the weights divided by the largest one, so that it stays a finite number however large the
        weights (two weights of 1e308 would overflow a plain sum to ``inf``, and ``inf / inf`` is NaN); a weight
        that is not a finite number >= 0 (the rule-file loader refuses them) makes the score 0: it cannot be
        computed, and QA fails closed.
        """
        judged = [(o.weight, o.status == "pass") for o in self.outcomes if o.status == "pass" or o.counts_as_failed]
        if any(not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0 for w, _ in judged):
            return 0.0
        largest = max((w for w, _ in judged), default=0)
        if largest <= 0:
            return 100.0
        passed = math.fsum(w / largest for w, did_pass in judged if did_pass)
        return round(100.0 * passed / math.fsum(w / largest for w, _ in judged), 2)

    def outcome(self, rule_id: str) -> RuleOutcome:
        """The outcome of one rule (KeyError if the rule did not run)."""
        for outcome in self.outcomes:
            if outcome.rule_id == rule_id:
                return outcome
        raise KeyError(rule_id)
