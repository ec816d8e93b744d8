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
response is skipped by the reads, and listed by :meth:`LabelView.unreadable_in` (objects that are not objects,
``categories`` that is not a list, shapes without finite vertices: :mod:`kili_rules.runtime.unreadable`), so that
the engine fails closed the rules that read it. A response that cannot be read as a whole (not JSON, nested too
deep, not an object, a video frame key that is not a frame number) is not read as an empty label:
``LabelView.unreadable`` says why, and the engine reports it as a finding of its own (fail closed).

The objects the view gives (``Annotation``, ``JobResponse``, ``Point``) are in :mod:`kili_rules.runtime.label_model`,
the walk that indexes the jobs in :mod:`kili_rules.runtime.job_walk`. This module is stdlib-only: it is embedded
verbatim into every built plugin.

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
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kili_rules.runtime.asset_resolution import AssetResolution, read_resolution
from kili_rules.runtime.interface import NO_INTERFACE, ProjectInterface
from kili_rules.runtime.job_walk import Occurrence, visit_jobs
from kili_rules.runtime.label_model import Annotation, JobResponse, as_dict, category_names
from kili_rules.runtime.object_reader import category_names_of
from kili_rules.runtime.unreadable import Unreadable, job_problems

#: The key of a video response that holds the jobs answered for the whole video.
ASSET_LEVEL = "assetLevel"
#: A job's objects, their frames and, when the walk read them all on its fast path, their category names.
_Objects = tuple[list[dict[str, Any]], list["str | None"], "list[Any] | None"]
_IS_STR = str.__instancecheck__


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
        resolution: the asset's size in pixels as Kili gives it (``{"width": 1920, "height": 1080}``), or None;
            read as ``label.resolution`` (see :mod:`kili_rules.runtime.asset_resolution`).

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
        resolution: Any = None,
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
        #: the asset's size in pixels (``width``, ``height``), for rules in pixels; None when unknown or unusable
        self.resolution: AssetResolution | None
        #: why the resolution given is not usable (also in ``problems``); None when it is, or none was given
        self.resolution_problem: str | None
        self.resolution, self.resolution_problem = read_resolution(resolution)
        if self.resolution_problem is not None:
            self.problems.append(self.resolution_problem)
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
        #: the label's ``jsonResponse`` as a dict (``{}`` when it is unreadable): read-only, shared by every rule
        self.json_response: dict[str, Any] = json_response
        #: the label's id in Kili, when known
        self.label_id = label_id
        #: ``DEFAULT``, ``REVIEW``, ``PREDICTION``, ``INFERENCE`` (Kili's ``labelType``), when known
        self.label_type = label_type
        #: the id of the label's author, when known
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
        self._unreadable_in: dict[tuple[str, bool], list[Unreadable]] = {}

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
        resolution: Any = None,
    ) -> LabelView:
        """A view of a label as Kili passes it to a plugin or ``kili.labels()`` returns it (``jobs``,
        ``interface``, ``resolution``: the asset's, see above)."""
        label = as_dict(label)
        author = as_dict(label.get("author")).get("id") or label.get("authorId")
        return cls(
            label.get("jsonResponse"),
            label_id=label.get("id") if isinstance(label.get("id"), str) else None,
            label_type=label.get("labelType") if isinstance(label.get("labelType"), str) else None,
            author_id=author if isinstance(author, str) else None,
            jobs=jobs,
            interface=interface,
            resolution=resolution,
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
                found = category_names_of(self.objects(job))
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

    def unreadable_in(self, job: str, *, shapes: bool = False) -> list[Unreadable]:
        """What cannot be read in ``job``'s answers and objects (and their shapes, with ``shapes``), which the other
        reads skip: see :mod:`kili_rules.runtime.unreadable`. Read once per job; the engine fails closed the rules
        that read a job where it is not empty."""
        found = self._unreadable_in.get((job, shapes))
        if found is None:
            found = job_problems(self.occurrences(job), job, self._names, shapes=shapes)
            self._unreadable_in[job, shapes] = found
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
                    visit_jobs(index, self._wanted, self._names, jobs, frame, None, 0)
            else:
                visit_jobs(index, self._wanted, self._names, self.json_response, None, None, 0)
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
