"""The engine: evaluates a compiled rule set on one label. Pure: no I/O, no Kili.

A compiled rule set is plain JSON-able data (what ``kili_rules.authoring.loader`` produces and what a built plugin
holds as a literal)::

    {"name": "invoices",
     "score": {"key": "qa_score", "failed_key": "qa_failed_rules"},
     "actions": {"error": ["issue", "send_back"], "warning": ["issue"], "info": []},
     "rules": [{"id": "iban-fr", "type": "text", "severity": "error", "message": "...",
                "events": ["submit", "review"], "weight": 1, "enabled": true,
                "params": {"job": "TRANSCRIPTION_JOB", "starts_with": "FR", ...}}, ...]}

Each rule ends as ``pass``, ``fail`` (one or more findings), ``not_applicable`` or ``error``: it could not give a
verdict (its check raised, even ``SystemExit``; its parameters could not be built; it ran past its
time). An error never stops the other rules, and it fails closed: it counts as failed in the score and gives one
finding ``could not check this label: <reason>`` with the rule's severity, unless the rule (or the rule set) says
``on_error: skip``. The error of a Python rule that raised starts with the line of its own file that raised
(``m09_python_raises.py:8: ZeroDivisionError: division by zero``); the finding's message keeps the error alone.
A rule with ``"where"`` reads only the annotations of its job that it selects (:mod:`kili_rules.runtime.where`).
A rule whose condition (``"when"``, a tree of :mod:`kili_rules.runtime.condition`) is false
on the label is ``not_applicable`` without running. A label whose ``jsonResponse`` cannot be read gets a finding of
its own (rule id ``unreadable-label``, severity ``error``, score 0) and no rule runs on it.
Inside a readable label, a built-in rule whose jobs hold what the view cannot read (``LabelView.unreadable_in``:
objects that are not objects, ``categories`` that is not a list, and for rule types with ``reads_shapes`` a shape
without finite vertices) ends in ``error`` before it runs, with a ``could not check`` finding pinned on each such
object (:meth:`Engine.unreadable_outcome`), counted as any error per ``on_error``. Python rules are not held back:
which jobs they read is not known.

When the rule file names an interface, the compiled rule set carries a trimmed copy of it under ``"interface"`` (the
jobs its rules read, every job when it has Python rules; see :mod:`kili_rules.runtime.interface`): the engine gives
it to every rule as ``label.interface``, so default messages and ``{job_name}`` / ``{category_name}`` show the names
people see in Kili, and Python rules read the interface offline as in the plugin.

The compiled rule set names the jobs it reads: ``Engine.jobs`` is the union, over its rules, of the options each
rule type declares with ``option(..., job=True)`` (nested ones included: ``for_each.job``) and the jobs of the
rule's condition (None, every job, when a Python rule is among them: it may read anything). The engine gives it to
the :class:`LabelView` it builds, which then indexes only those jobs; a rule that reads another job still sees it
(the view indexes everything then), so the hint changes the time, never the result. What depends on a rule only
is made once, when the engine binds it: its outcome when it passes or does not apply (one object, shared by the
reports), its message template compiled, its display names.

With a ``budget`` (the plugin always gives one, and a ``rule_budget`` per rule), the rules run in a worker thread, each
under a deadline: the end of its own budget, or of the evaluation's when that comes first. A rule still running at
its deadline is abandoned and fails closed alone: the rules after it go on in a fresh worker thread, and only those
not started by the end of the evaluation's budget fail closed with it. Python cannot stop a thread: an abandoned
Python rule in a pure-Python loop goes on in its thread (nothing it produces is used), while the built-in rule types
call :func:`~kili_rules.runtime.rule_time.check_time` as they go and stop at their deadline. CPython cannot
interrupt a thread that holds the GIL inside C code (a catastrophic ``re`` match): so the ``text`` rule type
matches its regex with ``linear_regex`` (Python bytecode, linear in the text) and caps the text it reads.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from kili_rules.runtime.attribute_hints import attribute_hint
from kili_rules.runtime.condition import holds as condition_holds
from kili_rules.runtime.condition import names as condition_names
from kili_rules.runtime.contract import RuleType, build_params, jobs_read
from kili_rules.runtime.findings_maker import findings_maker
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.job_walk import IGNORED_JOBS
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import (
    COULD_NOT_CHECK,
    NOT_APPLICABLE,
    UNREADABLE_DATA,
    UNREADABLE_LABEL,
    CannotCheck,
    Finding,
    Report,
    RuleOutcome,
)
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE, raised_at, source_file, violations_of
from kili_rules.runtime.rule_runner import run_within
from kili_rules.runtime.rule_time import RuleTimeout
from kili_rules.runtime.unreadable import Unreadable
from kili_rules.runtime.where import view_where

Check = Callable[[LabelView], Any]
#: A rule failed closed on unreadable objects gets a finding for each of the first ones (the last says how many more).
MAX_UNREADABLE_FINDINGS = 10


def import_python_rule(module: str, function: str) -> Callable[[Any], Any]:
    """The default way to find a Python rule's function: import its module by name."""
    found: Callable[[Any], Any] = getattr(importlib.import_module(module), function)
    return found


class _BoundRule:
    """One rule of the set, ready to run: its data, its check bound to its parameters, the jobs it reads
    (``reads``: None for any job, as a Python rule may read), and what its outcomes and findings share, made once:
    its ``on_error``, its ``pass`` and ``not_applicable`` outcomes, the function that makes findings of
    violations (its message template compiled). ``gate``: the jobs whose unreadable answers and objects fail it
    closed (what it reads, sorted; none for a Python rule), their shapes too when ``shapes``."""

    __slots__ = (
        "check",
        "data",
        "findings",
        "gate",
        "not_applicable",
        "on_error",
        "passed",
        "reads",
        "setup_error",
        "shapes",
        "source_file",
        "weight",
    )

    def __init__(
        self,
        data: Mapping[str, Any],
        check: Check | None,
        setup_error: str | None,
        reads: frozenset[str] | None = frozenset(),
        shapes: bool = False,
        source_file: str | None = None,
    ) -> None:
        self.data = data
        self.check = check
        self.setup_error = setup_error
        self.reads = reads
        self.gate = tuple(sorted(reads)) if reads else ()
        self.shapes = shapes
        self.source_file = source_file  # a Python rule's file: its error names the line there that raised

    def complete(self, on_error: str, interface: ProjectInterface) -> None:
        """Make what every evaluation of the rule shares (``on_error``: the rule's, else the rule set's;
        ``interface``: the one the rule set carries, for display names). A rule whose keys cannot be read so is set
        up as broken: it reports an error each time, like one whose parameters could not be built."""
        self.on_error = on_error
        try:
            rule_id, self.weight = self.data["id"], _weight(self.data)
            self.passed = RuleOutcome(rule_id, "pass", self.weight, on_error=on_error)
            self.not_applicable = RuleOutcome(rule_id, "not_applicable", self.weight, on_error=on_error)
            self.findings = findings_maker(self.data, interface)
        except Exception as error:
            if self.check is not None:
                self.check, self.setup_error = None, f"cannot set up rule: {type(error).__name__}: {error}"


class Engine:
    """Evaluates one compiled rule set on labels.

    Args:
        rule_set: the compiled rule set (see the module docstring).
        rule_types: the rule types by name (``{"count": count.RULE_TYPE, ...}``).
        resolve_python: finds a Python rule's function from its module and function names.
    """

    def __init__(
        self,
        rule_set: Mapping[str, Any],
        rule_types: Mapping[str, RuleType[Any]],
        resolve_python: Callable[[str, str], Callable[[Any], Any]] = import_python_rule,
    ) -> None:
        self.rule_set = rule_set
        self.rules = [self._bind(rule, rule_types, resolve_python) for rule in rule_set.get("rules", [])]
        #: the project's interface as the rule set carries it (``"interface"``): ``label.interface`` in every rule
        self.interface = ProjectInterface(rule_set.get("interface"))
        for bound in self.rules:
            bound.complete(self._on_error(bound.data), self.interface)
        #: the jobs the rules read (see the module docstring): what the label view indexes; None for all
        self.jobs: frozenset[str] | None = _union([bound.reads for bound in self.rules])
        self._by_event: dict[str, list[_BoundRule]] = {}  # the enabled rules of each event, in order

    @staticmethod
    def _bind(
        rule: Mapping[str, Any],
        rule_types: Mapping[str, RuleType[Any]],
        resolve_python: Callable[[str, str], Callable[[Any], Any]],
    ) -> _BoundRule:
        params = rule.get("params") or {}
        try:
            if rule["type"] == PYTHON_RULE_TYPE:
                function = resolve_python(params["module"], params["function"])
                check = lambda label: violations_of(function(label))  # noqa: E731
                return _BoundRule(rule, check, None, reads=None, source_file=source_file(function))
            rule_type = rule_types[rule["type"]]
            bound_params = build_params(rule_type.params, params)
            # the options declared with job=True, and the jobs of the rule's condition
            reads = frozenset(jobs_read(bound_params)) | {job for job, _ in condition_names(rule.get("when"))}
            type_check = rule_type.check
            return _BoundRule(
                rule,
                lambda label: type_check(bound_params, label),
                None,
                reads=reads,
                shapes=rule_type.reads_shapes is True,
            )
        except BaseException as error:  # a broken rule must not stop the others: it reports an error each time
            return _BoundRule(rule, None, f"cannot set up rule: {type(error).__name__}: {error}")

    def evaluate(
        self,
        label: LabelView | Mapping[str, Any],
        event: str = "submit",
        *,
        budget: float | None = None,
        rule_budget: float | None = None,
        resolution: Any = None,
    ) -> Report:
        """Run every enabled rule whose ``events`` include ``event`` on ``label`` (a view, or a Kili label dict).
        ``resolution``: the asset's size in pixels (``{"width", "height"}``) for a label dict; a view has its own.

        ``budget``: seconds the rules may take together; ``rule_budget``: seconds each may take (within
        ``budget``; None: all of it). A rule past its time ends in ``error`` (out of time) and the next ones run;
        past ``budget``, those not started end in ``error`` too. ``budget`` None runs the rules in this thread,
        unbounded (offline use).
        """
        view = (
            label
            if isinstance(label, LabelView)
            else LabelView.from_label(label, jobs=self.jobs, resolution=resolution)
        )
        view.interface = self.interface  # the rules read the interface of their rule set
        if view.unreadable is not None:
            return Report((_unreadable_outcome(view.unreadable),))
        rules = self._by_event.get(event)
        if rules is None:
            rules = [b for b in self.rules if b.data.get("enabled", True) and event in b.data.get("events", ())]
            self._by_event[event] = rules
        foreign = self.foreign_jobs(view)
        if budget is None:
            return Report(tuple([self._run(bound, view) for bound in rules]), foreign)
        each = budget if rule_budget is None else min(rule_budget, budget)
        return Report(tuple(run_within(rules, view, self._run, self.error_outcome, budget, each)), foreign)

    def foreign_jobs(self, view: LabelView) -> tuple[str, ...]:
        """The jobs of the label (its top-level keys, in every frame) when it has some and the project's
        interface (``"project_jobs"`` of the rule set: every job name of the interface) knows none of them: a
        label of another project, which no rule can judge. Empty when it knows one, or without an interface."""
        known = self.rule_set.get("project_jobs")
        if not known:
            return ()
        responses = [jobs for _, jobs in view.frame_responses()] if view.is_video else [view.json_response]
        jobs = {job for jobs in responses for job in jobs if isinstance(job, str) and job not in IGNORED_JOBS}
        return () if not jobs or not jobs.isdisjoint(known) else tuple(sorted(jobs))

    def _run(self, bound: _BoundRule, label: LabelView) -> RuleOutcome:
        rule = bound.data
        if bound.check is None:
            return self.error_outcome(rule, bound.setup_error or "cannot set up rule")
        try:
            if bound.gate:  # what the view could not read in the jobs the rule reads: not a pass (fail closed)
                unreadable = [u for job in bound.gate for u in label.unreadable_in(job, shapes=bound.shapes)]
                if unreadable:
                    return self.unreadable_outcome(rule, unreadable)
            when = rule.get("when")  # the rule's condition (a parsed tree): false means not applicable
            where = rule.get("where")  # the annotations of its job it looks at (see kili_rules.runtime.where)
            result: Any = (
                NOT_APPLICABLE
                if when is not None and not condition_holds(when, label)
                else bound.check(label if where is None else view_where(label, where))
            )
            if result is NOT_APPLICABLE:
                return bound.not_applicable
            findings = bound.findings(result)
        except (RuleTimeout, CannotCheck) as error:  # stopped at its deadline (see rule_time); lacks what it needs
            return self.error_outcome(rule, str(error))
        except BaseException as error:  # even SystemExit from a user rule: reported, never raised
            at = raised_at(error, bound.source_file)
            reason, hint = f"{type(error).__name__}: {error}", attribute_hint(error)
            return self.error_outcome(rule, reason, traceback.format_exc(), at=at, hint=hint)
        if not findings:
            return bound.passed
        return RuleOutcome(rule["id"], "fail", bound.weight, findings, on_error=bound.on_error)

    def _on_error(self, rule: Mapping[str, Any]) -> str:
        return rule.get("on_error") or self.rule_set.get("on_error") or "fail"

    def error_outcome(
        self,
        rule: Mapping[str, Any],
        reason: str,
        trace: str | None = None,
        *,
        at: str | None = None,
        hint: str | None = None,
    ) -> RuleOutcome:
        """The outcome of a rule that could not give a verdict: with its ``could not check`` finding when it
        fails closed (``on_error: fail``), without one when it is skipped. ``at``: where a Python rule raised
        (``rules.py:8``), which leads the outcome's error; ``hint``: the names an AttributeError likely meant
        (:func:`attribute_hint`), which ends it. Neither is in the finding's message, the issue labelers read."""
        on_error, rule_id = self._on_error(rule), _id_of(rule)
        findings: tuple[Finding, ...] = ()
        if on_error == "fail":
            message = COULD_NOT_CHECK + _one_line(reason)
            findings = (Finding(rule_id, rule.get("severity", "error"), message, job=_job_of(rule)),)
        error = (f"{at}: {reason}" if at else reason) + (f"; {hint}" if hint else "")
        return RuleOutcome(rule_id, "error", _weight_or_one(rule), findings, error, trace, on_error)

    def unreadable_outcome(self, rule: Mapping[str, Any], unreadable: list[Unreadable]) -> RuleOutcome:
        """The outcome of a rule whose jobs hold answers or objects the view cannot read: an ``error`` (it could
        not give a verdict) with, when it fails closed, one ``could not check`` finding an object (at most
        :data:`MAX_UNREADABLE_FINDINGS`), pinned on it and naming it and what is wrong."""
        on_error, rule_id = self._on_error(rule), _id_of(rule)
        texts = [_one_line(f"{found.where}: {found.what}") for found in unreadable]
        more = len(unreadable) - MAX_UNREADABLE_FINDINGS
        reason = UNREADABLE_DATA + texts[0] + (f" (and {len(texts) - 1} more)" if len(texts) > 1 else "")
        findings: tuple[Finding, ...] = ()
        if on_error == "fail":
            severity = rule.get("severity", "error")
            kept = unreadable[:MAX_UNREADABLE_FINDINGS]
            findings = tuple(
                Finding(rule_id, severity, COULD_NOT_CHECK + text, found.mid, found.job, found.frame)
                for found, text in zip(kept, texts, strict=False)
            )
            if more > 0:
                last = findings[-1]
                message = f"{last.message} (and {more} more that cannot be read)"
                findings = (*findings[:-1], Finding(rule_id, severity, message, last.mid, last.job, last.frame))
        return RuleOutcome(rule_id, "error", _weight_or_one(rule), findings, reason, None, on_error)


def _union(reads: list[frozenset[str] | None]) -> frozenset[str] | None:
    """The jobs the rules read together: None (every job) as soon as one rule may read any."""
    if any(found is None for found in reads):
        return None
    return frozenset().union(*[found for found in reads if found is not None])


def _unreadable_outcome(reason: str) -> RuleOutcome:
    finding = Finding(UNREADABLE_LABEL, "error", "could not read this label: " + _one_line(reason))
    return RuleOutcome(UNREADABLE_LABEL, "fail", 1.0, (finding,), error=reason)


def _weight(rule: Mapping[str, Any]) -> float:
    return float(rule.get("weight", 1))


def _weight_or_one(rule: Mapping[str, Any]) -> float:
    """The rule's weight, 1 when it cannot be read: an error outcome is made even for a rule whose keys are broken
    (that is why it is an error), and it must still count against the score."""
    try:
        return _weight(rule)
    except (TypeError, ValueError):
        return 1.0


def _id_of(rule: Mapping[str, Any]) -> str:
    rule_id = rule.get("id")
    return rule_id if isinstance(rule_id, str) else "<a rule without an id>"


def _job_of(rule: Mapping[str, Any]) -> str | None:
    params = rule.get("params")
    job = params.get("job") if isinstance(params, Mapping) else None
    return job if isinstance(job, str) else None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
