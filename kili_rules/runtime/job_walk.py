"""The walk over a label's ``jsonResponse`` that indexes where each job occurs: top-level, in every video frame
and nested as a child (under an annotation, a pose point, a chosen category, or in a classification's job-level
``children``), at any depth up to :data:`MAX_DEPTH`. Each occurrence is recorded as ``(raw answer, frame, mid of
the annotation it hangs from)`` (:data:`Occurrence`), in the order of a depth-first walk.

:class:`~kili_rules.runtime.label_view.LabelView` walks once per label, on its first read: this is a hot path. Lists
of Kili's usual objects go through the fast reader (:mod:`kili_rules.runtime.object_reader`), anything else the
careful way, with the same result.

Stdlib-only: embedded into every built plugin.
"""

from __future__ import annotations

from typing import Any

from kili_rules.runtime.label_model import as_dict, as_list, mid_of
from kili_rules.runtime.object_reader import fast_object_names, may_nest

#: Technical jobs that Kili adds to responses and that no rule is about.
IGNORED_JOBS = frozenset({"ROTATION_JOB", "ANNOTATION_JOB_COUNTER", "ANNOTATION_NAMES_JOB"})
#: Child jobs deeper than this are not visited (no real interface nests so deep; it bounds hostile input).
MAX_DEPTH = 32
#: One occurrence of a job as the view indexes it: its raw answer, its frame, the mid of the annotation it hangs from.
Occurrence = tuple[dict[str, Any], "str | None", "str | None"]
#: The keys under which a job's answer may hold other jobs (``visit_jobs`` visits them when they are not empty).
_NESTING_KEYS = frozenset({"categories", "children", "annotations"})


def visit_jobs(
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
    gets the category names of the object lists read on the fast path (``fast_object_names``), by their id.

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
            visit_jobs(index, wanted, names, job_children, frame, parent_mid, depth + 1)
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
    found = fast_object_names(annotations)
    if found is None:
        if may_nest(annotations):
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
    for annotation in annotations:  # all dicts (fast_object_names checked); _visit_children inlined, once a box
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
                visit_jobs(index, wanted, names, {job: raw}, frame, owner, depth + 1, record=False)


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
    """The child jobs of one annotation (``visit_jobs(children, depth + 1)``, inlined): a child answer with nothing
    under it, as a child transcription, is recorded here without a call to ``visit_jobs``."""
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
            visit_jobs(index, wanted, names, {job: raw}, frame, owner, depth + 1, record=False)


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
                    visit_jobs(index, wanted, names, grandchildren, frame, owner, depth + 1)
        if points:
            for pose_point in as_list(points):
                pose_children = as_dict(pose_point).get("children")
                if pose_children and isinstance(pose_children, dict):
                    visit_jobs(index, wanted, names, pose_children, frame, owner, depth + 1)


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
            visit_jobs(index, wanted, names, children, frame, parent_mid, depth + 1)
