"""The handlers Kili calls: the "check my label" click of the legacy build, and a build for Kili's event API.

Checked with the real kili 26.2.4: its pre-upload check (``check_file_contains_handler``, the ``PluginUploader``
that ``upload_plugin`` runs before sending anything), its static subscription reading (``find_event_subscriptions``)
and the one it uses at run time (``subscribed_methods``, ``PluginCore.on_event``); the events are real
``kili_events`` models, and every Kili call goes through an autospec of ``kili.client.Kili``.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path
from unittest import mock

import pytest
from conftest import ROOT, SEED, load_json
from hypothesis import given
from hypothesis import strategies as st
from kili.services.plugins.events import subscribed_methods
from kili.services.plugins.upload import PluginUploader, check_file_contains_handler, find_event_subscriptions
from kili_events import LabelWorkflowCreatedDefaultEvent, LabelWorkflowCreatedReviewEvent
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import BuildError
from kili_rules.generator import build_plugin, render_plugin
from kili_rules.generator.generate import _check_output
from kili_rules.runtime.event_reads import LABEL_FIELDS, checked_label
from kili_rules.runtime.retry import KiliAnswerError

IMAGE_RULES = ROOT / "rules" / "image.yaml"
#: three boxes of OBJECT_A in JOB_0: rules/image.yaml's `one-object-a` (max 1, error: issue + send back) fails,
#: with one issue on each box past the first
LABEL = load_json(SEED / "image_label_three_boxes.json")
ONE_BOX = load_json(SEED / "image_label_one_box.json")
TOO_MANY = "[image/one-object-a] There are too many BBox (3) - Only 1 BBox of Object A accepted"
EVENT_PATTERNS = ["label.workflow.created.default", "label.workflow.created.review", "project.interface.updated"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """rules/image.yaml built both ways: {handlers: main.py}."""
    out = tmp_path_factory.mktemp("builds")
    return {mode: build_plugin(load_rule_set(IMAGE_RULES), out / mode, mode).path for mode in ("legacy", "events")}


@pytest.fixture(scope="module")
def events_plugin(builds):
    return load_plugin_module(builds["events"])


@pytest.fixture(scope="module")
def legacy_plugin(builds):
    return load_plugin_module(builds["legacy"])


def uploader(path: Path) -> PluginUploader:
    """The object ``kili.upload_plugin`` makes, before it checks the file and sends anything."""
    kili = mock.create_autospec(__import__("kili.client", fromlist=["Kili"]).Kili, instance=True)
    return PluginUploader(kili, str(path), "qa", verbose=False, http_client=mock.Mock(), event_matcher=None)


# -- Kili's upload check and subscription -------------------------------------------------------------------------


def test_the_legacy_build_subscribes_submit_review_and_the_click(builds):
    path = builds["legacy"]
    assert check_file_contains_handler(path) == (True, ["onSubmit", "onReview", "onCustomInterfaceClick"], False)
    assert find_event_subscriptions(path) == {}
    upload = uploader(path)
    assert upload._retrieve_plugin_src() == [path]  # the SDK's own check before an upload: it passes
    assert upload.handler_types == ["onSubmit", "onReview", "onCustomInterfaceClick"]
    assert upload.event_matcher is None


def test_the_events_build_passes_the_upload_check_with_its_three_subscriptions(builds):
    path = builds["events"]
    assert check_file_contains_handler(path) == (True, None, False)  # no legacy handler: Kili refuses both
    assert find_event_subscriptions(path) == {
        "on_label_submitted": ["label.workflow.created.default"],
        "on_label_reviewed": ["label.workflow.created.review"],
        "on_interface_updated": ["project.interface.updated"],
    }
    upload = uploader(path)
    assert upload._retrieve_plugin_src() == [path]
    assert upload.handler_types is None
    assert upload.event_matcher == EVENT_PATTERNS


def test_the_sdk_finds_the_decorated_methods_at_run_time(events_plugin):
    subscribed = subscribed_methods(events_plugin.PluginHandler)
    assert {name: [model.subject() for model in models] for name, models in subscribed.items()} == {
        "on_interface_updated": ["project.interface.updated"],
        "on_label_reviewed": ["label.workflow.created.review"],
        "on_label_submitted": ["label.workflow.created.default"],
    }


def top_level_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_what_each_build_imports(builds):
    stdlib = {"__future__", "importlib", "linecache", "sys", "functools"}
    assert top_level_roots(builds["legacy"]) <= stdlib | {"kili", "kili_rules"}
    assert top_level_roots(builds["events"]) - stdlib == {"kili", "kili_events", "kili_rules"}


def test_the_build_says_which_kili_each_mode_needs(tmp_path):
    legacy = build_plugin(load_rule_set(IMAGE_RULES), tmp_path / "l").summary()
    events = build_plugin(load_rule_set(IMAGE_RULES), tmp_path / "e", "events").summary()
    assert "handlers: legacy, needs kili >= 26.2 " in legacy
    assert "handlers: events, needs kili >= 26.2.4" in events and "kili_events" in events


def test_the_check_of_the_output_refuses_a_mix_of_handlers():
    text, _, _ = render_plugin(load_rule_set(IMAGE_RULES), "events")
    with_legacy = text.replace(
        "    @on_kili_event\n    def on_label_submitted",
        "    def on_submit(self, label, asset_id):\n        pass\n\n    @on_kili_event\n    def on_label_submitted",
    )
    with pytest.raises(BuildError, match="without on_submit"):
        _check_output(with_legacy, "events")
    legacy, _, _ = render_plugin(load_rule_set(IMAGE_RULES))
    with pytest.raises(BuildError, match="imports kili_events"):
        _check_output("import kili_events\n" + legacy, "legacy")
    with pytest.raises(BuildError, match="unknown handlers"):
        render_plugin(load_rule_set(IMAGE_RULES), "webhooks")


def test_rules_that_run_on_click_only_are_named_by_an_events_build(tmp_path, write_rules):
    rules = "  - {id: check-me, type: count, job: JOB_0, category: OBJECT_A, max: 1, events: [click]}\n"
    path = write_rules(f"name: clicks\ninterface: {IMAGE_RULES.parent / 'interfaces' / 'image.json'}\nrules:\n{rules}")
    summary = build_plugin(load_rule_set(path), tmp_path / "out", "events").summary()
    assert "1 rules run on click only (check-me)" in summary and "--handlers legacy" in summary


# -- the "check my label" click -----------------------------------------------------------------------------------

CLICK_RULES = """\
name: clicks
interface: {interface}
score: {{key: qa_score}}
actions: {{error: [issue, send_back, review]}}
rules:
  - {{id: on-click, type: count, job: JOB_0, category: OBJECT_A, max: 1, events: [click, submit],
     message: "{{count}} A"}}
  - {{id: submit-only, type: count, job: JOB_0, category: OBJECT_A, max: 0}}
"""


@pytest.fixture
def click_plugin(tmp_path, write_rules):
    path = write_rules(CLICK_RULES.format(interface=IMAGE_RULES.parent / "interfaces" / "image.json"))
    return load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)


def test_a_click_opens_the_issues_of_the_click_rules_and_nothing_else(click_plugin):
    state = FakeKiliState(metadata={"batch": "7"})
    state.asset_of[LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    handler = click_plugin.PluginHandler(kili, "project-1", logger_with_records()[0])
    # what Kili gives this beta handler: the label's id and jsonResponse only
    handler.on_custom_interface_click({"id": LABEL["id"], "jsonResponse": LABEL["jsonResponse"]}, "asset-1")
    assert state.open_issues == ["[clicks/on-click] 3 A"] * 2  # the two boxes past the first
    kili.send_back_to_queue.assert_not_called()
    kili.add_to_review.assert_not_called()
    kili.update_properties_in_assets.assert_not_called()
    assert state.metadata == {"batch": "7"} and state.sent_back == [] and state.reviewed == []


def test_a_click_after_the_fix_solves_the_issue(click_plugin):
    state = FakeKiliState()
    state.asset_of[LABEL["id"]] = state.asset_of[ONE_BOX["id"]] = "asset-1"
    kili = autospec_kili(state)
    handler = click_plugin.PluginHandler(kili, "project-1", logger_with_records()[0])
    handler.on_custom_interface_click({"id": LABEL["id"], "jsonResponse": LABEL["jsonResponse"]}, "asset-1")
    assert len(state.open_issues) == 2
    handler.on_custom_interface_click({"id": ONE_BOX["id"], "jsonResponse": ONE_BOX["jsonResponse"]}, "asset-1")
    assert state.open_issues == []
    assert [kw["status"] for name, kw in state.calls if name == "update_issue_status"] == ["SOLVED"] * 2
    kili.send_back_to_queue.assert_not_called()


# -- the events build: the same path, the label read first --------------------------------------------------------


def wire(subject: str, label_id: str, asset_id: str = "asset-1") -> dict:
    """An event as Kili sends it to a plugin (camelCase), parsed by the SDK into its kili_events model."""
    return {
        "event": subject,
        "organizationId": "org-1",
        "projectId": "project-1",
        "userId": "user-1",
        "payload": {"assetId": asset_id, "labelId": label_id, "externalId": "photo-1.jpg"},
    }


def run_legacy(plugin, label):
    state = FakeKiliState(metadata={"batch": "7"})
    state.asset_of[label["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records("legacy")
    plugin.PluginHandler(kili, "project-1", logger).on_submit(copy.deepcopy(label), "asset-1")
    return state, kili, records


def run_events(plugin, label, payload):
    state = FakeKiliState(metadata={"batch": "7"})
    state.add_label(label, "asset-1")
    kili = autospec_kili(state)
    logger, records = logger_with_records("events")
    plugin.PluginHandler(kili, "project-1", logger).on_event(payload)  # the SDK's own dispatch
    return state, kili, records


def calls_counted(records, event: str) -> int:
    found = re.findall(rf"{event} of asset asset-1 done in [0-9.]+ s \((\d+) Kili calls", records.text())
    assert len(found) == 1, records.text()
    return int(found[0])


def test_a_submitted_label_event_reads_the_label_then_acts_as_on_submit(legacy_plugin, events_plugin):
    event = LabelWorkflowCreatedDefaultEvent.model_validate(wire("label.workflow.created.default", LABEL["id"]))
    legacy, _, legacy_records = run_legacy(legacy_plugin, LABEL)
    state, kili, records = run_events(events_plugin, LABEL, event.model_dump(by_alias=True))
    kili.labels.assert_called_once_with(
        project_id="project-1", asset_id="asset-1", label_id=LABEL["id"], fields=LABEL_FIELDS, disable_tqdm=True
    )
    # the outcome written by hand: an issue on each box past the first, one send back, the score of 0 with the
    # other key kept
    mids = {a["mid"] for a in LABEL["jsonResponse"]["JOB_0"]["annotations"]}
    assert state.open_issues == legacy.open_issues == [TOO_MANY] * 2
    pinned = {issue["objectMid"] for issue in state.issues_store}
    assert pinned < mids and len(pinned) == 2
    assert state.sent_back == legacy.sent_back == ["asset-1"]
    assert state.metadata["qa_score"] == 0.0 and state.metadata["batch"] == "7"
    assert state.metadata == legacy.metadata
    assert calls_counted(records, "submit") == calls_counted(legacy_records, "submit") + 1
    assert [name for name, _ in state.calls].count("labels") == 1


def test_a_reviewed_label_event_runs_the_review_rules(events_plugin):
    event = LabelWorkflowCreatedReviewEvent.model_validate(wire("label.workflow.created.review", ONE_BOX["id"]))
    state, kili, records = run_events(events_plugin, ONE_BOX, event.model_dump(by_alias=True))
    kili.labels.assert_called_once()
    assert state.open_issues == [] and state.sent_back == [] and state.metadata["qa_score"] == 100.0
    assert calls_counted(records, "review") >= 2


def test_a_label_that_cannot_be_read_is_logged_and_nothing_is_written(events_plugin):
    event = wire("label.workflow.created.default", "label-nowhere")
    _, kili, records = run_events(events_plugin, LABEL, event)
    kili.labels.assert_called_once()
    kili.create_issues.assert_not_called()
    kili.send_back_to_queue.assert_not_called()
    kili.update_properties_in_assets.assert_not_called()
    errors = [r.getMessage() for r in records.records if r.levelname == "ERROR"]
    assert any("KiliAnswerError" in e and "label-nowhere" in e for e in errors), errors


# -- the label read's answer check --------------------------------------------------------------------------------


def test_checked_label_takes_the_one_row_of_that_id():
    row = {"id": "l1", "assetId": "a1", "jsonResponse": {}, "labelType": "DEFAULT"}
    assert checked_label([row], "l1", "a1") == row
    for answer, why in [
        ([], "0 rows"),
        ([row, dict(row)], "2 rows"),
        ([{**row, "id": "l2"}], "0 rows"),
        ([{**row, "assetId": "a2"}], "of asset 'a2'"),
        ([{"id": "l1", "assetId": "a1"}], "without its jsonResponse"),
        ({"id": "l1"}, "expected a list"),
        (None, "expected a list"),
        (["l1"], "expected labels objects"),
    ]:
        with pytest.raises(KiliAnswerError, match=why):
            checked_label(answer, "l1", "a1")


ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["l1", "l2"])},
        optional={"assetId": st.sampled_from(["a1", "a2", None]), "jsonResponse": st.just({"J": {}})},
    ),
    max_size=3,
)


@given(answer=st.one_of(ROWS, st.none(), st.text(max_size=3), st.integers()))
def test_checked_label_returns_the_row_or_says_why_not(answer):
    mine = [r for r in answer if r["id"] == "l1"] if isinstance(answer, list) else []
    expected_ok = len(mine) == 1 and mine[0].get("assetId", "a1") == "a1" and "jsonResponse" in mine[0]
    try:
        got = checked_label(answer, "l1", "a1")
    except KiliAnswerError:
        assert not expected_ok
    else:
        assert expected_ok and got == mine[0]
