"""The objects a label view gives rules: :class:`Annotation` (one box, entity, relation, pose...),
:class:`JobResponse` (one occurrence of a job's answer) and :class:`Point`, with the readers of raw answers they
share with the fast paths of the view (:func:`mid_of`, :func:`category_names`, :func:`is_answered`).

Each wraps a raw dict of the ``jsonResponse`` and reads it on demand, never raising: a value of the wrong type reads
as absent (None, empty). See :mod:`kili_rules.runtime.label_view` for the view that builds them.

Stdlib-only: embedded into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.attribute_hints import CoordinateHints
from kili_rules.runtime.geometry import region_area


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class Point(CoordinateHints):
    """A vertex: normalized 0..1 image coordinates, or longitude (x) / latitude (y) in geospatial projects.

    Its coordinates are attributes, ``point.x`` and ``point.y``: ``point["x"]`` says so."""

    #: The horizontal coordinate: 0 (left) .. 1 (right) when normalized, the longitude in geospatial projects.
    x: float
    #: The vertical coordinate: 0 (top) .. 1 (bottom) when normalized, the latitude in geospatial projects.
    y: float


def _point(raw: Any) -> Point | None:
    raw = as_dict(raw)
    x, y = _number(raw.get("x")), _number(raw.get("y"))
    if x is None or y is None:
        return None
    return Point(x, y)


def _points(raw: Any) -> list[Point]:
    return [p for p in map(_point, as_list(raw)) if p is not None]


def _coords(raw: Any) -> list[tuple[float, float]]:
    """The ``(x, y)`` of each vertex dict of ``raw`` that has two numbers (booleans are not numbers)."""
    found: list[tuple[float, float]] = []
    for vertex in as_list(raw):
        if isinstance(vertex, dict):
            x: Any = vertex.get("x")
            y: Any = vertex.get("y")
            if type(x) in (int, float) and type(y) in (int, float):
                found.append((float(x), float(y)))
    return found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _confidences(raw: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for category in as_list(raw):
        category = as_dict(category)
        name, confidence = category.get("name"), _number(category.get("confidence"))
        if isinstance(name, str) and confidence is not None:
            found[name] = confidence
    return found


def category_names(raw: Any) -> tuple[str, ...]:
    """The names in a raw ``categories`` list, in order (``JobResponse.categories``, ``Annotation.categories``)."""
    if not isinstance(raw, list):
        return ()
    return tuple([name for c in raw if isinstance(c, dict) and isinstance(name := c.get("name"), str)])


def is_answered(raw: Mapping[str, Any]) -> bool:
    """Whether a raw job answer is answered (``JobResponse.is_answered``): a category, a non-blank text, at least
    one object or a file."""
    text = raw.get("text")
    if text.__class__ is str and text.strip():  # a transcription, the most frequent answer: decided first
        return True
    annotations = raw.get("annotations")
    return bool(
        category_names(raw.get("categories"))
        or (isinstance(text, str) and text.strip())
        or (isinstance(annotations, list) and any(isinstance(a, dict) for a in annotations))
        or _text(raw.get("fileId"))
    )


def mid_of(raw: Mapping[str, Any]) -> str | None:
    """The ``mid`` of a raw annotation, as ``Annotation.mid`` reads it (a string, or None)."""
    mid = raw.get("mid")
    if mid.__class__ is str:  # as Kili writes it: the one test on the hot path
        return mid
    if isinstance(mid, bool) or not isinstance(mid, (str, int)):
        return None
    return str(mid)


class Annotation:
    """One object of an object, NER, relation or pose job (one box, one entity, one relation...)."""

    __slots__ = ("frame", "job", "parent_mid", "raw")

    def __init__(self, raw: dict[str, Any], job: str, frame: str | None, parent_mid: str | None) -> None:
        #: The object as the ``jsonResponse`` holds it (read-only: shared with every rule).
        self.raw = raw
        #: The id of the job it belongs to.
        self.job = job
        #: The video frame it is drawn on (``"0"``, ``"1"``...), None outside video.
        self.frame = frame
        #: The mid of the annotation its job hangs from, as a child job; None for a top-level job.
        self.parent_mid = parent_mid

    def __repr__(self) -> str:
        return f"Annotation(job={self.job!r}, mid={self.mid!r}, categories={self.categories!r})"

    @property
    def mid(self) -> str | None:
        """The annotation's id in Kili (a string; geospatial exports sometimes hold a number)."""
        return mid_of(self.raw)

    @property
    def categories(self) -> tuple[str, ...]:
        """The names of its categories, in the order the labeler chose them."""
        return category_names(self.raw.get("categories"))

    @property
    def confidences(self) -> dict[str, float]:
        """The ``confidence`` of each category that has one (0..100, written by pre-annotations and models)."""
        return _confidences(self.raw.get("categories"))

    @property
    def score(self) -> float | None:
        """The ``score`` of a pre-annotated object (the model's confidence, 0..100), None when there is none."""
        return _number(self.raw.get("score"))

    @property
    def tool(self) -> str | None:
        """``rectangle``, ``polygon``, ``semantic``, ``marker``, ``polyline``, ``vector``, ``pose``... or None.

        PDF rectangles have no ``type``: a PDF annotation with nested page annotations reads as ``rectangle``.
        """
        kind = self.raw.get("type")
        if isinstance(kind, str):
            return kind
        if self.raw.get("annotations") or self.raw.get("boundingPoly"):
            return "rectangle"
        return None

    @property
    def is_key_frame(self) -> bool:
        """True when a video annotation was drawn on this frame, False when Kili interpolated it."""
        return self.raw.get("isKeyFrame") is not False

    @property
    def rings(self) -> list[list[Point]]:
        """Every polygon ring: one for a box or polygon, several for a semantic mask with holes or parts,
        and one per page part for a PDF annotation (``normalizedVertices`` there is a list of lists)."""
        return [[Point(x, y) for x, y in ring] for ring in self.ring_coords]

    @property
    def ring_coords(self) -> list[list[tuple[float, float]]]:
        """``rings`` as plain ``(x, y)`` tuples, read straight from the raw dicts (no ``Point`` objects): the
        vertex access of the geometry rule types."""
        rings: list[list[tuple[float, float]]] = []
        sources = [self.raw, *(as_dict(part) for part in as_list(self.raw.get("annotations")))]
        for source in sources:
            for poly in as_list(source.get("boundingPoly")):
                vertices = as_list(as_dict(poly).get("normalizedVertices"))
                if vertices and all(isinstance(v, list) for v in vertices):
                    rings.extend(_coords(v) for v in vertices)
                else:
                    rings.append(_coords(vertices))
        return [ring for ring in rings if ring]

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """``(x0, y0, x1, y1)``: the bounding box of every vertex of the shape (rings, polyline, marker, pose
        points), None when it has none. Read from the raw dicts without building points: cheap on dense labels."""
        coords = [c for ring in self.ring_coords for c in ring]
        coords += _coords(self.raw.get("polyline"))
        coords += _coords([self.raw.get("point")])
        coords += _coords([as_dict(p).get("point") for p in as_list(self.raw.get("points"))])
        if not coords:
            return None
        xs = [x for x, _ in coords]
        ys = [y for _, y in coords]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def area(self) -> float:
        """The area of the shape's rings (shoelace; several rings read even-odd: a ring inside another is a
        hole), in the units of its coordinates (a fraction of the image when normalized); 0 without rings."""
        return region_area(self.ring_coords)

    @property
    def point(self) -> Point | None:
        """The position of a marker."""
        return _point(self.raw.get("point"))

    @property
    def polyline(self) -> list[Point]:
        """The vertices of a polyline or vector."""
        return _points(self.raw.get("polyline"))

    @property
    def vertices(self) -> list[Point]:
        """Every vertex of the shape, whatever its tool, flattened."""
        found = [v for ring in self.rings for v in ring] + self.polyline
        if self.point is not None:
            found.append(self.point)
        for pose_point in as_list(self.raw.get("points")):
            point = _point(as_dict(pose_point).get("point"))
            if point is not None:
                found.append(point)
        return found

    @property
    def pose_points(self) -> dict[str, Point]:
        """The points of a pose, by their ``code`` (``NOSE``, ``LEFT_EYE``...)."""
        points: dict[str, Point] = {}
        for raw in as_list(self.raw.get("points")):
            raw = as_dict(raw)
            code, point = raw.get("code"), _point(raw.get("point"))
            if isinstance(code, str) and point is not None:
                points[code] = point
        return points

    @property
    def pose_point_names(self) -> dict[str, str]:
        """The display name of each point of a pose, by its ``code`` (``{"NOSE": "Nose"}``), where Kili wrote one."""
        names: dict[str, str] = {}
        for raw in as_list(self.raw.get("points")):
            raw = as_dict(raw)
            code, name = raw.get("code"), raw.get("name")
            if isinstance(code, str) and isinstance(name, str):
                names[code] = name
        return names

    @property
    def polys(self) -> list[list[Point]]:
        """The shapes of a PDF annotation, one per line a named entity spans (``annotations[].polys``), in order;
        empty outside PDF. ``rings`` holds the bounding boxes instead."""
        shapes: list[list[Point]] = []
        for part in as_list(self.raw.get("annotations")):
            for poly in as_list(as_dict(part).get("polys")):
                vertices = as_list(as_dict(poly).get("normalizedVertices"))
                if vertices and all(isinstance(v, list) for v in vertices):
                    shapes.extend(_points(v) for v in vertices)
                else:
                    shapes.append(_points(vertices))
        return [shape for shape in shapes if shape]

    @property
    def pages(self) -> tuple[int, ...]:
        """The PDF pages the annotation lies on (empty outside PDF)."""
        pages: list[int] = []
        for part in as_list(self.raw.get("annotations")):
            pages.extend(p for p in as_list(as_dict(part).get("pageNumberArray")) if isinstance(p, int))
        return tuple(pages)

    @property
    def content(self) -> str | None:
        """The text of a named entity (or of a PDF annotation, when Kili filled it)."""
        return _text(self.raw.get("content"))

    @property
    def begin_offset(self) -> int | None:
        """Where a named entity starts in the text (``beginOffset``), None when it is not given."""
        begin = self.raw.get("beginOffset")
        return begin if isinstance(begin, int) and not isinstance(begin, bool) else None

    @property
    def end_offset(self) -> int | None:
        """Where a named entity ends: ``endOffset`` when given; else, for an entity written with ``beginOffset``
        only (Kili's tutorials, imported predictions), ``beginOffset + len(content)`` when the content is given;
        else None: the end is open, and no rule should guess it."""
        end = self.raw.get("endOffset")
        if isinstance(end, int) and not isinstance(end, bool):
            return end
        begin, content = self.begin_offset, self.content
        return begin + len(content) if begin is not None and content is not None else None

    @property
    def offsets(self) -> tuple[int, int] | None:
        """``(begin_offset, end_offset)`` of a named entity, None when either is unknown."""
        begin, end = self.begin_offset, self.end_offset
        return (begin, end) if begin is not None and end is not None else None

    def _ends(self, *keys: str) -> tuple[str, ...]:
        mids: list[str] = []
        for key in keys:
            mids.extend(m for m in map(mid_of, map(as_dict, as_list(self.raw.get(key)))) if m is not None)
        return tuple(mids)

    @property
    def start_mids(self) -> tuple[str, ...]:
        """The mids a relation starts from (``startEntities`` or ``startObjects``)."""
        return self._ends("startEntities", "startObjects")

    @property
    def end_mids(self) -> tuple[str, ...]:
        """The mids a relation points to (``endEntities`` or ``endObjects``)."""
        return self._ends("endEntities", "endObjects")


class JobResponse:
    """One occurrence of a job's answer: at the top of a label or frame, or nested as a child.

    ``parent_mid`` is the mid of the annotation the occurrence hangs from (directly, or through a chosen
    category of that annotation); it is None for a top-level job or a child of a top-level classification.
    """

    __slots__ = ("_annotations", "frame", "job", "parent_mid", "raw")

    def __init__(self, raw: dict[str, Any], job: str, frame: str | None, parent_mid: str | None) -> None:
        #: The job's answer as the ``jsonResponse`` holds it (read-only: shared with every rule).
        self.raw = raw
        #: The id of the job.
        self.job = job
        #: The video frame of this answer (``"0"``, ``"1"``... or ``"assetLevel"``), None outside video.
        self.frame = frame
        #: The mid of the annotation this occurrence hangs from, None at the top level (see above).
        self.parent_mid = parent_mid
        self._annotations: list[Annotation] | None = None

    def __repr__(self) -> str:
        return f"JobResponse(job={self.job!r}, frame={self.frame!r}, parent_mid={self.parent_mid!r})"

    @property
    def categories(self) -> tuple[str, ...]:
        """The chosen category names of a classification job."""
        return category_names(self.raw.get("categories"))

    @property
    def confidences(self) -> dict[str, float]:
        """The ``confidence`` of each chosen category that has one (0..100)."""
        return _confidences(self.raw.get("categories"))

    @property
    def is_key_frame(self) -> bool:
        """For a video classification: True when the answer was given on this frame, False when Kili carried it
        over (``isKeyFrame: false``); True outside video."""
        return self.raw.get("isKeyFrame") is not False

    @property
    def text(self) -> str | None:
        """The value of a transcription job (None when there is none)."""
        return _text(self.raw.get("text"))

    @property
    def file_id(self) -> str | None:
        """The id of the file a FILE job holds (``fileId``; download it with ``kili.download_annotation_file``)."""
        return _text(self.raw.get("fileId"))

    @property
    def file_name(self) -> str | None:
        """The name the file of a FILE job was uploaded under (``fileName``)."""
        return _text(self.raw.get("fileName"))

    @property
    def file_mime_type(self) -> str | None:
        """The mime type of the file of a FILE job (``fileMimeType``)."""
        return _text(self.raw.get("fileMimeType"))

    @property
    def annotations(self) -> list[Annotation]:
        """The objects of an object, NER, relation or pose job (built once, shared by every rule)."""
        if self._annotations is None:
            self._annotations = [
                Annotation(raw, self.job, self.frame, self.parent_mid)
                for raw in as_list(self.raw.get("annotations"))
                if isinstance(raw, dict)
            ]
        return self._annotations

    @property
    def is_answered(self) -> bool:
        """Whether the labeler gave an answer: a category, a non-blank text, at least one object or a file."""
        return is_answered(self.raw)
