"""Every rule type is documented, its documented examples hold, and the generated reference is current."""

from __future__ import annotations

import inspect

import pytest
from conftest import ROOT

from kili_rules.authoring.docs import doc_examples, example_label, rule_type_doc, rule_types_markdown
from kili_rules.authoring.loader import load_rule_set
from kili_rules.plugins import hookspecs
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.label_view import LabelView

RULE_TYPES = default_registry().rule_types


def _examples():
    for name, rule_type in RULE_TYPES.items():
        for index, example in enumerate(doc_examples(rule_type)):
            yield pytest.param(example, id=f"{name}-{index}")


def test_the_builtin_rule_types_are_installed():
    assert {"count", "text", "required", "categories"} <= set(RULE_TYPES)


@pytest.mark.parametrize("name", sorted(RULE_TYPES))
def test_each_rule_type_is_documented_with_examples_and_placeholders(name):
    rule_type = RULE_TYPES[name]
    doc = rule_type_doc(rule_type)
    assert doc.startswith(f"{name}:"), "the docstring's first line names the rule type"
    assert "Options:" in doc and "Placeholders:" in doc
    for placeholder in rule_type.placeholders:
        assert f"{{{placeholder}}}" in doc, f"placeholder {placeholder} is undocumented"
    assert doc_examples(rule_type), "a rule type documents at least one runnable example"
    assert rule_type.check.__doc__ and rule_type.params.__doc__


def test_each_hook_is_documented():
    hooks = [f for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("kili_rules_")]
    assert hooks
    for hook in hooks:
        assert hook.__doc__ and len(hook.__doc__.strip()) > 40, f"hook {hook.__name__} is undocumented"


@pytest.mark.parametrize("example", list(_examples()))
def test_documented_examples_hold(example, write_rules, tmp_path):
    import yaml

    path = write_rules(yaml.safe_dump({"rules": [example["rule"]]}))
    rule_set = load_rule_set(path)
    rule_id = example["rule"]["id"]
    expectations = [("fails", "fail"), ("passes", "pass"), ("not_applicable", "not_applicable"), ("errors", "error")]
    checked = 0

    def view(item):  # a jsonResponse, or {json_response, resolution}: a label on an asset of that size
        response, resolution = example_label(item)
        return LabelView(response, resolution=resolution)

    pinned = example.get("pinned")  # optional: the mids of the findings of each `fails` label, in order
    if pinned is not None:
        for item, mids in zip(example["fails"], pinned, strict=True):
            assert [f.mid for f in rule_set.evaluate(view(item)).outcome(rule_id).findings] == mids
    for key, status in expectations:
        for item in example.get(key, []):
            outcome = rule_set.evaluate(view(item)).outcome(rule_id)
            assert outcome.status == status, f"{key}: {item} gave {outcome}"
            if status == "fail":
                assert all(f.message for f in outcome.findings)
            checked += 1
    assert checked >= 2


def test_the_rule_type_reference_is_current():
    current = (ROOT / "docs" / "rule-types.md").read_text(encoding="utf-8")
    assert current == rule_types_markdown(), "run: python -m kili_rules.authoring.docs > docs/rule-types.md"


# -- count pins its findings ---------------------------------------------------------------------------------------


def _count_findings(response, **params):
    from kili_rules.runtime.engine import Engine

    rule = {"id": "c", "type": "count", "message": "{count}|{frames}|{reason}", "events": ["submit"], "params": params}
    report = Engine({"rules": [rule]}, RULE_TYPES).evaluate(LabelView(response))
    return [(f.mid, f.frame, f.message) for f in report.findings]


def test_count_pins_each_annotation_beyond_max_in_label_order():
    boxes = [{"mid": m, "categories": [{"name": c}]} for m, c in [("a", "A"), ("b", "B"), ("c", "A"), ("d", "A")]]
    reason = "3 A annotations in J, expected at most 1"
    assert _count_findings({"J": {"annotations": boxes}}, job="J", category="A", max=1) == [
        ("c", None, f"3||{reason}"),
        ("d", None, f"3||{reason}"),
    ]
    assert _count_findings({"J": {"annotations": boxes}}, job="J", max=4) == []
    # a child job is counted wherever it occurs: the excess is pinned on the nested annotations themselves
    nested = {"P": {"annotations": [{"mid": "p", "children": {"J": {"annotations": boxes[:2]}}}]}}
    assert [mid for mid, _, _ in _count_findings(nested, job="J", max=0)] == ["a", "b"]


def test_count_below_min_is_one_unpinned_finding():
    one = {"J": {"annotations": [{"mid": "a"}]}}
    assert _count_findings(one, job="J", min=2) == [(None, None, "1||1 annotations in J, expected at least 2")]
    assert _count_findings({}, job="J", min=1) == [(None, None, "0||0 annotations in J, expected at least 1")]


def test_count_per_frame_groups_the_excess_by_track_on_its_first_offending_frame():
    frames = {
        "0": ["a"],
        "1": ["a", "b"],
        "2": ["a", "b", "c"],
        "3": ["a"],
        "4": ["a", "b"],
        "5": [],
    }
    video = {k: {"J": {"annotations": [{"mid": m} for m in mids]}} for k, mids in frames.items()}
    assert _count_findings(video, job="J", max=1) == [
        ("b", "1", "3|1-2, 4|3 annotations in J (frames 1-2, 4), expected at most 1"),
        ("c", "2", "3|2|3 annotations in J (frames 2), expected at most 1"),
    ]
    assert _count_findings(video, job="J", min=1, max=2) == [
        ("c", "2", "3|2|3 annotations in J (frames 2), expected at least 1 and at most 2"),
        (None, "5", "0|5|0 annotations in J (frames 5), expected at least 1 and at most 2"),
    ]


def test_count_per_track_pins_each_track_beyond_max_in_order_of_first_appearance():
    frames = {"0": ["b"], "1": ["a", "b"], "2": ["c", "a"], "3": ["c"]}
    video = {k: {"J": {"annotations": [{"mid": m} for m in mids]}} for k, mids in frames.items()}
    assert _count_findings(video, job="J", max=1, per="track") == [
        ("a", "1", "3|1-2|3 annotations in J, expected at most 1"),
        ("c", "2", "3|2-3|3 annotations in J, expected at most 1"),
    ]
    assert _count_findings(video, job="J", min=4, per="track") == [
        (None, None, "3||3 annotations in J, expected at least 4")
    ]


def test_count_annotations_without_a_mid_in_a_video_are_one_unpinned_finding():
    video = {k: {"J": {"annotations": [{"mid": "a"}, {}, {"mid": 7}]}} for k in ("0", "1")}
    assert _count_findings(video, job="J", max=1) == [
        (None, "0", "3|0-1|3 annotations in J (frames 0-1), expected at most 1"),
        ("7", "0", "3|0-1|3 annotations in J (frames 0-1), expected at most 1"),
    ]
    assert [(mid, frame) for mid, frame, _ in _count_findings(video, job="J", max=0, per="track")] == [
        ("a", "0"),
        (None, "0"),
        ("7", "0"),
    ]
