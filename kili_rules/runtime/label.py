"""A read-only view of a Kili label's ``jsonResponse``, the one every rule type reads.

It covers every job type Kili writes: classification (radio, checkbox, dropdowns), transcription, object
detection with every tool (rectangle, polygon, semantic with several rings, marker, polyline, vector, pose), named
entities, relations, PDF's nested ``annotations[].annotations[]``, video's frame-keyed responses (``"0".."N"`` plus
``"assetLevel"``) and geospatial coordinates (longitude / latitude, kept as given). A job that nests as a child,
under an annotation, a pose point or a chosen category, or in the job-level ``children`` of a classification (the
layout of Kili's "label taxonomy" documentation and of imported predictions), is found wherever it occurs, at any
depth and in every video frame, and each occurrence remembers the ``mid`` of the annotation it hangs from, so a
finding can be pinned to that box.

The view never raises on any JSON, which real exports may contain malformed (missing keys, ``None``, a rectangle with
two vertices, an empty ``annotations`` list, a number where a list was expected): what cannot be read inside the
response is skipped. A response that cannot be read as a whole (not JSON, nested too deep, not an object, a video
frame key that is not a frame number) is not read as an empty label: ``LabelView.unreadable`` says why, and the
engine reports it as a finding of its own (fail closed).

This module is stdlib-only: it is embedded verbatim into every built plugin.

Example (plain Python, no Kili needed)::

    >>> label = LabelView({"JOB_0": {"annotations": [
    ...     {"mid": "box-1", "categories": [{"name": "IBAN"}],
    ...      "children": {"TRANSCRIPTION_JOB": {"text": "FR76 3000"}}}]}})
    >>> [a.mid for a in label.annotations("JOB_0", category="IBAN")]
    ['box-1']
    >>> [(r.text, r.parent_mid) for r in label.responses("TRANSCRIPTION_JOB")]
    [('FR76 3000', 'box-1')]

A nested classification written at job level (``children`` beside ``categories``) is read like one written under
the chosen category; a pre-annotation's confidences and score are there too::

    >>> label = LabelView({"JOB_0": {"categories": [{"name": "NEWS", "confidence": 42}],
    ...                              "children": {"NESTED_JOB": {"categories": [{"name": "SPORTS"}]}}}})
    >>> label.categories("NESTED_JOB"), label.responses("JOB_0")[0].confidences
    ({'SPORTS'}, {'NEWS': 42.0})
    >>> box = LabelView({"OD": {"annotations": [{"mid": "b", "score": 87, "categories": [{"name": "CAR"}]}]}})
    >>> box.annotations("OD")[0].score
    87.0

A named entity written with ``beginOffset`` only (Kili's tutorials, imported predictions) ends where its
``content`` ends; without a content its end stays open (None), and ``offsets`` is None::

    >>> ner = LabelView({"NER": {"annotations": [
    ...     {"mid": "e1", "beginOffset": 8, "content": "Kili"}, {"mid": "e2", "beginOffset": 3}]}})
    >>> [(e.begin_offset, e.end_offset, e.offsets) for e in ner.annotations("NER")]
    [(8, 12, (8, 12)), (3, None, None)]

PDF shapes line by line (``polys``), pose point names, the key frames of a video classification and the file a
FILE job holds::

    >>> pdf = LabelView({"NER": {"annotations": [{"mid": "e", "content": "two lines", "annotations": [
    ...     {"pageNumberArray": [2], "polys": [{"normalizedVertices": [[{"x": 0, "y": 0}, {"x": 1, "y": 0}],
    ...                                                                 [{"x": 0, "y": 1}, {"x": 1, "y": 1}]]}]}]}]}})
    >>> entity = pdf.annotations("NER")[0]
    >>> entity.pages, len(entity.polys), entity.polys[1][0]
    ((2,), 2, Point(x=0.0, y=1.0))
    >>> pose = LabelView({"POSE": {"annotations": [{"mid": "p", "type": "pose", "points": [
    ...     {"code": "NOSE", "name": "Nose", "point": {"x": 0.5, "y": 0.5}}]}]}})
    >>> pose.annotations("POSE")[0].pose_point_names
    {'NOSE': 'Nose'}
    >>> video = LabelView({"0": {"C": {"categories": [{"name": "DAY"}], "isKeyFrame": True}},
    ...                    "1": {"C": {"categories": [{"name": "DAY"}], "isKeyFrame": False}}})
    >>> [(r.frame, r.is_key_frame) for r in video.responses("C")]
    [('0', True), ('1', False)]
    >>> file = LabelView({"REPORT": {"fileId": "f-1", "fileName": "report.pdf", "fileMimeType": "application/pdf"}})
    >>> answer = file.responses("REPORT")[0]
    >>> answer.file_id, answer.file_name, answer.file_mime_type, answer.is_answered
    ('f-1', 'report.pdf', 'application/pdf', True)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

from kili_rules.runtime.interface import NO_INTERFACE, ProjectInterface

#: Technical jobs that Kili adds to responses and that no rule is about.
IGNORED_JOBS = frozenset({"ROTATION_JOB", "ANNOTATION_JOB_COUNTER", "ANNOTATION_NAMES_JOB"})
#: The key of a video response that holds the jobs answered for the whole video.
ASSET_LEVEL = "assetLevel"
#: Child jobs deeper than this are not visited (no real interface nests so deep; it bounds hostile input).
MAX_DEPTH = 32


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
class Point:
    """A vertex: normalized 0..1 image coordinates, or longitude (x) / latitude (y) in geospatial projects."""

    x: float
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


def signed_area(ring: Sequence[tuple[float, float]]) -> float:
    """The shoelace area of a ring (not closed): positive when its vertices turn counter-clockwise (y up)."""
    if len(ring) < 3:
        return 0.0
    total = 0.0
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        total += x0 * y1 - x1 * y0
        x0, y0 = x1, y1
    return total / 2.0


def ring_contains(ring: Sequence[tuple[float, float]], x: float, y: float) -> bool:
    """Even-odd ray casting: whether ``(x, y)`` is inside ``ring`` (a point on the boundary may go either way)."""
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > y) != (y0 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
        x0, y0 = x1, y1
    return inside


def ring_depths(rings: Sequence[Sequence[tuple[float, float]]]) -> list[int]:
    """How many other rings enclose each ring (even: an outer part, odd: a hole)."""
    if len(rings) < 2:
        return [0] * len(rings)
    depths = []
    for index, ring in enumerate(rings):
        if not ring:
            depths.append(0)
            continue
        x, y = ring[0]
        depths.append(sum(1 for i, other in enumerate(rings) if i != index and other and ring_contains(other, x, y)))
    return depths


def region_area(rings: Sequence[Sequence[tuple[float, float]]]) -> float:
    """The area of rings read even-odd (a ring inside another is a hole), in the units of their coordinates."""
    if len(rings) == 1:
        return abs(signed_area(rings[0]))
    return sum(
        abs(signed_area(ring)) * (1 if depth % 2 == 0 else -1)
        for ring, depth in zip(rings, ring_depths(rings), strict=True)
    )


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


#: One occurrence of a job as the view indexes it: its raw answer, its frame, the mid of the annotation it hangs from.
Occurrence = tuple[dict[str, Any], "str | None", "str | None"]
#: A job's objects, their frames and, when the walk read them all on its fast path, their category names.
_Objects = tuple[list[dict[str, Any]], list["str | None"], "list[Any] | None"]


class Annotation:
    """One object of an object, NER, relation or pose job (one box, one entity, one relation...)."""

    __slots__ = ("frame", "job", "parent_mid", "raw")

    def __init__(self, raw: dict[str, Any], job: str, frame: str | None, parent_mid: str | None) -> None:
        self.raw = raw
        self.job = job
        self.frame = frame
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
        self.raw = raw
        self.job = job
        self.frame = frame
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


class LabelView:
    """Everything a rule may read of one label. Build it once per label; it indexes the response lazily.

    Args:
        json_response: the label's ``jsonResponse`` (a dict, or the JSON string some API paths return).
        label_id, label_type, author_id: the label's fields, when known (``LabelView.from_label`` fills them).
        jobs: the jobs the rules will read (the engine passes ``Engine.jobs``), or None for every job. A hint only:
            the first read indexes these jobs alone, in one walk of the response; a read of any other job (or of
            ``jobs``) indexes every job then, so what the view returns never depends on the hint.
        interface: the project's jsonInterface (a :class:`ProjectInterface` or the raw mapping), read by rules as
            ``label.interface``; the engine sets the one its rule set carries. Default: none (names are ids).

    Reading is lazy and shared by every rule: the response is walked once, on the first read, recording for each
    indexed job its occurrences as ``(raw answer, frame, parent mid)``. A list of Kili's usual objects (one
    category each, no pose points) is read in one comprehension, which checks that nothing nests under them but
    their own children and keeps their category names for :meth:`objects_in` and :meth:`object_categories`; any
    other shape is read object by object, carefully, with the same result. :class:`JobResponse` and
    :class:`Annotation` objects are built on demand, once per job; rule types that only count objects or read
    their categories use :meth:`occurrences`, :meth:`objects`, :meth:`objects_in` and :meth:`object_categories`,
    which build none.
    """

    def __init__(
        self,
        json_response: Any,
        *,
        label_id: str | None = None,
        label_type: str | None = None,
        author_id: str | None = None,
        jobs: Iterable[str] | None = None,
        interface: ProjectInterface | Mapping[str, Any] | None = None,
    ) -> None:
        if interface is not None and not isinstance(interface, ProjectInterface):
            interface = ProjectInterface(interface)
        #: the project's interface: display names, categories, child jobs... (see :mod:`kili_rules.runtime.interface`)
        self.interface: ProjectInterface = interface if interface is not None else NO_INTERFACE
        #: what could not be read: logged by the plugin; ``unreadable`` says whether the label can be checked at all
        self.problems: list[str] = []
        #: why the label cannot be checked at all (not JSON, nested too deep, not an object, a frame key that is
        #: not a frame number); None when it can. The engine turns it into a finding of its own: never "empty".
        self.unreadable: str | None = None
        if isinstance(json_response, (str, bytes, bytearray)):
            try:
                json_response = json.loads(json_response)
            except RecursionError:
                self._unreadable("jsonResponse is nested too deep to be read")
                json_response = {}
            except ValueError:
                self._unreadable("jsonResponse is a string that is not JSON")
                json_response = {}
        if not isinstance(json_response, dict):
            kind = "missing" if json_response is None else f"a {type(json_response).__name__}, not an object"
            self._unreadable(f"jsonResponse is {kind}")
            json_response = {}
        self._video = _is_video(json_response)
        bad_frames = _bad_frame_keys(json_response) if self._video else []
        if bad_frames:
            self._unreadable(f"video frame keys that are not frame numbers: {', '.join(bad_frames)}")
            json_response, self._video = {}, False
        self.json_response: dict[str, Any] = json_response
        self.label_id = label_id
        self.label_type = label_type
        self.author_id = author_id
        # the jobs the next walk indexes (None: all); the occurrences it found, by job; what was built from them
        self._wanted: frozenset[str] | None = None if jobs is None else frozenset(jobs)
        self._occurrences: dict[str, list[Occurrence]] | None = None
        self._responses: dict[str, list[JobResponse]] = {}
        self._objects: dict[str, _Objects] = {}
        #: the category name of each object of the object lists the walk read on its fast path, by the list's id
        self._names: dict[int, list[Any]] = {}
        self._object_categories: dict[str, list[tuple[str, ...]]] = {}
        self._objects_in: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def _unreadable(self, reason: str) -> None:
        self.problems.append(reason)
        self.unreadable = self.unreadable or reason

    @classmethod
    def from_label(
        cls,
        label: Any,
        *,
        jobs: Iterable[str] | None = None,
        interface: ProjectInterface | Mapping[str, Any] | None = None,
    ) -> LabelView:
        """A view of a label as Kili passes it to a plugin or ``kili.labels()`` returns it (``jobs``,
        ``interface``: see above)."""
        label = as_dict(label)
        author = as_dict(label.get("author")).get("id") or label.get("authorId")
        return cls(
            label.get("jsonResponse"),
            label_id=label.get("id") if isinstance(label.get("id"), str) else None,
            label_type=label.get("labelType") if isinstance(label.get("labelType"), str) else None,
            author_id=author if isinstance(author, str) else None,
            jobs=jobs,
            interface=interface,
        )

    @property
    def is_video(self) -> bool:
        """True for a frame-keyed response (``{"0": {...}, "1": {...}}``, maybe with ``"assetLevel"``)."""
        return self._video

    @property
    def frames(self) -> list[str | None]:
        """The frame keys in order, ``assetLevel`` first when present; ``[None]`` for a non-video label."""
        if not self._video:
            return [None]
        keys: list[str] = sorted((k for k in self.json_response if is_frame_key(k)), key=int)
        return [*([ASSET_LEVEL] if ASSET_LEVEL in self.json_response else []), *keys]

    def frame_responses(self) -> Iterator[tuple[str | None, dict[str, Any]]]:
        """``(frame key, that frame's job dict)`` for every frame (one pair, frame None, outside video)."""
        for frame in self.frames:
            yield frame, self.json_response if frame is None else as_dict(self.json_response.get(frame))

    @property
    def jobs(self) -> list[str]:
        """The names of the jobs answered anywhere in the label, children included."""
        return sorted(self._index(None))

    def responses(self, job: str, *, frame: str | None = None) -> list[JobResponse]:
        """Every occurrence of ``job``: top-level or nested, in every frame (or only in ``frame``)."""
        found = self._responses.get(job)
        if found is None:
            occurrences = self.occurrences(job)
            if not occurrences:
                return []
            found = self._responses[job] = [JobResponse(raw, job, f, mid) for raw, f, mid in occurrences]
        return found if frame is None else [r for r in found if r.frame == frame]

    def annotations(self, job: str, *, category: str | None = None, frame: str | None = None) -> list[Annotation]:
        """Every object of ``job`` (optionally only those of ``category``), wherever the job occurs."""
        found = [a for r in self.responses(job, frame=frame) for a in r.annotations]
        return found if category is None else [a for a in found if category in a.categories]

    def categories(self, job: str) -> set[str]:
        """Every category chosen in classification ``job``, in any occurrence."""
        return {c for raw, _, _ in self.occurrences(job) for c in category_names(raw.get("categories"))}

    def texts(self, job: str) -> list[str]:
        """Every value given to transcription ``job``."""
        return [text for raw, _, _ in self.occurrences(job) if isinstance(text := raw.get("text"), str)]

    def occurrences(self, job: str) -> list[Occurrence]:
        """Every occurrence of ``job`` as ``(raw answer, frame, parent mid)``, in the order of :meth:`responses`
        (which wraps these): for rule types on the hot path. Do not change what it returns."""
        return self._index(job).get(job) or []

    def objects(self, job: str) -> list[dict[str, Any]]:
        """The raw dict of every object of ``job``, in the order of :meth:`annotations`, without building an
        :class:`Annotation` for each (read a mid with :func:`mid_of`): for rule types on the hot path. The list may
        be the response's own ``annotations`` list: do not change it."""
        return self._object_lists(job)[0]

    def object_frames(self, job: str) -> list[str | None]:
        """The frame of each of :meth:`objects` (None outside video)."""
        return self._object_lists(job)[1]

    def object_categories(self, job: str) -> list[tuple[str, ...]]:
        """The category names of each of :meth:`objects` (``Annotation.categories``), read once per label and
        shared by every rule."""
        found = self._object_categories.get(job)
        if found is None:
            names = self._object_lists(job)[2]
            if names is None:
                found = _names_of(self.objects(job))
            elif all(map(_IS_STR, names)):
                found = list(zip(names))  # one 1-tuple a name, in C
            else:
                found = [(name,) if isinstance(name, str) else () for name in names]
            self._object_categories[job] = found
        return found

    def objects_in(self, job: str, category: str) -> list[dict[str, Any]]:
        """The raw objects of ``job`` that have ``category`` (``annotations(job, category=...)``, unwrapped), in
        order; cached by job and category, shared by every rule."""
        found = self._objects_in.get((job, category))
        if found is None:
            objects, _, names = self._object_lists(job)
            found = self._objects_in[job, category] = []
            if names is not None:  # one name an object: found by list.index, in C
                position = -1
                try:
                    while True:
                        position = names.index(category, position + 1)
                        found.append(objects[position])
                except ValueError:  # no more
                    return found
            for raw in objects:  # a plain loop: a generator a box would cost more than the test
                categories = raw.get("categories")
                if isinstance(categories, list):
                    for chosen in categories:
                        if isinstance(chosen, dict) and chosen.get("name") == category:
                            found.append(raw)
                            break
        return found

    def _object_lists(self, job: str) -> _Objects:
        """:meth:`objects`, :meth:`object_frames` and, when the walk read every list of them on its fast path, the
        category name of each object (else None)."""
        found = self._objects.get(job)
        if found is None:
            occurrences = self.occurrences(job)
            if len(occurrences) == 1:  # the usual case: one list, read on the fast path (then all dicts): as it is
                raw, frame, _ = occurrences[0]
                annotations: Any = raw.get("annotations")
                names = self._names.get(id(annotations))
                if names is not None:
                    found = self._objects[job] = (annotations, [frame] * len(annotations), names)
                    return found
            lists = [
                (annotations, frame)
                for raw, frame, _ in occurrences
                if (annotations := raw.get("annotations")) and isinstance(annotations, list)
            ]
            read = [self._names.get(id(annotations)) for annotations, _ in lists]
            if all(names is not None for names in read):
                found = (
                    [annotation for annotations, _ in lists for annotation in annotations],
                    [frame for annotations, frame in lists for _ in annotations],
                    [name for names in read for name in names],  # type: ignore[union-attr]
                )
            else:
                pairs = [
                    (annotation, frame)
                    for annotations, frame in lists
                    for annotation in annotations
                    if isinstance(annotation, dict)
                ]
                found = ([raw for raw, _ in pairs], [frame for _, frame in pairs], None)
            self._objects[job] = found
        return found

    def _index(self, job: str | None) -> dict[str, list[Occurrence]]:
        """The occurrences by job, indexing ``job`` (None: every job) if the last walk did not."""
        if self._wanted is not None and (job is None or job not in self._wanted):
            self._wanted, self._occurrences = None, None  # a job the hint did not name: index them all
        index = self._occurrences
        if index is None:
            index = {}
            if self._video:
                for frame, jobs in self.frame_responses():
                    _visit_jobs(index, self._wanted, self._names, jobs, frame, None, 0)
            else:
                _visit_jobs(index, self._wanted, self._names, self.json_response, None, None, 0)
            self._occurrences = index
        return index


def is_frame_key(key: Any) -> bool:
    """Whether ``key`` is a video frame number: ASCII digits only (``"²"`` passes ``str.isdigit`` but not
    ``int``)."""
    return isinstance(key, str) and key.isascii() and key.isdigit()


def _is_video(response: dict[str, Any]) -> bool:
    """A response is a video's when it has a frame key or ``assetLevel``: jobs are never named so."""
    return ASSET_LEVEL in response or any(map(is_frame_key, response))


def _bad_frame_keys(response: dict[str, Any]) -> list[str]:
    """The keys of a video response (``_is_video``) that are neither frame numbers nor ``assetLevel`` (shown with
    ``repr``)."""
    bad = [key for key in response if not (is_frame_key(key) or key == ASSET_LEVEL)]
    return [repr(key)[:40] for key in bad[:5]] + ([f"and {len(bad) - 5} more"] if len(bad) > 5 else [])


_IS_LIST = list.__instancecheck__
_IS_STR = str.__instancecheck__


def _names_of(objects: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """``category_names`` of each object's ``categories``: in C (``map``, ``filter``) when every object has a list
    of dicts there, as Kili writes them; one by one otherwise."""
    categories = list(map(dict.get, objects, repeat("categories")))
    if all(map(_IS_LIST, categories)):
        try:
            # C loops; the lists were checked above, a non-dict category raises TypeError
            return [tuple(filter(_IS_STR, map(dict.get, found, repeat("name")))) for found in categories]  # type: ignore[arg-type]
        except TypeError:  # a category that is not a dict
            pass
    return [category_names(found) for found in categories]


def _may_nest(annotations: list[Any]) -> bool:
    """Whether an object of ``annotations`` may hold a child job (under itself, a category or a pose point).

    The loops run in C (``map`` of ``dict.get``), so a list of plain boxes costs a few dict lookups a box and no
    Python frame; any shape but dicts and lists of dicts answers True, and the careful visit decides.
    """
    try:
        return (
            any(map(dict.get, annotations, repeat("children")))
            or any(map(dict.get, annotations, repeat("points")))
            or any(
                map(
                    dict.get,
                    chain.from_iterable(filter(None, map(dict.get, annotations, repeat("categories")))),
                    repeat("children"),
                )
            )
        )
    except Exception:  # a value that is not a dict (or a list of dicts) where one is expected
        return True


_GET = dict.get
#: The keys under which a job's answer may hold other jobs (``_visit_jobs`` visits them when they are not empty).
_NESTING_KEYS = frozenset({"categories", "children", "annotations"})


def _fast_object_names(annotations: list[Any]) -> tuple[list[Any], bool] | None:
    """The fast path of the walk over a job's objects, one comprehension: the name (any JSON value) in each
    object's one category, and whether an object may have ``children`` (False: none has), when ``annotations``
    holds Kili's usual objects only: dicts without pose ``points``, whose ``categories`` is a list of one dict
    without ``children``. None when any object is otherwise, or has no name: the careful visit then reads them.

    Such objects hold a child job under their own ``children`` only, and ``category_names`` of each is
    ``(name,)`` when the name is a string, ``()`` otherwise: what :meth:`LabelView.object_categories` and
    :meth:`LabelView.objects_in` read from these names, without another pass over the objects.
    """
    try:
        if not _GET(annotations[0], "children"):  # boxes without a child job: the children checked on the way
            names = [
                category["name"]
                for annotation in annotations
                if not _GET(annotation, "children") and "points" not in annotation  # dict.get: TypeError unless a dict
                for categories in (annotation["categories"],)
                if categories.__class__ is list
                for [category] in (categories,)  # ValueError unless exactly one
                if "children" not in category
            ]
            if len(names) == len(annotations):
                return names, False
        names = [
            category["name"]
            for annotation in annotations
            if not _GET(annotation, "points")
            for categories in (annotation["categories"],)
            if categories.__class__ is list
            for [category] in (categories,)
            if "children" not in category
        ]
    except Exception:  # no categories, not a list of one dict, no name...: anything odd goes the careful way
        return None
    return (names, True) if len(names) == len(annotations) else None


def _visit_jobs(
    index: dict[str, Any],
    wanted: frozenset[str] | None,
    names: dict[int, list[Any]],
    jobs: dict[str, Any],
    frame: str | None,
    parent_mid: str | None,
    depth: int,
    *,
    record: bool = True,
) -> None:
    """Index the occurrences of the ``wanted`` jobs (None: all) among ``jobs`` and, recursively, the child jobs
    under their categories, their job-level ``children``, their annotations and their pose points; ``names``
    gets the category names of the object lists read on the fast path (``_fast_object_names``), by their id.

    Hot path (once per label): children are visited only where there are some; a job's occurrences are recorded
    in the order of a depth-first walk (a job's own answer, then what nests under it).
    """
    if depth > MAX_DEPTH:
        return
    for job, raw in jobs.items():
        if not isinstance(raw, dict) or not isinstance(job, str) or job in IGNORED_JOBS:
            continue
        if record and (wanted is None or job in wanted):  # record=False: the caller recorded it
            found = index.get(job)
            if found is None:
                index[job] = [(raw, frame, parent_mid)]
            else:
                found.append((raw, frame, parent_mid))
        categories = raw.get("categories")
        if categories:
            _visit_category_children(index, wanted, names, categories, frame, parent_mid, depth)
        job_children = raw.get("children")  # a classification's children written at job level
        if job_children and isinstance(job_children, dict):
            _visit_jobs(index, wanted, names, job_children, frame, parent_mid, depth + 1)
        annotations = raw.get("annotations")
        if annotations and isinstance(annotations, list):
            _visit_objects(index, wanted, names, annotations, frame, parent_mid, depth)


def _visit_objects(
    index: dict[str, Any],
    wanted: frozenset[str] | None,
    names: dict[int, list[Any]],
    annotations: list[Any],
    frame: str | None,
    parent_mid: str | None,
    depth: int,
) -> None:
    """The child jobs under a job's objects: Kili's usual objects on the fast path (their category names read
    in one comprehension and kept, then only the children of those that have some), any others the careful way."""
    found = _fast_object_names(annotations)
    if found is None:
        if _may_nest(annotations):
            _visit_annotations(index, wanted, names, annotations, frame, parent_mid, depth)
        return
    names[id(annotations)], with_children = found
    if not with_children or depth + 1 > MAX_DEPTH:
        return
    if wanted is None:  # every job is recorded (a Python rule may read any): the general visit, a box at a time
        for annotation in annotations:
            children = annotation.get("children")
            if children and isinstance(children, dict):
                _visit_children(index, wanted, names, children, frame, _owner(annotation, parent_mid), depth)
        return
    recorded = wanted - IGNORED_JOBS  # strings, none ignored: what _visit_children records
    for annotation in annotations:  # all dicts (_fast_object_names checked); _visit_children inlined, once a box
        children = annotation.get("children")
        if not children or not isinstance(children, dict):
            continue
        owner = annotation.get("mid")
        if owner.__class__ is not str:
            owner = _owner(annotation, parent_mid)
        for job, raw in children.items():
            if raw.__class__ is not dict and not isinstance(raw, dict):
                continue
            if job in recorded:
                occurrences = index.get(job)
                if occurrences is None:
                    index[job] = [(raw, frame, owner)]
                else:
                    occurrences.append((raw, frame, owner))
            if (
                not _NESTING_KEYS.isdisjoint(raw)
                and (raw.get("categories") or raw.get("children") or raw.get("annotations"))
                and isinstance(job, str)
                and job not in IGNORED_JOBS
            ):
                _visit_jobs(index, wanted, names, {job: raw}, frame, owner, depth + 1, record=False)


def _owner(annotation: dict[str, Any], parent_mid: str | None) -> str | None:
    """The mid a child job of ``annotation`` hangs from: its own, else its parent's."""
    mid = mid_of(annotation)
    return parent_mid if mid is None else mid


def _visit_children(
    index: dict[str, Any],
    wanted: frozenset[str] | None,
    names: dict[int, list[Any]],
    children: dict[Any, Any],
    frame: str | None,
    owner: str | None,
    depth: int,
) -> None:
    """The child jobs of one annotation (``_visit_jobs(children, depth + 1)``, inlined): a child answer with nothing
    under it, as a child transcription, is recorded here without a call to ``_visit_jobs``."""
    for job, raw in children.items():
        if not isinstance(raw, dict) or not isinstance(job, str) or job in IGNORED_JOBS:
            continue
        if wanted is None or job in wanted:
            found = index.get(job)
            if found is None:
                index[job] = [(raw, frame, owner)]
            else:
                found.append((raw, frame, owner))
        if not _NESTING_KEYS.isdisjoint(raw) and (
            raw.get("categories") or raw.get("children") or raw.get("annotations")
        ):
            _visit_jobs(index, wanted, names, {job: raw}, frame, owner, depth + 1, record=False)


def _visit_annotations(
    index: dict[str, Any],
    wanted: frozenset[str] | None,
    names: dict[int, list[Any]],
    annotations: list[Any],
    frame: str | None,
    parent_mid: str | None,
    depth: int,
) -> None:
    """The child jobs of each annotation (under itself, its categories, its pose points): the careful visit, for
    objects of any shape."""
    inner = depth + 1 <= MAX_DEPTH
    for annotation in annotations:
        if not isinstance(annotation, dict):
            continue
        children, categories, points = (
            annotation.get("children"),
            annotation.get("categories"),
            annotation.get("points"),
        )
        if not (children or categories or points):
            continue
        mid = mid_of(annotation)
        owner = mid if mid is not None else parent_mid
        if children and inner and isinstance(children, dict):
            _visit_children(index, wanted, names, children, frame, owner, depth)
        if categories and isinstance(categories, list):
            for category in categories:
                grandchildren = category.get("children") if isinstance(category, dict) else None
                if grandchildren and isinstance(grandchildren, dict):
                    _visit_jobs(index, wanted, names, grandchildren, frame, owner, depth + 1)
        if points:
            for pose_point in as_list(points):
                pose_children = as_dict(pose_point).get("children")
                if pose_children and isinstance(pose_children, dict):
                    _visit_jobs(index, wanted, names, pose_children, frame, owner, depth + 1)


def _visit_category_children(
    index: dict[str, Any],
    wanted: frozenset[str] | None,
    names: dict[int, list[Any]],
    categories: Any,
    frame: str | None,
    parent_mid: str | None,
    depth: int,
) -> None:
    if not isinstance(categories, list):
        return
    for category in categories:
        children = category.get("children") if isinstance(category, dict) else None
        if children and isinstance(children, dict):
            _visit_jobs(index, wanted, names, children, frame, parent_mid, depth + 1)
