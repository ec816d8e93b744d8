"""The engine: evaluates a compiled rule set on one label. Pure: no I/O, no Kili.

A compiled rule set is plain JSON-able data (what ``kili_rules.loader`` produces and what a built plugin holds as
a literal)::

    {"name": "invoices",
     "score": {"key": "qa_score", "failed_key": "qa_failed_rules"},
     "actions": {"error": ["issue", "send_back"], "warning": ["issue"], "info": []},
     "rules": [{"id": "iban-fr", "type": "text", "severity": "error", "message": "...",
                "events": ["submit", "review"], "weight": 1, "enabled": true,
                "params": {"job": "TRANSCRIPTION_JOB", "starts_with": "FR", ...}}, ...]}

Each rule ends as ``pass``, ``fail`` (one or more findings), ``not_applicable`` or ``error`` (its check raised,
or its parameters could not be built); an error never stops the other rules.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from kili_rules.runtime.label import LabelView
from kili_rules.runtime.message import render
from kili_rules.runtime.model import NOT_APPLICABLE, Finding, Report, RuleOutcome, RuleType, Violation
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE, violations_of

Check = Callable[[LabelView], Any]


def import_python_rule(module: str, function: str) -> Callable[[Any], Any]:
    """The default way to find a Python rule's function: import its module by name."""
    return getattr(importlib.import_module(module), function)


class _BoundRule:
    """One rule of the set, ready to run: its data, and its check bound to its parameters."""

    __slots__ = ("check", "data", "setup_error")

    def __init__(self, data: Mapping[str, Any], check: Check | None, setup_error: str | None) -> None:
        self.data = data
        self.check = check
        self.setup_error = setup_error


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
        rule_types: Mapping[str, RuleType],
        resolve_python: Callable[[str, str], Callable[[Any], Any]] = import_python_rule,
    ) -> None:
        self.rule_set = rule_set
        self.rules = [self._bind(rule, rule_types, resolve_python) for rule in rule_set.get("rules", [])]

    @staticmethod
    def _bind(
        rule: Mapping[str, Any],
        rule_types: Mapping[str, RuleType],
        resolve_python: Callable[[str, str], Callable[[Any], Any]],
    ) -> _BoundRule:
        params = rule.get("params") or {}
        try:
            if rule["type"] == PYTHON_RULE_TYPE:
                function = resolve_python(params["module"], params["function"])
                return _BoundRule(rule, lambda label: violations_of(function(label)), None)
            rule_type = rule_types[rule["type"]]
            bound_params = rule_type.params(**params)
            return _BoundRule(rule, lambda label: rule_type.check(bound_params, label), None)
        except Exception as error:  # a broken rule must not stop the others: it reports an error each time
            return _BoundRule(rule, None, f"cannot set up rule: {type(error).__name__}: {error}")

    def evaluate(self, label: LabelView | Mapping[str, Any], event: str = "submit") -> Report:
        """Run every enabled rule whose ``events`` include ``event`` on ``label`` (a view, or a Kili label dict)."""
        view = label if isinstance(label, LabelView) else LabelView.from_label(label)
        outcomes = [
            self._run(bound, view)
            for bound in self.rules
            if bound.data.get("enabled", True) and event in bound.data.get("events", ())
        ]
        return Report(tuple(outcomes))

    @staticmethod
    def _run(bound: _BoundRule, label: LabelView) -> RuleOutcome:
        rule = bound.data
        rule_id, weight = rule["id"], float(rule.get("weight", 1))
        if bound.check is None:
            return RuleOutcome(rule_id, "error", weight, error=bound.setup_error)
        try:
            result = bound.check(label)
            if result is NOT_APPLICABLE:
                return RuleOutcome(rule_id, "not_applicable", weight)
            findings = tuple(_finding(rule, violation) for violation in result)
        except Exception as error:  # reported, never raised: the other rules still run
            return RuleOutcome(
                rule_id,
                "error",
                weight,
                error=f"{type(error).__name__}: {error}",
                traceback=traceback.format_exc(),
            )
        return RuleOutcome(rule_id, "fail" if findings else "pass", weight, findings)


def _finding(rule: Mapping[str, Any], violation: Violation) -> Finding:
    if not isinstance(violation, Violation):
        raise TypeError(f"a check must return Violation objects, not {type(violation).__name__}")
    params = rule.get("params") or {}
    values = {"id": rule["id"], "job": violation.job or params.get("job"), "frame": violation.frame}
    values.update(violation.values)
    template = violation.message if violation.message is not None else rule.get("message", "")
    return Finding(
        rule_id=rule["id"],
        severity=rule.get("severity", "error"),
        message=render(template, values),
        mid=violation.mid,
        job=values["job"],
        frame=violation.frame,
    )
