"""``apply`` page by page against the stand-in: the same final state as the plugin run on each asset (fixtures and
2,000 generated assets), a run killed at any write converges, nothing re-sent for nothing, the rate and 429."""

from __future__ import annotations

import copy
import json
import logging

import httpx
import pytest
from conftest import RULES, load_json

from kili_rules.authoring.loader import load_rule_set
from kili_rules.live import apply
from kili_rules.live.apply_state import StateFile
from kili_rules.live.client import KiliClient
from kili_rules.live.live_kili import LiveKili, RateLimit
from kili_rules.live.retry import RetryPolicy
from kili_rules.testing import apply_project
from kili_rules.testing.apply_project import PROJECT, final_state, generate
from kili_rules.testing.stand_in import KiliStandIn, StandInData

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, deadline=5.0)
INTERFACE = RULES / "interfaces" / "image.json"


@pytest.fixture(scope="session")
def rule_set(tmp_path_factory):
    return load_rule_set(apply_project.write_rules(tmp_path_factory.mktemp("rules"), INTERFACE))


@pytest.fixture(scope="session")
def big_project():
    """2,000 generated assets, made once a session (each test runs on its own deep copy)."""
    return generate(2000, load_json(INTERFACE))


QUIET = logging.getLogger("test_apply_batch")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def in_process(stand_in: KiliStandIn) -> httpx.MockTransport:
    """The stand-in's answers without a socket (the same operations on the same data, faults aside): thousands
    of requests in a few seconds."""

    def handle(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        key, _, _, value = stand_in.answer(payload["query"], payload.get("variables") or {})
        return httpx.Response(200, json={"data": {key: value}})

    return httpx.MockTransport(handle)


def run(
    data: StandInData, rule_set, project: str = PROJECT, *, client_class=KiliClient, **options
) -> apply.ApplySummary:
    """Apply on the stand-in's answers to ``data`` (changed in place), in process; ``options`` go to
    ``apply_rules``."""
    stand_in = KiliStandIn(data)
    with client_class("key", "http://stand-in.test", retry=FAST, transport=in_process(stand_in)) as client:
        options.setdefault("rate", None)
        options.setdefault("dry_run", False)
        return apply.apply_rules(rule_set, client, project, echo=lambda line: None, logger=QUIET, **options)


# ---------------------------------------------------------------- the differential: one decision, two I/O paths


@pytest.mark.heavy(10)
def test_page_by_page_ends_in_the_state_the_plugin_gives_on_2000_assets(rule_set, big_project):
    per_asset, batched = copy.deepcopy(big_project), copy.deepcopy(big_project)
    before = final_state(big_project)
    one = run(per_asset, rule_set, per_asset=True)
    other = run(batched, rule_set)
    assert final_state(batched) == final_state(per_asset) != before
    for field in ("handled", "unlabeled", "created", "kept", "solved", "sent_back", "metadata"):
        assert getattr(other, field) == getattr(one, field), field
    assert set(other.failed) == set(one.failed) == {f"asset-{i:06d}" for i in range(7, 2000, 40)}
    # the situations the project was made for all occurred
    issues = [json.loads(i) for i in final_state(batched)["issues"]]
    assert {(i[4], i[5]) for i in issues} >= {("ISSUE", "OPEN"), ("ISSUE", "SOLVED"), ("QUESTION", "OPEN")}
    assert one.created > 500 and one.kept > 20 and one.solved > 100 and one.sent_back > 300
    statuses = {status for status, _ in final_state(batched)["assets"].values()}
    assert {"ONGOING", "TO_REVIEW"} <= statuses
    assert (
        sum(m.get("qa_send_backs") == 4 for _, m in final_state(batched)["assets"].values() if isinstance(m, dict)) == 0
    )


@pytest.mark.parametrize("rules", ["image", "document", "ner", "video"])
def test_page_by_page_ends_in_the_state_the_plugin_gives_on_the_fixtures(rules):
    rule_set = load_rule_set(RULES / f"{rules}.yaml")
    per_asset, batched = StandInData.from_fixtures(), StandInData.from_fixtures()
    for project in per_asset.projects:
        run(per_asset, rule_set, project, per_asset=True)
        run(batched, rule_set, project, page_size=2)
        assert final_state(batched, project) == final_state(per_asset, project), project


def test_the_dry_run_lists_what_the_run_then_does_and_writes_nothing(rule_set):
    data = generate(120, load_json(INTERFACE))
    before = copy.deepcopy(data)
    lines: list[str] = []
    with KiliStandIn(data) as kili, KiliClient(kili.api_key, kili.endpoint) as client:
        dry = apply.apply_rules(rule_set, client, PROJECT, rate=None, echo=lines.append)
        assert kili.mutations == [] and final_state(data) == final_state(before)
        assert {r.field for r in kili.requests} == {"countAssets", "assets", "issues"}
        assert dry.calls == len(kili.requests) == 1 + 2 * 2  # a count, then a page of assets and of issues, twice
        done = apply.apply_rules(rule_set, client, PROJECT, rate=None, dry_run=False, echo=lambda line: None)
    assert (dry.created, dry.solved, dry.metadata) == (done.created, done.solved, done.metadata)
    assert sum(" would create issue " in line for line in lines) == dry.created
    assert sum(line.endswith(": would send back") for line in lines) == dry.sent_back >= done.sent_back


# ---------------------------------------------------------------- killed at any write, run again: the same state


class Killed(BaseException):
    """A kill: nothing in apply catches it."""


def killing_client(at: int, after: bool) -> type[KiliClient]:
    """A client whose ``at``-th mutation kills the run, before it is sent or after it was applied."""

    class Client(KiliClient):
        sent = 0

        def mutate(self, document, variables=None):
            Client.sent += 1
            if Client.sent == at and not after:
                raise Killed
            answer = super().mutate(document, variables)
            if Client.sent == at:
                raise Killed
            return answer

    return Client


@pytest.mark.heavy(4)
def test_a_run_killed_at_any_write_and_run_again_ends_as_an_uninterrupted_one(rule_set, tmp_path):
    project = generate(36, load_json(INTERFACE), seed=7, queued=True)
    whole = copy.deepcopy(project)
    counting = killing_client(0, False)
    run(whole, rule_set, page_size=10, client_class=counting)
    writes = counting.sent
    assert writes >= 12  # creates, solves, send backs, reviews, metadata over 4 pages
    expected = final_state(whole)
    for at in range(1, writes + 1):
        for after in (False, True):
            data = copy.deepcopy(project)
            path = tmp_path / f"state-{at}-{after}.jsonl"
            state = StateFile(path, PROJECT, rule_set.name, "sha256:test")
            with pytest.raises(Killed):
                run(data, rule_set, page_size=10, state=state, client_class=killing_client(at, after))
            state.close()
            state = StateFile(path, PROJECT, rule_set.name, "sha256:test").load()
            summary = run(data, rule_set, page_size=10, state=state)
            state.close()
            assert final_state(data) == expected, (at, after)
            assert summary.handled + summary.skipped + summary.unlabeled == len(project.assets)


def test_a_state_file_cut_short_and_a_plan_taken_up_twice_read_back(rule_set, tmp_path):
    path = tmp_path / "state.jsonl"
    state = StateFile(path, PROJECT, rule_set.name, "sha256:h")
    plan = apply_project_plan("a1")
    first = state.begin_page([plan])
    second = state.begin_page([apply_project_plan("a1"), apply_project_plan("a2")])
    state.end_page(second, ["a1", "a2"], ["a2"])
    state.close()
    with path.open("a") as handle:
        handle.write('{"page": 9, "plans": [{"asset_id": "a3"')  # cut short
    loaded = StateFile(path, PROJECT, rule_set.name, "sha256:h").load()
    assert first == 0 and loaded.done == {"a1"} and loaded.pending == {}
    assert StateFile(path, PROJECT, rule_set.name, "sha256:other").load().started_over


def apply_project_plan(asset_id: str):
    from kili_rules.live.apply_plan import AssetPlan

    return AssetPlan(asset_id, "label", create=[("[x/y] z", "mid")], updates={"qa_score": 50.0})


# ---------------------------------------------------------------- nothing re-sent for nothing


def test_a_rerun_over_an_unchanged_project_writes_nothing(rule_set):
    data = generate(150, load_json(INTERFACE), seed=3, queued=True)
    first = run(data, rule_set)
    assert first.sent_back and first.created
    after = final_state(data)
    with KiliStandIn(data) as kili, KiliClient(kili.api_key, kili.endpoint) as client:
        again = apply.apply_rules(rule_set, client, PROJECT, rate=None, dry_run=False, echo=lambda line: None)
        assert kili.mutations == []
    assert final_state(data) == after
    assert (again.created, again.solved, again.sent_back, again.metadata) == (0, 0, 0, 0)
    assert again.kept == first.created + first.kept


def test_an_asset_back_in_the_queue_is_neither_sent_back_again_nor_counted(rule_set):
    data = StandInData()
    data.add_project(PROJECT, load_json(INTERFACE))
    boxes = [apply_project._box(f"m{k}", "OBJECT_A") for k in range(2)]
    for asset_id, status in (("queued", "ONGOING"), ("labeled", "LABELED")):
        data.add_asset(PROJECT, asset_id, status=status, json_metadata={"qa_send_backs": 1, "keep": "me"})
        data.add_label(asset_id, f"{asset_id}-label", {"JOB_0": {"annotations": boxes}})
    summary = run(data, rule_set)
    assert summary.sent_back == 1
    assert data.assets["queued"]["jsonMetadata"] == {
        "qa_send_backs": 1, "keep": "me", "qa_score": 50.0, "qa_failed_rules": "one-object-a"
    }  # fmt: skip
    assert data.assets["labeled"]["jsonMetadata"]["qa_send_backs"] == 2
    assert data.assets["labeled"]["status"] == "ONGOING"


# ---------------------------------------------------------------- rate, 429, requests


def test_a_dry_run_takes_rate_only_for_the_requests_it_sends(rule_set, monkeypatch):
    taken: list[int] = []
    monkeypatch.setattr(RateLimit, "__call__", lambda self: taken.append(1))
    data = generate(50, load_json(INTERFACE))
    with KiliStandIn(data) as kili, KiliClient(kili.api_key, kili.endpoint) as client:
        apply.apply_rules(rule_set, client, PROJECT, rate=5, echo=lambda line: None)
        assert len(taken) == len(kili.requests) and not kili.mutations
        live = LiveKili(client, dry_run=True, rate=5)
        taken.clear()
        live.create_issues(PROJECT, ["label-000001"], [None], ["text"])
        live.send_back_to_queue(asset_ids=["asset-000001"])
        assert taken == []


def test_the_rate_limit_keeps_to_500_calls_a_minute_as_the_sdk_does():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limit = RateLimit(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(1001):
        limit()
    assert now[0] == pytest.approx(120.0)  # calls 501 and 1001 wait for the minute after calls 1 and 501
    assert max(waits) == pytest.approx(10.1)  # 500 calls took 49.9 s at 10 a second


def test_429_with_retry_after_is_waited_for_and_the_run_completes(rule_set):
    data = generate(30, load_json(INTERFACE))
    waits: list[float] = []
    with KiliStandIn(data) as kili:
        kili.fail(429, retry_after=0.25, field="issues")
        kili.fail(429, retry_after=0.5, field="createIssues")
        with KiliClient(kili.api_key, kili.endpoint, retry=FAST, sleep=waits.append) as client:
            summary = apply.apply_rules(rule_set, client, PROJECT, rate=None, dry_run=False, echo=lambda line: None)
        assert [r.status for r in kili.calls("createIssues")] == [429, 200]
    assert set(summary.failed) == {"asset-000007"} and waits == [0.25, 0.5]  # its metadata is a list


def test_page_size_and_requests_a_page(rule_set):
    data = generate(250, load_json(INTERFACE), seed=5)
    with KiliStandIn(data) as kili, KiliClient(kili.api_key, kili.endpoint) as client:
        summary = apply.apply_rules(rule_set, client, PROJECT, rate=None, dry_run=False, page_size=50, echo=print)
        fields = [r.field for r in kili.requests]
    assert fields.count("assets") == 5 and fields.count("issues") == 5 and fields.count("countAssets") == 1
    assert fields.count("createIssues") == fields.count("updatePropertiesInAssets") == 5
    assert fields.count("updatePropertiesInIssue") == summary.solved
    assert summary.calls == len(fields)


def test_a_status_filter_lists_the_ids_first_so_send_backs_skip_no_asset(rule_set):
    data = generate(90, load_json(INTERFACE), seed=9)
    labeled = {a for a, asset in data.assets.items() if asset["status"] == "LABELED"}
    summary = run(data, rule_set, asset_status_in=["LABELED"], page_size=10)
    assert summary.assets == len(labeled) == summary.handled + summary.unlabeled
    scored = {
        a
        for a, asset in data.assets.items()
        if isinstance(asset["jsonMetadata"], dict) and "qa_score" in asset["jsonMetadata"]
    }
    assert labeled - scored == {
        a for a in labeled if not isinstance(data.assets[a]["jsonMetadata"], dict) or a in summary.failed
    }


# ---------------------------------------------------------------- the command line


def test_the_progress_line_gives_assets_a_second_and_the_time_left():
    from kili_rules.cli.apply import progress_line

    # 1,200 assets in 34.2857 s: 35 a second; 18,800 left / 35 = 537 s
    assert progress_line(1200, 20000, 1200 / 35) == "1,200/20,000 assets  35 assets/s  ETA 8 min 57 s"
    assert progress_line(100, 1_000_000, 10.0) == "100/1,000,000 assets  10 assets/s  ETA 27 h 46 min"
    assert progress_line(0, 10, 0.0).endswith("ETA ?")


def test_the_cli_runs_page_by_page_or_per_asset_and_checks_the_page_size(tmp_path, capsys, monkeypatch):
    from kili_rules import cli

    data = generate(40, load_json(INTERFACE), seed=2)
    rules = apply_project.write_rules(tmp_path, INTERFACE)
    with KiliStandIn(data) as kili:
        monkeypatch.setenv("KILI_API_KEY", kili.api_key)
        monkeypatch.setenv("KILI_API_ENDPOINT", kili.endpoint)
        args = ["apply", str(rules), "--project", PROJECT, "--rate", "0"]
        outs = []
        for extra in ([], ["--per-asset"], ["--page-size", "7"]):
            kili.requests.clear()
            assert cli.main([*args, *extra]) == 1  # asset-000007's metadata is a list: not complete
            outs.append(capsys.readouterr().out)
            if extra == ["--page-size", "7"]:
                assert len(kili.calls("assets")) == 6  # 40 assets, 7 a page
        lines = [sorted(line for line in out.splitlines() if not line.startswith("apply ")) for out in outs]
        assert lines[0] == lines[2]  # the same plan whatever the page size (echoed in another order)
        summary = [line for line in outs[0].splitlines() if line.startswith("  ")]
        assert summary[1:4] == [line for line in outs[1].splitlines() if line.startswith("  ")][1:4]
    with pytest.raises(SystemExit):
        cli.main([*args, "--page-size", "101"])
    assert "a page holds 1 to 100 assets" in capsys.readouterr().err


def test_garbage_fails_a_page_the_run_goes_on_and_a_rerun_finishes(rule_set, tmp_path):
    data = generate(60, load_json(INTERFACE), seed=11)
    labeled = {a for a, asset in data.assets.items() if asset["status"] != "TODO"}
    path = tmp_path / "state.jsonl"
    with KiliStandIn(data) as kili:
        kili.fail(body="garbage", times=2, field="assets")  # the first page of 20, read twice: skipped
        kili.fail(body="truncated", times=2, field="issues")  # the second page's issues, read twice: failed
        state = StateFile(path, PROJECT, rule_set.name, "sha256:g")
        with KiliClient(kili.api_key, kili.endpoint, retry=FAST, max_in_flight=1) as client:
            first = apply.apply_rules(
                rule_set, client, PROJECT, dry_run=False, rate=None, page_size=20, state=state, echo=lambda line: None
            )
        state.close()
        second_page = {f"asset-{i:06d}" for i in range(20, 40)} & labeled
        assert first.unread_pages[0].startswith("assets 1 to 20 of the listing: ") and not first.complete
        assert set(first.failed) == second_page | {"asset-000047"}  # and the one whose metadata is a list
        untouched = {f"asset-{i:06d}" for i in range(40)}
        assert not {i["assetId"] for i in data.issues if i["id"].startswith("issue-")} & untouched
        state = StateFile(path, PROJECT, rule_set.name, "sha256:g").load()
        with KiliClient(kili.api_key, kili.endpoint, retry=FAST) as client:
            again = apply.apply_rules(
                rule_set, client, PROJECT, dry_run=False, rate=None, page_size=20, state=state, echo=lambda line: None
            )
        state.close()
    assert set(again.failed) == {"asset-000007", "asset-000047"} and not again.unread_pages  # metadata: lists
    assert again.skipped == len(labeled - untouched) - 1  # the last page was done by the first run
    fresh = generate(60, load_json(INTERFACE), seed=11)
    run(fresh, rule_set, page_size=20)
    assert final_state(data) == final_state(fresh)
