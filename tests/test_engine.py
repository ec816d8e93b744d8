"""The engine: outcomes, findings, score, errors that do not stop the other rules, events, weights."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.contract import RuleType
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import compile_template, placeholders, render
from kili_rules.runtime.model import NOT_APPLICABLE, Finding, RuleOutcome, Violation

TYPES = dict(default_registry().rule_types)


def rule(rule_id, type_="count", *, weight=1, events=("submit", "review"), enabled=True, message="{reason}", **params):
    return {
        "id": rule_id,
        "type": type_,
        "severity": "error",
        "message": message,
        "events": list(events),
        "weight": weight,
        "enabled": enabled,
        "params": params,
    }


def boxes(*categories):
    return LabelView(
        {"J": {"annotations": [{"mid": f"m{i}", "categories": [{"name": c}]} for i, c in enumerate(categories)]}}
    )


def test_score_is_the_weighted_share_of_applicable_rules_passed():
    engine = Engine(
        {
            "rules": [
                rule("a", job="J", max=1, weight=3),  # fails (2 boxes)
                rule("b", job="J", min=1, weight=1),  # passes
                rule("c", job="OTHER", max=1, weight=5),  # not applicable: left out of the score
            ]
        },
        TYPES,
    )
    report = engine.evaluate(boxes("A", "A"))
    assert [o.status for o in report.outcomes] == ["fail", "pass", "not_applicable"]
    assert report.score == 25.0
    assert report.failed_rule_ids == ["a"]


def test_a_label_with_no_applicable_rule_scores_100():
    engine = Engine({"rules": [rule("c", job="OTHER", max=1)]}, TYPES)
    assert engine.evaluate(LabelView({})).score == 100


def _boom(params, label):
    raise ZeroDivisionError("boom")


def test_a_rule_that_raises_is_an_error_and_the_others_still_run():
    types = {**TYPES, "boom": RuleType("boom", dict, _boom, (), "x")}
    engine = Engine({"rules": [rule("x", "boom"), rule("a", job="J", max=1)]}, types)
    report = engine.evaluate(boxes("A", "A"))
    error, count = report.outcomes
    assert error.status == "error" and error.error == "ZeroDivisionError: boom" and "_boom" in error.traceback
    assert count.status == "fail"
    assert report.score == 0  # the error is left out of the score
    assert report.errors == [error]


def test_a_rule_whose_params_cannot_be_built_reports_an_error_every_time():
    engine = Engine({"rules": [rule("bad", job="J", max=1, nonsense=2), rule("gone", "no-such-type")]}, TYPES)
    report = engine.evaluate(boxes("A"))
    assert [o.status for o in report.outcomes] == ["error", "error"]
    assert "nonsense" in report.outcomes[0].error


def test_a_check_returning_garbage_is_an_error_not_a_crash():
    types = {**TYPES, "junk": RuleType("junk", dict, lambda p, label: [42], (), "x")}
    report = Engine({"rules": [rule("j", "junk")]}, types).evaluate(LabelView({}))
    assert report.outcomes[0].status == "error" and "Violation" in report.outcomes[0].error


def test_events_and_enabled_select_the_rules():
    engine = Engine(
        {
            "rules": [
                rule("submit-only", job="J", max=5, events=["submit"]),
                rule("review-only", job="J", max=5, events=["review"]),
                rule("off", job="J", max=5, enabled=False),
            ]
        },
        TYPES,
    )
    assert [o.rule_id for o in engine.evaluate(boxes("A"), "submit").outcomes] == ["submit-only"]
    assert [o.rule_id for o in engine.evaluate(boxes("A"), "review").outcomes] == ["review-only"]


def test_engine_accepts_a_kili_label_dict():
    engine = Engine({"rules": [rule("a", job="J", max=0)]}, TYPES)
    report = engine.evaluate({"id": "L1", "jsonResponse": {"J": {"annotations": [{"mid": "x"}]}}})
    assert report.outcome("a").status == "fail"


@pytest.mark.parametrize(
    ("broken", "rule_id"),
    [
        ({"weight": "heavy"}, "b"),
        ({"weight": None}, "b"),
        ({"id": ...}, "<a rule without an id>"),  # ...: the key is missing
        ({"params": ["J"]}, "b"),
    ],
)
def test_a_rule_whose_id_weight_or_params_cannot_be_read_fails_closed_and_never_raises(broken, rule_id):
    """The loader never compiles such a rule; the engine, which the plugin embeds, still must not raise on one."""
    changed = {key: value for key, value in {**rule("b", job="J", max=0), **broken}.items() if value is not ...}
    rules = [changed, rule("a", job="J", max=5)]
    report = Engine({"rules": rules}, TYPES).evaluate(boxes("A"))
    outcome = report.outcome(rule_id)
    assert outcome.status == "error" and outcome.weight == 1.0 and "cannot set up rule" in outcome.error
    assert [f.rule_id for f in outcome.findings] == [rule_id]  # fails closed: a "could not check" finding
    assert report.outcome("a").status == "pass" and report.score == 50.0


def test_message_templates_fill_only_simple_placeholders():
    assert render("{count} boxes {{literal}} {missing}", {"count": 3}) == "3 boxes {literal} {missing}"
    assert render("{a.__class__}", {"a": 1}) == "{a.__class__}"
    assert placeholders("x {a} {{b}} {c}") == ["a", "c"]


TEMPLATE_PIECES = ["{a}", "{b:>3}", "{c:.2f}", "{d:02d}", "{e:.0%}", "{{", "}}", "{", "}", "x", " ", ":", "{a.b}",
                   "{a:{b}}", "{}", "{1}", "{a:q}", "{missing}", "é"]  # fmt: skip
VALUES = st.dictionaries(
    st.sampled_from("abcde"),
    st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3), st.booleans(), st.lists(st.integers())),
)


@given(st.lists(st.sampled_from(TEMPLATE_PIECES), max_size=8).map("".join), VALUES)
def test_a_compiled_template_renders_as_render_does(template, values):
    """The engine compiles each rule's message once: the same text as ``render``, whatever the values."""
    assert compile_template(template)(values) == render(template, values)


def test_outcomes_and_findings_are_frozen_dataclasses_with_their_defaults():
    """Their __init__ is written by hand (for speed): the dataclass behaviour stays."""
    assert Violation().values == {} and Violation().values is not Violation().values
    assert Violation(values=None).values is None  # as given, as before
    violation = Violation({"n": 1}, "m", "J", "3", "text")
    assert violation == Violation(values={"n": 1}, mid="m", job="J", frame="3", message="text")
    assert dataclasses.replace(violation, mid="n").mid == "n" and violation.mid == "m"
    finding = Finding("r", "error", "x", mid="m")
    assert hash(finding) == hash(Finding("r", "error", "x", "m")) and finding.job is None
    assert repr(finding) == "Finding(rule_id='r', severity='error', message='x', mid='m', job=None, frame=None)"
    outcome = RuleOutcome("r", "fail", 2.0, (finding,))
    assert (outcome.error, outcome.traceback, outcome.on_error) == (None, None, "fail") and outcome.counts_as_failed
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.status = "pass"  # type: ignore[misc]


def test_a_rule_whose_keys_cannot_be_read_fails_closed_each_time():
    broken = {**rule("b", job="J", max=0), "message": ["not", "a", "template"]}
    report = Engine({"rules": [broken, rule("a", job="J", max=0)]}, TYPES).evaluate(boxes("A"))
    assert report.outcome("b").status == "error" and "cannot set up rule" in report.outcome("b").error
    assert report.outcome("a").status == "fail"


def test_findings_carry_the_rule_and_the_common_placeholders():
    types = {**TYPES, "v": RuleType("v", dict, lambda p, label: [Violation({"n": 1}, mid="m", frame="3")], ("n",), "")}
    engine = Engine({"rules": [rule("r", "v", message="[{id}] {n} on {job} at {frame}")]}, types)
    finding = engine.evaluate(LabelView({})).findings[0]
    assert finding.message == "[r] 1 on  at 3" and finding.mid == "m"  # None renders as ""
    assert finding.issue_text == "[r] [r] 1 on  at 3 (frame 3)"  # a video finding names its frame


def test_an_issue_names_its_frame_once():
    finding = Finding("r", "error", "box too small in frame 12", frame="12")
    assert finding.issue_text == "[r] box too small in frame 12"
    assert Finding("r", "error", "x", frame="assetLevel").issue_text == "[r] x"


def test_not_applicable_is_a_singleton():
    from kili_rules.runtime.model import _NotApplicable

    assert _NotApplicable() is NOT_APPLICABLE


@pytest.mark.parametrize(
    ("params", "response", "status"),
    [
        ({"job": "T", "regex": r"[A-Z]{2}\d+"}, {"T": {"text": "FR12"}}, "pass"),
        ({"job": "T", "regex": r"[A-Z]{2}\d+"}, {"T": {"text": "FR12x"}}, "fail"),  # full match
        ({"job": "T", "min_length": 3, "max_length": 4}, {"T": {"text": "abcde"}}, "fail"),
        ({"job": "T", "kind": "date", "before": "2024-01-01"}, {"T": {"text": "31/12/2023"}}, "pass"),
        ({"job": "T", "kind": "date"}, {"T": {"text": "2023-13-45"}}, "fail"),
        ({"job": "T", "ends_with": ["A", "B"]}, {"T": {"text": "xB"}}, "pass"),
        ({"job": "T", "max": 10}, {"T": {"text": "1,234.5"}}, "fail"),
        ({"job": "T", "one_of": ["X"]}, {"T": {"text": "   "}}, "not_applicable"),
    ],
)
def test_text_conditions(params, response, status):
    engine = Engine({"rules": [rule("t", "text", **params)]}, TYPES)
    assert engine.evaluate(LabelView(response)).outcome("t").status == status


def test_count_per_track_in_video_and_frames_listed():
    video = LabelView(
        {str(i): {"J": {"annotations": [{"mid": "a"}, {"mid": "b"}] if i in (2, 3, 4, 7) else []}} for i in range(9)}
    )
    per_frame = Engine({"rules": [rule("f", job="J", max=1, message="{count} in frames {frames}")]}, TYPES)
    finding = per_frame.evaluate(video).findings[0]
    assert finding.message == "2 in frames 2-4, 7" and finding.frame == "2"
    per_track = Engine({"rules": [rule("t", job="J", max=1, per="track", message="{count}")]}, TYPES)
    assert per_track.evaluate(video).findings[0].message == "2"


def test_required_for_each_pins_each_box_without_its_child():
    label = LabelView(
        {
            "JOB_0": {
                "annotations": [
                    {"mid": "b1", "categories": [{"name": "IBAN"}], "children": {}},
                    {"mid": "b2", "categories": [{"name": "IBAN"}], "children": {"T": {"text": "FR"}}},
                    {"mid": "b3", "categories": [{"name": "IBAN"}], "children": {"T": {"text": ""}}},
                ]
            }
        }
    )
    engine = Engine({"rules": [rule("r", "required", job="T", for_each={"job": "JOB_0", "category": "IBAN"})]}, TYPES)
    assert [f.mid for f in engine.evaluate(label).findings] == ["b1", "b3"]


def test_categories_on_object_annotations_pin_each_box():
    label = LabelView(
        {
            "J": {
                "annotations": [
                    {"mid": "ok", "categories": [{"name": "A"}]},
                    {"mid": "bad", "categories": [{"name": "Z"}]},
                ]
            }
        }
    )
    engine = Engine({"rules": [rule("c", "categories", job="J", allowed=["A"])]}, TYPES)
    assert [f.mid for f in engine.evaluate(label).findings] == ["bad"]
