"""The built plugin in Kili's place: the real PluginCore, every call checked against the real Kili signatures."""

from __future__ import annotations

import copy

import pytest
from conftest import RULES, SEED, load_json
from kili.plugins import PluginCore
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

DE_LABEL = load_json(RULES / "labels" / "document_label_de_iban.json")
FR_LABEL = load_json(RULES / "labels" / "document_label_fr_iban.json")


@pytest.fixture(scope="module")
def document_plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path_factory.mktemp("d")).path)


@pytest.fixture(scope="module")
def image_plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "image.yaml"), tmp_path_factory.mktemp("i")).path)


def make_handler(plugin, state, label):
    state.asset_of[label["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    return plugin.PluginHandler(kili, "project-1", logger), kili, records


def test_the_autospec_is_kilis_own_narrowed_to_what_a_plugin_calls():
    """The mock every plugin test calls: Kili's real methods and signatures, and nothing else."""
    import inspect

    from kili.client import Kili

    from kili_rules.testing.helpers import KILI_METHODS, plugin_kili_spec

    kili = autospec_kili(FakeKiliState())
    assert isinstance(kili, Kili) and issubclass(plugin_kili_spec(), Kili)
    for name in KILI_METHODS:
        assert getattr(plugin_kili_spec(), name) is getattr(Kili, name)
        real = inspect.signature(getattr(Kili, name))
        assert inspect.signature(getattr(kili, name)) == real.replace(parameters=list(real.parameters.values())[1:])
    with pytest.raises(TypeError, match="missing a required argument: 'label_id_array'"):
        kili.create_issues(project_id="p", label_ids=["l"], text_array=["t"])
    with pytest.raises(AttributeError):  # a Kili method a plugin does not call: a test of one would fail
        kili.count_labels(project_id="p")
    with pytest.raises(AttributeError):
        kili.not_a_kili_method()


def test_the_handler_is_a_real_plugin_core(document_plugin):
    assert issubclass(document_plugin.PluginHandler, PluginCore)
    assert "on_submit" in vars(document_plugin.PluginHandler) and "on_review" in vars(document_plugin.PluginHandler)


def test_submit_creates_pinned_issues_sends_back_and_merges_the_score(document_plugin):
    state = FakeKiliState(metadata={"imageUrl": "x", "batch": 7})
    handler, kili, records = make_handler(document_plugin, state, DE_LABEL)
    handler.on_submit(DE_LABEL, "asset-1")

    kili.issues.assert_called_once_with(
        project_id="project-1",
        asset_id="asset-1",
        status="OPEN",
        issue_type="ISSUE",
        fields=["id", "status", "type", "objectMid", "assetId", "comments.id", "comments.text", "comments.createdAt"],
    )
    kili.create_issues.assert_called_once_with(
        project_id="project-1",
        label_id_array=["doc-label-de-iban", "doc-label-de-iban"],
        object_mid_array=["20230801120000000-iban", None],
        text_array=[
            "[document/iban-fr] IBAN number should start by FR",
            "[document/payment-after-billing] The payment date must not be before the billing date.",
        ],
    )
    kili.send_back_to_queue.assert_called_once_with(asset_ids=["asset-1"])
    kili.assets.assert_called_once_with(
        project_id="project-1",
        asset_id="asset-1",
        fields=["id", "jsonMetadata", "resolution.width", "resolution.height"],
    )
    kili.update_properties_in_assets.assert_called_once_with(
        asset_ids=["asset-1"],
        json_metadatas=[
            {
                "imageUrl": "x",
                "batch": 7,
                "qa_score": 77.78,
                "qa_failed_rules": "iban-fr,payment-after-billing",
                "qa_send_backs": 1,  # the first send back, counted
            }
        ],
    )
    assert len(kili.method_calls) == 5
    log = records.text()
    assert "9 rules, 7 pass, 2 fail" in log and "created 2 issues" in log and "sent asset asset-1 back" in log
    assert "done in" in log


def test_submitting_again_creates_no_duplicate_and_solves_what_is_fixed(document_plugin):
    state = FakeKiliState()
    handler, kili, _ = make_handler(document_plugin, state, DE_LABEL)
    handler.on_submit(DE_LABEL, "asset-1")
    handler.on_submit(DE_LABEL, "asset-1")
    assert len(state.issues_store) == 2  # the second submit found them OPEN
    assert kili.create_issues.call_count == 1

    fixed = copy.deepcopy(DE_LABEL)  # the labeler fixes the IBAN (same label id for the fake's asset lookup)
    box = fixed["jsonResponse"]["JOB_0"]["annotations"][0]
    box["children"]["TRANSCRIPTION_JOB"]["text"] = "FR76 3000 6000 0112 3456 7890 189"
    handler.on_submit(fixed, "asset-1")
    status = {i["text"]: i["status"] for i in state.issues_store}
    assert status == {
        "[document/iban-fr] IBAN number should start by FR": "SOLVED",
        "[document/payment-after-billing] The payment date must not be before the billing date.": "OPEN",
    }
    assert state.metadata["qa_failed_rules"] == "payment-after-billing"


def test_other_issues_on_the_asset_are_left_alone(document_plugin):
    state = FakeKiliState()
    state.issues_store.append({"id": "human", "assetId": "asset-1", "text": "[someone] please check", "status": "OPEN"})
    state.issues_store.append({"id": "other", "assetId": "asset-1", "text": "plain text issue", "status": "OPEN"})
    handler, kili, _ = make_handler(document_plugin, state, FR_LABEL)
    handler.on_submit(FR_LABEL, "asset-1")
    assert [i["status"] for i in state.issues_store] == ["OPEN", "OPEN"]
    kili.update_issue_status.assert_not_called()
    kili.send_back_to_queue.assert_not_called()  # nothing failed
    assert state.metadata == {"qa_score": 100.0, "qa_failed_rules": ""}


def test_same_text_on_several_boxes_is_matched_by_text_and_box(image_plugin):
    label = load_json(SEED / "image_label_three_boxes.json")
    state = FakeKiliState()
    handler, _kili, _ = make_handler(image_plugin, state, label)
    handler.on_submit(label, "asset-1")
    handler.on_submit(label, "asset-1")
    text = "[image/one-object-a] There are too many BBox (3) - Only 1 BBox of Object A accepted"
    assert [(i["text"], i["objectMid"]) for i in state.issues_store] == [  # the two boxes in excess, once each
        (text, "20221124161456406-47055"),
        (text, "20221124161459298-45160"),
    ]


@pytest.mark.parametrize("shape", ["new", "old"])
def test_send_back_works_with_both_return_shapes(image_plugin, shape):
    label = load_json(SEED / "image_label_three_boxes.json")
    state = FakeKiliState(send_back_shape=shape)
    handler, _kili, records = make_handler(image_plugin, state, label)
    handler.on_submit(label, "asset-1")
    assert state.sent_back == ["asset-1"]
    assert "sent asset asset-1 back to the queue" in records.text()


def test_a_declined_send_back_is_logged_not_retried(image_plugin):
    label = load_json(SEED / "image_label_three_boxes.json")
    state = FakeKiliState()
    handler, kili, records = make_handler(image_plugin, state, label)
    kili.send_back_to_queue.side_effect = lambda **kw: {
        "succeeded": [],
        "declined": [{"assetId": "asset-1"}],
        "failed": [],
    }
    handler.on_submit(label, "asset-1")
    assert kili.send_back_to_queue.call_count == 1
    assert "declined" in records.text()


def test_review_runs_only_the_review_rules(tmp_path, write_rules):
    path = write_rules(
        "rules:\n"
        "  - {id: sub, type: count, job: JOB_0, max: 0, events: [submit]}\n"
        "  - {id: rev, type: count, job: JOB_0, max: 1, events: [review]}\n"
    )
    plugin = load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)
    label = load_json(SEED / "image_label_three_boxes.json")
    state = FakeKiliState()
    handler, _kili, records = make_handler(plugin, state, label)
    handler.on_review(label, "asset-1")
    assert [i["text"].split("]")[0] for i in state.issues_store] == ["[rules/rev", "[rules/rev"]  # the 2 boxes beyond 1
    assert "review label" in records.text()


@pytest.mark.parametrize(
    "label",
    [
        {"id": "L", "jsonResponse": "not json"},
        {"id": "L", "jsonResponse": None},
        {"id": "L"},
        {},
        {"id": "L", "jsonResponse": {"JOB_0": {"annotations": [None, {"children": {"TRANSCRIPTION_JOB": 3}}]}}},
    ],
)
def test_malformed_labels_never_crash_the_handler(document_plugin, label):
    state = FakeKiliState(metadata={"keep": 1})
    state.asset_of["L"] = "asset-1"
    handler, _kili, _records = make_handler(document_plugin, state, {"id": "L"})
    handler.on_submit(label, "asset-1")
    assert state.metadata["keep"] == 1 and "qa_score" in state.metadata


def test_an_unreadable_response_is_a_finding_not_an_empty_label(document_plugin):
    state = FakeKiliState(metadata={"keep": 1})
    handler, _, records = make_handler(document_plugin, state, {"id": "L"})
    handler.on_submit({"id": "L", "jsonResponse": "{truncated"}, "asset-1")
    assert "label L of asset asset-1: jsonResponse is a string that is not JSON" in records.text()
    unreadable = "[document/unreadable-label] could not read this label: jsonResponse is a string that is not JSON"
    assert state.open_issues == [unreadable]
    assert state.metadata == {"keep": 1, "qa_score": 0.0, "qa_failed_rules": "unreadable-label", "qa_send_backs": 1}
    assert state.sent_back == ["asset-1"]
    handler.on_submit({"id": "L", "jsonResponse": {}}, "asset-1")  # readable again: the issue is solved
    assert state.open_issues == [] and state.metadata["qa_score"] == 100.0


def test_a_rule_that_raises_is_logged_and_the_others_act(tmp_path, write_rules):
    module = "from kili_rules import rule\n\n@rule(id='boom')\ndef boom(label):\n    return 1 / 0\n"
    path = write_rules(
        "python: [boom_rules.py]\nrules:\n  - {id: one, type: count, job: JOB_0, max: 1}\n", boom_rules__py=module
    )
    plugin = load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)
    label = load_json(SEED / "image_label_three_boxes.json")
    state = FakeKiliState()
    handler, _kili, records = make_handler(plugin, state, label)
    handler.on_submit(label, "asset-1")
    # the rule's own line leads the error (`return 1 / 0` is line 5 of boom_rules.py)
    assert (
        "rule boom could not check the label (counted as failed): boom_rules.py:5: ZeroDivisionError" in records.text()
    )
    assert "boom_rules.py" in records.text()  # the traceback names the original module
    boom = [t for t in state.open_issues if t.startswith("[rules/boom]")]
    assert boom == ["[rules/boom] could not check this label: ZeroDivisionError: division by zero"]
    assert {t.split("]")[0] for t in state.open_issues} == {"[rules/boom", "[rules/one"}  # the other rule acted too
    assert state.metadata["qa_score"] == 0 and state.sent_back == ["asset-1"]


@pytest.mark.parametrize("current", ['{"a": 1}', None, "", {}])
def test_metadata_that_is_an_object_or_empty_gets_the_score_merged(image_plugin, current):
    label = load_json(SEED / "image_label_one_box.json")
    state = FakeKiliState(metadata=current)
    handler, _, _ = make_handler(image_plugin, state, label)
    handler.on_submit(label, "asset-1")
    expected = {"a": 1} if current == '{"a": 1}' else {}
    assert state.metadata == {**expected, "qa_score": 100.0, "qa_failed_rules": ""}


@pytest.mark.parametrize(
    "current", ["plain text from Kili's example plugin", 42, ["a", "list"], '["a JSON list"]', '"a JSON string"']
)
def test_metadata_that_is_not_an_object_is_never_overwritten(image_plugin, current):
    label = load_json(SEED / "image_label_one_box.json")
    state = FakeKiliState(metadata=copy.deepcopy(current))
    handler, kili, records = make_handler(image_plugin, state, label)
    handler.on_submit(label, "asset-1")
    kili.update_properties_in_assets.assert_not_called()
    assert state.metadata == current
    assert "json_metadata failed on asset asset-1: KiliAnswerError" in records.text()
    assert "not written" in records.text()


def test_a_failing_metadata_read_never_overwrites(image_plugin):
    label = load_json(SEED / "image_label_one_box.json")
    state = FakeKiliState(metadata={"precious": True})
    handler, kili, records = make_handler(image_plugin, state, label)
    kili.assets.side_effect = PermissionError("forbidden")
    handler.on_submit(label, "asset-1")
    kili.update_properties_in_assets.assert_not_called()
    assert "json_metadata failed" in records.text()


def test_calls_stay_constant_whatever_the_number_of_findings(tmp_path, write_rules):
    path = write_rules("rules:\n  - {id: t, type: text, job: T, starts_with: FR}\n")
    plugin = load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)
    for boxes in (1, 10, 200):
        label = {
            "id": f"L{boxes}",
            "jsonResponse": {
                "J": {"annotations": [{"mid": f"m{i}", "children": {"T": {"text": f"DE{i}"}}} for i in range(boxes)]}
            },
        }
        state = FakeKiliState()
        handler, kili, _ = make_handler(plugin, state, label)
        handler.on_submit(label, "asset-1")
        # at most 100 issues per label, the rest summed up in one issue of the rule
        assert len(state.issues_store) == min(boxes, 100) + (boxes > 100)
        assert len(kili.method_calls) == 5
