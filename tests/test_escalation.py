"""No endless ping-pong, review what passed, a labeler's click, a label read by id: the routing of the plugin, through
the built plugin and an autospec of the real ``kili.client.Kili``."""

from __future__ import annotations

import copy

import pytest
from conftest import SEED, load_json
from hypothesis import given
from hypothesis import strategies as st
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.generator import build_plugin
from kili_rules.runtime.model import Finding, Report, RuleOutcome
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.routing import SEND_BACKS_KEY, decide_routing, send_backs_of

#: three boxes of JOB_0: ``max: 1`` fails on it, ``max: 10`` passes
LABEL = load_json(SEED / "image_label_three_boxes.json")
FAILS = "  - {id: too-many, type: count, job: JOB_0, max: 1}\n"
PASSES = "  - {id: few-enough, type: count, job: JOB_0, max: 10}\n"
#: what the escalation issue says, written from the rule file (``max_send_backs``) by hand
ESCALATION = "[esc/send-backs] sent back to the queue {n} times already: escalated for a person to decide"
#: pinned on each box beyond the first: two issues
TOO_MANY = "[esc/too-many] 3 annotations in JOB_0, expected at most 1"


def plugin_with(tmp_path, write_rules, head: str, rules: str):
    path = write_rules(f"name: esc\n{head}rules:\n{rules}")
    return load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)


def handler_for(plugin, state):
    state.asset_of[LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    return plugin.PluginHandler(kili, "project-1", logger), kili, records


def test_after_n_send_backs_the_asset_is_escalated_once_to_review(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 2}\n", FAILS)
    state = FakeKiliState(metadata={"batch": "b7", "owner": "ann"})
    handler, kili, records = handler_for(plugin, state)
    for _ in range(3):  # N + 1 submits of one failing label
        handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    assert state.sent_back == ["asset-1", "asset-1"]  # exactly N send backs
    kili.add_to_review.assert_called_once_with(asset_ids=["asset-1"], project_id="project-1")
    assert sorted(state.open_issues) == sorted([TOO_MANY, TOO_MANY, ESCALATION.format(n=2)])
    assert state.metadata == {"batch": "b7", "owner": "ann", "qa_score": 0.0, "qa_send_backs": 2}
    assert "asset asset-1 was sent back 2 times already: escalated on to review (rules: too-many)" in records.text()
    # a fourth submit, still failing: no send back, no second escalation issue, review again
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    assert state.sent_back == ["asset-1", "asset-1"] and len(state.reviewed) == 2
    assert sorted(state.open_issues) == sorted([TOO_MANY, TOO_MANY, ESCALATION.format(n=2)])


def test_a_passing_label_solves_the_escalation_and_keeps_the_count(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 1}\n", FAILS)
    state = FakeKiliState(metadata={"qa_send_backs": 1, "keep": True})
    handler, _, _ = handler_for(plugin, state)
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    assert state.sent_back == [] and ESCALATION.format(n=1) in state.open_issues
    fixed = copy.deepcopy(LABEL)
    fixed["jsonResponse"]["JOB_0"]["annotations"] = fixed["jsonResponse"]["JOB_0"]["annotations"][:1]
    handler.on_submit(fixed, "asset-1")
    assert state.open_issues == []  # the rule's issue and the escalation, both solved
    assert state.metadata["qa_send_backs"] == 1 and state.metadata["keep"] is True  # the count stays readable


def test_a_review_event_escalates_with_an_issue_and_no_move(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 3}\n", FAILS)
    state = FakeKiliState(metadata={"qa_send_backs": 3})
    handler, kili, _ = handler_for(plugin, state)
    handler.on_review(copy.deepcopy(LABEL), "asset-1")
    kili.send_back_to_queue.assert_not_called()
    kili.add_to_review.assert_not_called()  # a reviewer has it already
    assert ESCALATION.format(n=3) in state.open_issues


def test_max_send_backs_0_never_escalates_and_still_counts(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 0}\n", FAILS)
    state = FakeKiliState(metadata={"qa_send_backs": 41})
    handler, _, _ = handler_for(plugin, state)
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    assert state.sent_back == ["asset-1"] and state.metadata["qa_send_backs"] == 42


@pytest.mark.parametrize("count", ["2", 2.0, "not a number", None, -5, True, [1]])
def test_a_hand_edited_count_is_read_or_restarted(tmp_path, write_rules, count):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 2}\n", FAILS)
    state = FakeKiliState(metadata={"qa_send_backs": count})
    handler, _, _ = handler_for(plugin, state)
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    readable = count in ("2", 2.0)  # a whole number >= 0, as a number or a numeric string
    assert state.sent_back == ([] if readable else ["asset-1"])
    assert state.metadata["qa_send_backs"] == (count if readable else 1)


def test_an_unreadable_count_sends_back_uncounted(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "limits: {max_send_backs: 1}\n", FAILS)
    state = FakeKiliState(metadata={"qa_send_backs": 5})
    handler, kili, records = handler_for(plugin, state)
    kili.assets.side_effect = ConnectionError("down")
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    assert state.sent_back == ["asset-1"]  # fails closed: the rules say send back
    kili.update_properties_in_assets.assert_not_called()
    assert TOO_MANY in state.open_issues and not any("send-backs" in t for t in state.open_issues)
    assert "json_metadata failed on asset asset-1: ConnectionError: down" in records.text()


def test_on_pass_review_moves_only_what_passed_on_a_submit(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "on_pass: [review]\n", PASSES)
    handler, kili, _ = handler_for(plugin, FakeKiliState())
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    kili.add_to_review.assert_called_once_with(asset_ids=["asset-1"], project_id="project-1")
    handler.on_review(copy.deepcopy(LABEL), "asset-1")  # a reviewed label is never added to review again
    assert kili.add_to_review.call_count == 1
    failing = plugin_with(tmp_path, write_rules, "on_pass: [review]\n", FAILS)
    handler, kili, _ = handler_for(failing, FakeKiliState())
    handler.on_submit(copy.deepcopy(LABEL), "asset-1")
    kili.add_to_review.assert_not_called()
    kili.send_back_to_queue.assert_called_once()


def test_on_pass_takes_review_only(tmp_path, write_rules):
    path = write_rules("on_pass: [send_back]\nrules:\n" + PASSES)
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert "on_pass" in str(raised.value)


def test_a_click_opens_and_solves_issues_only(tmp_path, write_rules):
    rules = "  - {id: too-many, type: count, job: JOB_0, max: 1, events: [submit, review, click]}\n"
    plugin = plugin_with(tmp_path, write_rules, "", rules)
    state = FakeKiliState(metadata={"qa_send_backs": 9})
    handler, kili, _ = handler_for(plugin, state)
    result = handler.qa.handle(copy.deepcopy(LABEL), "asset-1", "click")
    assert state.open_issues == [TOO_MANY, TOO_MANY]
    kili.send_back_to_queue.assert_not_called()
    kili.add_to_review.assert_not_called()
    kili.assets.assert_not_called()  # no score, no count: the asset is not even read
    kili.update_properties_in_assets.assert_not_called()
    assert not result.failures and not result.escalated


def test_a_label_read_by_id_is_counted_in_the_event(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, "", FAILS)
    state = FakeKiliState()
    handler, _, _ = handler_for(plugin, state)
    read = []

    def reader(deadline):
        read.append(deadline.remaining > 0)
        return deadline.call("labels", lambda: copy.deepcopy(LABEL))

    result = handler.qa.handle(None, "asset-1", "submit", label_reader=reader)
    assert read == [True] and state.open_issues == [TOO_MANY, TOO_MANY] and state.sent_back == ["asset-1"]
    # issues, assets, labels; create_issues, send_back_to_queue, update_properties_in_assets
    assert result.calls == 6


@given(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(), st.lists(st.integers()))
)
def test_any_hand_edited_count_reads_as_a_whole_number_or_restarts(value):
    count = send_backs_of({SEND_BACKS_KEY: value})
    assert isinstance(count, int) and count >= 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        assert count == value


@given(st.integers(0, 6), st.integers(0, 6))
def test_routing_sends_back_until_the_limit_then_escalates(most, count):
    rule_set = {"rules": [{"id": "r"}], "actions": {"error": ["send_back"]}, "limits": {"max_send_backs": most}}
    policy = Policy.from_rule_set(rule_set)
    report = Report((RuleOutcome("r", "fail", findings=(Finding("r", "error", "m"),)),))
    submit = decide_routing(report, policy, "submit", count)
    review = decide_routing(report, policy, "review", count)
    if most == 0 or count < most:
        assert submit.send_back and review.send_back and submit.send_backs == count + 1
    else:
        assert not submit.send_back and submit.escalated and submit.review
        assert not review.send_back and review.escalated and not review.review
    assert decide_routing(report, policy, "submit", None).send_back  # unknown count: sent back, fails closed
    assert not decide_routing(report, policy, "click", count).decided
