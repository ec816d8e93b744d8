"""Rules in pixels in the plugin: the asset's own resolution, from the asset read the plugin makes before the rules
(no call more, no round trip more), and an error (fail closed) when Kili gives none."""

from __future__ import annotations

import copy

from conftest import SEED, load_json
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

#: three boxes: heights 0.53, 0.07 and 0.09 of the image: 265, 35 and 45 px on a 1000 x 500 image
LABEL = load_json(SEED / "image_label_three_boxes.json")
RULE = "  - {id: tall-enough, type: geometry, job: JOB_0, units: pixels, min_height: 40}\n"
SMALL_BOX = "20221124161456406-47055"


def run(tmp_path, write_rules, resolution, rules=RULE, event="submit"):
    plugin = load_plugin_module(
        build_plugin(load_rule_set(write_rules(f"name: px\nrules:\n{rules}")), tmp_path / "out").path
    )
    state = FakeKiliState(resolution=resolution)
    state.asset_of[LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    handler = plugin.PluginHandler(kili, "project-1", logger)
    result = handler.qa.handle(copy.deepcopy(LABEL), "asset-1", event)
    return state, kili, result, records


def test_the_asset_resolution_measures_the_boxes(tmp_path, write_rules):
    state, kili, result, _ = run(tmp_path, write_rules, {"width": 1000, "height": 500})
    assert [i["objectMid"] for i in state.issues_store] == [SMALL_BOX]  # 35 px, the only one under 40
    assert result.report.outcome("tall-enough").status == "fail"
    assert kili.assets.call_count == 1  # the one asset read, shared with the score
    assert result.calls == 5  # issues, assets; create_issues, send back, metadata


def test_a_larger_image_passes(tmp_path, write_rules):
    state, _, result, _ = run(tmp_path, write_rules, {"width": 1000, "height": 1000})  # 70, 90 and 530 px
    assert result.report.outcome("tall-enough").status == "pass" and state.issues_store == []


def test_no_resolution_from_kili_fails_closed(tmp_path, write_rules):
    state, _, result, records = run(tmp_path, write_rules, None)
    outcome = result.report.outcome("tall-enough")
    assert outcome.status == "error" and "resolution" in outcome.error
    assert state.sent_back == ["asset-1"]  # could not check: counted as failed, actions of an error
    assert "could not check the label" in records.text()


def test_a_click_reads_the_asset_only_for_the_resolution(tmp_path, write_rules):
    rules = RULE.replace("min_height: 40}", "min_height: 40, events: [click]}")
    state, kili, _, _ = run(tmp_path, write_rules, {"width": 1000, "height": 500}, rules, "click")
    assert [i["objectMid"] for i in state.issues_store] == [SMALL_BOX]
    kili.update_properties_in_assets.assert_not_called()
    kili.send_back_to_queue.assert_not_called()


def test_a_fixed_resolution_needs_no_asset_read_on_a_click(tmp_path, write_rules):
    rules = (
        "  - {id: t, type: geometry, job: JOB_0, units: pixels, resolution: {width: 1000, height: 500}, "
        "min_height: 40, events: [click]}\n"
    )
    state, kili, _, _ = run(tmp_path, write_rules, None, rules, "click")
    kili.assets.assert_not_called()
    assert [i["objectMid"] for i in state.issues_store] == [SMALL_BOX]
