"""The plugin touches only the issues it wrote, and acts only on Kili answers it understood.

Every case runs the built plugin against an autospec of the real ``kili.client.Kili``. The expected outcomes are
written by hand from the rule set (``rules/document.yaml``: ``iban-fr`` wants ``IBAN number should start by FR``
on a box whose IBAN is not French) and from what each answer holds.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from fractions import Fraction

import pytest
from conftest import RULES, load_json
from hypothesis import given
from hypothesis import strategies as st
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin
from kili_rules.runtime.issues import opening_text, rule_of, tag_of
from kili_rules.runtime.model import COULD_NOT_CHECK, Report, RuleOutcome
from kili_rules.runtime.policy import Policy

DE_LABEL = load_json(RULES / "labels" / "document_label_de_iban.json")
FR_LABEL = dict(load_json(RULES / "labels" / "document_label_fr_iban.json"), id=DE_LABEL["id"])
IBAN_BOX = "20230801120000000-iban"
IBAN_ISSUE = "[document/iban-fr] IBAN number should start by FR"
PAYMENT_ISSUE = "[document/payment-after-billing] The payment date must not be before the billing date."
FAST = {"limits": {"event_seconds": 0.3, "evaluation_seconds": 0.2}, "first_backoff": 0.001, "min_call_seconds": 0}


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path_factory.mktemp("o")).path)


def submit(plugin, state, label, **qa_options):
    state.asset_of[label["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records()
    qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, **qa_options)
    return qa.handle(label, "asset-1", "submit"), kili, records


def open_issue(issue_id, text, mid=None, **more):
    return {"id": issue_id, "assetId": "asset-1", "text": text, "objectMid": mid, "status": "OPEN", **more}


# -- whose issue it is ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[iban-fr] please double-check this IBAN",  # a reviewer's, with the rule id in brackets
        "[iban-fr] The IBAN must be a French one",  # another kili-rules plugin's rule of the same id (earlier tag)
        "[invoices/iban-fr] IBAN number should start by FR",  # another rule set's, same rule and message
        "[unreadable-label] could not read this label: jsonResponse is a string that is not JSON",  # any rule set's
        "[invoices/unreadable-label] could not read this label: jsonResponse is a string that is not JSON",
    ],
)
def test_issues_it_did_not_write_are_never_solved(plugin, text):
    state = FakeKiliState()
    state.issues_store.append(open_issue("theirs", text, IBAN_BOX))
    result, kili, _ = submit(plugin, state, FR_LABEL)  # iban-fr passes, the label is readable: nothing of its own
    assert state.issues_store[0]["status"] == "OPEN"
    kili.update_issue_status.assert_not_called()
    assert result.solved == [] and not result.failures


@pytest.mark.parametrize("reply_first", [True, False], ids=["reply-listed-first", "reply-listed-last"])
def test_its_own_issue_is_found_whatever_the_order_of_its_comments(plugin, reply_first):
    state = FakeKiliState()
    submit(plugin, state, DE_LABEL)
    assert sorted(state.open_issues) == sorted([IBAN_ISSUE, PAYMENT_ISSUE])
    iban = next(i for i in state.issues_store if i["text"] == IBAN_ISSUE)
    state.reply(iban["id"], "I checked it with the client: it is German on purpose", first=reply_first)

    _, kili, _ = submit(plugin, state, DE_LABEL)  # the same findings: nothing new, nothing solved
    kili.create_issues.assert_not_called()
    kili.update_issue_status.assert_not_called()

    result, _, _ = submit(plugin, state, FR_LABEL)  # the IBAN fixed: its issue, reply and all, is solved
    assert iban["id"] in result.solved and iban["status"] == "SOLVED"


def test_issues_of_earlier_versions_are_recognised_when_this_rule_set_can_give_their_text(plugin):
    state = FakeKiliState()
    state.issues_store += [
        open_issue("old-iban", "[iban-fr] IBAN number should start by FR", IBAN_BOX),
        open_issue(
            "old-digits", "[iban-check-digits] IBAN DE00 1234: its check digits are wrong, check each character"
        ),
        open_issue("old-error", "[currency] could not check this label: KeyError: 'x'"),
    ]
    _, kili, _ = submit(plugin, state, DE_LABEL)
    # the old iban-fr issue still covers its finding (not opened twice); the two others' findings are gone
    kili.create_issues.assert_called_once()
    assert kili.create_issues.call_args.kwargs["text_array"] == [PAYMENT_ISSUE]
    assert {i["id"]: i["status"] for i in state.issues_store[:3]} == {
        "old-iban": "OPEN",
        "old-digits": "SOLVED",
        "old-error": "SOLVED",
    }
    submit(plugin, state, FR_LABEL)
    assert state.issues_store[0]["status"] == "SOLVED"


# -- answers checked --------------------------------------------------------------------------------------------


def rows_of(state, **changes):
    """The answer Kili would give for asset-1's open issues, with every field the plugin may ask for."""
    return [
        {**row, **changes}
        for row in state.issues(
            "project-1",
            fields=[
                "id",
                "status",
                "type",
                "objectMid",
                "assetId",
                "comments.id",
                "comments.text",
                "comments.createdAt",
            ],
            asset_id="asset-1",
            status="OPEN",
            issue_type="ISSUE",
        )
    ]


def test_an_answer_holding_another_assets_issues_is_a_failed_read(plugin):
    state = FakeKiliState()
    other = {
        "id": "other",
        "status": "OPEN",
        "type": "ISSUE",
        "objectMid": None,
        "assetId": "asset-2",
        "comments": [{"id": "c", "text": "[document/currency] Currency should be EUR or USD, not GBP"}],
    }
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    kili.issues.side_effect = lambda **kwargs: [*rows_of(state), other]
    logger, records = logger_with_records()
    result = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger).handle(DE_LABEL, "asset-1", "submit")
    kili.create_issues.assert_not_called()
    kili.update_issue_status.assert_not_called()
    assert (
        "issues failed on asset asset-1: KiliAnswerError: issues: issue other is of asset 'asset-2'" in records.text()
    )
    assert result.sent_back and result.metadata_written  # the other steps still ran


def test_an_answer_without_the_asset_of_its_rows_is_a_failed_read(plugin):
    state = FakeKiliState()
    state.issues_store.append(open_issue("mine", "[document/currency] Currency should be EUR or USD, not GBP"))
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    kili.issues.side_effect = lambda **kwargs: [{k: v for k, v in r.items() if k != "assetId"} for r in rows_of(state)]
    logger, records = logger_with_records()
    plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger).handle(DE_LABEL, "asset-1", "submit")
    kili.create_issues.assert_not_called()
    kili.update_issue_status.assert_not_called()
    assert "is of asset None, not asset-1" in records.text()


def test_a_row_listed_twice_is_one_row(plugin):
    state = FakeKiliState()
    submit(plugin, state, DE_LABEL)
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    kili.issues.side_effect = lambda **kwargs: rows_of(state) + rows_of(state)
    logger, _ = logger_with_records()
    result = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger).handle(DE_LABEL, "asset-1", "submit")
    kili.update_issue_status.assert_not_called()  # the second copy is not "stale": it is the same issue
    kili.create_issues.assert_not_called()
    assert result.kept == 2 and sorted(state.open_issues) == sorted([IBAN_ISSUE, PAYMENT_ISSUE])


def test_a_row_listed_twice_differently_is_a_failed_read(plugin):
    state = FakeKiliState()
    submit(plugin, state, DE_LABEL)
    kili = autospec_kili(state)
    rows = rows_of(state)
    kili.issues.side_effect = lambda **kwargs: [*rows, {**rows[0], "objectMid": "another-box"}]
    logger, records = logger_with_records()
    plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger).handle(FR_LABEL, "asset-1", "submit")
    kili.update_issue_status.assert_not_called()
    assert "listed twice, differently" in records.text()


@pytest.mark.parametrize(
    "comments",
    [
        [],
        [{"id": "a"}],
        [{"text": IBAN_ISSUE, "createdAt": "2026-01-01T00:00:02Z"}, {"text": "a reply"}],  # which came first?
        [{"text": IBAN_ISSUE, "createdAt": "2026-01-01T00:00:02Z"}, {"text": "x", "createdAt": "2026-01-01T00:00:02Z"}],
    ],
    ids=["no-comment", "no-text", "no-time", "a-tie"],
)
def test_an_issue_whose_opening_text_cannot_be_told_is_left_alone(plugin, comments):
    state = FakeKiliState()
    state.issues_store.append(open_issue("unclear", IBAN_ISSUE, IBAN_BOX, comments=comments))
    result, kili, records = submit(plugin, state, FR_LABEL)
    kili.update_issue_status.assert_not_called()
    assert state.issues_store[0]["status"] == "OPEN" and not result.failures
    assert "issue unclear: the text it was opened with cannot be told: left alone" in records.text()


# -- a late creation never races the next submit ----------------------------------------------------------------


class SlowFirstCreation(FakeKiliState):
    """The first ``create_issues`` hangs until released, then creates (long after the event gave up on it)."""

    def __init__(self):
        super().__init__()
        self.release, self.landed = threading.Event(), threading.Event()
        self.creations = 0

    def create_issues(self, *args, **kwargs):
        with self._lock:
            self.creations += 1
            first = self.creations == 1
        if first:
            self.release.wait(10)
        try:
            return super().create_issues(*args, **kwargs)
        finally:
            if first:
                self.landed.set()


def test_an_abandoned_creation_keeps_the_assets_lock_until_it_lands(plugin):
    state = SlowFirstCreation()
    # a stale issue of its own beside the findings: creating and solving run side by side
    state.issues_store.append(open_issue("stale", "[currency] Currency should be EUR or USD, not GBP"))
    first, _, _ = submit(plugin, state, DE_LABEL, **FAST)
    assert first.abandoned == ["issues"]
    second, _, _ = submit(plugin, state, DE_LABEL, **FAST)  # the creation is still on its way
    assert "issues" in " ".join(second.failures)  # fails closed: it waited for the lock, in vain
    state.release.set()
    assert state.landed.wait(5)
    time.sleep(0.05)  # the abandoned step releases the lock once its calls have returned
    third, _, _ = submit(plugin, state, DE_LABEL, **FAST)
    assert not third.failures
    opened = Counter((i["text"], i["objectMid"]) for i in state.issues_store if i["status"] == "OPEN")
    assert opened == {(IBAN_ISSUE, IBAN_BOX): 1, (PAYMENT_ISSUE, None): 1}  # each once, the stale one solved
    assert len(state.issues_store) == 3  # created once: the second submit created nothing


# -- the score --------------------------------------------------------------------------------------------------


def test_huge_weights_give_a_finite_score(tmp_path, write_rules):
    path = write_rules(
        "score: {key: qa_score}\nrules:\n"
        "  - {id: one-box, type: count, job: JOB_0, max: 1, weight: 1.0e+308}\n"
        "  - {id: no-box, type: count, job: JOB_0, max: 0, weight: 1.0e+308}\n"
    )
    built = load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "out").path)
    label = {"id": "L", "jsonResponse": {"JOB_0": {"annotations": [{"mid": "m", "categories": [{"name": "A"}]}]}}}
    state = FakeKiliState(metadata={"keep": 1})
    submit(built, state, label)
    assert state.metadata == {"keep": 1, "qa_score": 50.0, "qa_send_backs": 1}  # one of two equal weights passed
    json.dumps(state.metadata, allow_nan=False)


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=1.7e308), st.sampled_from(["pass", "fail", "not_applicable"])),
        max_size=8,
    )
)
def test_the_score_is_a_finite_share_whatever_the_weights(weights):
    report = Report(tuple(RuleOutcome(f"r{i}", status, weight) for i, (weight, status) in enumerate(weights)))
    passed = sum(Fraction(w) for w, s in weights if s == "pass")  # exact arithmetic: no overflow, no rounding
    judged = sum(Fraction(w) for w, s in weights if s != "not_applicable")
    exact = 100 if judged == 0 else 100 * passed / judged
    assert math.isfinite(report.score) and 0 <= report.score <= 100
    assert abs(report.score - float(exact)) <= 0.005 + 1e-9


# -- the pure reading of texts ----------------------------------------------------------------------------------

POLICY = Policy.from_rule_set(
    {"name": "document", "rules": [{"id": "iban-fr", "message": "IBAN number should start by FR"}]}
)


@given(st.text(max_size=60))
def test_a_bracketed_rule_id_before_any_other_text_is_not_this_rule_sets(text):
    owned = rule_of(f"[iban-fr] {text}", POLICY) is not None
    could_give = (
        text == "IBAN number should start by FR"
        or text.startswith(COULD_NOT_CHECK)
        or (text.startswith("IBAN number should start by FR (frame ") and text.endswith(")"))
        or text.startswith("and ")
    )
    assert not owned or could_give
    assert rule_of(f"[other/iban-fr] {text}", POLICY) is None
    assert rule_of(f"[document/iban-fr] {text}", POLICY) == "iban-fr"


@given(st.text(alphabet=st.characters(blacklist_characters="[]/ "), min_size=1, max_size=20))
def test_a_tag_reads_back_as_written(name):
    assert tag_of(f"[{name}/iban-fr] message") == (name, "iban-fr")
    assert tag_of(f"[{name}] message") == (None, name)


@given(st.permutations(range(4)), st.lists(st.text(max_size=5), min_size=4, max_size=4))
def test_the_opening_text_is_the_first_comment_by_creation_time_whatever_the_order(order, texts):
    comments = [{"text": texts[i], "createdAt": f"2026-01-01T00:00:0{i}.000Z"} for i in order]
    assert opening_text(comments) == texts[0]
