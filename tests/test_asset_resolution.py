"""`geometry` with `units: pixels` measures each asset in its own pixels (issue 21, point 16): the resolution read and
checked (runtime/asset_resolution.py), carried by the view, taken from exports, dumps, YAML cases and Kili; an asset
without a usable one makes the rule an `error`, never a guess. Expected sizes are computed by hand from the
fixtures' vertices and resolutions (normalized size x width x height), not read from the tool."""

from __future__ import annotations

import json
import math
import textwrap

import pytest
from conftest import SDK, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kili_rules import cli
from kili_rules.authoring.label_files import read_label_source
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.runtime.asset_resolution import AssetResolution, read_resolution
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing.cases import load_test_file, run_case

EXPORTS = SDK / "exports"
VIDEO = EXPORTS / "video_project_assets.json"  # 1920 x 1080, a box on frames 11 and 12
COCO = EXPORTS / "image_project_assets_for_coco.json"  # three photos: 7980 x 5532, 9600 x 5400, 2205 x 3920
PDF = EXPORTS / "pdf_project_assets.json"  # no `resolution`: one per page
NO_RESOLUTION = "units: pixels needs the asset's resolution, which Kili did not give for this asset"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)

# The video's box, by hand: frame 11 spans x 0.311841531097634..0.40148639384560253 (0.0896449 of 1920 px: 172.1 px)
# and y 0.5449016956222676..0.6538423037514713 (0.1089406 of 1080 px: 117.7 px); frame 12 spans x
# 0.3198865828827081..0.40787135557978826 (0.0879848 x 1920: 168.9 px) and y 0.5560227160354572..0.6672329201673526
# (0.1112102 x 1080: 120.1 px).
FRAME_11 = ((0.40148639384560253 - 0.311841531097634) * 1920, (0.6538423037514713 - 0.5449016956222676) * 1080)
FRAME_12 = ((0.40787135557978826 - 0.3198865828827081) * 1920, (0.6672329201673526 - 0.5560227160354572) * 1080)


def _rules(write_rules, **params) -> str:
    rule = {"id": "px", "type": "geometry", "job": "OBJECT_DETECTION_JOB", "units": "pixels", **params}
    return str(write_rules(json.dumps({"rules": [rule]})))


def _outcome(rule_set, label, resolution=None):
    return rule_set.evaluate(label, resolution=resolution).outcome("px")


# -------------------------------------------------------------- reading a resolution


def test_a_resolution_as_kili_gives_it_is_read_and_anything_else_is_refused_with_a_reason():
    assert read_resolution({"width": 474, "height": 842}) == (AssetResolution(474.0, 842.0), None)
    assert read_resolution({"width": 0.5, "height": 2}) == (AssetResolution(0.5, 2.0), None)
    assert read_resolution(None) == (None, None)
    for raw, why in [
        ({"width": 0, "height": 842}, "its width is 0, not a positive number"),
        ({"width": 474, "height": -1}, "its height is -1, not a positive number"),
        ({"width": float("nan"), "height": 1}, "its width is nan, not a positive number"),
        ({"width": 10**400, "height": 1}, "not a positive number"),
        ({"width": "1920", "height": 1080}, "its width is '1920', not a number"),
        ({"width": True, "height": 1080}, "its width is True, not a number"),
        ({"height": 1080}, "its width is missing"),
        ([1920, 1080], "a list, not {width, height}"),
    ]:
        resolution, problem = read_resolution(raw)
        assert resolution is None and problem is not None and why in problem, (raw, problem)


def test_the_module_documentation_example_runs():
    import doctest

    from kili_rules.runtime import asset_resolution

    failed, attempted = doctest.testmod(asset_resolution)
    assert attempted == 3 and failed == 0


def test_the_view_carries_the_resolution_and_notes_an_unusable_one_among_its_problems():
    label = {"id": "l", "jsonResponse": {}}
    view = LabelView.from_label(label, resolution={"width": 1920, "height": 1080})
    assert (view.resolution.width, view.resolution.height) == (1920, 1080) and not view.problems
    broken = LabelView.from_label(label, resolution={"width": 1920, "height": 0})
    assert broken.resolution is None and broken.unreadable is None
    assert broken.problems == [broken.resolution_problem] and "height is 0" in broken.resolution_problem
    assert LabelView.from_label(label).resolution is None


# -------------------------------------------------------------- the rule, on the fixtures' real assets


def test_pixels_come_from_the_video_export_and_a_narrow_frame_is_one_finding(write_rules):
    assert FRAME_12[0] < 170 < FRAME_11[0]  # 168.9 px, then 172.1 px: by hand above
    rule_set = load_rule_set(_rules(write_rules, min_width=170, message="{width:.1f} px wide"))
    (record,) = read_label_source(VIDEO)
    assert record.resolution == {"height": 1080, "width": 1920}
    outcome = _outcome(rule_set, record.label, record.resolution)
    assert outcome.status == "fail"
    assert [(f.message, f.frame, f.mid) for f in outcome.findings] == [
        ("168.9 px wide", "12", "20230719103804051-62814")
    ]
    assert _outcome(rule_set, record.label, {"width": 3840, "height": 2160}).status == "pass"  # twice the pixels
    error = _outcome(rule_set, record.label)  # the same label with no resolution: fails closed
    assert (error.status, error.error) == ("error", NO_RESOLUTION)
    assert [f.message for f in error.findings] == ["could not check this label: " + NO_RESOLUTION]


def test_the_aspect_ratio_in_pixels_is_the_assets_not_the_normalized_one(write_rules):
    # frame 11: 172.1 / 117.7 = 1.46 in pixels, 0.0896 / 0.1089 = 0.82 normalized; frame 12: 168.9 / 120.1 = 1.41
    assert FRAME_11[0] / FRAME_11[1] > 1.4 and FRAME_12[0] / FRAME_12[1] > 1.4
    rule_set = load_rule_set(_rules(write_rules, max_aspect_ratio=1.2))
    (record,) = read_label_source(VIDEO)
    outcome = _outcome(rule_set, record.label, record.resolution)
    assert outcome.status == "fail" and "aspect ratio 1.463 above max_aspect_ratio 1.2" in outcome.findings[0].message
    fractions = load_rule_set(_rules(write_rules, units="fraction", max_aspect_ratio=1.2))
    assert _outcome(fractions, record.label, record.resolution).status == "pass"  # 0.82: as before, not the asset's


def _shoelace(points):
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True))) / 2


def test_each_coco_photo_is_measured_in_its_own_pixels(write_rules):
    # asset 3 (2205 x 3920), OBJECT_DETECTION_JOB_0, its 4-vertex part: by hand, in pixels (398.8, 621.6),
    # (135.7, 1179.6), (974.9, 1184.2), (902.3, 707.8): 351,563 px² (the shoelace formula, worked on paper).
    quad = [(0.18085571609977324, 0.15856481479591844), (0.06153622358276644, 0.30092592602040813)]
    quad += [(0.4421242603174603, 0.30208333341836735), (0.40920853786848077, 0.1805555556122449)]
    assert _shoelace([(x * 2205, y * 3920) for x, y in quad]) == pytest.approx(351_563, abs=1)
    rule_set = load_rule_set(
        _rules(write_rules, job="OBJECT_DETECTION_JOB_0", max_area=1, message="{area:.0f}")  # every part a finding
    )
    records = list(read_label_source(COCO))
    assert [r.resolution for r in records] == [
        {"height": 5532, "width": 7980},
        {"height": 5400, "width": 9600},
        {"height": 3920, "width": 2205},
    ]
    for record in records:
        width, height = record.resolution["width"], record.resolution["height"]
        parts = record.label["jsonResponse"].get("OBJECT_DETECTION_JOB_0", {"annotations": []})["annotations"]
        expected = sorted(
            round(_shoelace([(v["x"] * width, v["y"] * height) for v in part["boundingPoly"][0]["normalizedVertices"]]))
            for part in parts
        )
        outcome = _outcome(rule_set, record.label, record.resolution)
        if not parts:
            assert outcome.status == "not_applicable"
            continue
        assert sorted(int(f.message) for f in outcome.findings) == expected
    assert "351563" in [f.message for f in _outcome(rule_set, records[2].label, records[2].resolution).findings]


def test_an_asset_without_a_resolution_makes_the_rule_an_error_and_one_without_the_job_does_not(write_rules):
    rule_set = load_rule_set(_rules(write_rules, min_area=10))
    (pdf,) = read_label_source(PDF)
    assert pdf.resolution is None
    outcome = _outcome(rule_set, pdf.label, pdf.resolution)
    assert (outcome.status, outcome.error) == ("error", NO_RESOLUTION)
    assert rule_set.evaluate({"jsonResponse": {}}).outcome("px").status == "not_applicable"  # nothing to measure
    fixed = load_rule_set(_rules(write_rules, min_area=10, resolution={"width": 595, "height": 842}))
    assert _outcome(fixed, pdf.label).status != "error"  # the rule's own resolution needs none from the asset


def test_the_rules_fixed_resolution_wins_over_the_assets(write_rules):
    rule_set = load_rule_set(_rules(write_rules, min_width=170, resolution={"width": 3840, "height": 2160}))
    (record,) = read_label_source(VIDEO)
    assert _outcome(rule_set, record.label, record.resolution).status == "pass"  # 344 and 338 px in 3840


def test_a_rule_with_where_keeps_the_resolution(write_rules):
    box = {
        "mid": "b",
        "type": "rectangle",
        "categories": [{"name": "CAR"}],
        "children": {"FLAG": {"categories": [{"name": "YES"}]}},
        "boundingPoly": [{"normalizedVertices": [{"x": 0, "y": 0}, {"x": 0.1, "y": 0}, {"x": 0.1, "y": 0.1}]}],
    }
    rules = _rules(write_rules, job="BOXES", min_width=100, where={"child": "FLAG", "category": "YES"})
    rule_set = load_rule_set(rules)
    label = {"jsonResponse": {"BOXES": {"annotations": [box]}}}
    assert _outcome(rule_set, label, {"width": 1000, "height": 1000}).status == "pass"  # 100 px
    assert _outcome(rule_set, label, {"width": 999, "height": 1000}).status == "fail"  # 99.9 px
    assert _outcome(rule_set, label, {"width": 0, "height": 1000}).error.startswith(
        "units: pixels needs the asset's resolution, and the asset's resolution is not usable: its width is 0"
    )


# -------------------------------------------------------------- load and lint


def test_pixels_without_a_resolution_load_and_lint_clean_while_fractions_above_one_still_fail(write_rules, capsys):
    interface = (SEED / "image_interface.json").read_text()
    path = write_rules(
        "interface: interface.json\nrules:\n  - {id: px, type: geometry, job: JOB_0, units: pixels, min_area: 400}\n",
        interface__json=interface,
    )
    load_rule_set(path)
    assert cli.main(["lint", str(path)]) == 0, capsys.readouterr().out
    too_big = write_rules("rules:\n  - {id: frac, type: geometry, job: JOB_0, min_area: 400}\n", name="frac.yaml")
    with pytest.raises(
        RuleFileError, match=r"frac.yaml:2:54: error: `min_area` is 400.0, above 1: a fraction of the image"
    ):
        load_rule_set(too_big)


# -------------------------------------------------------------- YAML cases, check --project


def test_a_yaml_case_gives_the_resolution_or_takes_the_one_of_its_file(tmp_path):
    rules = tmp_path / "rules"
    (rules / "tests").mkdir(parents=True)
    (rules / "video.yaml").write_text(
        textwrap.dedent("""\
        rules:
          - {id: px, type: geometry, job: OBJECT_DETECTION_JOB, units: pixels, min_width: 170,
             message: "{width:.1f} px wide"}
        """)
    )
    box = "{OBJECT_DETECTION_JOB: {annotations: [{mid: b, type: rectangle, boundingPoly: [{normalizedVertices: [" + (
        "{x: 0, y: 0}, {x: 0.1, y: 0}, {x: 0.1, y: 0.1}, {x: 0, y: 0.1}]}]}]}}"
    )
    (rules / "tests" / "video.yaml").write_text(
        textwrap.dedent(f"""\
        cases:
          - name: the export's own resolution
            label: {VIDEO}
            expect: {{fail: [px], findings: [{{rule: px, message: "168.9 px wide", frame: "12"}}]}}
          - name: a case's resolution replaces the export's
            label: {VIDEO}
            resolution: {{width: 3840, height: 2160}}
            expect: {{pass: [px]}}
          - name: 192 px wide on a 1920 px image
            json_response: {box}
            resolution: {{width: 1920, height: 1080}}
            expect: {{pass: [px]}}
          - name: no resolution at all
            json_response: {box}
            expect: {{error: [px]}}
          - name: an unusable one
            json_response: {box}
            resolution: {{width: 0, height: 1080}}
            expect: {{error: [px]}}
        """)
    )
    loaded = load_test_file(rules / "tests" / "video.yaml")
    results = {case.name: run_case(case, loaded.rule_set) for case in loaded.cases}
    assert {name: result.differences for name, result in results.items() if not result.passed} == {}
    assert results["no resolution at all"].report.outcome("px").error == NO_RESOLUTION
    (rules / "tests" / "video.yaml").write_text(
        f"cases:\n  - name: typo\n    json_response: {box}\n    resolution: {{widht: 1}}\n    expect: {{}}\n"
    )
    with pytest.raises(RuleFileError, match=r"video.yaml:4:"):
        load_test_file(rules / "tests" / "video.yaml")


@pytest.mark.parametrize("which", [[], ["--all-labels"]], ids=["latest labels", "every label"])
def test_check_on_a_project_reads_each_assets_resolution_from_kili(
    which, kili_stand_in, monkeypatch, write_rules, tmp_path, capsys
):
    monkeypatch.setenv("KILI_API_KEY", kili_stand_in.api_key)
    monkeypatch.setenv("KILI_API_ENDPOINT", kili_stand_in.endpoint)
    rules = _rules(write_rules, min_width=170, message="{width:.1f} px wide")
    findings = tmp_path / "findings.jsonl"
    code = cli.main(["check", rules, "--project", "export-video", *which, "--findings", str(findings)])
    assert code == 1, capsys.readouterr()
    rows = [json.loads(line) for line in findings.read_text().splitlines()]
    assert [(r["message"], r["frame"]) for r in rows] == [("168.9 px wide", "12")]
    kili_stand_in.data.assets["clk9h07o602jv0j5bg5uw1bw7"]["resolution"] = None  # Kili gives none: fails closed
    assert cli.main(["check", rules, "--project", "export-video", *which, "--findings", str(findings)]) == 1
    rows = [json.loads(line) for line in findings.read_text().splitlines()]
    assert [r["message"] for r in rows] == ["could not check this label: " + NO_RESOLUTION]


# -------------------------------------------------------------- properties

SIZES = st.floats(min_value=1, max_value=100_000, allow_nan=False) | st.integers(min_value=1, max_value=100_000)
SPANS = st.tuples(st.floats(0, 0.98), st.floats(0.001, 1)).map(lambda t: (t[0], min(t[0] + t[1], 1.0)))
BAD_SIDES = (
    st.sampled_from([0, -1, -0.5, float("nan"), float("inf"), -float("inf"), True, False, None, 10**400])
    | st.floats(max_value=0)
    | st.integers(max_value=0)
    | st.text(max_size=8)
    | st.lists(st.integers(), max_size=2)
)
BAD = (
    st.fixed_dictionaries({"width": BAD_SIDES, "height": SIZES})
    | st.fixed_dictionaries({"width": SIZES, "height": BAD_SIDES})
    | st.text(max_size=10)
    | st.integers()
    | st.lists(SIZES, max_size=3)
    | st.just({})
)


@pytest.fixture(scope="module")
def measured():
    """A rule that reports every box's size in pixels, to full precision."""
    from kili_rules.plugins.registry import default_registry
    from kili_rules.runtime.engine import Engine

    params = {"job": "J", "units": "pixels", "max_area": 0, "max_width": 0}
    rule = {"id": "px", "type": "geometry", "message": "{area:.17g} {width:.17g} {height:.17g}", "params": params}
    return Engine({"rules": [{"events": ["submit"], **rule}]}, default_registry().rule_types)


def _box(x, y):
    corners = [(x[0], y[0]), (x[1], y[0]), (x[1], y[1]), (x[0], y[1])]
    vertices = [{"x": a, "y": b} for a, b in corners]
    return {
        "J": {"annotations": [{"mid": "b", "type": "rectangle", "boundingPoly": [{"normalizedVertices": vertices}]}]}
    }


@PROPERTY
@given(width=SIZES, height=SIZES, x=SPANS, y=SPANS)
def test_the_pixel_area_reported_is_the_normalized_area_times_the_assets_pixels(measured, width, height, x, y):
    report = measured.evaluate(LabelView(_box(x, y), resolution={"width": width, "height": height}))
    (finding,) = report.outcome("px").findings
    area, box_width, box_height = map(float, finding.message.split())
    assert box_width == pytest.approx((x[1] - x[0]) * width, rel=1e-9)
    assert box_height == pytest.approx((y[1] - y[0]) * height, rel=1e-9)
    assert area == pytest.approx((x[1] - x[0]) * width * (y[1] - y[0]) * height, rel=1e-9)


@PROPERTY
@given(raw=BAD)
def test_an_unusable_resolution_never_raises_and_makes_the_rule_an_error(measured, raw):
    view = LabelView(_box((0.1, 0.2), (0.1, 0.2)), resolution=raw)
    assert view.resolution is None and view.resolution_problem in view.problems
    outcome = measured.evaluate(view).outcome("px")
    assert outcome.status == "error"
    assert outcome.error.startswith("units: pixels needs the asset's resolution, and the asset's resolution is not")
    assert math.isfinite(measured.evaluate(view).score)
