"""overlap: duplicate annotations (IoU), categories that must not overlap, and annotations that must lie inside others.

Compares the annotations of one object job two by two, within each video frame: `max_iou` finds duplicates (two
annotations of the same category, or of any of the categories listed with `across_categories: true`, whose
intersection over union is above it), `forbid` lists pairs of categories that must not overlap (`[[CAR,
PEDESTRIAN]]`; `[[CAR, CAR]]` forbids cars overlapping each other), and `inside` wants each annotation of a
category within one of another (`{category: HEAD, within: PERSON}`: a head outside every person is a finding;
`min_fraction` is the share of its area that must lie within, 1 by default; a marker or a pose point must lie in
it). Areas are those of the shapes, not of their boxes: rectangles, polygons, semantic masks with holes.

Dense labels stay fast, degenerate ones too: identical annotations (a stack of copies of one box) are compared once,
and the others are bucketed in a hierarchy of grids sized on their extent and their boxes (`_grid.py`), so only
neighbours are compared: 10,000 boxes, or 10,000 copies of one box, in a fraction of a second
(`bench/bench_overlap.py`), and a box of zero size (a click without a drag) lies in one cell. A label of thousands of
different annotations all on top of one another (over 2,000,000 pairs to compare) cannot be checked in bounded time:
the rule ends in error and fails closed.

Options:

Each annotation that duplicates (or overlaps) others that come before it in label order gives one finding, pinned
on it (the duplicate, the one drawn over the others), whatever the number of those others: `{count}` says how many,
`{other}` names the first of them, `{others}` the first five (comma-separated mids); `{reason}` names them too
(`b duplicates a, c and 3 more`). For `inside`, the finding is on the annotation that lies outside. In a video, an
annotation flagged on several frames is one finding, on the first of them, its `{frames}` listing them all. The rule
is not applicable when the label has no annotation of the categories it is about.

Placeholders: `{reason}` (e.g. `CAR rectangle b duplicates a (IoU 0.92 above max_iou 0.8)`, or `CAR rectangle e
duplicates a, b, c, d and 1 more (IoU 1 with a, above max_iou 0.8)`), `{category}`, `{other}` (the mid of the first
other annotation), `{iou}` (the IoU with it), `{count}` (how many others: 0 for `inside`), `{others}` (the mids of
the first five), `{frames}`.

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

Example (a stack of three copies of one box: one finding on each later copy, naming those before it):

```yaml
rule: {id: no-stacks, type: overlap, job: JOB_0, max_iou: 0.8, message: "{other}: {count} in all ({others})"}
fails:
  - JOB_0:
      annotations:
        - {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: .1, y: .1}, {x: .3, y: .3}]}]}
        - {mid: b, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: .1, y: .1}, {x: .3, y: .3}]}]}
        - {mid: c, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: .1, y: .1}, {x: .3, y: .3}]}]}
pinned:  # b duplicates a ("a: 1 in all (a)"); c duplicates a and b ("a: 2 in all (a, b)")
  - [b, c]
passes:  # a copy of another category is no duplicate
  - JOB_0:
      annotations:
        - {mid: a, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [{x: .1, y: .1}, {x: .3, y: .3}]}]}
        - {mid: b, categories: [{name: BUS}], boundingPoly: [{normalizedVertices: [{x: .1, y: .1}, {x: .3, y: .3}]}]}
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

Example (video: duplicates are compared frame by frame; one finding per duplicate, on its first frame):

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

import bisect
import itertools
from dataclasses import dataclass
from typing import Any

from kili_rules.rule_types._findings import SHAPE_JOB, SHAPE_TASKS, Grouped, as_names, path, region
from kili_rules.rule_types._grid import BoxIndex
from kili_rules.runtime import geometry as geo
from kili_rules.runtime import polygons
from kili_rules.runtime.contract import InterfaceView, JobView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import Measure
from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from kili_rules.runtime.rule_time import check_time

#: How much a containment may miss and still count (rounding of normalized coordinates).
FRACTION_TOLERANCE = 1e-9
#: How many of the annotations an annotation duplicates (or overlaps) its finding names in ``{others}``.
NAMED = 5


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


def _name(shape: Shape, interface: ProjectInterface) -> str:
    """``Object A rectangle m-1``: the annotation's category (as the interface shows it), tool and mid."""
    annotation = shape.annotation
    category = interface.category_shown(annotation.categories[0], annotation.job) if annotation.categories else ""
    return f"{category} {annotation.tool or 'annotation'} {annotation.mid or '(no mid)'}".strip()


def _identical(shapes: list[Shape], by_categories: bool) -> list[list[Shape]]:
    """The shapes in groups of identical geometry (and categories, when ``by_categories``), in order of their first
    member: a stack of copies of one box is compared once, so it costs the size of the stack, not its square."""
    groups: dict[Any, list[Shape]] = {}
    for shape in shapes:
        geometry = shape.aligned if shape.aligned is not None else tuple(map(tuple, shape.rings))
        key = (geometry, tuple(shape.categories)) if by_categories else geometry
        group = groups.get(key)
        if group is None:
            groups[key] = [shape]
        else:
            group.append(shape)
    return list(groups.values())


class _Partners:
    """The annotations each annotation duplicates (or overlaps) among those before it in label order: how many,
    and the first :data:`NAMED` of them with the measure of each (IoU, or share of the smaller), in label order."""

    def __init__(self) -> None:
        self.count: dict[int, int] = {}
        self.first: dict[int, list[tuple[int, Shape, float]]] = {}

    def add(self, group: list[Shape], others: list[Shape], measure: float) -> None:
        """Each member of ``group`` meets each member of ``others`` (one group, or ``group`` itself) that comes
        before it, with ``measure``."""
        positions = [o.index for o in others]
        for shape in group:
            before = bisect.bisect_left(positions, shape.index)
            if not before:
                continue
            self.count[shape.index] = self.count.get(shape.index, 0) + before
            named = self.first.setdefault(shape.index, [])
            named += [(o.index, o, measure) for o in others[: min(before, NAMED)]]
            named.sort(key=lambda item: item[0])
            del named[NAMED:]


def _frame_pairs(params: OverlapParams, shapes: list[Shape], found: Grouped, interface: ProjectInterface) -> None:
    """The ``max_iou`` and ``forbid`` findings of one frame: one per annotation that duplicates (or overlaps)
    earlier ones, naming how many and the first few."""
    wanted = set(as_names(params.category))
    forbidden = {(a, b) for a, b in (p for p in params.forbid or () if len(p) == 2)}
    forbidden |= {(b, a) for a, b in forbidden}
    if not forbidden and params.max_iou is None:
        return
    groups = _identical([s for s in shapes if s.box is not None and s.rings], by_categories=True)
    firsts = [group[0] for group in groups]
    #: the categories each group is compared on by `max_iou`
    compared = [frozenset(c for c in s.categories if not wanted or c in wanted) for s in firsts]
    duplicates, overlaps = _Partners(), _Partners()
    index = BoxIndex([s.box for s in firsts if s.box is not None])
    stacks = ((g, g) for g, group in enumerate(groups) if len(group) > 1)  # the copies within each group
    pairs = itertools.chain(stacks, index.pairs())
    for count, (i, j) in enumerate(pairs):
        if not count & 1023:
            check_time()
        first, later = firsts[i], firsts[j]
        inter: float | None = None
        if params.max_iou is not None:
            mine, theirs = compared[i], compared[j]
            if mine and theirs and (params.across_categories or not mine.isdisjoint(theirs)):
                inter = first.area if i == j else later.intersection(first)
                union = first.area + later.area - inter
                iou = inter / union if union > 0 else 0.0
                if iou > params.max_iou:
                    duplicates.add(groups[j], groups[i], iou)
                    if i != j:
                        duplicates.add(groups[i], groups[j], iou)
        if forbidden and any((a, b) in forbidden for a in later.categories for b in first.categories):
            if inter is None:
                inter = first.area if i == j else later.intersection(first)
            smaller = min(first.area, later.area)
            if inter > 0 and inter > params.min_overlap * smaller:
                share = inter / smaller if smaller > 0 else 1.0
                overlaps.add(groups[j], groups[i], share)
                if i != j:
                    overlaps.add(groups[i], groups[j], share)
    for shape in shapes:
        if shape.index in duplicates.count:
            _duplicate(params, shape, duplicates, found, interface, compared_names=wanted)
        if shape.index in overlaps.count:
            _overlap(shape, overlaps, forbidden, found, interface)


def _listed(partners: _Partners, shape: Shape) -> tuple[int, str, tuple[int, Shape, float]]:
    """How many others, ``a, b, c and 4 more``, and the first of them."""
    count, named = partners.count[shape.index], partners.first[shape.index]
    mids = ", ".join(str(other.annotation.mid) for _, other, _ in named)
    return count, mids + (f" and {count - len(named):,} more" if count > len(named) else ""), named[0]


def _duplicate(
    params: OverlapParams,
    shape: Shape,
    partners: _Partners,
    found: Grouped,
    interface: ProjectInterface,
    compared_names: set[str],
) -> None:
    count, others, (_, first, iou) = _listed(partners, shape)
    with_first = f" with {first.annotation.mid}," if count > 1 else ""
    reason = (
        f"{_name(shape, interface)} duplicates {others} (IoU {iou:.3g}{with_first} above max_iou {params.max_iou:g})"
    )
    category = next((c for c in shape.categories if not compared_names or c in compared_names), "")
    values = {"reason": reason, "category": category, "other": first.annotation.mid, "iou": Measure(iou, f"{iou:.3g}")}
    _add(found, shape, "iou", {**values, "count": count, "others": ", ".join(_mids(partners, shape))})


def _overlap(
    shape: Shape, partners: _Partners, forbidden: set[tuple[str, str]], found: Grouped, interface: ProjectInterface
) -> None:
    count, _, (_, first, share) = _listed(partners, shape)
    shown = _name(first, interface) + (f" and {count - 1:,} more" if count > 1 else "")
    reason = f"{_name(shape, interface)} overlaps {shown} ({share:.0%} of the smaller)"
    category = next((a for a in shape.categories for b in first.categories if (a, b) in forbidden), "")
    values = {"reason": reason, "category": category, "other": first.annotation.mid, "iou": ""}
    _add(found, shape, "forbid", {**values, "count": count, "others": ", ".join(_mids(partners, shape))})


def _mids(partners: _Partners, shape: Shape) -> list[str]:
    return [str(other.annotation.mid) for _, other, _ in partners.first[shape.index]]


def _frame_inside(
    containment: Containment, shapes: list[Shape], found: Grouped, interface: ProjectInterface, job: str
) -> None:
    """The ``inside`` findings of one frame: each inner annotation outside every container (identical containers
    are looked at once, and an annotation stops at the first container that holds it)."""
    inner_names, outer_names = as_names(containment.category), as_names(containment.within)
    inner = [s for s in shapes if any(c in inner_names for c in s.categories) and s.box is not None]
    outer = [s for s in shapes if any(c in outer_names for c in s.categories) and s.rings and s.box is not None]
    containers = _identical(outer, by_categories=False)
    index = BoxIndex([group[0].box for group in containers if group[0].box is not None])
    for count, shape in enumerate(inner):
        if not count & 255:
            check_time()
        assert shape.box is not None
        best, best_share = _best_container(shape, containers, index, containment.min_fraction - FRACTION_TOLERANCE)
        if best is not None and best_share >= containment.min_fraction - FRACTION_TOLERANCE:
            continue
        where = f" ({best_share:.0%} inside {_name(best, interface)})" if best is not None else ""
        names = " or ".join(interface.category_shown(c, job) for c in outer_names)
        reason = f"{_name(shape, interface)} is not inside any {names}{where}"
        category = next((c for c in shape.categories if c in inner_names), "")
        values = {"reason": reason, "category": category, "other": best.annotation.mid if best else "", "iou": ""}
        _add(found, shape, ("inside", tuple(outer_names)), {**values, "count": 0, "others": ""})


def _best_container(
    shape: Shape, containers: list[list[Shape]], index: BoxIndex, enough: float
) -> tuple[Shape | None, float]:
    """The container holding most of ``shape`` (the first found holding ``enough`` of it), and that share."""
    assert shape.box is not None
    best, best_share = None, 0.0
    for number in index.near(shape.box):
        group = containers[number]
        container = group[0] if group[0] is not shape else (group[1] if len(group) > 1 else None)
        if container is None or container.box is None or not geo.boxes_touch(container.box, shape.box):
            continue
        if shape.rings and shape.area > 0:
            share = container.intersection(shape) / shape.area
        else:
            points = geo.cleaned(path(shape.annotation)) or [p for ring in shape.rings for p in ring]
            share = 1.0 if polygons.path_inside(points, False, container.rings) else 0.0
        if best is None or share > best_share:
            best, best_share = container, share
            if share >= enough:
                break
    return best, best_share


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
    for response in label.responses(params.job):
        for annotation in response.annotations:
            if not index & 1023:
                check_time()
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
    placeholders=("reason", "category", "other", "iou", "count", "others", "frames"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
    reads_shapes=True,
    placeholder_types={"reason": str, "category": str, "other": str, "iou": float, "count": int, "others": str},
)
