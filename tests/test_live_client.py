"""The live client (kili_rules.live.client and the modules it is made of) over real sockets against the local
stand-in of Kili's GraphQL endpoint (kili_rules.testing.stand_in), plus a few unit tests on httpx.MockTransport; and
the kili SDK's own client pointed at the stand-in."""

from __future__ import annotations

import json
import logging
import socket
import time
import traceback

import httpx
import pytest
from conftest import FIXTURES, SDK, SEED, load_json

from kili_rules.live import operations as ops
from kili_rules.live.client import KiliClient
from kili_rules.live.errors import BAD_KEY, KiliApiError
from kili_rules.live.retry import RetryPolicy, retry_after
from kili_rules.live.transport import CLOUD_ENDPOINT, resolve_endpoint
from kili_rules.testing.stand_in import KiliStandIn, root_field

FAST = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.05, deadline=5.0)


class Sleeps:
    """Records the waits between attempts (and waits them: they are short)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def connect(stand_in: KiliStandIn, **options) -> KiliClient:
    options.setdefault("retry", FAST)
    return KiliClient(api_key=stand_in.api_key, endpoint=stand_in.endpoint, **options)


def fixture_labels() -> dict[str, list[tuple[str, object]]]:
    """(label id, jsonResponse) by project, read from tests/fixtures directly (not through the stand-in)."""
    expected = {
        "seed-image": [
            (load_json(SEED / f"{name}.json")["id"], load_json(SEED / f"{name}.json")["jsonResponse"])
            for name in ("image_label_three_boxes", "image_label_one_box")
        ]
    }
    for path in sorted((SDK / "label-cases").glob("case_*.json")):
        expected[f"case-{path.stem.split('_')[1]}"] = [
            (f"case-{path.stem.split('_')[1]}-label", load_json(path)["jsonResponse"])
        ]
    for path in sorted((SDK / "exports").glob("*_project_assets*.json")):
        project = "export-" + path.stem.replace("_project_assets", "")
        expected[project] = [(f"{a['id']}-label", a["latestLabel"]["jsonResponse"]) for a in load_json(path)]
    return expected


# ---------------------------------------------------------------- endpoint and key


def test_endpoint_defaults_to_the_cloud_and_completes_base_urls(monkeypatch):
    monkeypatch.delenv("KILI_API_ENDPOINT", raising=False)
    assert resolve_endpoint() == CLOUD_ENDPOINT
    assert resolve_endpoint("https://kili.acme.local") == "https://kili.acme.local/api/label/v2/graphql"
    assert resolve_endpoint("https://kili.acme.local/") == "https://kili.acme.local/api/label/v2/graphql"
    assert (
        resolve_endpoint("https://acme.com/kili/api/label/v2/graphql/") == "https://acme.com/kili/api/label/v2/graphql"
    )
    monkeypatch.setenv("KILI_API_ENDPOINT", "http://10.0.0.5:4000")
    assert resolve_endpoint() == "http://10.0.0.5:4000/api/label/v2/graphql"
    with pytest.raises(KiliApiError, match="not an http"):
        resolve_endpoint("kili.acme.local")


def test_the_key_comes_from_the_environment_and_is_required(monkeypatch):
    monkeypatch.delenv("KILI_API_KEY", raising=False)
    with pytest.raises(KiliApiError, match="no API key: set KILI_API_KEY or pass --api-key"):
        KiliClient(endpoint="http://127.0.0.1:1")
    monkeypatch.setenv("KILI_API_KEY", "from-env")
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": {"data": 0}})

    with KiliClient(endpoint="http://kili.test", transport=httpx.MockTransport(handler)) as client:
        assert client.count(ops.COUNT_LABELS, {"project": {"id": "p"}}) == 0
    request = seen[0]
    assert request.headers["Authorization"] == "X-API-Key: from-env"
    assert str(request.url) == "http://kili.test/api/label/v2/graphql"
    body = json.loads(request.content)
    assert root_field(body["query"]) == ("data", "countLabels", False)
    assert body["variables"] == {"where": {"project": {"id": "p"}}}


def test_a_json_response_url_elsewhere_does_not_get_the_key():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "bucket.example.com":
            return httpx.Response(200, json={"JOB_0": {"text": "x"}})
        body = json.loads(request.content)
        _, name, _ = root_field(body["query"])
        answers = {
            "projects": [{"id": "p", "title": "P", "inputType": "TEXT", "jsonInterface": "{}"}],
            "countLabels": 1,
            "labels": [{"id": "l1", "jsonResponse": "", "jsonResponseUrl": "https://bucket.example.com/l1.json"}],
        }
        return httpx.Response(200, json={"data": {"data": answers[name]}})

    with KiliClient("k-123", "https://kili.test", transport=httpx.MockTransport(handler)) as client:
        labels = list(client.iter_labels("p"))
    assert labels == [{"id": "l1", "jsonResponse": {"JOB_0": {"text": "x"}}}]
    bucket = [r for r in seen if r.url.host == "bucket.example.com"]
    assert bucket and "Authorization" not in bucket[0].headers


def test_a_malformed_answer_is_an_error_never_nothing():
    def handler(request: httpx.Request) -> httpx.Response:
        name = root_field(json.loads(request.content)["query"])[1]
        return httpx.Response(200, json={"data": {"data": 3 if name == "countLabels" else {"not": "a list"}}})

    with KiliClient("k", "https://kili.test", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(KiliApiError, match="unexpected answer to labels") as caught:
            list(client.paginate(ops.labels_query("id"), ops.COUNT_LABELS, {}))
    assert caught.value.kind == "malformed"


def test_retry_after_as_an_http_date_and_capped():
    policy = RetryPolicy(max_retry_after=2.0)
    assert policy.delay(1, 30.0) == 2.0
    assert 0 <= policy.delay(3, None) <= policy.backoff * 4
    in_a_second = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert retry_after(in_a_second) > 1000
    assert retry_after(httpx.Response(429, headers={"Retry-After": "soon"})) is None


def test_the_stand_in_serves_the_repository_fixtures_by_default(tmp_path):
    from kili_rules.testing import stand_in

    assert stand_in.FIXTURES == FIXTURES
    default, given = stand_in.StandInData.from_fixtures(), stand_in.StandInData.from_fixtures(FIXTURES)
    assert "seed-image" in default.projects and default.projects == given.projects
    with pytest.raises(FileNotFoundError, match="no fixtures folder here"):
        stand_in.StandInData.from_fixtures(tmp_path)


# ---------------------------------------------------------------- pagination over real sockets


def test_every_project_pages_to_exactly_the_fixture_data(kili_stand_in):
    expected = fixture_labels()
    with connect(kili_stand_in, page_size=1, max_in_flight=3) as client:
        for project_id, labels in expected.items():
            got = [(label["id"], label["jsonResponse"]) for label in client.iter_labels(project_id)]
            assert got == labels, project_id
            assert (
                client.project(project_id)["jsonInterface"] == kili_stand_in.data.projects[project_id]["jsonInterface"]
            )
    seed = load_json(SEED / "image_interface.json")
    assert kili_stand_in.data.projects["seed-image"]["jsonInterface"] == seed


def test_pages_follow_the_count_in_sdk_shapes_and_stream(kili_stand_in):
    data = kili_stand_in.data
    one_box = load_json(SEED / "image_label_one_box.json")["jsonResponse"]
    data.add_project("big", load_json(SEED / "image_interface.json"))
    for i in range(250):
        data.add_asset("big", f"a{i}")
        data.add_label(f"a{i}", f"l{i}", one_box)
    progress = []
    with connect(kili_stand_in) as client:
        labels = client.iter_labels("big", on_progress=lambda done, total: progress.append((done, total)))
        assert next(labels)["id"] == "l0"
        assert [label["id"] for label in labels] == [f"l{i}" for i in range(1, 250)]
    pages = kili_stand_in.calls("labels")
    # pages in flight side by side reach the server in any order
    assert sorted((p.variables["skip"], p.variables["first"]) for p in pages) == [(0, 100), (100, 100), (200, 50)]
    assert pages[0].variables["where"] == {"project": {"id": "big"}}
    assert len(kili_stand_in.calls("countLabels")) == 1
    assert progress == [(0, 250), (100, 250), (200, 250), (250, 250)]


def test_pages_are_fetched_a_few_at_a_time(kili_stand_in):
    data = kili_stand_in.data
    data.add_project("slow", {"jobs": {}})
    for i in range(6):
        data.add_asset("slow", f"s{i}")
        data.add_label(f"s{i}", f"sl{i}", {})
    kili_stand_in.fail(delay=0.3, times=6, field="labels")
    started = time.monotonic()
    with connect(kili_stand_in, page_size=1, max_in_flight=3) as client:
        assert len(list(client.iter_labels("slow"))) == 6
    # two rounds of three pages (0.6 s), not six in a row (1.8 s): a wide margin for a loaded machine
    assert time.monotonic() - started < 1.4


def test_latest_labels_and_assets_with_filters(kili_stand_in):
    data = kili_stand_in.data
    data.add_label("seed-asset-1", "seed-review", {"JOB_0": {"annotations": []}}, label_type="REVIEW", author_id="u2")
    data.assets["seed-asset-3"]["status"] = "TO_REVIEW"
    with connect(kili_stand_in) as client:
        latest = {label["labelOf"]["id"]: label["id"] for label in client.iter_labels("seed-image", latest=True)}
        three_boxes = load_json(SEED / "image_label_three_boxes.json")["id"]
        assert latest == {"seed-asset-3": three_boxes, "seed-asset-1": "seed-review"}
        assert [label["id"] for label in client.iter_labels("seed-image", type_in=["REVIEW"])] == ["seed-review"]
        assert [
            label["labelOf"]["id"] for label in client.iter_labels("seed-image", asset_status_in=["TO_REVIEW"])
        ] == ["seed-asset-3"]
        assert client.count_labels("seed-image") == 3
        assets = list(client.iter_assets("export-image_for_coco", with_latest_label=True))
    assert [a["id"] for a in assets] == [a["id"] for a in load_json(SDK / "exports/image_project_assets_for_coco.json")]
    assert all(
        isinstance(a["jsonMetadata"], dict) and isinstance(a["latestLabel"]["jsonResponse"], dict) for a in assets
    )


def test_large_json_responses_come_by_url(kili_stand_in):
    kili_stand_in.json_response_url_over = 200
    with connect(kili_stand_in) as client:
        got = [(label["id"], label["jsonResponse"]) for label in client.iter_labels("seed-image")]
    assert got == fixture_labels()["seed-image"]


def test_an_unreadable_json_response_is_kept_for_the_runtime_to_report(kili_stand_in):
    kili_stand_in.data.add_label("seed-asset-1", "broken", '{"JOB_0": ')
    with connect(kili_stand_in) as client:
        broken = [label for label in client.iter_labels("seed-image") if label["id"] == "broken"]
    assert broken[0]["jsonResponse"] == '{"JOB_0": '


# ---------------------------------------------------------------- retries


def test_429_is_retried_after_retry_after(kili_stand_in):
    kili_stand_in.fail(429, times=2, retry_after=0.05, field="projects")
    sleeps = Sleeps()
    with connect(kili_stand_in, sleep=sleeps) as client:
        assert client.project("seed-image")["title"] == "Seed example"
    assert sleeps.waits == [0.05, 0.05]
    assert [r.status for r in kili_stand_in.calls("projects")] == [429, 429, 200]


def test_500_is_retried_with_backoff_then_gives_up(kili_stand_in):
    kili_stand_in.fail(500, times=1, field="countLabels")
    sleeps = Sleeps()
    with connect(kili_stand_in, sleep=sleeps) as client:
        assert client.count_labels("seed-image") == 2
        assert len(sleeps.waits) == 1 and 0 <= sleeps.waits[0] <= FAST.backoff
        kili_stand_in.fail(500, times=10, field="countLabels")
        with pytest.raises(KiliApiError, match=r"^Kili failed on countLabels \(HTTP 500\)$"):
            client.count_labels("seed-image")
    assert len(kili_stand_in.calls("countLabels")) == 2 + FAST.attempts


def test_a_slow_query_times_out_and_is_retried(kili_stand_in):
    kili_stand_in.fail(delay=0.5, field="countLabels")
    with connect(kili_stand_in, timeout=0.2) as client:
        assert client.count_labels("seed-image") == 2


def test_a_mutation_whose_outcome_is_unknown_is_not_resent(kili_stand_in):
    kili_stand_in.fail(500, after_apply=True, field="createIssues")
    with connect(kili_stand_in) as client, pytest.raises(KiliApiError) as caught:
        client.create_issues("seed-image", [("clcysc83n2asf0lq483rlc5ww", "20221124161451411-13314", "[r] text")])
    assert caught.value.kind == "unknown_outcome"
    assert "may or may not have been applied, so it was not resent" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(kili_stand_in.calls("createIssues")) == 1
    assert len(kili_stand_in.data.issues) == 1  # applied once, by the one request


def test_a_mutation_timed_out_or_dropped_is_not_resent(kili_stand_in):
    kili_stand_in.fail(delay=0.5, field="sendAssetsBackToQueue")
    kili_stand_in.fail(drop=True, field="updatePropertiesInIssue")
    with connect(kili_stand_in, timeout=0.2) as client:
        with pytest.raises(KiliApiError, match="not resent"):
            client.send_back_to_queue(["seed-asset-1"])
        with pytest.raises(KiliApiError, match="not resent"):
            client.update_issue_status("issue-1", "SOLVED")
    assert len(kili_stand_in.calls("sendAssetsBackToQueue")) == 1
    assert len(kili_stand_in.calls("updatePropertiesInIssue")) == 1


def test_a_mutation_refused_with_429_was_not_run_and_is_resent(kili_stand_in):
    kili_stand_in.fail(429, retry_after=0.01, field="createIssues")
    with connect(kili_stand_in) as client:
        ids = client.create_issues("seed-image", [("clcysc83n2asf0lq483rlc5ww", None, "[r] once")])
    assert len(ids) == 1 and len(kili_stand_in.data.issues) == 1
    assert [r.status for r in kili_stand_in.calls("createIssues")] == [429, 200]


# ---------------------------------------------------------------- one-line errors


@pytest.mark.parametrize("auth_failure", ["401", "graphql"])
def test_a_bad_key(kili_stand_in, auth_failure):
    kili_stand_in.auth_failure = auth_failure
    with KiliClient("not-the-key", kili_stand_in.endpoint, retry=FAST) as client:
        with pytest.raises(KiliApiError) as caught:
            client.project("seed-image")
    assert str(caught.value) == BAD_KEY == "the API key was refused (check KILI_API_KEY)"
    assert caught.value.kind == "auth"
    assert len(kili_stand_in.requests) == 1  # a refused key is not retried


def test_an_unknown_project(kili_stand_in):
    with connect(kili_stand_in) as client:
        with pytest.raises(KiliApiError) as caught:
            list(client.iter_labels("nope"))
    assert str(caught.value) == "project 'nope' not found (it does not exist, or this API key cannot see it)"
    assert caught.value.kind == "not_found"


def test_network_down():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with KiliClient("k", f"http://127.0.0.1:{port}", retry=FAST, sleep=sleeps) as client:
        with pytest.raises(KiliApiError) as caught:
            client.project("p")
    assert str(caught.value) == f"cannot reach Kili at http://127.0.0.1:{port}/api/label/v2/graphql (network down?)"
    assert caught.value.kind == "network"
    assert len(sleeps.waits) == FAST.attempts - 1


def test_a_graphql_refusal_is_one_line(kili_stand_in):
    with connect(kili_stand_in) as client:
        with pytest.raises(KiliApiError) as caught:
            client.query("query { data: frobnicate(x: 1) { id } }")
        assert str(caught.value) == 'Kili refused frobnicate: Cannot query field "frobnicate" on type "Query".'
        with pytest.raises(KiliApiError, match=r"^Kili refused updatePropertiesInIssue: issue missing not found$"):
            client.update_issue_status("missing", "SOLVED")


# ---------------------------------------------------------------- mutations apply needs


def test_the_mutations_apply_needs(kili_stand_in):
    label_id = "clcysc83n2asf0lq483rlc5ww"
    with connect(kili_stand_in) as client:
        ids = client.create_issues(
            "seed-image", [(label_id, "20221124161451411-13314", "[one-a] too many"), (label_id, None, "[x] y")]
        )
        issues = list(client.iter_issues("seed-image", asset_id="seed-asset-1", status="OPEN", issue_type="ISSUE"))
        assert [i["id"] for i in issues] == ids
        assert issues[0]["objectMid"] == "20221124161451411-13314"
        assert [comment["text"] for comment in issues[0]["comments"]] == ["[one-a] too many"]
        client.update_issue_status(ids[1], "SOLVED")
        assert [i["id"] for i in client.iter_issues("seed-image", status="OPEN")] == ids[:1]
        outcome = client.send_back_to_queue(["seed-asset-1", "nope"])
        assert [o["assetId"] for o in outcome["succeeded"]] == ["seed-asset-1"]
        assert [o["assetId"] for o in outcome["failed"]] == ["nope"]
        assert client.update_json_metadata(["seed-asset-1"], [{"source": "seed", "qa_score": 50}]) == ["seed-asset-1"]
        assets = {a["id"]: a for a in client.iter_assets("seed-image")}
    assert assets["seed-asset-1"]["jsonMetadata"] == {"source": "seed", "qa_score": 50}
    assert assets["seed-asset-1"]["status"] == "ONGOING"
    names = [name for name, _ in kili_stand_in.mutations]
    assert names == ["createIssues", "updatePropertiesInIssue", "sendAssetsBackToQueue", "updatePropertiesInAssets"]
    create = kili_stand_in.mutations[0][1]
    assert create["where"] == {"project": {"id": "seed-image"}}
    assert create["issues"][1] == {"labelID": label_id, "type": "ISSUE", "text": "[x] y"}
    assert kili_stand_in.mutations[3][1] == {
        "whereArray": [{"id": "seed-asset-1"}],
        "dataArray": [{"jsonMetadata": '{"source": "seed", "qa_score": 50}'}],
    }


# ---------------------------------------------------------------- the key stays secret


def test_the_key_is_in_no_output_log_repr_or_exception(kili_stand_in, caplog, capsys):
    key = kili_stand_in.api_key
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    texts = []
    with connect(kili_stand_in) as client:
        texts += [repr(client), str(vars(client).get("_http"))]
        kili_stand_in.fail(429, retry_after=0, field="projects")
        kili_stand_in.fail(500, field="countLabels")
        client.project("seed-image")
        list(client.iter_labels("seed-image"))
        for action in (
            lambda: client.project("nope"),
            lambda: client.query("query { data: frobnicate { id } }"),
        ):
            with pytest.raises(KiliApiError) as caught:
                action()
            texts += [str(caught.value), repr(caught.value), "".join(traceback.format_exception(caught.value))]
    with KiliClient(key, "http://127.0.0.1:9", retry=RetryPolicy(attempts=1)) as down:
        with pytest.raises(KiliApiError) as caught:
            down.project("p")
        texts += [repr(down), "".join(traceback.format_exception(caught.value))]
    kili_stand_in.api_key = "another"  # now ours is refused
    with KiliClient(key, kili_stand_in.endpoint) as refused, pytest.raises(KiliApiError) as caught:
        refused.project("seed-image")
    texts += ["".join(traceback.format_exception(caught.value))]
    out = capsys.readouterr()
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args}" for r in caplog.records)
    assert caplog.records, "the retries and httpx's requests are logged"
    for text in [*texts, out.out, out.err, logged]:
        assert key not in text


# ---------------------------------------------------------------- the kili SDK against the stand-in


@pytest.fixture(params=["introspected", "skip-checks"])
def sdk(request, kili_stand_in, monkeypatch, tmp_path):
    """The kili SDK's own client pointed at the stand-in, created as users create it: it checks the key
    (``viewer``), introspects the schema (the stand-in answers from its SDL subset; cached under a temporary
    HOME) and checks the key's expiry (``apiKeys``); or with the SDK's own ``KILI_SDK_SKIP_CHECKS``, which skips all
    three and validates nothing locally."""
    kili_client = pytest.importorskip("kili.client")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cache/kili, no config file of this machine
    if request.param == "skip-checks":
        monkeypatch.setenv("KILI_SDK_SKIP_CHECKS", "1")
    else:
        monkeypatch.delenv("KILI_SDK_SKIP_CHECKS", raising=False)
    kili = kili_client.Kili(api_key=kili_stand_in.api_key, api_endpoint=kili_stand_in.endpoint, disable_tqdm=True)
    created_with = [r.field for r in kili_stand_in.requests]
    assert created_with == ([] if request.param == "skip-checks" else ["viewer", "__schema", "apiKeys"])
    return kili


def test_the_sdk_reads_assets_and_writes_issues_through_the_stand_in(sdk, kili_stand_in):
    assets = sdk.assets(project_id="seed-image", fields=["id", "jsonMetadata", "latestLabel.jsonResponse"])
    assert [a["id"] for a in assets] == ["seed-asset-3", "seed-asset-1"]
    assert assets[1]["jsonMetadata"] == {"source": "seed"}
    assert assets[1]["latestLabel"]["jsonResponse"] == load_json(SEED / "image_label_one_box.json")["jsonResponse"]
    ids = sdk.create_issues(
        project_id="seed-image",
        label_id_array=["clcysc83n2asf0lq483rlc5ww"],
        object_mid_array=["20221124161451411-13314"],
        text_array=["[one-a] too many"],
    )
    assert [i["id"] for i in ids] == ["issue-1"]
    issues = sdk.issues(
        project_id="seed-image",
        asset_id="seed-asset-1",
        status="OPEN",
        issue_type="ISSUE",
        fields=["id", "status", "type", "objectMid", "comments.text"],
    )
    assert issues == [
        {
            "id": "issue-1",
            "status": "OPEN",
            "type": "ISSUE",
            "objectMid": "20221124161451411-13314",
            "comments": issues[0]["comments"],
            **{k: v for k, v in issues[0].items() if k not in {"id", "status", "type", "objectMid", "comments"}},
        }
    ]
    assert [comment["text"] for comment in issues[0]["comments"]] == ["[one-a] too many"]
    sdk.update_issue_status("issue-1", "SOLVED")
    outcome = sdk.send_back_to_queue(asset_ids=["seed-asset-1"])
    assert [o["assetId"] for o in outcome["succeeded"]] == ["seed-asset-1"]
    assert kili_stand_in.data.issues[0]["status"] == "SOLVED"
    # our client and the SDK sent the same where for createIssues
    assert kili_stand_in.mutations[0][1]["where"] == {"project": {"id": "seed-image"}}
