"""Facts read from one label by the SDK's ``ParsedLabel`` and by the label view, in one comparable shape.

Each reader yields ``(aspect, key, value)``: the key names one thing (an occurrence of a job, an annotation...)
by the same path in both readers, the value is what was read. The SDK raises where a property does not apply;
such reads are ``UNREADABLE`` and are not compared. Test-only (the ``kili`` package is a test dependency).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from kili_rules.runtime.label_model import Annotation, JobResponse, Point
from kili_rules.runtime.label_view import LabelView, is_frame_key

UNREADABLE = object()
Fact = tuple[str, tuple, Any]


def _read(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:  # the SDK raises KeyError, AttributeNotCompatibleWithJobError... where nothing applies
        return UNREADABLE


def _vertex(raw: Any) -> tuple[float, float] | None:
    if isinstance(raw, Point):
        return (raw.x, raw.y)
    if isinstance(raw, dict) and isinstance(raw.get("x"), (int, float)) and isinstance(raw.get("y"), (int, float)):
        return (float(raw["x"]), float(raw["y"]))
    return None


def _ring(raw: Any) -> tuple:
    return tuple(v for v in map(_vertex, raw) if v is not None)


def _rings(polys: Any) -> tuple:
    """``[{normalizedVertices: [..] | [[..], ..]}]`` as a tuple of rings."""
    rings = []
    for poly in polys:
        vertices = poly.get("normalizedVertices", []) if isinstance(poly, dict) else []
        if vertices and all(isinstance(v, list) for v in vertices):
            rings.extend(_ring(v) for v in vertices)
        else:
            rings.append(_ring(vertices))
    return tuple(r for r in rings if r)


# --- the SDK ---------------------------------------------------------------------------------------------------


def sdk_facts(example: dict) -> list[Fact]:
    """Parse with ``ParsedLabel`` (raises what the SDK raises) and walk everything it exposes."""
    from kili.utils.labels.parsing import ParsedLabel

    response = copy.deepcopy(example["json_response"])
    label = ParsedLabel(
        {"jsonResponse": response},
        json_interface=copy.deepcopy(example["json_interface"]),
        input_type=example["input_type"],
    )
    facts: list[Fact] = []
    jobs = label.jobs
    if jobs._is_video_response:
        keys = sorted(example["json_response"], key=int)
        for job, frames in jobs.items():
            for number, payload in enumerate(frames):
                _sdk_job(facts, job, payload, (keys[number], None), 0)
    else:
        for job, payload in jobs.items():
            _sdk_job(facts, job, payload, (None, None), 0)
    return facts


def _sdk_children(facts: list[Fact], owner: Any, where: tuple, depth: int) -> None:
    children = _read(lambda: owner.children)
    if children is UNREADABLE or isinstance(children, dict):
        return
    for job, payload in children.items():
        _sdk_job(facts, job, payload, where, depth + 1)


def _sdk_job(facts: list[Fact], job: str, payload: Any, where: tuple, depth: int) -> None:
    if not payload._json_data:
        return  # the SDK builds an empty payload for every job of the interface; the view only the answered ones
    key = (job, *where)
    facts.append(("occurrence", key, True))
    categories = _read(lambda: payload.categories)
    if categories is not UNREADABLE:
        facts.append(("categories", key, tuple(c.name for c in categories)))
        facts.append(("confidence", key, {c.name: _read(lambda c=c: c.confidence) for c in categories}))
        for category in categories:
            _sdk_children(facts, category, where, depth)
    facts.append(("text", key, _read(lambda: payload.text)))
    facts.append(("key_frame", key, _read(lambda: payload.is_key_frame)))
    facts.append(("file", key, tuple(_read(lambda a=a: getattr(payload, a)) for a in FILE_FIELDS)))
    _sdk_children(facts, payload, where, depth)
    annotations = _read(lambda: payload.annotations)
    if annotations is UNREADABLE:
        return
    for number, annotation in enumerate(annotations):
        _sdk_annotation(facts, (*key, number), annotation, where, depth)


FILE_FIELDS = ("file_id", "file_name", "file_mime_type")


def _sdk_annotation(facts: list[Fact], key: tuple, annotation: Any, where: tuple, depth: int) -> None:
    def add(aspect: str, getter: Callable[[], Any], convert: Callable[[Any], Any] = lambda v: v) -> None:
        value = _read(getter)
        facts.append((aspect, key, value if value is UNREADABLE else convert(value)))

    add("mid", lambda: annotation.mid)
    add("annotation_categories", lambda: annotation.categories, lambda cs: tuple(c.name for c in cs))
    add("confidence", lambda: annotation.categories, lambda cs: {c.name: _read(lambda c=c: c.confidence) for c in cs})
    add("tool", lambda: annotation.type)
    add("score", lambda: annotation.score)
    add("key_frame", lambda: annotation.is_key_frame)
    add("point", lambda: annotation.point, _vertex)
    add("polyline", lambda: annotation.polyline, _ring)
    add("begin_offset", lambda: annotation.begin_offset)
    add("end_offset", lambda: annotation.end_offset)
    add("content", lambda: annotation.content)
    add(
        "start",
        lambda: [*_read_or([], lambda: annotation.start_entities), *_read_or([], lambda: annotation.start_objects)],
        _mids,
    )
    add(
        "end",
        lambda: [*_read_or([], lambda: annotation.end_entities), *_read_or([], lambda: annotation.end_objects)],
        _mids,
    )
    add("pose", lambda: annotation.points, _sdk_pose)
    rings = _read(lambda: annotation.bounding_poly)
    parts = _read(lambda: annotation.annotations)
    all_rings = () if rings is UNREADABLE else _rings(rings.as_list())
    if parts is not UNREADABLE:
        all_rings += tuple(r for p in parts for r in _rings(_read_or([], lambda p=p: p.bounding_poly.as_list())))
        facts.append(("pages", key, tuple(n for p in parts for n in _read_or([], lambda p=p: p.page_number_array))))
        facts.append(("polys", key, tuple(r for p in parts for r in _rings(_read_or([], lambda p=p: p.polys)))))
    if rings is not UNREADABLE or parts is not UNREADABLE:
        facts.append(("rings", key, all_rings))
    mid = _read(lambda: annotation.mid)
    owner = (where[0], mid if mid is not UNREADABLE else where[1])
    _sdk_children(facts, annotation, owner, depth)
    for point in _read_or([], lambda: annotation.points):
        _sdk_children(facts, point, owner, depth)


def _read_or(default: Any, getter: Callable[[], Any]) -> Any:
    value = _read(getter)
    return default if value is UNREADABLE else value


def _mids(ends: list) -> tuple:
    return tuple(e.get("mid") for e in ends if isinstance(e, dict))


def _sdk_pose(points: list) -> tuple:
    return tuple(
        (_read(lambda p=p: p.code), _read_or(None, lambda p=p: p.name), _vertex(_read_or(None, lambda p=p: p.point)))
        for p in points
    )


# --- the label view ------------------------------------------------------------------------------------------------


def view_facts(example: dict) -> list[Fact]:
    """The same walk over the label view (what a rule can read)."""
    view = LabelView(copy.deepcopy(example["json_response"]))
    facts: list[Fact] = []
    for job in view.jobs:
        for response in view.responses(job):
            _view_job(facts, response)
    return facts


def _view_job(facts: list[Fact], response: JobResponse) -> None:
    if not response.raw:
        return
    key = (response.job, response.frame, response.parent_mid)
    raw = response.raw
    facts.append(("occurrence", key, True))
    facts.append(("categories", key, response.categories))
    facts.append(("confidence", key, _confidences(raw.get("categories"), response.confidences)))
    facts.append(("text", key, response.text))
    facts.append(("key_frame", key, response.is_key_frame))
    facts.append(("file", key, (response.file_id, response.file_name, response.file_mime_type)))
    for number, annotation in enumerate(response.annotations):
        _view_annotation(facts, (*key, number), annotation)


def _confidences(raw: Any, confidences: dict) -> dict:
    names = [c.get("name") for c in raw or [] if isinstance(c, dict)]
    return {n: confidences.get(n, UNREADABLE) for n in names}


def _view_annotation(facts: list[Fact], key: tuple, annotation: Annotation) -> None:
    facts.append(("mid", key, annotation.mid))
    facts.append(("annotation_categories", key, annotation.categories))
    facts.append(("confidence", key, _confidences(annotation.raw.get("categories"), annotation.confidences)))
    facts.append(("tool", key, annotation.tool))
    facts.append(("score", key, annotation.score))
    facts.append(("key_frame", key, annotation.is_key_frame))
    facts.append(("point", key, _vertex(annotation.point)))
    facts.append(("polyline", key, _ring(annotation.polyline)))
    facts.append(("begin_offset", key, annotation.begin_offset))
    facts.append(("end_offset", key, annotation.end_offset))
    facts.append(("content", key, annotation.content))
    facts.append(("start", key, annotation.start_mids))
    facts.append(("end", key, annotation.end_mids))
    names = annotation.pose_point_names
    facts.append(
        ("pose", key, tuple((code, names.get(code), _vertex(p)) for code, p in annotation.pose_points.items()))
    )
    facts.append(("pages", key, annotation.pages))
    facts.append(("polys", key, tuple(_ring(r) for r in annotation.polys)))
    facts.append(("rings", key, tuple(_ring(r) for r in annotation.rings)))


ASPECTS = (
    "occurrence", "categories", "confidence", "text", "key_frame", "file", "mid", "annotation_categories", "tool",
    "score", "point", "polyline", "begin_offset", "end_offset", "content", "start", "end", "pose", "pages", "polys",
    "rings",
)  # fmt: skip


def _same(sdk: Any, view: Any) -> bool:
    if isinstance(sdk, dict) and isinstance(view, dict):  # confidences: compare those the SDK could read
        return sdk.keys() == view.keys() and all(s is UNREADABLE or _number_equal(s, view[k]) for k, s in sdk.items())
    if isinstance(sdk, tuple) and isinstance(view, tuple) and len(sdk) == len(view):
        return all(s is UNREADABLE or _same(s, v) for s, v in zip(sdk, view, strict=True))
    return _number_equal(sdk, view)


def _number_equal(sdk: Any, view: Any) -> bool:
    if isinstance(sdk, (int, float)) and not isinstance(sdk, bool) and isinstance(view, float):
        return float(sdk) == view
    return sdk == view


def compare(example: dict) -> dict[str, list[str]]:
    """``{aspect: [what differs]}`` for every aspect (an empty list when they agree); ``{"parse": [...]}`` when
    the SDK raises on the whole label."""
    try:
        sdk = sdk_facts(example)
    except Exception as error:  # what the SDK raises on a whole label
        return {"parse": [f"{type(error).__name__}: {str(error)[:120]}"]}
    view = view_facts(example)
    result: dict[str, list[str]] = {}
    for aspect in ASPECTS:
        sdk_items = _by_key(f for f in sdk if f[0] == aspect)
        view_items = _by_key(f for f in view if f[0] == aspect)
        diffs = []
        for key in sorted(set(sdk_items) | set(view_items), key=repr):
            s, v = sdk_items.get(key, UNREADABLE), view_items.get(key, None)
            if key not in sdk_items and aspect == "occurrence":
                diffs.append(f"{key}: only the view reads it")
            elif key not in view_items and aspect == "occurrence":
                diffs.append(f"{key}: only the SDK reads it")
            elif s is not UNREADABLE and not _same(s, v):
                diffs.append(f"{key}: SDK {s!r} / view {v!r}")
        result[aspect] = diffs
    return result


def _by_key(facts: Iterator[Fact]) -> dict[tuple, Any]:
    found: dict[tuple, Any] = {}
    for _, key, value in facts:
        # several occurrences of one job at one place: number them in order, as both readers walk in order
        numbered = key
        while numbered in found:
            numbered = (*numbered, "again")
        found[numbered] = value
    return found


__all__ = ["ASPECTS", "compare", "is_frame_key", "sdk_facts", "view_facts"]
