"""The gate fails closed: each way an annotator, a rule or Kili could make a label pass unchecked, through the built
main.py, its real PluginCore and an autospec of the real ``kili.client.Kili``."""

from __future__ import annotations

import copy
import json
import sys
import threading
import time
from collections import Counter

import pytest
from conftest import RULES, load_json
from kili.exceptions import GraphQLError
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records
from typeguard import TypeCheckError

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

DE_LABEL = load_json(RULES / "labels" / "document_label_de_iban.json")
FR_LABEL = load_json(RULES / "labels" / "document_label_fr_iban.json")


@pytest.fixture(scope="module")
def document_plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path_factory.mktemp("d")).path)


def plugin_of(tmp_path, text: str, **files: str):
    for name, content in files.items():
        (tmp_path / name.replace("__", ".")).write_text(content, encoding="utf-8")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "dist").path)


def run(plugin, label, state=None, *, asset="asset-1", review=False, **qa_options):
    state = state if state is not None else FakeKiliState(metadata={"keep": "me"})
    state.asset_of[label.get("id", "L")] = asset
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    handler = plugin.PluginHandler(kili, "project-1", logger)
    if qa_options:
        handler.qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, **qa_options)
    (handler.on_review if review else handler.on_submit)(label, asset)
    return state, kili, records


# -- what cannot be read or checked does not pass --------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ({"0": {"JOB_0": {"annotations": []}}, "²": {}}, "video frame keys that are not frame numbers: '²'"),
        ("[" * 5000 + "]" * 5000, "jsonResponse is nested too deep to be read"),
        ("{truncated", "jsonResponse is a string that is not JSON"),
        ([1, 2], "jsonResponse is a list, not an object"),
    ],
)
def test_an_unreadable_label_scores_0_with_an_issue_and_is_sent_back(document_plugin, response, reason):
    state, _, records = run(document_plugin, {"id": "L", "jsonResponse": response})
    assert state.open_issues == [f"[document/unreadable-label] could not read this label: {reason}"]
    assert state.metadata == {
        "keep": "me",
        "qa_score": 0.0,
        "qa_failed_rules": "unreadable-label",
        "qa_send_backs": 1,
    }
    assert state.sent_back == ["asset-1"]
    assert reason in records.text()


def test_a_rule_that_raises_fails_closed_with_its_severity(tmp_path):
    module = (
        "import sys\nfrom kili_rules import rule\n\n"
        "@rule(id='divides', severity='warning')\ndef divides(label):\n    return 1 / 0\n\n"
        "@rule(id='exits')\ndef exits(label):\n    sys.exit(3)\n"
    )
    plugin = plugin_of(
        tmp_path, "python: [checks.py]\nactions: {warning: [issue], error: [issue, send_back]}\n", checks__py=module
    )
    state, _, records = run(plugin, {"id": "L", "jsonResponse": {}})
    assert sorted(state.open_issues) == [
        "[rules/divides] could not check this label: ZeroDivisionError: division by zero",
        "[rules/exits] could not check this label: SystemExit: 3",
    ]
    assert state.metadata["qa_score"] == 0.0 and state.metadata["keep"] == "me"
    assert state.sent_back == ["asset-1"]  # `exits` is an error: its severity's actions apply
    # the log names the line of the rule's file that raised (`sys.exit(3)` is line 10 of checks.py)
    assert "rule exits could not check the label (counted as failed): checks.py:10: SystemExit: 3" in records.text()


def test_on_error_skip_restores_leaving_the_rule_out(tmp_path):
    module = "from kili_rules import rule\n\n@rule(id='divides')\ndef divides(label):\n    return 1 / 0\n"
    plugin = plugin_of(
        tmp_path,
        "on_error: skip\npython: [checks.py]\nrules:\n  - {id: none, type: count, job: J, max: 0}\n",
        checks__py=module,
    )
    state, _, records = run(plugin, {"id": "L", "jsonResponse": {}})
    assert state.open_issues == [] and state.sent_back == []
    assert state.metadata["qa_score"] == 100.0
    assert "rule divides could not check the label (skipped)" in records.text()


def test_a_rule_that_never_ends_is_abandoned_and_the_kili_steps_still_run(tmp_path):
    # The rule spins (it holds the GIL) until the test is over: a thread left spinning would halve the speed of
    # every later test of this worker.
    module = (
        "import threading\nfrom kili_rules import rule\n\nSTOP = threading.Event()\n\n"
        "@rule(id='spins')\ndef spins(label):\n    while not STOP.is_set():\n        pass\n"
    )
    plugin = plugin_of(
        tmp_path,
        "limits: {evaluation_seconds: 0.3}\npython: [checks.py]\nrules:\n  - {id: none, type: count, job: J, max: 0}\n",
        checks__py=module,
    )
    started = time.monotonic()
    try:
        state, _, _ = run(plugin, {"id": "L", "jsonResponse": {}})
    finally:
        for name, loaded in list(sys.modules.items()):
            if name.startswith("kili_rules_user_") and isinstance(getattr(loaded, "STOP", None), threading.Event):
                loaded.STOP.set()
    assert time.monotonic() - started < 5
    (issue,) = state.open_issues  # `none` passed; `spins` fails closed
    assert issue.startswith(
        "[rules/spins] could not check this label: out of time: it ran past the 0.3 s evaluation budget"
    )
    assert state.metadata["qa_score"] == 0.0 and state.sent_back == ["asset-1"]


# -- bounds ----------------------------------------------------------------------------------------------------


def test_a_huge_transcription_gives_a_bounded_issue_text(tmp_path):
    plugin = plugin_of(
        tmp_path, "rules:\n  - {id: fr, type: text, job: T, starts_with: FR, message: 'not FR: {value}'}\n"
    )
    label = {"id": "L", "jsonResponse": {"T": {"text": "DE" + "x" * 10_000_000}}}
    state, _, _ = run(plugin, label)
    (text,) = state.open_issues
    assert text.startswith("[rules/fr] not FR: DExxx") and len(text) == 1000 and text.endswith("…")


@pytest.mark.heavy(3.5)
def test_a_hundred_thousand_findings_give_a_hundred_issues_and_a_summary(tmp_path):
    plugin = plugin_of(
        tmp_path,
        "limits: {max_issue_text: 200}\nrules:\n"
        "  - {id: every-box, type: required, job: T, for_each: {job: J}, message: 'transcribe {mid}'}\n",
    )
    boxes = [{"mid": f"m{i}", "categories": [{"name": "A"}]} for i in range(100_000)]
    state, kili, records = run(plugin, {"id": "L", "jsonResponse": {"J": {"annotations": boxes}}})
    assert kili.create_issues.call_count == 1
    assert len(records.records) < 120 and "and 99900 more findings" in records.text()  # no log flood either
    assert len(state.issues_store) == 101
    assert state.open_issues[0] == "[rules/every-box] transcribe m0" and state.issues_store[0]["objectMid"] == "m0"
    assert (
        state.open_issues[-1]
        == "[rules/every-box] and 99900 more findings of this rule (a label gets at most 100 issues)"
    )
    state_again, _, _ = run(plugin, {"id": "L", "jsonResponse": {"J": {"annotations": boxes}}}, state)
    assert len(state_again.issues_store) == 101  # nothing new the second time


def test_log_lines_are_cut(tmp_path):
    plugin = plugin_of(
        tmp_path,
        "limits: {max_log_line: 300}\nrules:\n  - {id: fr, type: text, job: T, starts_with: FR, message: '{value}'}\n",
    )
    _, _, records = run(plugin, {"id": "L", "jsonResponse": {"T": {"text": "DE" + "y" * 100_000}}})
    assert max(len(r.getMessage()) for r in records.records) <= 300


# -- issues follow their annotation ----------------------------------------------------------------------------


def _two_ibans(a_text: str, b_text: str) -> dict:
    label = copy.deepcopy(DE_LABEL)
    box = label["jsonResponse"]["JOB_0"]["annotations"][0]
    other = copy.deepcopy(box)
    other["mid"] = "box-b"
    box["mid"] = "box-a"
    box["children"]["TRANSCRIPTION_JOB"]["text"] = a_text
    other["children"]["TRANSCRIPTION_JOB"]["text"] = b_text
    label["jsonResponse"]["JOB_0"]["annotations"].append(other)
    return label


def _iban_issues(state) -> dict:
    return {i["objectMid"]: i["status"] for i in state.issues_store if i["text"].startswith("[document/iban-fr]")}


def test_a_finding_that_moves_to_another_box_moves_its_issue(document_plugin):
    state, _, _ = run(document_plugin, _two_ibans("DE89 3704", "FR76 3000"))
    assert _iban_issues(state) == {"box-a": "OPEN"}
    run(document_plugin, _two_ibans("FR76 3000", "DE89 3704"), state)  # A fixed, B now wrong: same text
    assert _iban_issues(state) == {"box-a": "SOLVED", "box-b": "OPEN"}


def test_questions_and_issues_of_others_are_never_solved(document_plugin):
    state = FakeKiliState()
    question = {"id": "q", "assetId": "asset-1", "text": "[iban-fr] is this right?", "status": "OPEN"}
    state.issues_store.append({**question, "type": "QUESTION"})
    state.issues_store.append({"id": "h", "assetId": "asset-1", "text": "[someone] check", "status": "OPEN"})
    run(document_plugin, FR_LABEL, state)
    assert [i["status"] for i in state.issues_store[:2]] == ["OPEN", "OPEN"]


# -- no Kili answer trusted unchecked --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [None, {"id": "x"}, [{"id": "i1", "status": "OPEN", "type": "ISSUE"}], [None], "[]", [{"status": "OPEN"}]],
    ids=["none", "a-dict", "no-comments", "a-null-row", "a-string", "no-id"],
)
def test_a_malformed_issues_answer_is_a_failed_read(document_plugin, answer):
    state = FakeKiliState(metadata={"keep": 1})
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    kili.issues.side_effect = lambda **kwargs: answer
    logger, records = logger_with_records()
    document_plugin.PluginHandler(kili, "project-1", logger).on_submit(DE_LABEL, "asset-1")
    kili.create_issues.assert_not_called()
    kili.update_issue_status.assert_not_called()
    assert "issues failed on asset asset-1: KiliAnswerError" in records.text()
    assert state.metadata["qa_score"] < 100 and state.sent_back == ["asset-1"]  # the other steps still ran


@pytest.mark.parametrize(
    "rows",
    [[{"id": "asset-1"}], [{"id": "asset-2", "jsonMetadata": {}}], [], None, [{"jsonMetadata": {}}]],
    ids=["no-metadata", "another-asset", "empty", "none", "no-id"],
)
def test_metadata_is_written_only_from_the_assets_own_row(document_plugin, rows):
    state = FakeKiliState(metadata={"precious": True})
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    kili.assets.side_effect = lambda **kwargs: rows
    logger, records = logger_with_records()
    document_plugin.PluginHandler(kili, "project-1", logger).on_submit(DE_LABEL, "asset-1")
    kili.update_properties_in_assets.assert_not_called()
    assert "json_metadata failed on asset asset-1: KiliAnswerError" in records.text()


def test_a_send_back_retried_after_an_unknown_outcome_is_not_declined(document_plugin):
    state = FakeKiliState()
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    answers = iter([ConnectionError("answer lost"), {"succeeded": [], "declined": [{"assetId": "asset-1"}]}])

    def send_back(**kwargs):
        answer = next(answers)
        if isinstance(answer, Exception):
            state.sent_back.append("asset-1")  # it went through; the answer was lost
            raise answer
        return answer

    kili.send_back_to_queue.side_effect = send_back
    logger, records = logger_with_records()
    handler = document_plugin.PluginHandler(kili, "project-1", logger)
    handler.qa = document_plugin.QaPlugin(document_plugin.ENGINE, kili, "project-1", logger, first_backoff=0.01)
    result = handler.qa.handle(DE_LABEL, "asset-1", "submit")
    assert result.sent_back and "declined" not in records.text().replace("an earlier attempt", "")
    assert "sent asset asset-1 back to the queue (an earlier attempt had gone through)" in records.text()


@pytest.mark.parametrize("refusal", [GraphQLError("refused"), TypeCheckError("bad type")], ids=["graphql", "typecheck"])
def test_a_server_refusal_is_never_retried(document_plugin, refusal):
    state = FakeKiliState()
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    for method in ("update_properties_in_assets", "send_back_to_queue", "create_issues"):
        getattr(kili, method).side_effect = refusal
    logger, _ = logger_with_records()
    document_plugin.PluginHandler(kili, "project-1", logger).on_submit(DE_LABEL, "asset-1")
    assert kili.update_properties_in_assets.call_count == 1
    assert kili.send_back_to_queue.call_count == 1
    assert kili.create_issues.call_count == 1


def test_two_events_of_one_asset_in_parallel_never_duplicate_issues(document_plugin):
    duplicates = 0
    kili = None
    for _ in range(50):
        state = SlowKili(seconds=0.002)
        state.asset_of[DE_LABEL["id"]] = "asset-1"
        kili = autospec_kili(state, into=kili)
        logger, _ = logger_with_records()
        handlers = [document_plugin.PluginHandler(kili, "project-1", logger) for _ in range(2)]
        threads = [threading.Thread(target=h.on_submit, args=(DE_LABEL, "asset-1")) for h in handlers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        texts = Counter((i["text"], i["objectMid"]) for i in state.issues_store if i["status"] == "OPEN")
        duplicates += max(texts.values()) > 1
        assert set(state.metadata) == {"qa_score", "qa_failed_rules", "qa_send_backs"}
        assert state.metadata["qa_send_backs"] == len(state.sent_back) == 2  # each read what the other wrote
    assert duplicates == 0


class SlowKili(FakeKiliState):
    """Every call takes ``seconds`` of real time: wide enough for two threads to interleave."""

    def __init__(self, seconds: float, **kwargs):
        super().__init__(**kwargs)
        self.seconds = seconds

    def _call(self, method, is_write, **kwargs):
        time.sleep(self.seconds)
        return super()._call(method, is_write, **kwargs)


# -- a real time ceiling ---------------------------------------------------------------------------------------


class HungKili(FakeKiliState):
    """The methods in ``hung`` block until the test ends (then fail, with no effect)."""

    def __init__(self, hung: set[str], **kwargs):
        super().__init__(**kwargs)
        self.hung = hung
        self.release = threading.Event()

    def _call(self, method, is_write, **kwargs):
        super()._call(method, is_write, **kwargs)
        if method in self.hung:
            self.release.wait(30)
            raise ConnectionError("hung call released at the end of the test")


@pytest.mark.parametrize(
    ("hung", "still_done"),
    [
        ({"issues"}, {"sent_back", "metadata"}),
        ({"assets"}, {"sent_back", "issues"}),
        ({"send_back_to_queue"}, {"issues", "metadata"}),
        ({"issues", "assets", "send_back_to_queue"}, set()),
    ],
)
def test_a_hung_call_is_abandoned_at_the_deadline_and_the_rest_runs(document_plugin, hung, still_done):
    state = HungKili(hung, metadata={"keep": 1})
    try:
        started = time.monotonic()
        state, _, records = run(document_plugin, DE_LABEL, state, limits={"event_seconds": 0.5}, min_call_seconds=0.05)
        elapsed = time.monotonic() - started
    finally:
        state.release.set()
    assert elapsed < 0.5 + 1.0  # the budget, and scheduling on a loaded machine (the hung call lasts 30 s)
    if hung == {"assets"}:  # the asset read is waited for half the budget: the groups then go on without it
        assert "json_metadata failed on asset asset-1: abandoned: still waiting for Kili at " in records.text()
    else:
        assert "abandoned: still waiting for Kili at the end of the 0.5 s budget" in records.text()
    done = {
        "sent_back": state.sent_back == ["asset-1"],
        "metadata": "qa_score" in state.metadata,
        "issues": len(state.open_issues) == 2,
    }
    assert {name for name, happened in done.items() if happened} == still_done
    assert state.metadata["keep"] == 1


def test_the_budget_is_read_from_the_rule_file(tmp_path):
    plugin = plugin_of(tmp_path, "limits: {event_seconds: 12, evaluation_seconds: 3, max_issues: 7}\nrules: []\n")
    assert plugin.RULE_SET["limits"]["event_seconds"] == 12
    qa = plugin.QaPlugin(plugin.ENGINE, None, "p", logger_with_records()[0])
    assert qa.limits["event_seconds"] == 12 and qa.limits["max_issues"] == 7 and qa.limits["max_issue_text"] == 1000


def test_the_handler_lets_nothing_escape_even_a_broken_logger(document_plugin):
    class Exploding:
        def __getattr__(self, name):
            raise KeyboardInterrupt("from inside")

    state = FakeKiliState()
    state.asset_of["L"] = "asset-1"
    kili = autospec_kili(state)
    logger, _ = logger_with_records()
    handler = document_plugin.PluginHandler(kili, "project-1", logger)
    handler.on_submit(Exploding(), "asset-1")  # a label object that raises on every access
    assert json.dumps(state.metadata)  # whatever happened, nothing escaped
