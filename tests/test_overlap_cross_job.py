"""`overlap` across jobs (issue 21, point 13): `inside` with `within: {job, category}` and `covered_by` (a partner
with a minimum IoU), on real Kili labels (the SDK's label cases and exports, see tests/fixtures/README.md) and on
hand-made ones. Every expectation is written from the label by hand (the reasoning in the comments) or computed by
shapely, never copied from the tool's output."""

from __future__ import annotations

import json
import time

import pytest
from conftest import SDK
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import run_plugin

RULE_TYPES = default_registry().rule_types
CASES = SDK / "label-cases"
MESSAGE = "{reason} | {frames} | {iou:.3f} | {other} | {category}"


def _case(number: str) -> dict:
    return json.loads((CASES / f"case_{number}.json").read_text(encoding="utf-8"))


def _outcome(response, message=MESSAGE, **params):
    rule = {"id": "r", "type": "overlap", "message": message, "events": ["submit"], "params": params}
    (outcome,) = Engine({"rules": [rule]}, RULE_TYPES).evaluate(LabelView(response)).outcomes
    assert outcome.status != "error", outcome.error
    return outcome


def _found(response, **params):
    return [(f.mid, f.job, f.frame, f.message) for f in _outcome(response, **params).findings]


def _box(mid, category, x0, y0, x1, y1, tool="rectangle"):
    vertices = [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]
    return {"mid": mid, "type": tool, "categories": [{"name": category}],
            "boundingPoly": [{"normalizedVertices": vertices}]}  # fmt: skip


def _vertices(annotation) -> list[tuple[float, float]]:
    return [(v["x"], v["y"]) for v in annotation["boundingPoly"][0]["normalizedVertices"]]


# -- real labels ----------------------------------------------------------------------------------------------------

SECOND = "20231103084134382-18666"  # case 08's box of OBJECT_DETECTION_JOB_0, on frames 6-10
FIRST = "20231103084052882-30220"  # its box of OBJECT_DETECTION_JOB, on frames 2-8


def test_video_boxes_of_two_jobs_that_never_meet_give_one_finding_each_on_its_first_frame():
    # case 08 (video): the box of OBJECT_DETECTION_JOB_0 spans y 0.4841-0.5512, the box of OBJECT_DETECTION_JOB
    # y 0.5630-0.7301: they never touch, so on each frame of each the other has no partner for it (IoU 0).
    response = _case("08")["jsonResponse"]
    found = _found(response, job="OBJECT_DETECTION_JOB_0", covered_by={"by": {"job": "OBJECT_DETECTION_JOB"}})
    reason = f"A rectangle {SECOND} has no annotation of OBJECT_DETECTION_JOB with an IoU of 0.5 or more"
    assert found == [
        (
            SECOND,
            "OBJECT_DETECTION_JOB_0",
            "6",
            f"{reason} (none overlaps it) (frames 6-10, first frame 6) | 6-10 | 0.000 |  | A",
        )
    ]
    found = _found(response, job="OBJECT_DETECTION_JOB", covered_by={"by": {"job": "OBJECT_DETECTION_JOB_0"}})
    assert [(mid, job, frame, message.split(" | ")[1]) for mid, job, frame, message in found] == [
        (FIRST, "OBJECT_DETECTION_JOB", "2", "2-8")
    ]
    found = _found(response, job="OBJECT_DETECTION_JOB_0", inside={"within": {"job": "OBJECT_DETECTION_JOB"}})
    assert [(mid, frame) for mid, _, frame, _ in found] == [(SECOND, "6")]


def test_the_real_video_rule_file_lints_clean_and_its_plugin_pins_the_issue_on_the_box(write_rules):
    interface = CASES / "case_08.json"
    path = write_rules(
        f"interface: {interface}\n"
        "rules:\n"
        "  - {id: twin, type: overlap, job: OBJECT_DETECTION_JOB_0,\n"
        "     covered_by: {category: A, by: {job: OBJECT_DETECTION_JOB, category: A}, min_iou: 0.3}}\n"
    )
    assert lint_rule_file(path) == []
    kili = run_plugin(path, {"jsonResponse": _case("08")["jsonResponse"]})
    assert [issue["objectMid"] for issue in kili.issues_store] == [SECOND]
    assert "(frames 6-10, first frame 6)" in kili.issues_store[0]["text"]


def test_geographic_markers_outside_every_polygon_and_mask_of_other_jobs():
    # case 13 (longitude / latitude): the three markers lie at y >= 52.2417 with x <= 4.3982; polygon 1 spans x
    # 4.4176-4.4645, polygon 2 y 52.1936-52.2046, the mask's parts y <= 52.2314: no marker is inside any of them.
    response = _case("13")["jsonResponse"]
    markers = [a["mid"] for a in response["POINT_DETECTION_JOB"]["annotations"]]
    for job in ("POLYGON_DETECTION_JOB", "SEGMENTATION_JOB"):
        regions = [Polygon(_vertices(a)) for a in response[job]["annotations"]]
        outside = [a["mid"] for a in response["POINT_DETECTION_JOB"]["annotations"]
                   if not any(r.covers(Point(a["point"]["x"], a["point"]["y"])) for r in regions)]  # fmt: skip
        assert outside == markers  # shapely agrees with the reading by hand
        found = _found(response, job="POINT_DETECTION_JOB", inside={"category": "POINT_A", "within": {"job": job}})
        assert [(mid, job_of) for mid, job_of, _, _ in found] == [(m, "POINT_DETECTION_JOB") for m in markers]
        assert all(f"is not inside any annotation of {job} |" in message for *_, message in found)


def test_a_real_polygon_and_its_bounding_box_are_partners_up_to_their_iou_as_shapely_computes_it():
    # case 13's first polygon as a mask, and a box drawn around it: their IoU is the polygon's share of its box
    polygon = _case("13")["jsonResponse"]["POLYGON_DETECTION_JOB"]["annotations"][0]
    mask = {**polygon, "type": "semantic", "categories": [{"name": "ZONE"}]}
    shape = Polygon(_vertices(polygon))
    x0, y0, x1, y1 = shape.bounds
    expected = shape.area / box(x0, y0, x1, y1).area
    assert 0.3 < expected < 0.9
    response = {"BOXES": {"annotations": [_box("zone", "ZONE", x0, y0, x1, y1)]}, "MASKS": {"annotations": [mask]}}
    below = _outcome(response, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": expected - 1e-6})
    assert below.status == "pass"
    coverage = {"by": {"job": "MASKS"}, "min_iou": expected + 1e-6}
    (finding,) = _outcome(response, message="{other}|{iou:.15f}", job="BOXES", covered_by=coverage).findings
    other, iou = finding.message.split("|")
    assert finding.mid == "zone" and other == polygon["mid"]
    assert float(iou) == pytest.approx(expected, abs=1e-9)


def test_a_real_pose_outside_the_box_of_another_job_is_pinned_on_the_pose():
    # the SDK's image export: the HEAD pose's points lie at x 0.35-0.44; job OBJECT_DETECTION_JOB's only box, A, is
    # drawn with 2 vertices of the same x (0.7413): the pose is not inside it, and no box touches it
    export = json.loads((SDK / "exports" / "image_project_assets.json").read_text(encoding="utf-8"))
    response = export[0]["latestLabel"]["jsonResponse"]
    pose = response["POSE_ESTIMATION_JOB"]["annotations"][0]["mid"]
    inside = {"category": "HEAD", "within": {"job": "OBJECT_DETECTION_JOB", "category": "A"}}
    found = _found(response, job="POSE_ESTIMATION_JOB", message="{reason}|{other}", inside=inside)
    assert found == [
        (pose, "POSE_ESTIMATION_JOB", None, f"HEAD pose {pose} is not inside any A of OBJECT_DETECTION_JOB|")
    ]
    # the same, with the containment's own `job` on a rule of another job (the job of its findings is the pose's)
    found = _found(
        response, job="OBJECT_DETECTION_JOB", message="{reason}", inside={**inside, "job": "POSE_ESTIMATION_JOB"}
    )
    assert [(mid, job) for mid, job, _, _ in found] == [(pose, "POSE_ESTIMATION_JOB")]


# -- the finer points -----------------------------------------------------------------------------------------------


def test_the_finding_names_the_best_partner_and_its_iou():
    car = _box("a", "CAR", 0.0, 0.0, 0.4, 0.4)  # area 0.16
    near = _box("p1", "CAR", 0.2, 0.0, 0.6, 0.4, tool="polygon")  # shares 0.08: IoU 0.08 / 0.24 = 1/3
    far = _box("p2", "CAR", 0.3, 0.0, 0.7, 0.4, tool="polygon")  # shares 0.04: IoU 0.04 / 0.28 = 1/7
    response = {"BOXES": {"annotations": [car]}, "MASKS": {"annotations": [far, near]}}
    found = _found(response, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": 0.5})
    reason = "CAR rectangle a has no annotation of MASKS with an IoU of 0.5 or more (best: CAR polygon p1, IoU 0.333)"
    assert found == [("a", "BOXES", None, f"{reason} |  | 0.333 | p1 | CAR")]
    assert _outcome(response, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": 0.3}).status == "pass"
    # min_iou 0: any overlap is enough, but touching is not
    touching = {"BOXES": {"annotations": [car]}, "MASKS": {"annotations": [_box("t", "CAR", 0.4, 0.0, 0.8, 0.4)]}}
    assert [m for m, *_ in _found(touching, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": 0})] == ["a"]
    assert _outcome(response, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": 0}).status == "pass"


def test_categories_choose_both_the_annotations_checked_and_their_partners():
    car, bus = _box("car", "CAR", 0.0, 0.0, 0.4, 0.4), _box("bus", "BUS", 0.5, 0.5, 0.9, 0.9)
    bus_mask = _box("m", "BUS", 0.0, 0.0, 0.4, 0.4, tool="semantic")  # on the car, but a bus's mask
    response = {"BOXES": {"annotations": [car, bus]}, "MASKS": {"annotations": [bus_mask]}}
    coverage = {"category": "CAR", "by": {"job": "MASKS", "category": "CAR"}}
    assert [m for m, *_ in _found(response, job="BOXES", covered_by=coverage)] == ["car"]  # the bus is not checked
    coverage = {"category": "CAR", "by": {"job": "MASKS", "category": ["CAR", "BUS"]}}
    assert _outcome(response, job="BOXES", covered_by=coverage).status == "pass"
    # not applicable: no annotation of the categories checked, whatever the partners
    assert _outcome({"MASKS": {"annotations": [bus_mask]}}, job="BOXES", covered_by=coverage).status == "not_applicable"


def test_within_one_job_an_annotation_is_never_its_own_partner():
    one = {"J": {"annotations": [_box("a", "CAR", 0.1, 0.1, 0.3, 0.3)]}}
    coverage = {"category": "CAR", "by": "CAR"}
    assert [m for m, *_ in _found(one, job="J", covered_by=coverage)] == ["a"]
    copies = {"J": {"annotations": [_box("a", "CAR", 0.1, 0.1, 0.3, 0.3), _box("b", "CAR", 0.1, 0.1, 0.3, 0.3)]}}
    assert _outcome(copies, job="J", covered_by=coverage).status == "pass"
    markers = {"J": {"annotations": [{"mid": m, "type": "marker", "categories": [{"name": "CAR"}],
                                      "point": {"x": 0.2, "y": 0.2}} for m in ("a", "b")]}}  # fmt: skip
    assert _outcome(markers, job="J", covered_by=coverage).status == "pass"  # two copies of one point: IoU 1


def test_within_one_job_both_sides_name_their_categories(write_rules):
    path = write_rules("rules:\n  - {id: self, type: overlap, job: J, covered_by: {by: CAR}}\n")
    with pytest.raises(RuleFileError) as error:
        load_rule_set(path)
    assert "rules.yaml:2:51" in str(error.value)  # the `covered_by` mapping
    assert "within one job, `covered_by` names the categories of both sides" in str(error.value)
    load_rule_set(write_rules("rules:\n  - {id: other, type: overlap, job: J, covered_by: {by: {job: K}}}\n"))


def test_the_same_job_containment_reads_as_before():
    person, head = _box("p", "PERSON", 0.1, 0.1, 0.2, 0.4), _box("h", "HEAD", 0.15, 0.05, 0.18, 0.12)
    found = _found({"OD": {"annotations": [person, head]}}, job="OD", inside={"category": "HEAD", "within": "PERSON"})
    # the head's box (0.0021) lies 0.05 to 0.12 high, the person from 0.1: 2/7 of it inside, rounded to 29 %
    assert found == [("h", "OD", None, "HEAD rectangle h is not inside any PERSON (29% inside PERSON rectangle p) |  | "
                      " | p | HEAD")]  # fmt: skip


# -- properties -----------------------------------------------------------------------------------------------------

coordinate = st.floats(0, 1, allow_nan=False, allow_infinity=False)
size = st.floats(1e-4, 0.5, allow_nan=False, allow_infinity=False)
tools = st.sampled_from(["rectangle", "polygon", "semantic"])


@settings(max_examples=150, deadline=None)
@given(coordinate, coordinate, size, size, tools, tools, st.floats(0, 1), st.booleans())
def test_an_equal_partner_always_covers_and_one_moved_beyond_its_size_never_does(x, y, w, h, mine, theirs, iou, up):
    annotation = _box("a", "CAR", x, y, x + w, y + h, tool=mine)
    equal = _box("b", "CAR", x, y, x + w, y + h, tool=theirs)
    coverage = {"by": {"job": "B"}, "min_iou": iou}
    response = {"A": {"annotations": [annotation]}, "B": {"annotations": [equal]}}
    assert _outcome(response, job="A", covered_by=coverage).status == "pass"
    dx, dy = (0.0, h * 1.01 + 1e-9) if up else (w * 1.01 + 1e-9, 0.0)
    moved = _box("b", "CAR", x + dx, y + dy, x + dx + w, y + dy + h, tool=theirs)
    response = {"A": {"annotations": [annotation]}, "B": {"annotations": [moved]}}
    assert [f.mid for f in _outcome(response, job="A", covered_by=coverage).findings] == ["a"]


boxes_drawn = st.lists(st.tuples(coordinate, coordinate, size, size), min_size=1, max_size=25)


@settings(max_examples=100, deadline=None)
@given(boxes_drawn, boxes_drawn, st.floats(0, 1))
def test_covered_by_finds_what_comparing_every_pair_finds(mine, theirs, min_iou):
    annotations = [_box(f"a{n}", "CAR", x, y, x + w, y + h) for n, (x, y, w, h) in enumerate(mine)]
    partners = [_box(f"b{n}", "CAR", x, y, x + w, y + h, tool="polygon") for n, (x, y, w, h) in enumerate(theirs)]
    expected = []
    for annotation, (x, y, w, h) in zip(annotations, mine, strict=True):
        shape = box(x, y, x + w, y + h)
        ious = [shape.intersection(other).area / shape.union(other).area
                for other in (box(x, y, x + w, y + h) for x, y, w, h in theirs)]  # fmt: skip
        if not any(iou > 0 and iou >= min_iou - 1e-9 for iou in ious):
            expected.append(annotation["mid"])
    response = {"A": {"annotations": annotations}, "B": {"annotations": partners}}
    found = [f.mid for f in _outcome(response, job="A", covered_by={"by": {"job": "B"}, "min_iou": min_iou}).findings]
    assert found == expected


# -- dense labels ---------------------------------------------------------------------------------------------------


@pytest.mark.heavy(3.0)
def test_ten_thousand_annotations_per_job_are_checked_through_the_grid():
    # 100 x 100 boxes of side 0.008 on a pitch of 0.01. Each box but those of column 7 has a mask: the box shifted
    # right by 0.0016 (0.0064 of its 0.008 shared, IoU 0.0064 / 0.0096 = 2/3); column 6's masks end at x 0.0696,
    # before column 7's boxes start (0.07), and column 8's start after them: column 7's 100 boxes have no partner.
    # Each box has a marker at its centre, except column 3's, whose markers lie in the gap to their right.
    boxes, masks, markers = [], [], []
    for index in range(10_000):
        column, x, y = index % 100, (index % 100) * 0.01, (index // 100) * 0.01
        boxes.append(_box(f"b{index}", "CAR", x, y, x + 0.008, y + 0.008))
        if column != 7:
            masks.append(_box(f"m{index}", "CAR", x + 0.0016, y, x + 0.0096, y + 0.008, tool="polygon"))
        point = {"x": x + (0.009 if column == 3 else 0.004), "y": y + 0.004}
        markers.append({"mid": f"p{index}", "type": "marker", "categories": [{"name": "CAR"}], "point": point})
    response = {"BOXES": {"annotations": boxes}, "MASKS": {"annotations": masks}, "POINTS": {"annotations": markers}}
    start = time.process_time()
    covered = _outcome(response, job="BOXES", covered_by={"by": {"job": "MASKS"}, "min_iou": 0.5})
    inside = _outcome(response, job="POINTS", inside={"within": {"job": "BOXES"}})
    elapsed = time.process_time() - start
    assert [f.mid for f in covered.findings] == [f"b{row * 100 + 7}" for row in range(100)]
    assert [f.mid for f in inside.findings] == [f"p{row * 100 + 3}" for row in range(100)]
    assert elapsed < 10, f"{elapsed:.1f} s of CPU for 2 x 10,000 annotations: the grid is not used"
