"""FROZEN COPY, do not edit: the check of the `required` rule type as it was before issue 13, on the frozen
label view (``legacy_checks.label``), for ``tests/test_label_view_differential.py``."""

from __future__ import annotations

from typing import Any

from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from legacy_checks.label import LabelView

#: the checks read the current params objects, field by name
JobCategory = RequiredParams = Any


def _chosen(label: LabelView, condition: JobCategory) -> bool:
    responses = label.responses(condition.job)
    if condition.category is None:
        return any(r.is_answered for r in responses)
    return any(
        condition.category in r.categories or any(condition.category in a.categories for a in r.annotations)
        for r in responses
    )


def check(params: RequiredParams, label: LabelView) -> list[Violation] | object:
    """Find the places where the job should be answered and is not."""
    values = {"category": None, "mid": None}
    if params.when is not None:
        values["category"] = params.when.category
        if not _chosen(label, params.when):
            return NOT_APPLICABLE
    if params.for_each is None:
        if any(r.is_answered for r in label.responses(params.job)):
            return []
        condition = f" when {params.when.category or params.when.job} is chosen" if params.when else ""
        return [Violation(values={**values, "reason": f"{params.job} is required{condition}"}, job=params.job)]

    owners = label.annotations(params.for_each.job, category=params.for_each.category)
    if not owners:
        return NOT_APPLICABLE
    answered = {r.parent_mid for r in label.responses(params.job) if r.is_answered}
    violations, seen = [], set()
    for owner in owners:
        if owner.mid in answered or owner.mid in seen:
            continue
        seen.add(owner.mid)
        what = params.for_each.category or params.for_each.job
        reason = f"{params.job} is required on each {what} annotation"
        found = {**values, "category": params.for_each.category, "mid": owner.mid, "reason": reason}
        violations.append(Violation(values=found, mid=owner.mid, job=params.job, frame=owner.frame))
    return violations
