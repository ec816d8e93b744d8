"""What a label view cannot read in a job: the answers and objects that rules would otherwise skip in silence.

The view reads malformed JSON without raising, skipping what it cannot read; a rule that skipped it could then
pass a label it never checked (three boxes whose ``categories`` is an object are not counted, a box with a NaN
vertex looks valid and inside the image). So, for each job a rule reads, the view lists what it could not read
(:meth:`~kili_rules.runtime.label_view.LabelView.unreadable_in`), and the engine fails the rule closed on it, with
a finding naming each object (by its mid, else by its position):

- in every job: an ``annotations`` that is not a list, an object that is not a JSON object, a ``categories`` (of an
  object or of a classification's answer) that is not a list, a category that is not an object with a string
  ``name``;
- in a job whose rules read shapes (``RuleType.reads_shapes``: ``geometry``, ``overlap``): an object without any
  readable vertex (no ``boundingPoly`` with ``normalizedVertices``, ``point``, ``polyline`` or pose ``points``), a
  vertex that is not ``{x, y}`` numbers, a coordinate that is not finite or beyond ±:data:`MAX_COORDINATE` (far
  past any normalized, pixel or longitude / latitude value).

Stdlib-only: embedded into every built plugin.

Example::

    >>> nan_vertex = {"normalizedVertices": [{"x": float("nan"), "y": 0}]}
    >>> boxes = [{"mid": "b1", "categories": {"name": "CAR"}},
    ...          {"categories": [{"name": "CAR"}], "boundingPoly": [nan_vertex]}]
    >>> for found in object_problems(boxes, "JOB_0", None, None, shapes=True):
    ...     print(f"{found.mid} | {found.where}: {found.what}")
    b1 | object 'b1' of JOB_0: categories is a dict, not a list; no readable vertex
    None | object #2 of JOB_0: a coordinate that is not a finite number (x=nan)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from kili_rules.runtime.label_model import mid_of

_IS_STR = str.__instancecheck__

#: Coordinates beyond ±this are not read (normalized 0..1, pixels and longitude / latitude are all far below).
MAX_COORDINATE = 1e6


class Unreadable(NamedTuple):
    """An answer or an object of a job that cannot be read: ``where`` names it (its mid, else its position),
    ``what`` says what is wrong; ``mid`` and ``frame`` pin the finding, ``shape`` tells a shape's problem (only
    rules that read shapes fail on it)."""

    job: str
    mid: str | None
    frame: str | None
    where: str
    what: str
    shape: bool


def job_problems(
    occurrences: Iterable[tuple[dict[str, Any], str | None, str | None]],
    job: str,
    names_read: Mapping[int, list[Any]],
    *,
    shapes: bool,
) -> list[Unreadable]:
    """What cannot be read in every occurrence of ``job`` (``(raw answer, frame, parent mid)``): its answers, its
    objects, and their shapes when ``shapes``. ``names_read``: the category names of the object lists the walk
    read on its fast path, by the list's id (such objects are dicts with one category each, so only their names
    need a look)."""
    found: list[Unreadable] = []
    for raw, frame, parent_mid in occurrences:
        found += answer_problems(raw, job, frame, parent_mid)
        annotations = raw.get("annotations")
        if not annotations or not isinstance(annotations, list):
            continue
        names = None if shapes else names_read.get(id(annotations))
        if names is None or not all(map(_IS_STR, names)):
            found += object_problems(annotations, job, frame, parent_mid, shapes=shapes)
    return found


def answer_problems(raw: dict[str, Any], job: str, frame: str | None, parent_mid: str | None) -> list[Unreadable]:
    """What cannot be read in one occurrence of a job's answer itself (its ``categories``, its ``annotations``)."""
    problems = _categories_problems(raw.get("categories"), "categories")
    annotations = raw.get("annotations")
    if annotations is not None and not isinstance(annotations, list):
        problems.append(f"annotations is a {type(annotations).__name__}, not a list")
    if not problems:
        return []
    where = f"the answer of {job}{_place(frame, parent_mid)}"
    return [Unreadable(job, parent_mid, frame, where, "; ".join(problems), False)]


def object_problems(
    objects: Iterable[Any], job: str, frame: str | None, parent_mid: str | None, *, shapes: bool
) -> list[Unreadable]:
    """What cannot be read in the objects of one ``annotations`` list of ``job`` (their shapes too when
    ``shapes``): one :class:`Unreadable` an object, naming it by its mid, else its position in the list."""
    found = []
    for position, raw in enumerate(objects, 1):
        if not isinstance(raw, dict):
            where = f"object #{position} of {job}{_place(frame, parent_mid)}"
            found.append(Unreadable(job, parent_mid, frame, where, f"a {type(raw).__name__}, not an object", False))
            continue
        problems = _categories_problems(raw.get("categories"), "categories")
        shape = shape_problems(raw) if shapes else []
        if problems or shape:
            mid = mid_of(raw)
            name = f"object {mid!r}" if mid is not None else f"object #{position}"
            where = f"{name} of {job}{_place(frame, parent_mid)}"
            owner = mid if mid is not None else parent_mid
            found.append(Unreadable(job, owner, frame, where, "; ".join(problems + shape), not problems))
    return found


def shape_problems(raw: dict[str, Any]) -> list[str]:
    """What cannot be read in the shape of one object: its vertices (``boundingPoly`` of itself and of its PDF
    parts, ``polyline``, ``point``, pose ``points``); ``["no readable vertex"]`` when it has none."""
    polys = raw.get("boundingPoly")
    if polys.__class__ is list and len(polys) == 1 and _SHAPE_KEYS.isdisjoint(raw):  # a box or polygon: at once
        listed = polys[0].get("normalizedVertices") if polys[0].__class__ is dict else None
        if listed.__class__ is list and listed and all(map(_fine_vertex, listed)):
            return []
    vertices: list[Any] = []
    problems: list[str] = []
    for source in [raw, *(p for p in _list(raw.get("annotations")) if isinstance(p, dict))]:
        polys = source.get("boundingPoly")
        if polys is None:
            continue
        if not isinstance(polys, list):
            problems.append(f"boundingPoly is a {type(polys).__name__}, not a list")
            continue
        for poly in polys:
            listed = poly.get("normalizedVertices") if isinstance(poly, dict) else None
            if not isinstance(listed, list):
                problems.append("a boundingPoly without a normalizedVertices list")
            elif listed and all(isinstance(ring, list) for ring in listed):
                vertices.extend(vertex for ring in listed for vertex in ring)
            else:
                vertices.extend(listed)
    for key in ("polyline", "points", "point"):
        if key in raw:
            value = raw[key]
            listed = value if isinstance(value, list) and key != "point" else [value]
            vertices.extend(p.get("point") if key == "points" and isinstance(p, dict) else p for p in listed)
    problems += _vertex_problems(vertices)
    if not vertices and not problems:
        problems.append("no readable vertex")
    return problems


#: The keys of an object that hold vertices besides its own ``boundingPoly`` (``annotations``: PDF parts).
_SHAPE_KEYS = frozenset({"annotations", "polyline", "points", "point"})


def _fine_vertex(vertex: Any) -> bool:
    """Whether a vertex is ``{x, y}`` numbers within ±MAX_COORDINATE (the common case, decided at once)."""
    if vertex.__class__ is not dict:
        return False
    x, y = vertex.get("x"), vertex.get("y")
    return (
        (x.__class__ is float or x.__class__ is int)
        and (y.__class__ is float or y.__class__ is int)
        and -MAX_COORDINATE <= x <= MAX_COORDINATE
        and -MAX_COORDINATE <= y <= MAX_COORDINATE
    )


def _vertex_problems(vertices: list[Any]) -> list[str]:
    """The first vertex that is not ``{x, y}`` numbers and the first coordinate out of range (NaN, ±inf, beyond
    ±MAX_COORDINATE), in words; one of each at most."""
    bad_vertex: str | None = None
    out_of_range: str | None = None
    for vertex in vertices:
        x: Any = vertex.get("x") if isinstance(vertex, dict) else None
        y: Any = vertex.get("y") if isinstance(vertex, dict) else None
        if type(x) not in (int, float) or type(y) not in (int, float):
            bad_vertex = bad_vertex or f"a vertex that is not {{x, y}} numbers ({_shown(vertex)})"
            continue
        if out_of_range is None:
            for axis, value in (("x", x), ("y", y)):
                if not -MAX_COORDINATE <= value <= MAX_COORDINATE:  # NaN fails every comparison
                    finite = value == value and abs(value) != float("inf")
                    kind = f"beyond ±{MAX_COORDINATE:g}" if finite else "not a finite number"
                    out_of_range = f"a coordinate that is {kind} ({axis}={value!r})"
                    break
    return [problem for problem in (bad_vertex, out_of_range) if problem is not None]


def _categories_problems(categories: Any, key: str) -> list[str]:
    if categories is None:
        return []
    if not isinstance(categories, list):
        return [f"{key} is a {type(categories).__name__}, not a list"]
    for category in categories:
        if not isinstance(category, dict) or not isinstance(category.get("name"), str):
            return [f"a category that is not an object with a string name ({_shown(category)})"]
    return []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _place(frame: str | None, parent_mid: str | None) -> str:
    """`` in frame 3 under 'box-1'``: where an occurrence is, when it is not at the top of a single image."""
    return (f" in frame {frame}" if frame is not None else "") + (f" under {parent_mid!r}" if parent_mid else "")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
