"""The label view on every shape Kili writes, on every fixture file, and on malformed data."""

from __future__ import annotations

import pytest
from conftest import SDK, SEED, all_fixture_json_files, load_json

from kili_rules.authoring.label_files import read_labels
from kili_rules.runtime.label_view import LabelView


def test_the_fixtures_are_there():
    assert len(all_fixture_json_files()) >= 30, "tests/fixtures holds the real Kili data the tests read"


@pytest.mark.parametrize("path", all_fixture_json_files(), ids=lambda p: p.name)
def test_every_fixture_reads_without_error(path):
    data = load_json(path)
    if "jobs" in data and "jsonResponse" not in data:
        pytest.skip("an interface, not a label")
    responses = [data["jsonResponse"]] if "jsonResponse" in data else None
    if responses is None:
        responses = [r.label["jsonResponse"] for r in read_labels(path)]
    assert responses
    for response in responses:
        view = LabelView(response)
        assert view.problems == []
        jobs = view.jobs
        assert jobs, f"no job found in {path.name}"
        for job in jobs:
            for occurrence in view.responses(job):
                for annotation in occurrence.annotations:
                    annotation.vertices, annotation.rings, annotation.categories, annotation.tool  # noqa: B018


@pytest.mark.parametrize("case", sorted((SDK / "label-cases").glob("case_*.json")), ids=lambda p: p.name)
def test_every_interface_job_answered_in_a_case_is_found(case):
    data = load_json(case)
    view = LabelView(data["jsonResponse"])
    declared = set(data["jsonInterface"]["jobs"])
    assert set(view.jobs) <= declared | {"ANNOTATION_JOB_COUNTER"}
    assert set(view.jobs) & declared


def test_seed_labels_count_object_a():
    three = LabelView.from_label(load_json(SEED / "image_label_three_boxes.json"))
    one = LabelView.from_label(load_json(SEED / "image_label_one_box.json"))
    assert len(three.annotations("JOB_0", category="OBJECT_A")) == 3
    assert len(one.annotations("JOB_0", category="OBJECT_A")) == 1
    assert three.label_id == "clcysc83n2asf0lq483rlc5wv"


def test_pdf_nested_annotations_have_pages_and_rings():
    label = next(read_labels(SDK / "exports" / "pdf_project_assets.json")).label
    view = LabelView.from_label(label)
    boxes = view.annotations("OBJECT_DETECTION_JOB")
    assert len(boxes) >= 3
    first = boxes[0]
    assert first.pages == (1,)
    assert first.tool == "rectangle"  # PDF rectangles have no `type`
    assert len(first.rings) == 1 and len(first.rings[0]) == 4
    assert view.categories("CLASSIFICATION_JOB") == {"C"}


def test_video_is_frame_keyed_and_tracks_keep_their_mid():
    label = next(read_labels(SDK / "exports" / "video_project_assets.json")).label
    view = LabelView.from_label(label)
    assert view.is_video
    assert view.frames[:3] == ["0", "1", "2"]
    boxes = view.annotations("OBJECT_DETECTION_JOB")
    assert {b.frame for b in boxes} == {"11", "12"}
    assert {b.mid for b in boxes} == {"20230719103804051-62814"}
    assert [b.is_key_frame for b in boxes] == [True, False]


def test_video_asset_level_comes_first():
    view = LabelView({"1": {}, "0": {"J": {"text": "x"}}, "assetLevel": {"C": {"categories": [{"name": "A"}]}}})
    assert view.frames == ["assetLevel", "0", "1"]
    assert view.categories("C") == {"A"}
    assert view.responses("J")[0].frame == "0"


def test_geospatial_coordinates_are_kept_as_given():
    label = next(read_labels(SDK / "exports" / "geotiff_image_project_assets.json")).label
    view = LabelView.from_label(label)
    line = view.annotations("LINE_DETECTION_JOB")[0]
    assert line.mid == "1"  # a number in the export, a string in the view
    assert 4 < line.polyline[0].x < 5 and 52 < line.polyline[0].y < 53
    marker = view.annotations("POINT_DETECTION_JOB")[0]
    assert marker.point is not None and marker.point.y > 52


def test_every_object_tool_of_the_image_export():
    label = next(read_labels(SDK / "exports" / "image_project_assets.json")).label
    view = LabelView.from_label(label)
    rectangle = view.annotations("OBJECT_DETECTION_JOB")[0]
    assert rectangle.tool == "rectangle" and len(rectangle.vertices) == 2  # the real 2-vertex rectangle
    assert view.annotations("OBJECT_DETECTION_JOB_0")[0].point is not None
    assert view.annotations("OBJECT_DETECTION_JOB_2")[0].tool == "polyline"
    assert view.annotations("OBJECT_DETECTION_JOB_3")[0].tool == "semantic"
    pose = view.annotations("POSE_ESTIMATION_JOB")[0]
    assert "NOSE" in pose.pose_points and len(pose.vertices) == len(pose.pose_points)


def test_semantic_with_several_rings():
    case = load_json(SDK / "label-cases" / "case_13.json")
    view = LabelView(case["jsonResponse"])
    masks = view.annotations("SEGMENTATION_JOB")
    assert masks and all(m.tool == "semantic" for m in masks)
    raw = {
        "annotations": [
            {
                "mid": "m",
                "type": "semantic",
                "boundingPoly": [
                    {"normalizedVertices": [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}]},
                    {"normalizedVertices": [{"x": 0.2, "y": 0.2}, {"x": 0.3, "y": 0.2}, {"x": 0.3, "y": 0.3}]},
                ],
            }
        ]
    }
    mask = LabelView({"SEG": raw}).annotations("SEG")[0]
    assert [len(r) for r in mask.rings] == [3, 3]


def test_children_at_any_depth_under_categories():
    case = load_json(SDK / "label-cases" / "case_18.json")
    view = LabelView(case["jsonResponse"])
    assert view.texts("TRANSCRIPTION_JOB_0") == ["a"]  # CLASSIFICATION_JOB > MCA > CLASSIFICATION_JOB_1 > ...
    assert view.texts("TRANSCRIPTION_JOB") == ["b"]
    assert view.categories("CLASSIFICATION_JOB_0") == {"MCAMCD_1", "MCAMCD_2"}


def test_children_under_annotations_carry_the_parent_mid():
    view = LabelView(
        {
            "JOB_0": {
                "annotations": [
                    {
                        "mid": "box",
                        "categories": [{"name": "A", "children": {"CAT_CHILD": {"categories": [{"name": "X"}]}}}],
                        "children": {
                            "T": {"text": "hi"},
                            "SUB": {"annotations": [{"mid": "inner", "children": {"T2": {"text": "deep"}}}]},
                        },
                    }
                ]
            }
        }
    )
    assert view.responses("T")[0].parent_mid == "box"
    assert view.responses("CAT_CHILD")[0].parent_mid == "box"
    assert view.responses("T2")[0].parent_mid == "inner"
    assert view.annotations("SUB")[0].parent_mid == "box"


def test_named_entities_and_relations():
    view = LabelView(
        {
            "NER": {
                "annotations": [
                    {
                        "mid": "e1",
                        "beginOffset": 0,
                        "endOffset": 5,
                        "content": "Kili ",
                        "categories": [{"name": "ORG"}],
                    },
                    {
                        "mid": "e2",
                        "beginOffset": 10,
                        "endOffset": 15,
                        "content": "Paris",
                        "categories": [{"name": "LOC"}],
                    },
                ]
            },
            "REL": {
                "annotations": [
                    {
                        "mid": "r1",
                        "categories": [{"name": "IN"}],
                        "startEntities": [{"mid": "e1"}],
                        "endEntities": [{"mid": "e2"}],
                    }
                ]
            },
            "OREL": {"annotations": [{"mid": "r2", "startObjects": [{"mid": "b1"}], "endObjects": [{"mid": "b2"}]}]},
        }
    )
    first = view.annotations("NER")[0]
    assert first.offsets == (0, 5) and first.content == "Kili "
    relation = view.annotations("REL")[0]
    assert relation.start_mids == ("e1",) and relation.end_mids == ("e2",)
    assert view.annotations("OREL")[0].end_mids == ("b2",)


def test_ignored_technical_jobs():
    view = LabelView(
        {"ANNOTATION_JOB_COUNTER": {"JOB_0": {"A": 1}}, "ROTATION_JOB": {"rotation": 90}, "J": {"text": "x"}}
    )
    assert view.jobs == ["J"]


@pytest.mark.parametrize(
    "response",
    [
        None,
        [],
        "not json",
        "[1, 2]",
        42,
        {"J": None},
        {"J": []},
        {"J": {"annotations": None}},
        {"J": {"annotations": [None, 3, {"boundingPoly": None}]}},
        {"J": {"categories": "A"}},
        {"J": {"annotations": [{"boundingPoly": [{"normalizedVertices": [{"x": "a"}, None, [None]]}]}]}},
        {"J": {"annotations": [{"mid": True, "children": [], "points": {"a": 1}, "point": [1, 2]}]}},
        {"0": None, "1": {"J": {"text": 5}}},
    ],
)
def test_malformed_responses_never_raise(response):
    view = LabelView(response)
    for job in ["J", *view.jobs]:
        for r in view.responses(job):
            r.text, r.categories, r.is_answered  # noqa: B018
            for a in r.annotations:
                a.vertices, a.mid, a.pages, a.pose_points, a.start_mids, a.tool, a.offsets  # noqa: B018


def test_a_json_string_response_is_parsed_and_a_bad_one_reported():
    assert LabelView('{"J": {"text": "x"}}').texts("J") == ["x"]
    assert LabelView("{oops").problems == ["jsonResponse is a string that is not JSON"]


def test_deep_nesting_is_bounded():
    response: dict = {"text": "bottom"}
    for _ in range(500):
        response = {"categories": [{"name": "A", "children": {"J": response}}]}
    view = LabelView({"J": response})
    assert 1 <= len(view.responses("J")) <= 40
