"""Fault injection: Kili calls that fail at random (errors, timeouts, answers lost after the effect), seeded.

Over 1,000 submits: the handler never raises, no issue is ever OPEN twice, no metadata key is lost, and every run
ends within Kili's limit (the 45 s budget plus at most the one call under way when it ran out).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from conftest import RULES, load_json
from kili_fakes import FakeClock, FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.build import build_plugin
from kili_rules.loader import load_rule_set

DE_LABEL = load_json(RULES / "labels" / "document_label_de_iban.json")
FR_LABEL = dict(load_json(RULES / "labels" / "document_label_fr_iban.json"), id=DE_LABEL["id"])
ORIGINAL_METADATA = {"imageUrl": "https://example.invalid/a.png", "batch": 3, "reviewer": "ann"}
LONGEST_CALL = 5.0 + 1.5  # the fake's timeout plus its worst latency


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    return load_plugin_module(build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path_factory.mktemp("f")).path)


@pytest.mark.parametrize("seed", range(10))
def test_transient_faults_never_break_the_invariants(plugin, seed):
    rng = random.Random(seed)
    runs_per_asset = 5
    stats = Counter()
    for scenario in range(20):  # 10 seeds x 20 assets x 5 submits = 1,000 runs
        clock = FakeClock()
        state = FakeKiliState(
            metadata=dict(ORIGINAL_METADATA), faults=rng, fault_rate=rng.choice([0.1, 0.3, 0.6]), clock=clock
        )
        state.asset_of[DE_LABEL["id"]] = "asset-1"
        kili = autospec_kili(state)
        logger, _ = logger_with_records(f"faults-{seed}")
        handler = plugin.PluginHandler(kili, "project-1", logger)
        handler.qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, clock=clock, sleep=clock.sleep)
        for run in range(runs_per_asset):
            label = rng.choice([DE_LABEL, FR_LABEL])
            started = clock()
            result = handler.qa.handle(label, "asset-1", "submit")  # what on_submit does, with its result
            elapsed = clock() - started
            assert elapsed <= 45.0 + LONGEST_CALL < 60.0, f"seed {seed} scenario {scenario} run {run}: {elapsed}"
            open_texts = Counter(i["text"] for i in state.issues_store if i["status"] == "OPEN")
            assert max(open_texts.values(), default=0) <= 1, f"duplicate OPEN issue: {open_texts}"
            assert ORIGINAL_METADATA.items() <= state.metadata.items(), f"metadata lost: {state.metadata}"
            stats["runs"] += 1
            stats["failures"] += bool(result.failures)
            stats["complete"] += not result.failures
        # with the faults gone, one more submit converges to exactly the label's findings
        state.fault_rate = 0
        handler.qa.handle(label, "asset-1", "submit")
        wanted = {f.issue_text for f in plugin.ENGINE.evaluate(label).findings}
        assert {i["text"] for i in state.issues_store if i["status"] == "OPEN"} == wanted
    assert stats["runs"] == 100
    assert stats["failures"] > 0 and stats["complete"] > 0  # the faults did bite, and runs still completed


def test_the_handler_never_raises_even_when_every_call_fails(plugin):
    clock = FakeClock()
    state = FakeKiliState(metadata=dict(ORIGINAL_METADATA), faults=random.Random(1), fault_rate=1.0, clock=clock)
    state.asset_of[DE_LABEL["id"]] = "asset-1"
    kili = autospec_kili(state)
    logger, records = logger_with_records("all-fail")
    handler = plugin.PluginHandler(kili, "project-1", logger)
    handler.qa = plugin.QaPlugin(plugin.ENGINE, kili, "project-1", logger, clock=clock, sleep=clock.sleep)
    handler.on_submit(DE_LABEL, "asset-1")
    assert clock() <= 45.0 + LONGEST_CALL
    assert state.metadata == ORIGINAL_METADATA
    assert "failed" in records.text() or "deadline" in records.text()
