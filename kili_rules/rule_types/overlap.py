"""overlap: duplicate annotations (IoU), categories that must not overlap, and annotations that must lie inside others.

Compares the annotations of one object job two by two, within each video frame: `max_iou` finds duplicates (two
annotations of the same category, or of any of the categories listed with `across_categories: true`, whose
intersection over union is above it), `forbid` lists pairs of categories that must not overlap (`[[CAR,
PEDESTRIAN]]`; `[[CAR, CAR]]` forbids cars overlapping each other), and `inside` wants each annotation of a
category within one of another (`{category: HEAD, within: PERSON}`: a head outside every person is a finding;
`min_fraction` is the share of its area that must lie within, 1 by default; a marker or a pose point must lie in
it). Areas are those of the shapes, not of their boxes: rectangles, polygons, semantic masks with holes.

Dense labels stay fast: annotations are bucketed in a uniform grid sized on their boxes, so only neighbours are
compared (expected linear time; `bench/bench_overlap.py`: 10,000 boxes in a fraction of a second).

Options:

Each finding is pinned on the later annotation of the pair, in label order (the duplicate, the one drawn over the
other), and names the other in `{other}`; for `inside`, on the annotation that lies outside. In a video, the same
pair on several frames is one finding, on the first of them, its `{frames}` listing them all. The rule is not
applicable when the label has no annotation of the categories it is about.

Placeholders: `{reason}` (e.g. `CAR rectangle b duplicates a (IoU 0.92 above max_iou 0.8)`), `{category}`,
`{other}` (the mid of the other annotation), `{iou}`, `{frames}`.

Example:

```yaml
rule: {id: no-duplicates, type: overlap, job: JOB_0, max_iou: 0.8}
fails:
  - JOB_0:
      annotations:
        - {mid: a, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]}
        - {mid: far, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.6, y: 0.6}, {x: 0.7, y: 0.6}, {x: 0.7, y: 0.7}, {x: 0.6, y: 0.7}]}]}
        - {mid: b, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.31, y: 0.1}, {x: 0.31, y: 0.3}, {x: 0.1, y: 0.3}]}]}
pinned:  # on the later one, b, naming a
  - [b]
passes:  # the same box with another category is not a duplicate
  - JOB_0:
      annotations:
        - {mid: a, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]}
        - {mid: b, type: rectangle, categories: [{name: TRUCK}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]}
not_applicable:
  - {}
```

Example (forbidden overlaps and containment, polygons included):

```yaml
rule:
  id: scene
  type: overlap
  job: OD
  forbid: [[ROAD, BUILDING]]
  inside: {category: HEAD, within: PERSON}
fails:
  - OD:
      annotations:
        - {mid: road, type: polygon, categories: [{name: ROAD}], boundingPoly: [{normalizedVertices: [
            {x: 0, y: 0.5}, {x: 1, y: 0.5}, {x: 1, y: 1}, {x: 0, y: 1}]}]}
        - {mid: house, type: polygon, categories: [{name: BUILDING}], boundingPoly: [{normalizedVertices: [
            {x: 0.4, y: 0.2}, {x: 0.6, y: 0.2}, {x: 0.5, y: 0.6}]}]}
        - {mid: person, type: rectangle, categories: [{name: PERSON}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.2, y: 0.1}, {x: 0.2, y: 0.4}, {x: 0.1, y: 0.4}]}]}
        - {mid: head, type: rectangle, categories: [{name: HEAD}], boundingPoly: [{normalizedVertices: [
            {x: 0.15, y: 0.05}, {x: 0.18, y: 0.05}, {x: 0.18, y: 0.12}, {x: 0.15, y: 0.12}]}]}
pinned:  # the building drawn over the road; the head sticking out of its person
  - [house, head]
passes:
  - OD:
      annotations:
        - {mid: road, type: polygon, categories: [{name: ROAD}], boundingPoly: [{normalizedVertices: [
            {x: 0, y: 0.5}, {x: 1, y: 0.5}, {x: 1, y: 1}, {x: 0, y: 1}]}]}
        - {mid: house, type: polygon, categories: [{name: BUILDING}], boundingPoly: [{normalizedVertices: [
            {x: 0.4, y: 0.1}, {x: 0.6, y: 0.1}, {x: 0.5, y: 0.5}]}]}
        - {mid: person, type: rectangle, categories: [{name: PERSON}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.2, y: 0.1}, {x: 0.2, y: 0.4}, {x: 0.1, y: 0.4}]}]}
        - {mid: head, type: rectangle, categories: [{name: HEAD}], boundingPoly: [{normalizedVertices: [
            {x: 0.15, y: 0.1}, {x: 0.18, y: 0.1}, {x: 0.18, y: 0.15}, {x: 0.15, y: 0.15}]}]}
```

Example (video: duplicates are compared frame by frame; one finding per pair, on its first frame):

```yaml
rule: {id: no-duplicates, type: overlap, job: JOB_0, max_iou: 0.5}
fails:
  - "0": {JOB_0: {annotations: [
        {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]}]}}
    "1": {JOB_0: {annotations: [
        {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]},
        {mid: b, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]}]}}
    "2": {JOB_0: {annotations: [
        {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]},
        {mid: b, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]}]}}
pinned:
  - [b]
passes:  # the same two boxes on different frames do not overlap
  - "0": {JOB_0: {annotations: [
        {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]}]}}
    "1": {JOB_0: {annotations: [
        {mid: b, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: 0, y: 0}, {x: 0.5, y: 0.5}]}]}]}}
```
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kili_rules.rule_types._findings import SHAPE_JOB, SHAPE_TASKS, Grouped, as_names, path, region
from kili_rules.runtime import geometry as geo
from kili_rules.runtime import polygons
from kili_rules.runtime.contract import InterfaceView, JobView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, Violation

#: How much a containment may miss and still count (rounding of normalized coordinates).
FRACTION_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Containment:
    """One containment: each annotation of ``category`` lies within one of ``within``."""

    category: str | list[str] = option(
        doc="the annotations that must lie inside (one category or a list)", category=True
    )
    within: str | list[str] = option(doc="the annotations they must lie inside (one category or a list)", category=True)
    min_fraction: float = option(1.0, doc="the share of its area that must lie inside (1: all of it)", ge=0, le=1)


@dataclass(frozen=True)
class OverlapParams:
    """The options of an ``overlap`` rule."""

    job: str = option(doc="the object job whose annotations are compared", job=True)
    max_iou: float | None = option(
        None, doc="two annotations of a category with an IoU above this are duplicates", ge=0, le=1
    )
    category: str | list[str] | None = option(
        None, doc="`max_iou` compares only these categories", category=True, default_text="all"
    )
    across_categories: bool = option(
        False, doc="`max_iou` compares annotations of different categories too (any of `category`)"
    )
    forbid: list[list[str]] | None = option(
        None, doc="pairs of categories that must not overlap, e.g. `[[CAR, PEDESTRIAN]]`", category=True
    )
    min_overlap: float = option(
        0.0, doc="`forbid` tolerates an overlap up to this share of the smaller annotation's area", ge=0, le=1
    )
    inside: Containment | list[Containment] | None = option(
        None, doc="containments, e.g. `{category: HEAD, within: PERSON}` (or a list of them)"
    )


def _containments(params: OverlapParams) -> list[Containment]:
    if params.inside is None:
        return []
    return [params.inside] if isinstance(params.inside, Containment) else list(params.inside)


def validate(params: OverlapParams) -> list[OptionProblem]:
    """Load-time checks: something to check, pairs of two categories."""
    problems = []
    if params.max_iou is None and not params.forbid and not _containments(params):
        problems.append(OptionProblem("job", "an overlap rule needs `max_iou`, `forbid` or `inside`"))
    for index, pair in enumerate(params.forbid or ()):
        if len(pair) != 2:
            problems.append(
                OptionProblem(f"forbid.{index}", f"a forbidden overlap is a pair of categories, not {pair}")
            )
    if params.max_iou == 0:
        problems.append(
            OptionProblem("max_iou", "`max_iou: 0` flags any overlap: `forbid: [[A, A]]` says so", "warning")
        )
    return problems


class Shape:
    """What the comparisons read of one annotation, computed once: its box, its region, its area."""

    __slots__ = ("aligned", "annotation", "area", "box", "categories", "index", "rings")

    def __init__(self, annotation: Annotation, index: int) -> None:
        self.annotation = annotation
        self.index = index
        self.categories = annotation.categories
        #: the box when the shape is an axis-aligned rectangle (the fast path of every comparison)
        self.aligned: geo.Box | None = None
        rings = annotation.ring_coords
        if len(rings) == 1 and len(rings[0]) == 4:
            self.aligned = geo.axis_aligned_box(rings[0])
        if self.aligned is not None:
            self.rings = rings
            self.box: geo.Box | None = self.aligned
            self.area = geo.box_area(self.aligned)
            return
        self.rings = rings = region(annotation)
        if rings:
            self.box = geo.region_box(rings)
            self.area = geo.area(rings)
        else:
            self.box = annotation.bbox
            self.area = 0.0

    def intersection(self, other: Shape) -> float:
        """The area this shape shares with ``other``."""
        if self.aligned is not None and other.aligned is not None:
            return geo.box_intersection(self.aligned, other.aligned)
        if not self.rings or not other.rings:
            return 0.0
        return polygons.intersection_area(self.rings, other.rings)


class Grid:
    """A uniform grid over boxes: each box is listed in every cell it covers. Cells are about the size of a
    typical box (the median), and never more numerous than the boxes, so a box meets few others in its cells."""

    def __init__(self, boxes: list[geo.Box]) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}
        #: whether each box lies in one cell only
        self.alone: list[bool] = []
        if not boxes:
            self.x0 = self.y0 = 0.0
            self.size = 1.0
            return
        self.x0 = x0 = min(b[0] for b in boxes)
        self.y0 = y0 = min(b[1] for b in boxes)
        width = max(b[2] for b in boxes) - x0
        height = max(b[3] for b in boxes) - y0
        sides = sorted(max(b[2] - b[0], b[3] - b[1]) for b in boxes)
        typical = sides[len(sides) // 2]
        self.size = size = max(typical, math.sqrt(width * height / len(boxes)), max(width, height) / 4096, 1e-12)
        cells, alone = self.cells, self.alone
        for index, (bx0, by0, bx1, by1) in enumerate(boxes):
            cx0, cy0, cx1, cy1 = (
                int((bx0 - x0) / size),
                int((by0 - y0) / size),
                int((bx1 - x0) / size),
                int((by1 - y0) / size),
            )
            alone.append(cx0 == cx1 and cy0 == cy1)
            for cx in range(cx0, cx1 + 1):
                for cy in range(cy0, cy1 + 1):
                    cell = cells.get((cx, cy))
                    if cell is None:
                        cells[cx, cy] = [index]
                    else:
                        cell.append(index)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return int((x - self.x0) / self.size), int((y - self.y0) / self.size)

    def _cells(self, box: geo.Box) -> Iterator[tuple[int, int]]:
        cx0, cy0 = self._cell(box[0], box[1])
        cx1, cy1 = self._cell(box[2], box[3])
        for cx in range(cx0, cx1 + 1):
            for cy in range(cy0, cy1 + 1):
                yield cx, cy

    def pairs(self, boxes: list[geo.Box]) -> Iterator[tuple[int, int]]:
        """Every pair ``(i, j)``, ``i < j``, of the boxes the grid was built on that touch, once each: two boxes
        that each lie in one cell meet in that cell only; otherwise the pair is reported in the cell that holds the
        corner where their boxes start to overlap."""
        cell_of, alone = self._cell, self.alone
        for cell, members in self.cells.items():
            count = len(members)
            if count < 2:
                continue
            for a in range(count - 1):
                i = members[a]
                ax0, ay0, ax1, ay1 = boxes[i]
                single = alone[i]
                for b in range(a + 1, count):
                    j = members[b]
                    bx0, by0, bx1, by1 = boxes[j]
                    if ax0 > bx1 or bx0 > ax1 or ay0 > by1 or by0 > ay1:
                        continue
                    if not (single and alone[j]) and (
                        cell_of(ax0 if ax0 > bx0 else bx0, ay0 if ay0 > by0 else by0) != cell
                    ):
                        continue
                    yield (i, j) if i < j else (j, i)

    def near(self, box: geo.Box) -> list[int]:
        """The boxes listed in the cells ``box`` covers (a superset of those that touch it), in order."""
        found: set[int] = set()
        for cell in self._cells(box):
            found.update(self.cells.get(cell, ()))
        return sorted(found)


def _name(shape: Shape, interface: ProjectInterface) -> str:
    """``Object A rectangle m-1``: the annotation's category (as the interface shows it), tool and mid."""
    annotation = shape.annotation
    category = interface.category_shown(annotation.categories[0], annotation.job) if annotation.categories else ""
    return f"{category} {annotation.tool or 'annotation'} {annotation.mid or '(no mid)'}".strip()


def _frame_pairs(params: OverlapParams, shapes: list[Shape], found: Grouped, interface: ProjectInterface) -> None:
    """The ``max_iou`` and ``forbid`` findings of one frame."""
    wanted = set(as_names(params.category))
    forbidden = {(a, b) for a, b in (p for p in params.forbid or () if len(p) == 2)}
    forbidden |= {(b, a) for a, b in forbidden}
    if not forbidden and params.max_iou is None:
        return
    sized = [s for s in shapes if s.box is not None and s.rings]
    boxes = [s.box for s in sized if s.box is not None]
    #: the categories each shape is compared on by `max_iou`
    compared = [frozenset(c for c in s.categories if not wanted or c in wanted) for s in sized]
    max_iou = params.max_iou
    for i, j in sorted(Grid(boxes).pairs(boxes)):
        first, later = sized[i], sized[j]
        inter: float | None = None
        if max_iou is not None:
            mine, theirs = compared[i], compared[j]
            if mine and theirs and (params.across_categories or not mine.isdisjoint(theirs)):
                inter = later.intersection(first)
                union = first.area + later.area - inter
                iou = inter / union if union > 0 else 0.0
                if iou > max_iou:
                    reason = (
                        f"{_name(later, interface)} duplicates {first.annotation.mid} "
                        f"(IoU {iou:.3g} above max_iou {max_iou:g})"
                    )
                    category = next((c for c in later.categories if c in theirs), "")
                    values = {"reason": reason, "category": category, "other": first.annotation.mid}
                    _add(found, later, ("iou", first.annotation.mid), {**values, "iou": f"{iou:.3g}"})
        if not forbidden:
            continue
        pair = next(((a, b) for a in later.categories for b in first.categories if (a, b) in forbidden), None)
        if pair is not None:
            inter = later.intersection(first) if inter is None else inter
            smaller = min(first.area, later.area)
            if inter > 0 and inter > params.min_overlap * smaller:
                share = inter / smaller if smaller > 0 else 1.0
                reason = f"{_name(later, interface)} overlaps {_name(first, interface)} ({share:.0%} of the smaller)"
                values = {"reason": reason, "category": pair[0], "other": first.annotation.mid, "iou": ""}
                _add(found, later, ("forbid", first.annotation.mid), values)


def _frame_inside(
    containment: Containment, shapes: list[Shape], found: Grouped, interface: ProjectInterface, job: str
) -> None:
    """The ``inside`` findings of one frame: each inner annotation outside every container."""
    inner_names, outer_names = as_names(containment.category), as_names(containment.within)
    inner = [s for s in shapes if any(c in inner_names for c in s.categories) and s.box is not None]
    outer = [s for s in shapes if any(c in outer_names for c in s.categories) and s.rings and s.box is not None]
    boxes = [s.box for s in outer if s.box is not None]
    grid = Grid(boxes)
    for shape in inner:
        assert shape.box is not None
        best, best_share = None, 0.0
        for index in grid.near(shape.box):
            container = outer[index]
            if container is shape or container.box is None or not geo.boxes_touch(container.box, shape.box):
                continue
            if shape.rings and shape.area > 0:
                share = container.intersection(shape) / shape.area
            else:
                points = geo.cleaned(path(shape.annotation)) or [p for ring in shape.rings for p in ring]
                share = 1.0 if polygons.path_inside(points, False, container.rings) else 0.0
            if best is None or share > best_share:
                best, best_share = container, share
        if best is not None and best_share >= containment.min_fraction - FRACTION_TOLERANCE:
            continue
        where = f" ({best_share:.0%} inside {_name(best, interface)})" if best is not None else ""
        containers = " or ".join(interface.category_shown(c, job) for c in outer_names)
        reason = f"{_name(shape, interface)} is not inside any {containers}{where}"
        category = next((c for c in shape.categories if c in inner_names), "")
        values = {"reason": reason, "category": category, "other": best.annotation.mid if best else "", "iou": ""}
        _add(found, shape, ("inside", tuple(outer_names)), values)


def _add(found: Grouped, shape: Shape, kind: Any, values: dict[str, Any]) -> None:
    annotation = shape.annotation
    found.add(annotation.mid, annotation.frame, kind, values, unique=shape.index)


def _about(params: OverlapParams) -> set[str] | None:
    """The categories the rule is about (None: all)."""
    names: set[str] = set()
    if params.max_iou is not None:
        if not params.category:
            return None
        names.update(as_names(params.category))
    for pair in params.forbid or ():
        names.update(pair)
    for containment in _containments(params):
        names.update(as_names(containment.category))
    return names


def check(params: OverlapParams, label: LabelView) -> list[Violation] | object:
    """Compare the annotations of each frame two by two (neighbours only, through a grid)."""
    about = _about(params)
    by_frame: dict[str | None, list[Shape]] = {}
    index = 0
    relevant = False
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of small objects, none cyclic: the collector would rescan them all, often
    try:
        for response in label.responses(params.job):
            for annotation in response.annotations:
                shape = Shape(annotation, index)
                index += 1
                by_frame.setdefault(annotation.frame, []).append(shape)
                relevant = relevant or about is None or any(c in about for c in shape.categories)
        if not relevant:
            return NOT_APPLICABLE
        found = Grouped(params.job)
        for shapes in by_frame.values():
            _frame_pairs(params, shapes, found, label.interface)
            for containment in _containments(params):
                _frame_inside(containment, shapes, found, label.interface, params.job)
        return found.violations()
    finally:
        if collecting:
            gc.enable()


def _check_categories(interface: InterfaceView, job: JobView, key: str, value: str | list[str]) -> list[OptionProblem]:
    if isinstance(value, str):
        return interface.check_category(job, key, value)
    problems: list[OptionProblem] = []
    for index, name in enumerate(value):
        problems += interface.check_category(job, f"{key}.{index}", name)
    return problems


def lint(params: OverlapParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: an object job, and every category named is one of its categories."""
    job, problems = interface.check_job(
        "job",
        params.job,
        SHAPE_TASKS,
        SHAPE_JOB,
        {"CLASSIFICATION": "a classification has no shapes to overlap; use a `categories` rule"},
    )
    if job is None:
        return problems
    if params.category is not None:
        problems += _check_categories(interface, job, "category", params.category)
    for index, pair in enumerate(params.forbid or ()):
        problems += _check_categories(interface, job, f"forbid.{index}", pair)
    containments = _containments(params)
    for index, containment in enumerate(containments):
        prefix = "inside" if isinstance(params.inside, Containment) else f"inside.{index}"
        problems += _check_categories(interface, job, f"{prefix}.category", containment.category)
        problems += _check_categories(interface, job, f"{prefix}.within", containment.within)
    if job.tools and set(job.tools) <= {"marker", "polyline", "vector", "pose"} and (params.max_iou or params.forbid):
        problems.append(
            OptionProblem("job", f"{job.describe}: its shapes have no area, so they never overlap", "warning")
        )
    return problems


RULE_TYPE = RuleType(
    name="overlap",
    params=OverlapParams,
    check=check,
    placeholders=("reason", "category", "other", "iou", "frames"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
    reads_shapes=True,
)
