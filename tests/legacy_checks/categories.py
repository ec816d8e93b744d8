"""FROZEN COPY, do not edit: the check of the `categories` rule type as it was before issue 13, on the frozen
label view (``legacy_checks.label``), for ``tests/test_label_view_differential.py``."""

from __future__ import annotations

from typing import Any

from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from legacy_checks.label import LabelView

#: the checks read the current params objects, field by name
CategoriesParams = Any


def _problem(params: CategoriesParams, chosen: tuple[str, ...]) -> str | None:
    """What is wrong with one choice, in words, or None."""
    if params.allowed is not None:
        extra = [c for c in chosen if c not in params.allowed]
        if extra:
            return f"{', '.join(extra)} not allowed in {params.job} (allowed: {', '.join(params.allowed)})"
    bad = [c for c in chosen if c in (params.forbidden or ())]
    if bad:
        return f"{', '.join(bad)} may not be chosen in {params.job}"
    for group in params.exclusive or ():
        together = [c for c in group if c in chosen]
        if len(together) > 1:
            return f"{' and '.join(together)} cannot be chosen together in {params.job}"
    count = len(set(chosen))
    if params.min_choices is not None and count < params.min_choices:
        return f"{count} categories chosen in {params.job}, at least {params.min_choices} expected"
    if params.max_choices is not None and count > params.max_choices:
        return f"{count} categories chosen in {params.job}, at most {params.max_choices} allowed"
    return None


def check(params: CategoriesParams, label: LabelView) -> list[Violation] | object:
    """Check each non-empty choice of the job."""
    choices = []  # (categories, mid, frame)
    for response in label.responses(params.job):
        choices.append((response.categories, response.parent_mid, response.frame))
        choices.extend((a.categories, a.mid, a.frame) for a in response.annotations)
    choices = [c for c in choices if c[0]]
    if not choices:
        return NOT_APPLICABLE
    violations = []
    for chosen, mid, frame in choices:
        reason = _problem(params, chosen)
        if reason is not None:
            values = {"categories": ", ".join(chosen), "reason": reason}
            violations.append(Violation(values=values, mid=mid, job=params.job, frame=frame))
    return violations
