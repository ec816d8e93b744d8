"""FROZEN COPY, do not edit: the check of the `text` rule type as it was before issue 13, on the frozen
label view (``legacy_checks.label``), for ``tests/test_label_view_differential.py``."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from legacy_checks.label import LabelView

#: the checks read the current params objects, field by name
TextParams = Any

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%d.%m.%Y")


DEFAULT_REGEX_MAX_TEXT = 10_000


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def parse_number(text: str) -> float | None:
    """A number as labelers type it: ``12``, ``-3.5``, ``1 234,56``, ``1,234.56``; None if it is not one."""
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("_", "")
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") > 1:
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_date(text: str, formats: list[str] | None) -> datetime.date | None:
    """A date read with the first of ``formats`` that fits; None if none does."""
    for fmt in formats or DEFAULT_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalise(params: TextParams, text: str) -> str:
    """The value as the conditions see it."""
    if params.strip:
        text = text.strip()
    if params.remove_spaces:
        text = "".join(text.split())
    if params.case == "upper":
        text = text.upper()
    elif params.case == "lower":
        text = text.lower()
    return text


def effective_kind(params: TextParams) -> str:
    """The kind the value is read as: ``auto`` without an interface guesses from the bounds that are set."""
    if params.kind != "auto":
        return params.kind
    if params.min is not None or params.max is not None:
        return "number"
    if params.after is not None or params.before is not None:
        return "date"
    return "text"


def _problem(params: TextParams, value: str) -> str | None:
    """What is wrong with ``value``, in words, or None."""
    kind = effective_kind(params)
    prefixes, suffixes = _as_list(params.starts_with), _as_list(params.ends_with)
    if prefixes and not value.startswith(tuple(prefixes)):
        return f"does not start with {' or '.join(prefixes)}"
    if suffixes and not value.endswith(tuple(suffixes)):
        return f"does not end with {' or '.join(suffixes)}"
    if params.regex is not None and len(value) > params.regex_max_text:
        return f"is a text of {len(value)} characters, longer than the {params.regex_max_text} a regex may read"
    if params.regex is not None and re.fullmatch(params.regex, value) is None:
        return f"does not match {params.regex}"
    if params.one_of is not None and value not in params.one_of:
        return f"is not one of {', '.join(params.one_of)}"
    if params.min_length is not None and len(value) < params.min_length:
        return f"is shorter than {params.min_length} characters"
    if params.max_length is not None and len(value) > params.max_length:
        return f"is longer than {params.max_length} characters"
    if kind == "number":
        number = parse_number(value)
        if number is None:
            return "is not a number"
        if params.min is not None and number < params.min:
            return f"is below {params.min:g}"
        if params.max is not None and number > params.max:
            return f"is above {params.max:g}"
    if kind == "date":
        date = parse_date(value, params.date_formats)
        if date is None:
            return f"is not a date ({' or '.join(params.date_formats or DEFAULT_DATE_FORMATS)})"
        if params.after is not None and date < datetime.date.fromisoformat(params.after):
            return f"is before {params.after}"
        if params.before is not None and date > datetime.date.fromisoformat(params.before):
            return f"is after {params.before}"
    return None


def check(params: TextParams, label: LabelView) -> list[Violation] | object:
    """Check each non-empty value of the job."""
    violations, checked = [], 0
    for response in label.responses(params.job):
        if response.text is None:
            continue
        value = normalise(params, response.text)
        if not value:
            continue
        checked += 1
        reason = _problem(params, value)
        if reason is not None:
            values = {"value": value, "reason": f"{params.job}: '{value}' {reason}"}
            violations.append(Violation(values=values, mid=response.parent_mid, job=params.job, frame=response.frame))
    return violations if checked else NOT_APPLICABLE
