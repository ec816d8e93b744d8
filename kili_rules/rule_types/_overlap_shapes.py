"""What the `overlap` rule type reads of each annotation, computed once: its box, its region, its area; how it names
an annotation in a finding; and annotations of identical geometry gathered, so a stack of copies is compared once.

Stdlib-only: embedded with the rule types that import it.
"""

from __future__ import annotations

from typing import Any

from kili_rules.rule_types._findings import path, region
from kili_rules.runtime import geometry as geo
from kili_rules.runtime import polygons
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.rule_time import check_time


class Shape:
    """What the comparisons read of one annotation, computed once: its box, its region, its area."""

    __slots__ = ("aligned", "annotation", "area", "box", "categories", "index", "rings")

    def __init__(self, annotation: Annotation, index: int) -> None:
        self.annotation = annotation
        #: its position among the annotations of its job, in label order
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

    @property
    def geometry(self) -> Any:
        """What two shapes of the same geometry share: their box when they are axis-aligned rectangles, else their
        rings, else (a marker, a line, a pose) their points."""
        if self.aligned is not None:
            return self.aligned
        return tuple(map(tuple, self.rings)) if self.rings else ("path", tuple(path(self.annotation)))

    def intersection(self, other: Shape) -> float:
        """The area this shape shares with ``other``."""
        if self.aligned is not None and other.aligned is not None:
            return geo.box_intersection(self.aligned, other.aligned)
        if not self.rings or not other.rings:
            return 0.0
        return polygons.intersection_area(self.rings, other.rings)

    def iou(self, other: Shape) -> float:
        """Intersection over union with ``other``: 1 for the same geometry (two copies of one marker or of one box of
        zero size included), else 0 when the union is empty."""
        if self.box == other.box and self.geometry == other.geometry:
            return 1.0
        inter = self.intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


def shapes_by_frame(label: LabelView, job: str) -> dict[str | None, list[Shape]]:
    """The shapes of every annotation of ``job``, by video frame (None outside video), in label order."""
    by_frame: dict[str | None, list[Shape]] = {}
    index = 0
    for response in label.responses(job):
        for annotation in response.annotations:
            if not index & 1023:
                check_time()
            by_frame.setdefault(annotation.frame, []).append(Shape(annotation, index))
            index += 1
    return by_frame


def shown(shape: Shape, interface: ProjectInterface) -> str:
    """``Object A rectangle m-1``: the annotation's category (as the interface shows it), tool and mid."""
    annotation = shape.annotation
    category = interface.category_shown(annotation.categories[0], annotation.job) if annotation.categories else ""
    return f"{category} {annotation.tool or 'annotation'} {annotation.mid or '(no mid)'}".strip()


def identical(shapes: list[Shape], by_categories: bool) -> list[list[Shape]]:
    """The shapes in groups of identical geometry (and categories, when ``by_categories``), in order of their first
    member: a stack of copies of one box is compared once, so it costs the size of the stack, not its square."""
    groups: dict[Any, list[Shape]] = {}
    for shape in shapes:
        key = (shape.geometry, tuple(shape.categories)) if by_categories else shape.geometry
        group = groups.get(key)
        if group is None:
            groups[key] = [shape]
        else:
            group.append(shape)
    return list(groups.values())
