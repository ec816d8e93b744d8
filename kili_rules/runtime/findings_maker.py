"""The findings of a rule's violations: its message (or the violation's own) rendered over the common
placeholders, display names read from the interface the rule set carries, only when the message shows them.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.message import compile_template, render
from kili_rules.runtime.model import Finding, Violation

__all__ = ["findings_maker"]


def findings_maker(
    rule: Mapping[str, Any], interface: ProjectInterface
) -> Callable[[Iterable[Any]], tuple[Finding, ...]]:
    """The function that makes the findings of the violations of ``rule``: the rule's message (or the violation's
    own) rendered with each violation's values over the common placeholders. What depends on the rule only is read
    here, once: its id, severity, defaults, display names and compiled message. Violations of a list that share
    their values (the same dict, job and frame: a count's boxes in excess) share one rendered message."""
    rule_id, severity = rule["id"], rule.get("severity", "error")
    params = rule.get("params") or {}
    default_job, default_category = params.get("job"), params.get("category")
    rule_message = compile_template(rule.get("message", ""))
    names_shown = "_name" in rule.get("message", "")

    def rendered(violation: Violation) -> tuple[Any, str]:
        """The finding's job and message."""
        values = {"id": rule_id, "job": violation.job or default_job, "frame": violation.frame}
        values.update(violation.values)
        job = values["job"]
        template = violation.message
        if names_shown if template is None else "_name" in template:
            # display names from the interface the rule set carries (the ids when it has none), only when shown
            category = values.get("category", default_category)
            if "job_name" not in values:
                values["job_name"] = interface.job_name(job) if isinstance(job, str) else job
            if "category_name" not in values:
                values["category_name"] = (
                    interface.category_name(category, job) if isinstance(category, str) else category
                )
        return job, rule_message(values) if template is None else render(template, values)

    def findings(violations: Iterable[Any]) -> tuple[Finding, ...]:
        made = []
        # the last violation rendered with the rule's message, and its job and message; only within a list, which
        # holds every violation before any is rendered (a generator could change a dict it yielded already)
        last: tuple[Any, Any, Any, Any, str] | None = None
        shared = isinstance(violations, list)
        for violation in violations:
            if not isinstance(violation, Violation):
                raise TypeError(f"a check must return Violation objects, not {type(violation).__name__}")
            if (
                last is not None
                and violation.values is last[0]
                and violation.job is last[1]
                and violation.frame is last[2]
                and violation.message is None
            ):
                job, message = last[3], last[4]
            else:
                job, message = rendered(violation)
                if shared and violation.message is None:
                    last = (violation.values, violation.job, violation.frame, job, message)
            made.append(Finding(rule_id, severity, message, violation.mid, job, violation.frame))
        return tuple(made)

    return findings
