"""What the view cannot read is never skipped in silence (issue 20): a vertex that is NaN, infinite or absurd, an object
without a readable shape (in a job whose rules read shapes), ``categories`` that is not a list. The rules reading
that job fail closed, with a finding that names the object, through the engine and through a built plugin.

Every expectation is written from the rule and the label by hand.
"""

from __future__ import annotations

import doctest
import math

import pytest
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime import unreadable
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import COULD_NOT_CHECK, UNREADABLE_DATA

SQUARE = [(0.1, 0.1), (0.3, 0.1), (0.3, 0.3), (0.1, 0.3)]
NAN, INF = math.nan, math.inf
RULES = [
    {"id": "count", "type": "count", "params": {"job": "OD", "category": "CAR", "max": 3}},
    {"id": "dup", "type": "overlap", "params": {"job": "OD", "max_iou": 0.5}},
    {"id": "shape", "type": "geometry", "params": {"job": "OD", "inside_image": True, "max_area": 0.5}},
    {"id": "cats", "type": "categories", "params": {"job": "OD", "allowed": ["CAR"]}},
]
SHAPE_RULES = {"dup", "shape"}
ENGINE = Engine({"rules": [{**r, "events": ["submit"]} for r in RULES]}, default_registry().rule_types)


def box(mid, vertices=SQUARE, categories=None, **fields):
    raw = {"type": "rectangle", "categories": [{"name": "CAR"}] if categories is None else categories, **fields}
    if mid is not None:
        raw["mid"] = mid
    if vertices is not None:
        raw["boundingPoly"] = [{"normalizedVertices": [{"x": x, "y": y} for x, y in vertices]}]
    return raw


def evaluate(*objects):
    return ENGINE.evaluate(LabelView({"OD": {"annotations": list(objects)}}))


def test_the_module_documentation_example_runs():
    failed, attempted = doctest.testmod(unreadable)
    assert attempted >= 3 and failed == 0


def test_readable_boxes_pass_every_rule():
    shifted = [(x + 0.5, y + 0.5) for x, y in SQUARE]
    report = evaluate(box("a"), box("b", shifted))
    assert [(o.rule_id, o.status) for o in report.outcomes] == [(r["id"], "pass") for r in RULES]


@pytest.mark.parametrize(
    ("vertices", "what"),
    [
        ([(NAN, 0.1), *SQUARE[1:]], "a coordinate that is not a finite number (x=nan)"),  # min() would see NaN...
        ([*SQUARE[:2], (0.3, NAN), SQUARE[3]], "a coordinate that is not a finite number (y=nan)"),  # ...not this
        ([SQUARE[0], (INF, 0.1), *SQUARE[2:]], "a coordinate that is not a finite number (x=inf)"),
        ([SQUARE[0], (0.3, -INF), *SQUARE[2:]], "a coordinate that is not a finite number (y=-inf)"),
        ([*SQUARE[:3], (1e7, 0.3)], "a coordinate that is beyond ±1e+06 (x=10000000.0)"),
    ],
    ids=["nan-first", "nan-not-first", "inf", "minus-inf", "1e7"],
)
def test_a_vertex_that_cannot_be_read_fails_the_rules_that_read_shapes(vertices, what):
    report = evaluate(box("good"), box("bad", vertices))
    for outcome in report.outcomes:
        if outcome.rule_id not in SHAPE_RULES:
            assert outcome.status == "pass", outcome  # count and categories read no shape
            continue
        assert outcome.status == "error" and outcome.counts_as_failed
        (finding,) = outcome.findings
        assert finding.message == f"{COULD_NOT_CHECK}object 'bad' of OD: {what}"
        assert (finding.mid, finding.job, finding.severity) == ("bad", "OD", "error")
        assert outcome.error == f"{UNREADABLE_DATA}object 'bad' of OD: {what}"
    assert report.score == 50.0  # 2 of 4 rules failed closed


@pytest.mark.parametrize(
    ("raw", "what"),
    [
        (box("bad", vertices=None, boundingPoly=[{}]), "a boundingPoly without a normalizedVertices list"),
        (box("bad", vertices=None), "no readable vertex"),
        (box("bad", vertices=None, boundingPoly=[{"normalizedVertices": [{"x": 0.1}]}]), "a vertex that is not"),
        (box("bad", vertices=None, point={"x": "0.5", "y": 0.5}), "a vertex that is not {x, y} numbers"),
    ],
    ids=["no-normalizedVertices", "no-shape", "no-y", "string-x"],
)
def test_an_object_without_a_readable_shape_fails_the_rules_that_read_shapes(raw, what):
    report = evaluate(box("good"), raw)
    assert {o.rule_id: o.status for o in report.outcomes} == {
        "count": "pass",
        "dup": "error",
        "shape": "error",
        "cats": "pass",
    }
    for outcome in report.outcomes:
        if outcome.rule_id in SHAPE_RULES:
            (finding,) = outcome.findings
            assert finding.mid == "bad"
            assert finding.message.startswith(f"{COULD_NOT_CHECK}object 'bad' of OD: {what}")


def test_three_identical_boxes_whose_categories_is_an_object_pass_no_rule():
    report = evaluate(*[box(mid, categories={"name": "CAR"}) for mid in ("b1", "b2", "b3")])
    for outcome in report.outcomes:  # every rule reads the job's categories
        assert outcome.status == "error", outcome
        assert [(f.mid, f.message) for f in outcome.findings] == [
            (mid, f"{COULD_NOT_CHECK}object {mid!r} of OD: categories is a dict, not a list")
            for mid in ("b1", "b2", "b3")
        ]
    assert report.score == 0.0


def test_an_object_without_a_mid_is_named_by_its_position_and_its_frame():
    response = {
        "0": {"OD": {"annotations": [box("a")]}},
        "1": {"OD": {"annotations": [box("a"), box(None, [(NAN, 0)])]}},
    }
    outcome = ENGINE.evaluate(LabelView(response)).outcome("shape")
    (finding,) = outcome.findings
    assert (
        finding.message
        == f"{COULD_NOT_CHECK}object #2 of OD in frame 1: a coordinate that is not a finite number (x=nan)"
    )
    assert (finding.mid, finding.frame) == (None, "1")


def test_a_classification_whose_categories_is_an_object_fails_its_rules():
    engine = Engine(
        {
            "rules": [
                {"id": "c", "type": "categories", "events": ["submit"], "params": {"job": "C", "forbidden": ["NO"]}}
            ]
        },
        default_registry().rule_types,
    )
    outcome = engine.evaluate(LabelView({"C": {"categories": {"name": "NO"}}})).outcome("c")
    assert outcome.status == "error"
    assert [f.message for f in outcome.findings] == [
        f"{COULD_NOT_CHECK}the answer of C: categories is a dict, not a list"
    ]


def test_geospatial_coordinates_and_pixels_are_read():
    lon_lat = [(-122.42, 37.77), (-122.40, 37.77), (-122.40, 37.79), (-122.42, 37.79)]
    pixels = [(10, 20), (4000, 20), (4000, 3000), (10, 3000)]
    engine = Engine(
        {"rules": [{"id": "dup", "type": "overlap", "events": ["submit"], "params": {"job": "OD", "max_iou": 0.5}}]},
        default_registry().rule_types,
    )
    report = engine.evaluate(LabelView({"OD": {"annotations": [box("geo", lon_lat), box("px", pixels)]}}))
    assert report.outcome("dup").status == "pass"


def test_on_error_skip_leaves_the_rule_out_of_the_score():
    engine = Engine(
        {"on_error": "skip", "rules": [{**r, "events": ["submit"]} for r in RULES]}, default_registry().rule_types
    )
    report = engine.evaluate(LabelView({"OD": {"annotations": [box("good"), box("bad", [(NAN, 0)])]}}))
    assert {o.rule_id: o.status for o in report.outcomes} == {
        "count": "pass",
        "dup": "error",
        "shape": "error",
        "cats": "pass",
    }
    assert report.findings == [] and report.score == 100.0


def test_many_unreadable_objects_give_ten_findings_and_say_how_many_more():
    outcome = evaluate(*[box(f"b{i}", [(INF, 0)]) for i in range(25)]).outcome("shape")
    assert [f.mid for f in outcome.findings] == [f"b{i}" for i in range(10)]
    assert outcome.findings[-1].message.endswith("(and 15 more that cannot be read)")
    assert outcome.error.endswith("(and 24 more)")


def test_a_python_rule_reads_what_it_reads():
    engine = Engine(
        {"rules": [{"id": "p", "type": "python", "events": ["submit"], "params": {"module": "m", "function": "f"}}]},
        default_registry().rule_types,
        lambda module, function: lambda label: None,
    )
    report = engine.evaluate(LabelView({"OD": {"annotations": [box("bad", categories={"name": "CAR"})]}}))
    assert report.outcome("p").status == "pass"  # the engine cannot know what a Python rule reads


# -- through the built plugin ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unreadable")
    (folder / "rules.yaml").write_text(
        "rules:\n"
        "  - {id: count, type: count, job: OD, category: CAR, max: 3}\n"
        "  - {id: dup, type: overlap, job: OD, max_iou: 0.5}\n"
        "  - {id: shape, type: geometry, job: OD, inside_image: true}\n",
        encoding="utf-8",
    )
    return load_plugin_module(build_plugin(load_rule_set(folder / "rules.yaml"), folder / "dist").path)


def run(plugin, response):
    state = FakeKiliState(metadata={"keep": "me"})
    state.asset_of["L"] = "asset-1"
    logger, records = logger_with_records()
    plugin.PluginHandler(autospec_kili(state), "project-1", logger).on_submit(
        {"id": "L", "jsonResponse": response}, "asset-1"
    )
    return state, records


def test_the_plugin_pins_an_issue_on_each_box_it_cannot_read_and_sends_the_asset_back(plugin):
    state, _ = run(plugin, {"OD": {"annotations": [box(m, categories={"name": "CAR"}) for m in ("b1", "b2", "b3")]}})
    expected = [
        f"[rules/{rule}] {COULD_NOT_CHECK}object {mid!r} of OD: categories is a dict, not a list"
        for rule in ("count", "dup", "shape")
        for mid in ("b1", "b2", "b3")
    ]
    assert sorted(state.open_issues) == sorted(expected)
    assert sorted({i["objectMid"] for i in state.issues_store}) == ["b1", "b2", "b3"]
    assert state.metadata == {"keep": "me", "qa_score": 0.0, "qa_send_backs": 1}  # existing keys kept
    assert state.sent_back == ["asset-1"]


def test_the_plugin_fails_a_nan_vertex_that_is_not_first(plugin):
    state, _ = run(plugin, {"OD": {"annotations": [box("ok"), box("nan", [*SQUARE[:2], (NAN, 0.3), SQUARE[3]])]}})
    assert sorted(state.open_issues) == [
        f"[rules/{rule}] {COULD_NOT_CHECK}object 'nan' of OD: a coordinate that is not a finite number (x=nan)"
        for rule in ("dup", "shape")
    ]
    assert state.metadata["qa_score"] == round(100 / 3, 2) and state.sent_back == ["asset-1"]
