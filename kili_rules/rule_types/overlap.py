"""overlap: duplicate annotations (IoU), categories that must not overlap, annotations that must lie inside others or
match a partner (IoU), in one job or across two.

Compares the annotations of one object job two by two, within each video frame: `max_iou` finds duplicates (two
annotations of the same category, or of any of the categories listed with `across_categories: true`, whose
intersection over union is above it), `forbid` lists pairs of categories that must not overlap (`[[CAR,
PEDESTRIAN]]`; `[[CAR, CAR]]` forbids cars overlapping each other), and `inside` wants each annotation of a
category within one of another (`{category: HEAD, within: PERSON}`: a head outside every person is a finding;
`min_fraction` is the share of its area that must lie within, 1 by default; a marker or a pose point must lie in
it). Areas are those of the shapes, not of their boxes: rectangles, polygons, semantic masks with holes.

Across jobs, `within` names the annotations of another job: `{job: POSE_JOB, inside: {category: PERSON, within:
{job: OBJECT_DETECTION_JOB, category: PERSON}}}` wants each pose of the pose job (all its points) inside a person
box of the object detection job (`category` left out: any category of that job). `covered_by` wants each
annotation of the rule's job (or of its `category`) to have a partner, an annotation of `by` whose IoU with it is
`min_iou` or more (0.5 by default; `min_iou: 0`: any overlap): "each box has its mask" is `{job: BOXES,
covered_by: {by: {job: MASKS}, min_iou: 0.5}}`, and per category a list of them (`[{category: CAR, by: {job:
MASKS, category: CAR}}, ...]`). `by` is shaped like `within`: categories of the same job, or `{job, category}`;
within one job both sides name their categories (else the annotations checked would be their own partners; an
annotation is never its own). Two annotations of the same shape (two copies of one marker too) have an IoU of 1.
Either takes an optional `job` of its own (the annotations it checks; default: the rule's `job`). Partners are
looked for in the same video frame. Lint checks that each job named is an object job, that `within` and both
sides of `covered_by` draw areas (rectangles, polygons, semantic masks), and that each category is one of its job's.

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
(`b duplicates a, c and 3 more`). For `inside`, the finding is on the annotation that lies outside (`{other}`: the
container holding most of it, if any); for `covered_by`, on the annotation without a partner (`{other}` and `{iou}`:
the partner with the best IoU below `min_iou`, if any overlaps it, else empty and 0). In a video, an
annotation flagged on several frames is one finding, on the first of them, its `{frames}` listing them all. The rule
is not applicable when the label has no annotation of the categories (and jobs) it is about.

Placeholders: `{reason}` (e.g. `CAR rectangle b duplicates a (IoU 0.92 above max_iou 0.8)`, or `CAR rectangle e
duplicates a, b, c, d and 1 more (IoU 1 with a, above max_iou 0.8)`), `{category}`, `{other}` (the mid of the first
other annotation), `{iou}` (the IoU with it; empty for `forbid` and `inside`), `{count}` (how many others: 0 for
`inside` and `covered_by`), `{others}` (the mids of the first five), `{frames}`; for `covered_by`, `{reason}` reads
`CAR rectangle b has no annotation of MASKS with an IoU of 0.5 or more (best: CAR semantic m, IoU 0.25)`.

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

Example (across jobs: each pose inside a person box of the object detection job):

```yaml
rule:
  id: pose-in-person
  type: overlap
  job: POSE_JOB
  inside: {category: PERSON, within: {job: OD_JOB, category: PERSON}}
fails:
  - OD_JOB:
      annotations:
        - {mid: box, type: rectangle, categories: [{name: PERSON}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.4, y: 0.1}, {x: 0.4, y: 0.9}, {x: 0.1, y: 0.9}]}]}
    POSE_JOB:
      annotations:
        - {mid: in, type: pose, categories: [{name: PERSON}], points: [
            {code: NOSE, type: marker, point: {x: 0.25, y: 0.2}}, {code: EYE, type: marker, point: {x: 0.22, y: 0.18}}]}
        - {mid: out, type: pose, categories: [{name: PERSON}], points: [
            {code: NOSE, type: marker, point: {x: 0.6, y: 0.2}}, {code: EYE, type: marker, point: {x: 0.35, y: 0.18}}]}
pinned:  # the pose whose nose is outside the person box
  - [out]
passes:
  - OD_JOB:
      annotations:
        - {mid: box, type: rectangle, categories: [{name: PERSON}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.4, y: 0.1}, {x: 0.4, y: 0.9}, {x: 0.1, y: 0.9}]}]}
    POSE_JOB:
      annotations:
        - {mid: in, type: pose, categories: [{name: PERSON}], points: [
            {code: NOSE, type: marker, point: {x: 0.25, y: 0.2}}, {code: EYE, type: marker, point: {x: 0.22, y: 0.18}}]}
not_applicable:  # no pose to check
  - OD_JOB:
      annotations:
        - {mid: box, type: rectangle, categories: [{name: PERSON}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.4, y: 0.1}, {x: 0.4, y: 0.9}, {x: 0.1, y: 0.9}]}]}
```

Example (each box has its mask: a partner in the mask job with an IoU of 0.5 or more):

```yaml
rule: {id: box-has-mask, type: overlap, job: BOXES, covered_by: {by: {job: MASKS}, min_iou: 0.5}}
fails:
  - BOXES:
      annotations:
        - {mid: car, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]}
        - {mid: bus, type: rectangle, categories: [{name: BUS}], boundingPoly: [{normalizedVertices: [
            {x: 0.5, y: 0.5}, {x: 0.9, y: 0.5}, {x: 0.9, y: 0.9}, {x: 0.5, y: 0.9}]}]}
        - {mid: van, type: rectangle, categories: [{name: VAN}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.6}, {x: 0.3, y: 0.6}, {x: 0.3, y: 0.8}, {x: 0.1, y: 0.8}]}]}
    MASKS:
      annotations:  # the car's mask is a triangle of half its box (IoU 0.5); the bus's covers a quarter of it
        - {mid: car-mask, type: semantic, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.2, y: 0.3}]}]}
        - {mid: bus-mask, type: semantic, categories: [{name: BUS}], boundingPoly: [{normalizedVertices: [
            {x: 0.5, y: 0.5}, {x: 0.7, y: 0.5}, {x: 0.7, y: 0.7}, {x: 0.5, y: 0.7}]}]}
pinned:  # the bus (best IoU 0.25, with bus-mask) and the van (no mask at all)
  - [bus, van]
passes:
  - BOXES:
      annotations:
        - {mid: car, type: rectangle, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.3, y: 0.3}, {x: 0.1, y: 0.3}]}]}
    MASKS:
      annotations:
        - {mid: car-mask, type: semantic, categories: [{name: CAR}], boundingPoly: [{normalizedVertices: [
            {x: 0.1, y: 0.1}, {x: 0.3, y: 0.1}, {x: 0.2, y: 0.3}]}]}
```
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Any

from kili_rules.rule_types._findings import SHAPE_JOB, SHAPE_TASKS, Grouped, as_names
from kili_rules.rule_types._grid import BoxIndex
from kili_rules.rule_types._overlap_partners import (
    Containment,
    Coverage,
    lint_checks,
    partner_checks,
    validate_checks,
)
from kili_rules.rule_types._overlap_shapes import Shape, identical, shapes_by_frame, shown
from kili_rules.runtime.contract import InterfaceView, JobView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import Measure
from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from kili_rules.runtime.rule_time import check_time

#: How many of the annotations an annotation duplicates (or overlaps) its finding names in ``{others}``.
NAMED = 5


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
    covered_by: Coverage | list[Coverage] | None = option(
        None, doc="partners by IoU, e.g. `{by: {job: MASKS}, min_iou: 0.5}` (or a list of them)"
    )


def validate(params: OverlapParams) -> list[OptionProblem]:
    """Load-time checks: something to check, pairs of two categories, the annotations a containment or a coverage
    is about named when they would partner themselves."""
    problems = []
    checks = partner_checks(params.job, params.inside, params.covered_by)
    if params.max_iou is None and not params.forbid and not checks:
        problems.append(OptionProblem("job", "an overlap rule needs `max_iou`, `forbid`, `inside` or `covered_by`"))
    for index, pair in enumerate(params.forbid or ()):
        if len(pair) != 2:
            problems.append(
                OptionProblem(f"forbid.{index}", f"a forbidden overlap is a pair of categories, not {pair}")
            )
    if params.max_iou == 0:
        problems.append(
            OptionProblem("max_iou", "`max_iou: 0` flags any overlap: `forbid: [[A, A]]` says so", "warning")
        )
    problems += validate_checks(checks)
    return problems


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
    groups = identical([s for s in shapes if s.box is not None and s.rings], by_categories=True)
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
        f"{shown(shape, interface)} duplicates {others} (IoU {iou:.3g}{with_first} above max_iou {params.max_iou:g})"
    )
    category = next((c for c in shape.categories if not compared_names or c in compared_names), "")
    values = {"reason": reason, "category": category, "other": first.annotation.mid, "iou": Measure(iou, f"{iou:.3g}")}
    _add(found, shape, "iou", {**values, "count": count, "others": ", ".join(_mids(partners, shape))})


def _overlap(
    shape: Shape, partners: _Partners, forbidden: set[tuple[str, str]], found: Grouped, interface: ProjectInterface
) -> None:
    count, _, (_, first, share) = _listed(partners, shape)
    named = shown(first, interface) + (f" and {count - 1:,} more" if count > 1 else "")
    reason = f"{shown(shape, interface)} overlaps {named} ({share:.0%} of the smaller)"
    category = next((a for a in shape.categories for b in first.categories if (a, b) in forbidden), "")
    values = {"reason": reason, "category": category, "other": first.annotation.mid, "iou": ""}
    _add(found, shape, "forbid", {**values, "count": count, "others": ", ".join(_mids(partners, shape))})


def _mids(partners: _Partners, shape: Shape) -> list[str]:
    return [str(other.annotation.mid) for _, other, _ in partners.first[shape.index]]


def _add(found: Grouped, shape: Shape, kind: Any, values: dict[str, Any]) -> None:
    annotation = shape.annotation
    found.add(annotation.mid, annotation.frame, kind, values, unique=shape.index)


def _pairs_about(params: OverlapParams) -> set[str] | None:
    """The categories `max_iou` and `forbid` are about (None: all)."""
    names: set[str] = set()
    if params.max_iou is not None:
        if not params.category:
            return None
        names.update(as_names(params.category))
    for pair in params.forbid or ():
        names.update(pair)
    return names


class _Jobs:
    """The shapes of each job the rule reads, by frame, each read once; the findings, by job."""

    def __init__(self, label: LabelView) -> None:
        self.label = label
        self.shapes: dict[str, dict[str | None, list[Shape]]] = {}
        self.found: dict[str, Grouped] = {}

    def by_frame(self, job: str) -> dict[str | None, list[Shape]]:
        """The shapes of ``job`` by frame (read at the first call)."""
        if job not in self.shapes:
            self.shapes[job] = shapes_by_frame(self.label, job)
        return self.shapes[job]

    def frames(self, *jobs: str) -> dict[str | None, dict[str, list[Shape]]]:
        """``{frame: {job: shapes}}`` of the frames where the first job has annotations."""
        first, *others = jobs
        found = {frame: {first: shapes} for frame, shapes in self.by_frame(first).items()}
        for job in others:
            for frame, shapes in self.by_frame(job).items():
                if frame in found:
                    found[frame][job] = shapes
        return found

    def grouped(self, job: str) -> Grouped:
        """The findings on annotations of ``job``."""
        return self.found.setdefault(job, Grouped(job))


def check(params: OverlapParams, label: LabelView) -> list[Violation] | object:
    """Compare the annotations of each frame two by two (neighbours only, through a grid), and each annotation a
    containment or a coverage is about with its candidate partners (neighbours only, too)."""
    jobs = _Jobs(label)
    relevant = False
    if params.max_iou is not None or params.forbid:
        about = _pairs_about(params)
        frames = jobs.by_frame(params.job)
        if any(about is None or any(c in about for c in s.categories) for f in frames.values() for s in f):
            relevant = True
            for shapes in frames.values():
                _frame_pairs(params, shapes, jobs.grouped(params.job), label.interface)
    for partner_check in partner_checks(params.job, params.inside, params.covered_by):
        mine, theirs = partner_check.mine, partner_check.theirs
        for by_job in jobs.frames(mine.job, theirs.job).values():
            if any(mine.holds(s) for s in by_job[mine.job]):
                relevant = True
                partner_check.run(by_job, jobs.grouped(mine.job), label.interface)
    if not relevant:
        return NOT_APPLICABLE
    return [violation for found in jobs.found.values() for violation in found.violations()]


def _check_categories(interface: InterfaceView, job: JobView, key: str, value: str | list[str]) -> list[OptionProblem]:
    if isinstance(value, str):
        return interface.check_category(job, key, value)
    problems: list[OptionProblem] = []
    for index, name in enumerate(value):
        problems += interface.check_category(job, f"{key}.{index}", name)
    return problems


def lint(params: OverlapParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: object jobs, and every category named is one of its job's categories."""
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
    problems += lint_checks(partner_checks(params.job, params.inside, params.covered_by), interface)
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
