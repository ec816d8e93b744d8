"""Garbage answers (an HTML page, JSON cut in half, an answer of the wrong shape) from the stand-in: a read is sent
once more, then what it was for fails and ``apply`` goes on; the summary names what failed, the run exits 1, and a
re-run with the state file finishes it."""

from __future__ import annotations

import json

import pytest
from conftest import RULES, SEED, load_json

from kili_rules import cli
from kili_rules.authoring.loader import load_rule_set
from kili_rules.live import apply
from kili_rules.live import operations as ops
from kili_rules.live.client import KiliClient
from kili_rules.live.errors import KiliApiError
from kili_rules.live.retry import RetryPolicy

PROJECT = "garbage"
ASSETS = 30
FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, deadline=5.0)


def boxes(i: int) -> list[dict]:
    """Asset i has i % 3 boxes of OBJECT_A and one of OBJECT_B: the rule (at most one OBJECT_A) fails when i % 3 == 2,
    with one issue on the extra box."""
    vertex = {"x": 0.1, "y": 0.2}
    poly = [{"normalizedVertices": [vertex] * 4}]
    found = [
        {"mid": f"m{i}-{k}", "type": "rectangle", "categories": [{"name": "OBJECT_A"}], "boundingPoly": poly}
        for k in range(i % 3)
    ]
    return [*found, {"mid": f"m{i}-b", "type": "rectangle", "categories": [{"name": "OBJECT_B"}], "boundingPoly": poly}]


FAILING = {f"asset-{i}" for i in range(ASSETS) if i % 3 == 2}


@pytest.fixture
def kili(kili_stand_in, monkeypatch):
    data = kili_stand_in.data
    data.add_project(PROJECT, load_json(SEED / "image_interface.json"), "IMAGE", "Garbage")
    for i in range(ASSETS):
        data.add_asset(PROJECT, f"asset-{i}", json_metadata={"batch": i})
        data.add_label(f"asset-{i}", f"label-{i}", {"JOB_0": {"annotations": boxes(i)}})
    monkeypatch.setenv("KILI_API_KEY", kili_stand_in.api_key)
    monkeypatch.setenv("KILI_API_ENDPOINT", kili_stand_in.endpoint)
    return kili_stand_in


def connect(stand_in, **options) -> KiliClient:
    return KiliClient(stand_in.api_key, stand_in.endpoint, retry=FAST, **options)


def issues_by_asset(kili) -> dict[str, int]:
    found: dict[str, int] = {}
    for issue in kili.data.issues:
        found[issue["assetId"]] = found.get(issue["assetId"], 0) + 1
    return found


def scored(kili) -> set[str]:
    """The assets of the project whose metadata holds a score."""
    assets = kili.data.assets.items()
    return {a for a, asset in assets if asset["projectId"] == PROJECT and "qa_score" in asset["jsonMetadata"]}


# ---------------------------------------------------------------- the stand-in's mangled bodies, the client


@pytest.mark.parametrize("body", ["garbage", "truncated", "wrong_shape"])
def test_each_mangled_body_is_a_malformed_answer_never_nothing(kili, body):
    kili.fail(body=body, field="countAssets")
    with connect(kili) as client, pytest.raises(KiliApiError) as caught:
        client.count(ops.COUNT_ASSETS, {"project": {"id": PROJECT}})
    assert caught.value.kind == "malformed"
    assert [r.status for r in kili.calls("countAssets")] == [200]  # answered: not resent by the transport
    with connect(kili) as client:
        assert client.count(ops.COUNT_ASSETS, {"project": {"id": PROJECT}}) == ASSETS  # the fault was taken


def test_an_unknown_mangled_body_is_refused(kili):
    with pytest.raises(ValueError, match="garbage, truncated, wrong_shape"):
        kili.fail(body="gibberish")


def test_a_page_garbled_twice_is_skipped_and_named_the_others_are_read(kili):
    kili.fail(body="garbage", times=2, field="assets")  # the first page, and its second reading
    kili.fail(body="truncated", times=1, field="countAssets")  # read once more: fine
    bad: list[tuple[int, int, str]] = []
    with connect(kili, page_size=7, max_in_flight=1) as client:
        listing = client.iter_assets(
            PROJECT, fields=("id",), on_bad_page=lambda skip, first, error: bad.append((skip, first, error.kind))
        )
        ids = [a["id"] for a in listing]
    assert bad == [(0, 7, "malformed")]
    assert ids == [f"asset-{i}" for i in range(7, ASSETS)]


def test_without_on_bad_page_a_garbled_page_stops_the_listing(kili):
    kili.fail(body="wrong_shape", field="assets")
    with connect(kili, page_size=7) as client, pytest.raises(KiliApiError, match="not a list of objects"):
        list(client.iter_assets(PROJECT, fields=("id",)))


# ---------------------------------------------------------------- apply --per-asset goes on, a re-run finishes
# (the page-by-page path's garbage: tests/test_apply_batch.py)


def test_apply_goes_on_past_garbage_and_a_rerun_finishes(kili, tmp_path):
    rule_set = load_rule_set(RULES / "image.yaml")
    state = apply.StateFile(tmp_path / "state.jsonl", PROJECT, rule_set.name, "sha256:test")
    kili.fail(body="garbage", times=2, field="assets")  # listing page 1 (asset-0..9), twice: skipped
    kili.fail(body="wrong_shape", times=2, field="countIssues")  # the first asset handled (asset-10): failed
    kili.fail(body="truncated", times=1, field="countIssues")  # the second (asset-11): read once more, fine
    echoed: list[str] = []
    with connect(kili, page_size=10, max_in_flight=1) as client:
        summary = apply.apply_rules(
            rule_set, client, PROJECT, dry_run=False, state=state, rate=None, echo=echoed.append, per_asset=True
        )
    state.close()
    assert summary.unread_pages and summary.unread_pages[0].startswith("assets 1 to 10 of the listing: ")
    assert list(summary.failed) == ["asset-10"] and "issues" in summary.failed["asset-10"]
    assert not summary.complete
    assert summary.assets == ASSETS - 10 and summary.handled == ASSETS - 10
    assert state.done == {f"asset-{i}" for i in range(11, ASSETS)}
    assert set(issues_by_asset(kili)) == {a for a in FAILING if int(a.split("-")[1]) >= 11}
    text = summary.as_text()
    assert "1 assets failed (tried again on the next run): asset-10" in text
    assert "1 pages of the asset listing could not be read" in text and "the run is not complete" in text
    assert any(line.startswith("assets 1 to 10 of the listing: ") for line in echoed)

    again = apply.StateFile(tmp_path / "state.jsonl", PROJECT, rule_set.name, "sha256:test").load()
    with connect(kili, page_size=10, max_in_flight=1) as client:
        rerun = apply.apply_rules(
            rule_set, client, PROJECT, dry_run=False, state=again, rate=None, echo=echoed.append, per_asset=True
        )
    again.close()
    assert rerun.complete and rerun.skipped == ASSETS - 11 and rerun.handled == 11
    assert issues_by_asset(kili) == {a: 1 for a in FAILING}  # each issue created once, over both runs
    assert scored(kili) == {f"asset-{i}" for i in range(ASSETS)}


def test_a_chunk_whose_labels_come_garbled_fails_its_assets_and_the_cli_exits_1(kili, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(apply, "CHUNK", 10)
    kili.fail(body="truncated", times=2, field="projects")  # the first chunk's read, and its second reading
    state = tmp_path / "state.jsonl"
    args = ["apply", str(RULES / "image.yaml"), "--project", PROJECT, "--yes", "--rate", "0", "--state", str(state)]
    args.append("--per-asset")
    code = cli.main(args)
    out = capsys.readouterr().out
    assert code == 1
    first = [f"asset-{i}" for i in range(10)]
    assert "assets asset-0 to asset-9 (10): failed: their latest labels could not be read: " in out
    assert f"10 assets failed (tried again on the next run): {', '.join(first)}" in out
    assert f"{ASSETS - 10} labels run through the plugin" in out
    done = {json.loads(line).get("asset") for line in state.read_text().splitlines()[1:]}
    assert done == {f"asset-{i}" for i in range(10, ASSETS)}
    assert not set(issues_by_asset(kili)) & set(first) and not scored(kili) & set(first)

    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert f"10 labels run through the plugin, {ASSETS - 10} assets done by an earlier run" in out
    assert "assets failed" not in out and "not complete" not in out
    assert issues_by_asset(kili) == {a: 1 for a in FAILING}


def test_the_summary_names_the_first_failed_assets_and_counts_the_rest():
    summary = apply.ApplySummary(dry_run=False, assets=30)
    assert summary.complete and "not complete" not in summary.as_text()
    summary.failed = {f"a{i}": "why" for i in range(apply.NAMED + 5)}
    text = summary.as_text()
    named = ", ".join(f"a{i}" for i in range(apply.NAMED))
    assert f"{apply.NAMED + 5} assets failed (tried again on the next run): {named} and 5 more\n    a0: why" in text
    assert not summary.complete and text.endswith("the run is not complete: run it again to finish")
