"""What the vision rule types share besides geometry: categories named one or several at a time, the shape of an
annotation, and findings grouped by annotation along a video (one issue per object, naming its frames, rather
than one per frame).

Stdlib-only: embedded with the rule types that import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kili_rules.runtime.geometry import Coord
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import is_frame_key
from kili_rules.runtime.model import Violation

#: Tools whose annotations have an area (a region): the others are points and lines.
AREA_TOOLS = frozenset({"rectangle", "polygon", "semantic"})
#: mlTasks whose annotations have a shape.
SHAPE_TASKS = frozenset({"OBJECT_DETECTION", "POSE_ESTIMATION"})
SHAPE_JOB = "an object job (OBJECT_DETECTION or POSE_ESTIMATION)"


def as_names(value: str | list[str] | None) -> list[str]:
    """A category option given as one name or a list of them, as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def of_categories(annotation: Annotation, wanted: Iterable[str]) -> bool:
    """Whether the annotation has one of the ``wanted`` categories (every annotation when none is wanted)."""
    names = list(wanted)
    return not names or any(c in names for c in annotation.categories)


def region(annotation: Annotation) -> list[list[Coord]]:
    """The rings of an annotation's area: a rectangle read as the box of its vertices (Kili exports hold some with
    2 vertices), a polygon or a semantic mask as drawn; none for points and lines."""
    rings = annotation.ring_coords
    if not rings:
        return []
    if annotation.tool == "rectangle" and all(len(set(ring)) < 3 for ring in rings):
        box = annotation.bbox
        if box is None:
            return []
        x0, y0, x1, y1 = box
        return [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
    return rings


def path(annotation: Annotation) -> list[Coord]:
    """The vertices of an annotation without an area: a polyline's, a marker's point, a pose's points."""
    points = [(p.x, p.y) for p in annotation.polyline]
    marker = annotation.point
    if marker is not None:
        points.append((marker.x, marker.y))
    return points + [(p.x, p.y) for p in annotation.pose_points.values()]


def frames_text(frames: Iterable[str | None]) -> str:
    """``3-5, 9``: the video frames, as ranges."""
    numbers = sorted({int(f) for f in frames if f is not None and is_frame_key(f)})
    parts: list[str] = []
    index = 0
    while index < len(numbers):
        end = index
        while end + 1 < len(numbers) and numbers[end + 1] == numbers[end] + 1:
            end += 1
        first, last = numbers[index], numbers[end]
        parts.append(str(first) if first == last else f"{first}-{last}")
        index = end + 1
    return ", ".join(parts)


class Grouped:
    """Findings gathered by (annotation mid, kind): in a video, an object wrong on 40 frames is one finding, on
    the first of them, whose ``{frames}`` lists them all (and ``{reason}`` names them). Outside video each
    finding stays its own."""

    def __init__(self, job: str) -> None:
        self.job = job
        self._found: dict[tuple[Any, ...], tuple[dict[str, Any], str | None, list[str | None]]] = {}

    def add(self, mid: str | None, frame: str | None, kind: Any, values: Mapping[str, Any], unique: Any = None) -> None:
        """One finding of ``kind`` on annotation ``mid`` in ``frame`` (``unique`` keeps apart findings that must
        not merge, such as two markers without a mid outside video)."""
        key = (mid, kind, unique if frame is None else None)
        if key in self._found:
            self._found[key][2].append(frame)
        else:
            self._found[key] = (dict(values), mid, [frame])

    def violations(self) -> list[Violation]:
        """The findings, in the order first seen."""
        found = []
        for values, mid, frames in self._found.values():
            text = frames_text(frames)
            values = {**values, "frames": text}
            if len(set(frames)) > 1 and "reason" in values:  # the issue names the frame it is on: say so
                values["reason"] = f"{values['reason']} (frames {text}, first frame {frames[0]})"
            found.append(Violation(values=values, mid=mid, job=self.job, frame=frames[0]))
        return found
