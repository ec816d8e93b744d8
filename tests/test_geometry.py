"""The plugin's stdlib geometry (kili_rules/runtime/geometry.py, polygons.py) checked against shapely, differentially.

10,000 random polygons (generated once for the module): validity on arbitrary rings (most cross themselves),
area, intersection over union and containment on simple ones (star-shaped, with and without holes), identical to
shapely's within 1e-9. Then the label view's cheap ``bbox`` / ``area`` and the overlap grid against brute force.
"""

from __future__ import annotations

import math
import random

import pytest

from kili_rules.rule_types._grid import BoxIndex
from kili_rules.runtime import polygons as geo
from kili_rules.runtime.label_view import LabelView

shapely = pytest.importorskip("shapely")
from shapely.geometry import Polygon  # noqa: E402

POLYGONS = 10_000
TOLERANCE = 1e-9


def _star(rng: random.Random, center: tuple[float, float] | None = None, radius: float = 0.4) -> list:
    """A simple polygon of 3 to 12 vertices around ``center`` (vertices in order of angle; drawn again until
    shapely finds it valid)."""
    while True:
        cx, cy = center or (rng.random(), rng.random())
        angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(rng.randint(3, 12)))
        ring = [(cx + r * math.cos(a), cy + r * math.sin(a)) for a in angles for r in [rng.uniform(0.3, 1) * radius]]
        if Polygon(ring).is_valid:
            return ring


def _shapely_valid(ring: list) -> bool:
    try:
        return bool(Polygon(ring).is_valid)
    except ValueError:  # fewer than 3 points: not even a polygon
        return False


@pytest.fixture(scope="module")
def polygons():
    """Arbitrary rings (for validity) and pairs of simple polygons (for area, IoU, containment): 10,000 polygons
    in all, made once."""
    rng = random.Random(20261123)
    arbitrary = [[(rng.random(), rng.random()) for _ in range(rng.randint(3, 9))] for _ in range(POLYGONS // 2)]
    pairs = []
    for index in range(POLYGONS // 4):
        outer = _star(rng)
        if index % 3 == 0:  # a smaller polygon around the same centre: inside, or sticking out
            centre = (sum(x for x, _ in outer) / len(outer), sum(y for _, y in outer) / len(outer))
            inner = _star(rng, (centre[0] + rng.uniform(-0.05, 0.05), centre[1] + rng.uniform(-0.05, 0.05)), 0.12)
        else:
            inner = _star(rng)
        pairs.append((outer, inner))
    return arbitrary, pairs


def test_validity_is_shapelys_on_arbitrary_rings(polygons):
    arbitrary, _ = polygons
    degenerate = [
        [(0, 0), (1, 1)],
        [(0, 0), (1, 0), (2, 0)],  # collinear: zero area
        [(0, 0), (1, 1), (1, 0), (0, 1)],  # bowtie
        [(0, 0), (2, 0), (1, 0), (1, 1)],  # a spike folding back over an edge
        [(0, 0), (0, 0), (1, 0), (1, 1)],  # a repeated vertex is fine
        [(0, 0), (2, 0), (2, 2), (1, 0), (0, 2)],  # touches itself at a vertex
        [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)],  # closed explicitly
    ]
    rings = arbitrary + degenerate
    valid = [geo.ring_problem(ring) is None for ring in rings]
    assert valid == [_shapely_valid(ring) for ring in rings]
    assert 0.1 < sum(valid) / len(valid) < 0.9  # both kinds are well represented


def test_area_iou_and_containment_are_shapelys_on_simple_polygons(polygons):
    _, pairs = polygons
    contained = 0
    for outer, inner in pairs:
        a, b = Polygon(outer), Polygon(inner)
        assert a.is_valid and b.is_valid
        assert abs(geo.area([outer]) - a.area) < TOLERANCE
        assert abs(geo.area([inner]) - b.area) < TOLERANCE
        expected = a.intersection(b).area / a.union(b).area
        assert abs(geo.iou([outer], [inner]) - expected) < TOLERANCE, (outer, inner)
        inside = geo.contains([outer], [inner])
        assert inside == a.contains(b), (outer, inner)
        contained += inside
    assert 0.1 * len(pairs) / 3 < contained < len(pairs) / 3  # containment is exercised both ways


def test_regions_with_holes_are_shapelys():
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        shell = _star(rng, (0.5, 0.5), 0.45)
        hole = _star(rng, (0.5 + rng.uniform(-0.02, 0.02), 0.5 + rng.uniform(-0.02, 0.02)), 0.1)
        other = _star(rng)
        region, shape = [shell, hole], Polygon(shell, [hole])
        if not shape.is_valid:  # the hole crosses the shell
            continue
        checked += 1
        assert abs(geo.area(region) - shape.area) < TOLERANCE
        assert abs(geo.intersection_area(region, [other]) - shape.intersection(Polygon(other)).area) < TOLERANCE
        assert geo.contains(region, [other]) == shape.contains(Polygon(other))
    assert checked > 100


def test_boxes_take_the_exact_shortcut_and_touching_shapes_share_nothing():
    square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    assert geo.axis_aligned_box(square) == (0, 0, 1, 1)
    assert geo.axis_aligned_box([(0, 0), (1, 1), (1, 0), (0, 1)]) is None  # the same corners, crossing
    assert geo.iou([square], [square]) == 1.0
    triangle = [(0, 0), (1, 0), (0, 1)]
    assert abs(geo.iou([triangle], [triangle[::-1]]) - 1.0) < TOLERANCE
    assert geo.intersection_area([triangle], [[(1, 0), (0, 1), (1, 1)]]) == 0.0  # they share an edge only
    assert geo.contains([square], [triangle]) and not geo.contains([triangle], [square])
    assert geo.path_inside([(0.5, 0.5), (1, 1)], False, [square])
    assert not geo.path_inside([(0.5, 0.5), (1.5, 0.5)], False, [square])


def test_the_label_view_reads_boxes_and_areas_without_points():
    rng = random.Random(3)
    for _ in range(200):
        ring = _star(rng)
        label = LabelView({"J": {"annotations": [{"boundingPoly": [{"normalizedVertices": [
            {"x": x, "y": y} for x, y in ring]}]}]}})  # fmt: skip
        (annotation,) = label.annotations("J")
        xs, ys = [x for x, _ in ring], [y for _, y in ring]
        assert annotation.bbox == (min(xs), min(ys), max(xs), max(ys))
        assert abs(annotation.area - Polygon(ring).area) < TOLERANCE
        assert annotation.ring_coords == [ring] == [[(p.x, p.y) for p in annotation.rings[0]]]
    marker = LabelView({"J": {"annotations": [{"point": {"x": 0.2, "y": True}}, {"point": {"x": 0.2, "y": 0.3}}]}})
    assert [a.bbox for a in marker.annotations("J")] == [None, (0.2, 0.3, 0.2, 0.3)]


def test_the_grid_finds_exactly_the_touching_pairs():
    rng = random.Random(11)
    for count in (0, 1, 2, 50, 400):
        boxes = []
        for _ in range(count):
            w, h = rng.choice([0.001, 0.02, 0.3]), rng.choice([0.001, 0.02, 0.3])
            x, y = rng.random(), rng.random()
            boxes.append((x, y, x + w, y + h))
        boxes += boxes[: count // 10]  # exact duplicates
        expected = {
            (i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if geo.boxes_touch(boxes[i], boxes[j])
        }
        found = list(BoxIndex(boxes).pairs())
        assert len(found) == len(set(found)) and set(found) == expected
