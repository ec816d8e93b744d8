"""The vision rule types (geometry, overlap, track) end to end: the built plugin pins each finding on its box and
names its frame, the editor schema describes every option, and the finer points of each check."""

from __future__ import annotations

import pytest
from conftest import RULES

from kili_rules.authoring.schema import rule_file_schema
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import run_plugin

VISION = ("geometry", "overlap", "track")
RULE_TYPES = default_registry().rule_types


def _box(mid, category, x0, y0, x1, y1, **extra):
    vertices = [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]
    return {"mid": mid, "type": "rectangle", "categories": [{"name": category}],
            "boundingPoly": [{"normalizedVertices": vertices}], **extra}  # fmt: skip


def _findings(response, rule_type, **params):
    rule = {"id": "r", "type": rule_type, "message": "{reason}", "events": ["submit"], "params": params}
    report = Engine({"rules": [rule]}, RULE_TYPES).evaluate(LabelView(response))
    (outcome,) = report.outcomes
    assert outcome.status != "error", outcome.error
    return [(f.mid, f.frame, f.message) for f in report.findings]


def test_the_built_plugin_pins_every_vision_finding_on_its_box_and_names_its_frame():
    car = _box("car", "CAR", 0.1, 0.1, 0.3, 0.3)
    twin = _box("twin", "CAR", 0.1, 0.1, 0.3, 0.31)
    label = {
        "jsonResponse": {
            "0": {"BBOX_JOB": {"annotations": [car]}},
            "1": {"BBOX_JOB": {"annotations": [car, twin]}},
            "2": {"BBOX_JOB": {"annotations": [car]}},
        }
    }
    kili = run_plugin(RULES / "video.yaml", label)
    issues = {(i["objectMid"], i["text"]) for i in kili.issues_store}
    duplicate = "[video/no-duplicate-box] Car rectangle twin duplicates car (IoU 0.952 above max_iou 0.7) (frame 1)"
    assert ("twin", duplicate) in issues
    assert ("twin", "[video/steady-tracks] Car track twin on frame 1 only, min_frames 3") in issues
    assert all(mid == "twin" for mid, _ in issues)
    assert kili.sent_back == ["asset-1"]


@pytest.mark.parametrize("name", VISION)
def test_the_editor_schema_offers_each_vision_type_with_every_option_described(name):
    rule = rule_file_schema()["$defs"][f"rule.{name}"]
    options = [o.name for o in RULE_TYPES[name].options]
    assert set(options) <= set(rule["properties"])
    for option in options:
        assert len(rule["properties"][option].get("description", "")) > 20, option


def test_geometry_measures_polygons_masks_lines_and_poses():
    square = {"mid": "sq", "type": "polygon", "boundingPoly": [{"normalizedVertices": [
        {"x": 0, "y": 0}, {"x": 0.5, "y": 0}, {"x": 0.5, "y": 0.5}, {"x": 0, "y": 0.5}]}]}  # fmt: skip
    holed = {"mid": "mask", "type": "semantic", "boundingPoly": [square["boundingPoly"][0], {"normalizedVertices": [
        {"x": 0.1, "y": 0.1}, {"x": 0.4, "y": 0.1}, {"x": 0.4, "y": 0.4}, {"x": 0.1, "y": 0.4}]}]}  # fmt: skip
    line = {"mid": "line", "type": "polyline", "polyline": [{"x": 0.1, "y": 0.1}, {"x": 0.9, "y": 0.1}]}
    response = {"J": {"annotations": [square, holed, line]}}
    # the mask's hole is subtracted: 0.25 - 0.09; the line has no area, so the area bound skips it
    assert [m for m, _, _ in _findings(response, "geometry", job="J", min_area=0.2)] == ["mask"]
    assert [m for m, _, _ in _findings(response, "geometry", job="J", max_width=0.6)] == ["line"]
    assert _findings(response, "geometry", job="J", max_aspect_ratio=2) == [
        ("line", None, "polyline line: aspect ratio inf above max_aspect_ratio 2")
    ]
    pixels = _findings(response, "geometry", job="J", units="pixels", resolution={"width": 200, "height": 100},
                       max_area=4000)  # fmt: skip
    assert pixels == [("sq", None, "polygon sq: area 5000 px² above max_area 4000")]


def test_overlap_containment_of_markers_and_frames_of_video():
    person = _box("p", "PERSON", 0.1, 0.1, 0.3, 0.5)
    nose_in = {"mid": "n1", "type": "marker", "categories": [{"name": "NOSE"}], "point": {"x": 0.2, "y": 0.2}}
    nose_out = {"mid": "n2", "type": "marker", "categories": [{"name": "NOSE"}], "point": {"x": 0.5, "y": 0.2}}
    inside = {"category": "NOSE", "within": "PERSON"}
    found = _findings({"J": {"annotations": [person, nose_in, nose_out]}}, "overlap", job="J", inside=inside)
    assert found == [("n2", None, "NOSE marker n2 is not inside any PERSON")]
    half = _box("h", "HEAD", 0.2, 0.05, 0.3, 0.15)  # half of it above the person
    response = {"J": {"annotations": [person, half]}}
    assert _findings(response, "overlap", job="J", inside={"category": "HEAD", "within": "PERSON"})
    assert not _findings(response, "overlap", job="J", inside={"category": "HEAD", "within": "PERSON",
                                                                 "min_fraction": 0.5})  # fmt: skip


def test_track_is_not_applicable_outside_video_and_ignores_other_categories():
    image = {"J": {"annotations": [_box("a", "CAR", 0, 0, 0.1, 0.1)]}}
    rule = {"id": "r", "type": "track", "events": ["submit"], "params": {"job": "J", "min_frames": 2}}
    assert Engine({"rules": [rule]}, RULE_TYPES).evaluate(LabelView(image)).outcome("r").status == "not_applicable"
    video = {"0": {"J": {"annotations": [_box("a", "CAR", 0, 0, 0.1, 0.1), _box("t", "TRUCK", 0, 0, 0.1, 0.1)]}}}
    assert [m for m, _, _ in _findings(video, "track", job="J", category="TRUCK", min_frames=2)] == ["t"]
