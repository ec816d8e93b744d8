"""Plane geometry on plain ``(x, y)`` tuples, the part every plugin embeds: ring areas and orientation, point in
ring, bounding boxes and the box arithmetic of the vision rule types. The label view's ``Annotation.area`` is
:func:`region_area`; :mod:`kili_rules.runtime.polygons` builds intersection, IoU, containment and validity on it.

A *region* is a list of rings (each a list of vertices, not closed: the last vertex joins the first) read with the
even-odd rule: a ring inside another is a hole, a ring inside a hole is an island. A box, a polygon and a semantic
mask with holes are all regions.

Stdlib-only: embedded into every built plugin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Coord = tuple[float, float]
Ring = Sequence[Coord]
Region = Sequence[Ring]
Box = tuple[float, float, float, float]


def signed_area(ring: Ring) -> float:
    """The shoelace area of a ring (not closed): positive when its vertices turn counter-clockwise (y up)."""
    if len(ring) < 3:
        return 0.0
    total = 0.0
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        total += x0 * y1 - x1 * y0
        x0, y0 = x1, y1
    return total / 2.0


def ring_contains(ring: Ring, x: float, y: float) -> bool:
    """Even-odd ray casting: whether ``(x, y)`` is inside ``ring`` (a point on the boundary may go either way)."""
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        if (y1 > y) != (y0 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
        x0, y0 = x1, y1
    return inside


def ring_depths(rings: Region) -> list[int]:
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


def region_area(rings: Region) -> float:
    """The area of rings read even-odd (a ring inside another is a hole), in the units of their coordinates."""
    if len(rings) == 1:
        return abs(signed_area(rings[0]))
    return sum(
        abs(signed_area(ring)) * (1 if depth % 2 == 0 else -1)
        for ring, depth in zip(rings, ring_depths(rings), strict=True)
    )


#: The area of a region (even-odd: holes subtracted): the label view's, so an annotation's ``area`` agrees.
area = region_area


def cleaned(ring: Iterable[Coord]) -> list[Coord]:
    """The ring without repeated consecutive vertices (nor a closing vertex equal to the first)."""
    found: list[Coord] = []
    for point in ring:
        if not found or point != found[-1]:
            found.append(point)
    while len(found) > 1 and found[-1] == found[0]:
        found.pop()
    return found


def bounding_box(points: Iterable[Coord]) -> Box | None:
    """``(x0, y0, x1, y1)`` of the points, None when there are none."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def region_box(region: Region) -> Box | None:
    """The bounding box of every vertex of the region."""
    return bounding_box(p for ring in region for p in ring)


def box_ring(box: Box) -> list[Coord]:
    """The counter-clockwise ring of a box."""
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def axis_aligned_box(ring: Ring) -> Box | None:
    """The box a ring draws when it is an axis-aligned rectangle (4 corners going around it), else None."""
    if len(ring) != 4:
        return None
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ring
    if x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0 and x0 != x2 and y0 != y1:
        pass
    elif y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0 and x0 != x1 and y1 != y2:
        pass
    else:
        return None
    return min(x0, x2), min(y0, y2), max(x0, x2), max(y0, y2)


def box_area(box: Box) -> float:
    """The area of a box."""
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_intersection(a: Box, b: Box) -> float:
    """The area two boxes share."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def boxes_touch(a: Box, b: Box) -> bool:
    """Whether two boxes share at least one point."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when both are empty)."""
    inter = box_intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


def distance(a: Coord, b: Coord) -> float:
    """The Euclidean distance between two points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])
