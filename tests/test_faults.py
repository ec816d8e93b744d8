"""Fault injection: Kili calls that fail at random, seeded: errors, answers lost after the effect, malformed answers,
issue answers holding another asset's rows, every row twice or the rows reordered with a reply before each opening
comment, calls that hang past the deadline, and creations that land only after the next submit of the asset.

Over 1,000 submits (10 seeds x 20 assets x 5 submits) the handler never raises, no issue is ever OPEN twice, no
metadata key is lost, and every event ends within its budget (real time: a small budget keeps the run short).
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections import Counter

import pytest
from conftest import RULES, load_json
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

DE_LABEL = load_json(RULES / "labels" / "document_label_de_iban.json")
FR_LABEL = dict(load_json(RULES / "labels" / "document_label_fr_iban.json"), id=DE_LABEL["id"])
ORIGINAL_METADATA = {"imageUrl": "https://example.invalid/a.png", "batch": 3, "reviewer": "ann"}
BUDGET = 0.2  # seconds of real time for one event
SLACK = 0.8  # thread scheduling on a loaded machine (a hung call would take 30 s)
ESCALATED = "[document/send-backs] sent back to the queue 3 times already: escalated for a person to decide"
FAST = {"limits": {"event_seconds": BUDGET, "evaluation_seconds": 0.1}, "first_backoff": 0.001, "min_call_seconds": 0}
MALFORMED = {
    "issues": [None, {"id": "x"}, [{"id": "i", "status": "OPEN"}], "[]"],
    "assets": [[], [{"id": "another"}], [{"id": "asset-1"}], None],
}


#: Answers of another shape than the plain one: rows of another asset (a failed read), every row twice, the rows
#: in reverse order each with a reviewer's reply listed before the comment that opened the issue (both still read).
RESHAPED = ["foreign", "duplicated", "reordered"]
REPLY = {"id": "reply", "text": "[iban-fr] a reviewer's reply", "createdAt": "2027-01-01T00:00:00.000Z"}
#: An issue of this rule set's rule ``currency`` as an earlier version tagged it: stale on both labels.
STALE = "[currency] Currency should be EUR or USD, not GBP"


def reshaped(answer, kind):
    rows = [copy.deepcopy(row) for row in answer]
    if kind == "foreign":
        other = rows[0] if rows else {"id": "x", "status": "OPEN", "type": "ISSUE", "objectMid": None, "comments": []}
        return [*rows, {**other, "id": "foreign", "assetId": "another-asset"}]
    if kind == "duplicated":
        return rows + copy.deepcopy(rows)
    return [{**row, "comments": [dict(REPLY), *row["comments"]]} for row in reversed(rows)]


class FaultyKili(FakeKiliState):
    """A Kili whose calls fail at random: an error, an answer lost after the effect, a malformed answer, or a hang
    that outlasts the event (released afterwards, its effect applied or not)."""

    def __init__(self, rng: random.Random, rate: float, hang_rate: float, **kwargs):
        super().__init__(**kwargs)
        self.rng, self.rate, self.hang_rate = rng, rate, hang_rate
        self.hang_next: set[str] = set()  # methods whose next call hangs, whatever the dice say
        self.release = threading.Event()
        self.hung = 0
        self.idle = threading.Condition()
        self.local = threading.local()  # the calls of one event run in several threads

    def _call(self, method, is_write, **kwargs):
        super()._call(method, is_write, **kwargs)
        self.local.malformed = False
        if method in self.hang_next or self.rng.random() < self.hang_rate:
            self.hang_next.discard(method)
            with self.idle:
                self.hung += 1
            try:
                self.release.wait(30)
                if not is_write or self.rng.random() < 0.5:
                    raise ConnectionError("the hung call ended with an error")
                return "lose-answer"  # the write went through, long after the event gave up on it
            finally:
                with self.idle:
                    self.hung -= 1
                    self.idle.notify_all()
        if self.rng.random() < self.rate:
            kind = self.rng.choice(["error", "lost-answer" if is_write else "malformed"])
            if kind == "error":
                raise ConnectionError("502 Bad Gateway")
            if kind == "malformed":
                self.local.malformed = True
                return None
            return "lose-answer"
        return None

    def issues(self, *args, **kwargs):
        answer = super().issues(*args, **kwargs)
        if self.local.malformed:
            return self.rng.choice(MALFORMED["issues"])
        if self.rng.random() < self.rate / 2:
            return reshaped(answer, self.rng.choice(RESHAPED))
        return answer

    def assets(self, *args, **kwargs):
        answer = super().assets(*args, **kwargs)
        return self.rng.choice(MALFORMED["assets"]) if self.local.malformed else answer

    def settle(self):
        """Let the hung calls of the event end, as they would long before the labeler's next submit."""
        self.release.set()
        with self.idle:
            self.idle.wait_for(lambda: self.hung == 0, timeout=10)
        self.release.clear()


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path_factory.mktemp("f")).path)


@pytest.mark.heavy(1.5)
@pytest.mark.parametrize("seed", range(10))
def test_faults_never_break_the_invariants(plugin, seed):
    rng = random.Random(seed)
    stats = Counter()
    kili = None
    for scenario in range(20):
        asset = f"asset-{seed}-{scenario}"
        state = FaultyKili(
            random.Random(rng.random()),
            rate=rng.choice([0.1, 0.3, 0.6]),
            hang_rate=0.004,
            metadata=dict(ORIGINAL_METADATA),
        )
        if scenario == 0:
            state.hang_next = {rng.choice(["issues", "assets", "create_issues", "update_properties_in_assets"])}
        # a late creation: it hangs past the event, and lands only after the next submit of the asset has run
        late = scenario % 4 == 1
        if late:
            state.hang_next = {"create_issues"}
            state.issues_store.append(
                {"id": "stale", "assetId": asset, "text": STALE, "objectMid": None, "status": "OPEN"}
            )  # so that creating and solving run side by side
        state.asset_of[DE_LABEL["id"]] = asset
        kili = autospec_kili(state, into=kili)
        logger, _ = logger_with_records(f"faults-{seed}")
        qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, **FAST)
        for run in range(5):
            label = DE_LABEL if late and run == 0 else rng.choice([DE_LABEL, FR_LABEL])
            started = time.monotonic()
            result = qa.handle(label, asset, "submit")  # what on_submit does, with its result
            elapsed = time.monotonic() - started
            if not (late and run == 0):
                state.settle()
            where = f"seed {seed} scenario {scenario} run {run}"
            assert elapsed <= BUDGET + SLACK, f"{where}: {elapsed:.3f} s"
            open_issues = Counter((i["text"], i["objectMid"]) for i in state.issues_store if i["status"] == "OPEN")
            assert max(open_issues.values(), default=0) <= 1, f"{where}: duplicate OPEN issue: {open_issues}"
            assert ORIGINAL_METADATA.items() <= state.metadata.items(), f"{where}: metadata lost: {state.metadata}"
            stats["events"] += 1
            stats["abandoned"] += bool(result.abandoned)
            stats["failures"] += bool(result.failures)
            stats["complete"] += not result.failures
            stats["late"] += late and run == 1 and state.hung == 0 and "issues" in " ".join(result.failures)
        # with the faults gone, one more submit converges to exactly the label's findings
        state.rate = state.hang_rate = 0
        state.hang_next.clear()  # a hang the runs did not reach
        send_backs = state.metadata.get("qa_send_backs", 0)  # those the runs got written
        final = qa.handle(label, asset, "submit")
        assert not final.failures, f"seed {seed} scenario {scenario}: {final.failures}"
        findings = plugin.ENGINE.evaluate(label).findings
        wanted = {(f"[document/{f.rule_id}] {f.message}", f.mid) for f in findings}
        if send_backs >= 3 and any(f.severity == "error" for f in findings):  # document.yaml: error sends back
            wanted.add((ESCALATED, None))  # sent back 3 times already: escalated instead
        assert {(i["text"], i["objectMid"]) for i in state.issues_store if i["status"] == "OPEN"} == wanted
    assert stats["events"] == 100
    assert stats["failures"] > 0 and stats["complete"] > 0  # the faults did bite, and events still completed
    assert stats["abandoned"] > 0  # and some calls hung past the deadline
    assert stats["late"] > 0  # and a submit came while a creation was still on its way


def test_the_handler_never_raises_even_when_every_call_fails(plugin):
    state = FaultyKili(random.Random(1), rate=1.0, hang_rate=0, metadata=dict(ORIGINAL_METADATA))
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records("all-fail")
    handler = plugin.PluginHandler(kili, "project-1", logger)
    handler.qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, **FAST)
    started = time.monotonic()
    handler.on_submit(DE_LABEL, "asset-1")
    assert time.monotonic() - started <= BUDGET + SLACK
    assert state.metadata == ORIGINAL_METADATA
    assert "failed" in records.text()
