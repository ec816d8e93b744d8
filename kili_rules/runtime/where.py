"""Per-annotation conditions: ``where``, the annotations of a rule's job that it looks at.

A rule's ``when`` says on which labels it applies; its ``where`` says on which of its job's annotations::

    where: {child: IS_CRITICAL, category: YES}

keeps the annotations of the rule's ``job`` under which the child job ``IS_CRITICAL`` has ``YES`` chosen (without
``category``: under which ``IS_CRITICAL`` is answered at all); every other annotation of that job is out of the
rule's sight. The child answer is read under the annotation itself (its ``children``, its categories' and its pose
points'), never matched by ``mid``, so it holds for annotations without one. In a video each frame's annotation
is judged by its own child answer on that frame.

The loader compiles it as ``{"job": <the rule's job>, "child": ..., "category": ...}``; the engine gives the rule
:func:`view_where` of the label: a view of a copy of the ``jsonResponse`` without the other annotations of that
job (the label's own response is never changed). So every rule type that reads annotations (``count``,
``geometry``, ``overlap``, ``relation``, ``text`` on entities, and the others) sees the selection the same way,
and ``{count}``, pins and reasons are about the selected annotations only.

Example::

    >>> label = LabelView({"NER": {"annotations": [
    ...     {"mid": "a", "children": {"IS_CRITICAL": {"categories": [{"name": "YES"}]}}},
    ...     {"mid": "b", "children": {"IS_CRITICAL": {"categories": [{"name": "NO"}]}}},
    ...     {"mid": "c"}]}})
    >>> [a.mid for a in view_where(label, {"job": "NER", "child": "IS_CRITICAL", "category": "YES"}).annotations("NER")]
    ['a']

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kili_rules.runtime.job_walk import MAX_DEPTH
from kili_rules.runtime.label_model import category_names, is_answered
from kili_rules.runtime.label_view import LabelView


def selects(annotation: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether ``where``'s child job has its category chosen (or is answered, without a category) under the raw
    ``annotation`` itself."""
    child, category = where["child"], where.get("category")
    alone = LabelView({where["job"]: {"annotations": [annotation]}}, jobs=(child,))
    for answer, _, _ in alone.occurrences(child):
        if category is None and is_answered(answer):
            return True
        if category is not None and category in category_names(answer.get("categories")):
            return True
    return False


def _pruned(value: Any, where: Mapping[str, Any], depth: int) -> Any:
    """A copy of ``value`` (a response, or a part of it) without the annotations of ``where["job"]`` that it does
    not select; what holds no such job is returned as it is (shared, never changed)."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_pruned(item, where, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    copy: dict[Any, Any] = {}
    for key, item in value.items():
        if key == where["job"] and isinstance(item, dict) and isinstance(item.get("annotations"), list):
            kept = [a for a in item["annotations"] if not isinstance(a, dict) or selects(a, where)]
            item = {**item, "annotations": kept}
        copy[key] = _pruned(item, where, depth + 1)
    return copy


def view_where(label: LabelView, where: Mapping[str, Any]) -> LabelView:
    """The view a rule with ``where`` reads: ``label`` without the annotations of ``where["job"]`` that ``where``
    does not select (its ids, author, interface and resolution kept)."""
    view = LabelView(
        _pruned(label.json_response, where, 0),
        label_id=label.label_id,
        label_type=label.label_type,
        author_id=label.author_id,
        interface=label.interface,
        resolution=label.resolution,
    )
    view.resolution_problem = label.resolution_problem
    return view


__all__ = ["selects", "view_where"]
