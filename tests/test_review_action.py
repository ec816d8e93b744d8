"""Action ``review``: ``add_to_review`` when a finding's severity maps to it, checked against Kili's real signature."""

from __future__ import annotations

import pytest
from conftest import SEED, load_json
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

#: three boxes of JOB_0: a count rule with max 1 finds them
LABEL = load_json(SEED / "image_label_three_boxes.json")


def plugin_with(tmp_path, write_rules, rules: str, actions: str):
    path = write_rules(f"name: rev\nactions: {actions}\nrules:\n{rules}")
    return load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)


def handler_for(plugin, state):
    state.asset_of[LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    return plugin.PluginHandler(kili, "project-1", logger), kili, records


WARN = "  - {id: too-many, type: count, job: JOB_0, max: 1, severity: warning}\n"
ERR = "  - {id: none-at-all, type: count, job: JOB_0, max: 0, severity: error}\n"


@pytest.fixture
def warning_plugin(tmp_path, write_rules):
    return plugin_with(tmp_path, write_rules, WARN, "{error: [issue, send_back], warning: [issue, review]}")


def test_a_warning_finding_adds_the_asset_to_review_once(warning_plugin):
    state = FakeKiliState()
    handler, kili, records = handler_for(warning_plugin, state)
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    kili.add_to_review.assert_called_once_with(asset_ids=["asset-1"], project_id="project-1")
    kili.send_back_to_queue.assert_not_called()
    assert state.reviewed == ["asset-1"]
    assert result.added_to_review and not result.sent_back and not result.failures
    assert "added asset asset-1 to review (rules: too-many)" in records.text()


def test_no_finding_no_review(tmp_path, write_rules):
    rules = "  - {id: many-allowed, type: count, job: JOB_0, max: 10, severity: warning}\n"
    plugin = plugin_with(tmp_path, write_rules, rules, "{warning: [issue, review]}")
    handler, kili, _ = handler_for(plugin, FakeKiliState())
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    kili.add_to_review.assert_not_called()
    assert not result.added_to_review and not result.failures


def test_a_declined_review_is_logged_not_retried_not_an_error(warning_plugin):
    state = FakeKiliState()
    handler, kili, records = handler_for(warning_plugin, state)
    kili.add_to_review.side_effect = lambda **kw: {"succeeded": [], "declined": [{"assetId": "asset-1"}], "failed": []}
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    assert kili.add_to_review.call_count == 1
    assert not result.added_to_review and not result.failures
    assert "Kili declined to add asset asset-1 to review" in records.text()


def test_a_failed_review_is_sent_again(warning_plugin):
    """Kili says the write threw on its side: nothing was done, so it is worth another attempt."""
    state = FakeKiliState()
    handler, kili, _ = handler_for(warning_plugin, state)
    answers = iter(
        [
            {"succeeded": [], "declined": [], "failed": [{"assetId": "asset-1", "details": "boom"}]},
            {"succeeded": [{"assetId": "asset-1"}], "declined": [], "failed": []},
        ]
    )
    kili.add_to_review.side_effect = lambda **kw: next(answers)
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    assert kili.add_to_review.call_count == 2
    assert result.added_to_review and not result.failures


def test_an_old_plain_answer_means_added(warning_plugin):
    state = FakeKiliState()
    handler, kili, _ = handler_for(warning_plugin, state)
    kili.add_to_review.side_effect = lambda **kw: {"id": "project-1"}
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    assert result.added_to_review and not result.failures


def test_a_non_object_answer_is_an_error(warning_plugin):
    handler, kili, _ = handler_for(warning_plugin, FakeKiliState())
    kili.add_to_review.side_effect = lambda **kw: ["asset-1"]
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    assert not result.added_to_review
    assert any("add_to_review: expected an object, got list" in failure for failure in result.failures)


def test_send_back_wins_over_review(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, WARN + ERR, "{error: [issue, send_back], warning: [issue, review]}")
    state = FakeKiliState()
    handler, kili, _ = handler_for(plugin, state)
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    kili.send_back_to_queue.assert_called_once_with(asset_ids=["asset-1"])
    kili.add_to_review.assert_not_called()
    assert result.sent_back and not result.added_to_review and state.reviewed == []


def test_send_back_and_review_on_one_severity_sends_back_only(tmp_path, write_rules):
    plugin = plugin_with(tmp_path, write_rules, WARN, "{warning: [send_back, review]}")
    handler, kili, _ = handler_for(plugin, FakeKiliState())
    result = handler.qa.handle(LABEL, "asset-1", "submit")
    kili.send_back_to_queue.assert_called_once_with(asset_ids=["asset-1"])
    kili.add_to_review.assert_not_called()
    assert result.sent_back and not result.added_to_review


def test_an_unknown_action_is_still_refused(tmp_path, write_rules):
    path = write_rules(f"actions: {{warning: [issue, reveiw]}}\nrules:\n{WARN}")
    with pytest.raises(Exception, match="Input should be 'issue', 'send_back' or 'review'"):
        load_rule_set(path)
