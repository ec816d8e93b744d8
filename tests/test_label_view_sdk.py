"""The label view against the SDK's own parser (``kili.utils.labels.parsing.ParsedLabel``), on the examples
harvested from the SDK's tests, docs and recipes (``tests/sdk_examples``, Apache-2.0: see its README); the module
documentation's examples; job-level children of classifications, down to a built plugin."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from sdk_differential import ASPECTS, compare

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.runtime import label_view as label_module
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import evaluate, run_plugin

HARVEST = Path(__file__).parent / "sdk_examples"
EXAMPLES = json.loads((HARVEST / "examples.json").read_text(encoding="utf-8"))["examples"]

#: Every example the SDK refuses as a whole, and why the label view reads it all the same. Each is deliberate:
#: the view reads what is written and leaves judging it to rules and lint; the SDK validates against the interface.
SDK_RAISES = {
    "sdk-029": "a category chosen twice: the SDK refuses the label, the view reads both choices (a categories rule "
    "can then judge them)",
    "sdk-085": "a category written by its display name ('Choice 1', the SDK's own conversion test): the SDK "
    "refuses a name that is not a category key, the view reads the name as written",
    "sdk-151": "an interface job without `isChild` (an integration test's stub): the SDK needs the key, the view "
    "never reads the interface",
    "sdk-156": "LLM export: categories written as plain strings: the SDK raises TypeError, the view reads no "
    "category (it reads only category objects) and the transcription",
    "sdk-159": "LLM export, categories as plain strings (see sdk-156)",
    "sdk-162": "LLM export, categories as plain strings (see sdk-156)",
    "sdk-165": "LLM export, categories as plain strings (see sdk-156)",
    "sdk-171": "categories on a job the interface declares a TRANSCRIPTION without `content`: the SDK looks the "
    "categories up in the interface and raises KeyError, the view reads them as written",
    "sdk-172": "the same as sdk-171, in a video response",
}


def _results() -> dict[str, dict[str, list[str]]]:
    return {example["id"]: compare(example) for example in EXAMPLES}


@pytest.fixture(scope="module")
def results():
    return _results()


def test_the_harvest_is_large_and_licensed():
    assert len(EXAMPLES) >= 150
    assert {e["input_type"] for e in EXAMPLES} >= {"IMAGE", "VIDEO", "TEXT", "PDF"}
    assert "Apache License" in (HARVEST / "LICENSE.txt").read_text()
    assert (HARVEST / "harvest.py").exists() and "Apache-2.0" in (HARVEST / "README.md").read_text()


def test_the_view_reads_what_the_sdk_reads(results):
    """On every aspect both can read, on every example the SDK parses, the two agree; the SDK raises only on the
    examples listed in SDK_RAISES."""
    raised = {i for i, r in results.items() if "parse" in r}
    assert raised == set(SDK_RAISES), {i: results[i].get("parse") for i in raised ^ set(SDK_RAISES)}
    differences = {
        (i, aspect): diffs[:3] for i, r in results.items() if "parse" not in r for aspect, diffs in r.items() if diffs
    }
    assert differences == {}
    cells = sum(len(r) for r in results.values() if "parse" not in r)
    assert cells == (len(EXAMPLES) - len(SDK_RAISES)) * len(ASPECTS)


@pytest.mark.parametrize("example_id", sorted(SDK_RAISES))
def test_where_the_sdk_raises_the_view_reads(example_id):
    example = next(e for e in EXAMPLES if e["id"] == example_id)
    view = LabelView(example["json_response"])
    assert view.unreadable is None
    assert view.jobs


def test_the_examples_cover_what_the_issue_names():
    """Job-level children of a classification, begin-only entities, PDF polys, pose points and video key frames
    are among the examples the two agree on."""
    text = [json.dumps(e["json_response"]) for e in EXAMPLES if e["id"] not in SDK_RAISES]
    assert any('"polys"' in t for t in text)
    assert any('"isKeyFrame"' in t and '"categories": [{' in t for t in text)
    assert any('"points"' in t and '"code"' in t for t in text)
    begin_only = [
        a
        for e in EXAMPLES
        for view in [LabelView(e["json_response"])]
        for job in view.jobs
        for a in view.annotations(job)
        if "beginOffset" in a.raw and "endOffset" not in a.raw
    ]
    assert begin_only and all(a.end_offset == a.begin_offset + len(a.content) for a in begin_only if a.content)
    job_level = [e for e in EXAMPLES if _job_level_children(e["json_response"])]
    assert len(job_level) >= 2


def _job_level_children(response: dict) -> bool:
    frames = [v for k, v in response.items() if k.isdigit()] or [response]
    return any(
        isinstance(answer, dict) and answer.get("children") and answer.get("categories")
        for frame in frames
        if isinstance(frame, dict)
        for answer in frame.values()
    )


def test_the_module_documentation_examples_run():
    failed, attempted = doctest.testmod(label_module, optionflags=doctest.ELLIPSIS)
    assert attempted >= 15 and failed == 0


# --- job-level children -------------------------------------------------------------------------------------------

NESTED = {"categories": [{"name": "NEWS"}], "children": {"NESTED_JOB": {"categories": [{"name": "SPORTS"}]}}}


def test_job_level_children_at_any_depth_with_their_parent():
    deep = {"categories": [{"name": "A"}], "children": {"MID_JOB": {**NESTED, "children": {**NESTED["children"]}}}}
    view = LabelView(
        {
            "JOB_0": NESTED,
            "DEEP": deep,
            "BOX": {
                "annotations": [
                    {"mid": "box-1", "categories": [{"name": "CAR"}], "children": {"TOPIC": NESTED}},
                    {"mid": "box-2", "categories": [{"name": "CAR", "children": {"TOPIC": NESTED}}]},
                ]
            },
            "POSE": {"annotations": [{"mid": "pose-1", "points": [{"code": "NOSE", "children": {"TOPIC": NESTED}}]}]},
        }
    )
    assert [r.parent_mid for r in view.responses("NESTED_JOB")] == [None, None, "box-1", "box-2", "pose-1"]
    assert view.categories("NESTED_JOB") == {"SPORTS"}
    assert view.responses("MID_JOB")[0].parent_mid is None


def test_job_level_children_in_video_frames():
    view = LabelView({"0": {"JOB_0": NESTED}, "1": {}, "2": {"JOB_0": NESTED}})
    assert [r.frame for r in view.responses("NESTED_JOB")] == ["0", "2"]


def test_job_level_children_of_hostile_shapes_never_raise():
    for children in (None, [], "x", {"J": None}, {"J": {"children": {"J": {"children": 3}}}}, {1: {}}):
        view = LabelView({"JOB_0": {"categories": [{"name": "A"}], "children": children}})
        assert view.categories("J") <= {"A"} and isinstance(view.jobs, list)
    loop: dict = {"categories": [{"name": "A"}]}
    for _ in range(200):
        loop = {"children": {"J": loop}}
    assert 1 <= len(LabelView({"J": loop}).responses("J")) <= 40


INTERFACE = {
    "jobs": {
        "JOB_0": {
            "mlTask": "CLASSIFICATION",
            "required": 1,
            "isChild": False,
            "content": {"input": "radio", "categories": {"NEWS": {"name": "News", "children": ["NESTED_JOB"]}}},
        },
        "BOX": {
            "mlTask": "OBJECT_DETECTION",
            "required": 0,
            "isChild": False,
            "tools": ["rectangle"],
            "content": {"input": "radio", "categories": {"CAR": {"name": "Car", "children": ["BOX_TOPIC"]}}},
        },
        "BOX_TOPIC": {
            "mlTask": "CLASSIFICATION",
            "required": 0,
            "isChild": True,
            "content": {"input": "radio", "categories": {"NEWS": {"name": "News", "children": ["NESTED_JOB"]}}},
        },
        "NESTED_JOB": {
            "mlTask": "CLASSIFICATION",
            "required": 1,
            "isChild": True,
            "content": {
                "input": "radio",
                "categories": {"SPORTS": {"name": "Sports"}, "POLITICS": {"name": "Politics"}},
            },
        },
    }
}

RULES = """\
name: nested
interface: interface.json
actions: {error: [issue, send_back]}
rules:
  - id: no-politics
    type: categories
    job: NESTED_JOB
    forbidden: [POLITICS]
    message: "No politics: {categories}"
  - id: nested-required
    type: required
    job: NESTED_JOB
    when: {job: JOB_0, category: NEWS}
    message: "{reason}"
"""


def _nested(category: str) -> dict:
    return {"categories": [{"name": "NEWS"}], "children": {"NESTED_JOB": {"categories": [{"name": category}]}}}


@pytest.fixture
def rule_file(tmp_path):
    (tmp_path / "interface.json").write_text(json.dumps(INTERFACE))
    path = tmp_path / "nested.yaml"
    path.write_text(RULES)
    return path


def test_lint_knows_the_nested_classification(rule_file):
    assert lint_rule_file(rule_file) == []


def test_a_rule_on_a_job_level_nested_classification_works_in_the_built_plugin(rule_file):
    label = {
        "JOB_0": _nested("POLITICS"),
        "BOX": {
            "annotations": [
                {"mid": "box-1", "categories": [{"name": "CAR"}], "children": {"BOX_TOPIC": _nested("POLITICS")}}
            ]
        },
    }
    kili = run_plugin(rule_file, label)
    issues = {(i["text"], i["objectMid"]) for i in kili.issues_store}
    text = "[nested/no-politics] No politics: POLITICS"
    assert issues == {(text, None), (text, "box-1")}
    assert kili.sent_back and kili.metadata["qa_score"] == 50.0  # nested-required passes: NESTED_JOB is there

    # the same runtime offline (one plugin build is enough for the suite's time)
    assert evaluate(rule_file, {"JOB_0": _nested("SPORTS")}).score == 100.0
    missing = evaluate(rule_file, {"JOB_0": {"categories": [{"name": "NEWS"}]}})
    assert [f.rule_id for f in missing.findings] == ["nested-required"]


def test_lint_knows_the_children_of_pose_points_and_of_jobs():
    """The SDK reads child jobs listed under a pose point (its test ``test_pose_estimation_with_children``) or at
    job level: lint does not call them orphans."""
    from kili_rules.authoring.interface import Interface

    pose = next(e for e in EXAMPLES if e["source"].endswith("test_pose_estimation_with_children"))
    interface = Interface(pose["json_interface"])
    assert interface.parents("CLASSIFICATION_JOB") == [("JOB_0", "POSE_A")]
    assert interface.check_job("job", "CLASSIFICATION_JOB")[1] == []
    job_level = Interface(
        {"jobs": {"P": {"mlTask": "CLASSIFICATION", "children": ["C"]}, "C": {"mlTask": "TRANSCRIPTION", "isChild": 1}}}
    )
    assert job_level.parents("C") == [("P", "")] and job_level.check_job("job", "C")[1] == []
    pose_view = LabelView(pose["json_response"])
    assert [r.parent_mid for r in pose_view.responses("CLASSIFICATION_JOB")] == ["20230825092341563-27153"]
