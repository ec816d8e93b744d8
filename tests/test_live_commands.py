"""The live-project commands (pull, check --project, lint --project, apply, diff, deploy, logs) over real sockets
against the local stand-in of Kili's GraphQL endpoint; deploy and logs against an autospec of the real Kili."""

from __future__ import annotations

import inspect
import json
import random
import subprocess
import sys
from unittest import mock

import pytest
from conftest import RULES, SEED, load_json

from kili_rules import cli
from kili_rules.authoring.loader import load_rule_set
from kili_rules.live.apply import LiveKili
from kili_rules.live.client import KiliClient

PROJECT = "qa-boxes"
LABELS = 60


def box(mid: str, category: str) -> dict:
    vertex = {"x": 0.1, "y": 0.2}
    return {
        "mid": mid,
        "type": "rectangle",
        "categories": [{"name": category}],
        "boundingPoly": [{"normalizedVertices": [vertex, vertex, vertex, vertex]}],
    }


def a_count(response: dict) -> int:
    """OBJECT_A boxes of a response, counted by plain Python."""
    return sum(a["categories"][0]["name"] == "OBJECT_A" for a in response["JOB_0"]["annotations"])


@pytest.fixture
def kili(kili_stand_in, monkeypatch):
    """The stand-in with a project of LABELS image labels holding 0 to 3 boxes each (seeded), and the key and
    endpoint in the environment, as a user sets them once."""
    rng = random.Random(12)
    data = kili_stand_in.data
    data.add_project(PROJECT, load_json(SEED / "image_interface.json"), "IMAGE", "QA boxes")
    for i in range(LABELS):
        boxes = [box(f"m{i}-{k}", rng.choice(["OBJECT_A", "OBJECT_B"])) for k in range(rng.randint(0, 3))]
        data.add_asset(PROJECT, f"asset-{i}", json_metadata={"batch": i % 3})
        data.add_label(f"asset-{i}", f"label-{i}", {"JOB_0": {"annotations": boxes}})
    monkeypatch.setenv("KILI_API_KEY", kili_stand_in.api_key)
    monkeypatch.setenv("KILI_API_ENDPOINT", kili_stand_in.endpoint)
    return kili_stand_in


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def expected_issues(kili) -> int:
    """One issue per OBJECT_A box beyond the first (count findings are pinned on the extra boxes)."""
    return sum(max(a_count(r) - 1, 0) for r in responses(kili).values())


def responses(kili) -> dict[str, dict]:
    return {label["id"]: label["jsonResponse"] for label in kili.data.labels if label["projectId"] == PROJECT}


# ---------------------------------------------------------------- pull, lint --project


def test_pull_writes_the_interface_where_the_rule_file_says(kili, tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text("interface: interfaces/live.json\nrules: []\n")
    code, out, _ = run(capsys, "pull", "--project", PROJECT, str(rules))
    assert code == 0 and "written" in out and "1 jobs" in out
    written = json.loads((tmp_path / "interfaces" / "live.json").read_text())
    assert written == {
        "id": PROJECT,
        "title": "QA boxes",
        "inputType": "IMAGE",
        "jsonInterface": load_json(SEED / "image_interface.json"),
    }
    assert "unchanged" in run(capsys, "pull", "--project", PROJECT, str(rules))[1]
    code, out, _ = run(capsys, "pull", "--project", PROJECT, "--out", str(tmp_path / "other.json"))
    assert code == 0 and (tmp_path / "other.json").is_file()
    code, _, err = run(capsys, "pull", "--project", "nope", "--out", str(tmp_path / "x.json"))
    assert code == 2 and err == "error: project 'nope' not found (it does not exist, or this API key cannot see it)\n"


def test_lint_warns_when_the_local_interface_is_not_the_live_one(kili, tmp_path, capsys):
    interface = load_json(SEED / "image_interface.json")
    (tmp_path / "interface.json").write_text(json.dumps(interface))
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "interface: interface.json\nrules:\n  - {id: one-a, type: count, job: JOB_0, category: OBJECT_A, max: 1}\n"
    )
    assert run(capsys, "lint", str(rules), "--project", PROJECT)[0] == 0
    kili.data.projects[PROJECT]["jsonInterface"]["jobs"]["JOB_0"]["content"]["categories"]["OBJECT_C"] = {
        "name": "C",
        "children": [],
    }
    code, out, _ = run(capsys, "lint", str(rules), "--project", PROJECT)
    assert code == 1
    assert out.startswith(f"{rules}:1:12: warning: the interface differs from project {PROJECT}'s live jsonInterface")
    assert "categories of JOB_0 added in Kili: OBJECT_C" in out and f"kili-rules pull --project {PROJECT}" in out


# ---------------------------------------------------------------- check --project


def comparable(report: dict) -> dict:
    """A check report without where its labels came from or how long it took."""
    report = {k: v for k, v in report.items() if k not in ("files", "project", "seconds", "labels_per_second")}
    for rule in report["rules"]:
        for example in rule["examples"]:
            example["label"] = example["label"].split(" (", 1)[1]
    return report


def test_check_on_the_project_is_check_on_the_same_labels_in_a_file(kili, tmp_path, capsys):
    with KiliClient() as client:
        export = list(client.iter_labels(PROJECT))
    (tmp_path / "export.json").write_text(json.dumps(export))
    rules = str(RULES / "image.yaml")
    code_file, from_file, _ = run(capsys, "check", rules, str(tmp_path / "export.json"), "--format", "json")
    code_live, from_kili, _ = run(capsys, "check", rules, "--project", PROJECT, "--format", "json")
    assert code_file == code_live == 1
    from_file, from_kili = json.loads(from_file), json.loads(from_kili)
    assert from_kili["project"] == PROJECT and from_kili["labels"] == LABELS
    assert comparable(from_kili) == comparable(from_file)
    too_many = sum(a_count(r) > 1 for r in responses(kili).values())
    assert from_kili["rules"][0]["fail"] == too_many > 0
    text = run(capsys, "check", rules, "--project", PROJECT)[1]
    assert text.startswith(f"checked {LABELS} labels from project {PROJECT} in ")


def test_check_selects_latest_labels_and_statuses(kili, capsys):
    kili.data.add_label("asset-0", "label-0-again", {"JOB_0": {"annotations": []}}, author_id="user-2")
    kili.data.assets["asset-1"]["status"] = "TO_REVIEW"
    rules = str(RULES / "image.yaml")
    every = run(capsys, "check", rules, "--project", PROJECT, "--all-labels", "--format", "json")[1]
    assert json.loads(every)["labels"] == LABELS + 1
    latest = json.loads(run(capsys, "check", rules, "--project", PROJECT, "--format", "json")[1])  # the default
    assert latest["labels"] == LABELS
    review = run(capsys, "check", rules, "--project", PROJECT, "--status", "TO_REVIEW", "--format", "json")[1]
    assert json.loads(review)["labels"] == 1
    code, _, err = run(capsys, "check", rules, "some.json", "--project", PROJECT)
    assert code == 2 and "not both" in err


# ---------------------------------------------------------------- apply


def test_apply_dry_run_changes_nothing_and_lists_the_plan(kili, tmp_path, capsys):
    before = json.dumps([kili.data.assets, kili.data.issues], sort_keys=True)
    code, out, _ = run(capsys, "apply", str(RULES / "image.yaml"), "--project", PROJECT, "--rate", "0")
    assert code == 0
    assert kili.mutations == [] and json.dumps([kili.data.assets, kili.data.issues], sort_keys=True) == before
    failing = sorted(i for i, r in enumerate(responses(kili).values()) if a_count(r) > 1)
    assert f"apply (dry run: nothing was written; --yes to act): {LABELS} assets" in out
    assert f"{expected_issues(kili)} would be created, 0 already open, 0 would be solved" in out
    assert out.count("would create issue [image/one-object-a]") == expected_issues(kili)
    assert f"{len(failing)} assets would be sent back to the queue, {LABELS} metadata would be written" in out
    first = failing[0]
    assert (
        f"asset asset-{first} (label label-{first}): would create issue [image/one-object-a] There are too many" in out
    )
    assert f"asset asset-{first} (label label-{first}): would send back" in out
    assert f'asset asset-{first} (label label-{first}): would write {{"batch": {first % 3}, "qa_failed_rules": ' in out
    assert not (tmp_path / ".kili-rules").exists()


@pytest.mark.heavy(1.8)
def test_apply_twice_creates_each_issue_once_and_resumes(kili, tmp_path, capsys):
    state = tmp_path / "state.jsonl"
    args = ["apply", str(RULES / "image.yaml"), "--project", PROJECT, "--rate", "0", "--yes", "--state", str(state)]
    failing = {f"asset-{i}" for i, r in enumerate(responses(kili).values()) if a_count(r) > 1}

    code, out, _ = run(capsys, *args)
    assert code == 0, out
    issues = [dict(i) for i in kili.data.issues]
    assert {i["assetId"] for i in issues} == failing and len(issues) == expected_issues(kili)
    assert all(i["comments"][0]["text"].startswith("[image/one-object-a] There are too many") for i in issues)
    assert {a for a, asset in kili.data.assets.items() if asset["status"] == "ONGOING"} == failing
    metadata = kili.data.assets["asset-5"]["jsonMetadata"]
    assert metadata["batch"] == 2 and "qa_score" in metadata  # every other key kept
    lines = [json.loads(line) for line in state.read_text().splitlines()]
    assert [set(line) for line in lines[1:]] == [{"page", "plans"}, {"page_done", "failed"}]  # one page of 60
    assert {plan["asset_id"] for plan in lines[1]["plans"]} == {f"asset-{i}" for i in range(LABELS)}

    code, out, err = run(capsys, *args)  # the state file: everything was done
    assert code == 0 and f"{LABELS} assets done by an earlier run" in err
    assert f"0 labels run through the plugin, {LABELS} assets done by an earlier run" in out

    mutations = len(kili.mutations)
    code, out, _ = run(capsys, *args, "--restart")  # no state: the plugin's own dedupe
    assert code == 0
    assert len(kili.data.issues) == len(issues) and f"0 be created, {len(issues)} already open" in out
    again = [name for name, _ in kili.mutations[mutations:]]
    assert "createIssues" not in again and "updatePropertiesInIssue" not in again


def test_an_interrupted_apply_continues_where_it_stopped(kili, tmp_path, capsys):
    rule_set = load_rule_set(RULES / "image.yaml")
    from kili_rules.generator.generate import content_hash, embedded_modules
    from kili_rules.live.apply import StateFile

    digest = content_hash(rule_set, embedded_modules(rule_set))
    state = StateFile(tmp_path / "s.jsonl", PROJECT, rule_set.name, digest)
    for i in range(40):
        state.mark(f"asset-{i}")
    state.close()
    with (tmp_path / "s.jsonl").open("a") as handle:
        handle.write('{"asset": "asset-4')  # cut short by the interruption
    code, out, _ = run(
        capsys, "apply", str(RULES / "image.yaml"), "--project", PROJECT, "--yes", "--rate", "0", "--state",
        str(tmp_path / "s.jsonl"),
    )  # fmt: skip
    assert code == 0
    assert f"{LABELS - 40} labels run through the plugin, 40 assets done by an earlier run" in out
    assert {i["assetId"] for i in kili.data.issues} <= {f"asset-{i}" for i in range(40, LABELS)}
    other = StateFile(tmp_path / "s.jsonl", PROJECT, rule_set.name, "sha256:another").load()
    assert other.started_over and not other.done


def test_the_adapter_offers_the_signatures_of_kili(kili):
    """Every call QaPlugin made through LiveKili binds to the real kili.client.Kili method of that name."""
    from kili.client import Kili

    seen = []

    class Recording(LiveKili):
        def __getattribute__(self, name):
            attribute = super().__getattribute__(name)
            if name in ("issues", "assets", "create_issues", "update_issue_status", "send_back_to_queue",
                        "update_properties_in_assets"):  # fmt: skip

                def call(*args, **kwargs):
                    seen.append((name, args, kwargs))
                    return attribute(*args, **kwargs)

                return call
            return attribute

    from kili_rules.runtime.qa_plugin import QaPlugin

    with KiliClient(retry=None) as client:
        adapter = Recording(client, dry_run=True)
        plugin = QaPlugin(load_rule_set(RULES / "image.yaml").engine, adapter, PROJECT, mock.Mock())
        kili.data.issues.append(
            {"id": "old", "projectId": PROJECT, "assetId": "asset-0", "labelId": "label-0", "objectMid": None,
             "type": "ISSUE", "status": "OPEN", "comments": [{"text": "[image/one-object-a] gone"}]}
        )  # fmt: skip
        for label in client.iter_labels(PROJECT):
            plugin.handle(label, label["labelOf"]["id"], "submit")
    names = {name for name, _, _ in seen}
    assert names == {"issues", "assets", "create_issues", "update_issue_status", "send_back_to_queue",
                     "update_properties_in_assets"}  # fmt: skip
    for name, args, kwargs in seen:
        inspect.signature(getattr(Kili, name)).bind(None, *args, **kwargs)
    assert kili.mutations == []


# ---------------------------------------------------------------- diff


OLD = "actions: {error: [issue]}\nrules:\n  - {id: a-max, type: count, job: JOB_0, category: OBJECT_A, max: 1}\n"
NEW = (
    "actions: {error: [issue, send_back]}\n"
    "rules:\n  - {id: a-max, type: count, job: JOB_0, category: OBJECT_A, max: 2}\n"
    "  - {id: b-max, type: count, job: JOB_0, category: OBJECT_B, max: 1}\n"
)


def expected_diff(kili) -> dict:
    """Which labels change, by plain Python."""
    found = {"a-max": {"fail": set(), "pass": set()}, "b-max": {"fail": set(), "pass": set()}}
    for label_id, response in responses(kili).items():
        a = a_count(response)
        b = len(response["JOB_0"]["annotations"]) - a
        if a == 2:
            found["a-max"]["pass"].add(label_id)  # failed max 1, passes max 2 (3 fails both)
        if b > 1:
            found["b-max"]["fail"].add(label_id)  # a new rule
    return found


def test_diff_reports_exactly_the_labels_whose_outcome_changes(kili, tmp_path, capsys):
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    with KiliClient() as client:
        (tmp_path / "export.json").write_text(json.dumps(list(client.iter_labels(PROJECT))))
    expected = expected_diff(kili)
    assert expected["a-max"]["pass"] and expected["b-max"]["fail"]
    for source in (["--project", PROJECT], [str(tmp_path / "export.json")]):
        code, out, _ = run(capsys, "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), *source,
                           "--format", "json")  # fmt: skip
        assert code == 0
        report = json.loads(out)
        rules = {r["id"]: r for r in report["rules"]}
        assert rules["a-max"]["change"] == "changed" and rules["b-max"]["change"] == "added"
        for rule_id, kinds in expected.items():
            assert {e["label"] for e in rules[rule_id]["newly_fail"]} == kinds["fail"], rule_id
            assert {e["label"] for e in rules[rule_id]["newly_pass"]} == kinds["pass"], rule_id
        assert report["labels_changed"] == len(expected["a-max"]["pass"] | expected["b-max"]["fail"])
        sent = {e["asset"] for e in report["sent_back"]}
        assert sent == {f"asset-{label.split('-')[1]}" for label in expected["b-max"]["fail"]} | {
            f"asset-{i}" for i, r in enumerate(responses(kili).values()) if a_count(r) > 2
        }
        assert not any(e["before"] for e in report["sent_back"])  # the old set sends nothing back
        assert sum(report["scores"]["before"]["buckets"].values()) == LABELS
    text = run(capsys, "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--project", PROJECT)[1]
    assert f"b-max newly fails on project {PROJECT} (label " in text and "score before:" in text


# ---------------------------------------------------------------- deploy, logs (the kili SDK, autospecced)


@pytest.fixture
def sdk():
    from kili.client import Kili

    kili = mock.create_autospec(Kili, instance=True)
    kili.list_plugins.return_value = [{"name": "someone-else"}]
    kili.projects.return_value = [{"id": PROJECT, "metadataProperties": {"batch": {"type": "number"}}}]
    kili.get_plugin_logs.return_value = json.dumps(
        [{"createdAt": "2026-01-01T10:00:01Z", "logType": "INFO", "content": "kili-rules: submit done"},
         {"createdAt": "2026-01-01T10:00:00Z", "logType": "INFO", "content": "kili-rules: submit label l1"}]
    )  # fmt: skip
    return kili


def deploy_args(tmp_path, *extra):
    args = cli.parser().parse_args(
        ["deploy", str(RULES / "image.yaml"), "--project", PROJECT, "--out", str(tmp_path / "dist"), *extra]
    )
    return args


def test_deploy_makes_the_sdk_calls_kili_expects(sdk, tmp_path, capsys):
    args = deploy_args(tmp_path)
    args.kili = sdk
    assert args.handler(args) == 0
    path = str(tmp_path / "dist" / "image" / "main.py")
    from kili.services.plugins.upload import check_file_contains_handler

    assert check_file_contains_handler(tmp_path / "dist" / "image" / "main.py")[0] is not None
    calls = sdk.method_calls
    assert [c[0] for c in calls] == [
        "list_plugins", "upload_plugin", "activate_plugin_on_project", "projects", "update_properties_in_project",
        "get_plugin_logs",
    ]  # fmt: skip
    sdk.upload_plugin.assert_called_once_with(plugin_path=path, plugin_name="image", verbose=False)
    sdk.activate_plugin_on_project.assert_called_once_with(plugin_name="image", project_id=PROJECT)
    sdk.update_properties_in_project.assert_called_once_with(
        project_id=PROJECT,
        metadata_properties={
            "batch": {"type": "number"},
            "qa_score": {"type": "number", "filterable": True},
            "qa_failed_rules": {"type": "string", "filterable": True},
        },
    )
    assert sdk.get_plugin_logs.call_args.kwargs["limit"] == 20
    out = capsys.readouterr().out
    assert "uploaded plugin 'image'" in out and "filterable in Kili's explore view: qa_score, qa_failed_rules" in out
    assert out.index("submit label l1") < out.index("submit done")  # oldest first

    sdk.reset_mock()
    sdk.list_plugins.return_value = [{"name": "image QA"}]
    args = deploy_args(tmp_path, "--plugin", "image QA", "--logs", "0")
    args.kili = sdk
    assert args.handler(args) == 0
    sdk.update_plugin.assert_called_once_with(plugin_path=path, plugin_name="image QA", verbose=False)
    sdk.upload_plugin.assert_not_called()
    sdk.get_plugin_logs.assert_not_called()


def test_deploy_failures_are_one_line(sdk, tmp_path, capsys):
    sdk.upload_plugin.side_effect = RuntimeError("Plugin build failed:\n  line 3 bad")
    args = deploy_args(tmp_path)
    args.kili = sdk
    from kili_rules.live.deploy import DeployError

    with pytest.raises(DeployError, match=r"^upload_plugin failed: RuntimeError: Plugin build failed: line 3 bad$"):
        args.handler(args)
    sdk.activate_plugin_on_project.assert_not_called()


def test_logs(sdk, capsys):
    args = cli.parser().parse_args(["logs", "--project", PROJECT, "--plugin", "image", "--since", "2h"])
    args.kili = sdk
    assert args.handler(args) == 0
    kwargs = sdk.get_plugin_logs.call_args.kwargs
    assert kwargs["project_id"] == PROJECT and kwargs["plugin_name"] == "image" and kwargs["limit"] == 100
    assert capsys.readouterr().out.splitlines() == [
        "2026-01-01T10:00:00Z INFO: kili-rules: submit label l1",
        "2026-01-01T10:00:01Z INFO: kili-rules: submit done",
    ]
    assert run(capsys, "logs", "--project", PROJECT, "--plugin", "x", "--since", "soon")[0] == 2


def test_without_the_kili_sdk_deploy_says_so_in_one_line(tmp_path):
    code = (
        "import sys; sys.modules['kili'] = None; sys.modules['kili.client'] = None\n"
        "from kili_rules.cli import main\n"
        "sys.exit(main(['logs', '--project', 'p', '--plugin', 'x']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"KILI_API_KEY": "k"})
    assert done.returncode == 2
    assert done.stderr == (
        "error: this command needs the kili SDK, which is not installed: pip install 'kili-rules[kili]'\n"
    )


# ---------------------------------------------------------------- the key


@pytest.mark.heavy(2.6)
def test_no_output_log_or_file_contains_the_api_key(kili, tmp_path, capsys, caplog):
    key = kili.api_key
    caplog.set_level("DEBUG")
    rules = str(RULES / "image.yaml")
    (tmp_path / "old.yaml").write_text(OLD)
    outputs = []
    for argv in (
        ["pull", "--project", PROJECT, "--out", str(tmp_path / "i.json")],
        ["lint", rules, "--project", PROJECT],
        ["check", rules, "--project", PROJECT, "--format", "html", "--out", str(tmp_path / "c.html")],
        ["check", rules, "--project", PROJECT, "--format", "json"],
        ["diff", str(tmp_path / "old.yaml"), rules, "--project", PROJECT, "--format", "html", "--out",
         str(tmp_path / "d.html")],
        ["apply", rules, "--project", PROJECT, "--rate", "0", "--verbose"],
        ["apply", rules, "--project", PROJECT, "--rate", "0", "--yes", "--state", str(tmp_path / "s.jsonl")],
        ["check", rules, "--project", PROJECT, "--api-key", "wrong-" + key],
    ):  # fmt: skip
        _code, out, err = run(capsys, *argv)
        outputs.append(out + err)
    assert outputs[-1] == "error: the API key was refused (check KILI_API_KEY)\n"
    written = "".join(p.read_text() for p in tmp_path.iterdir() if p.is_file())
    for text in [*outputs, caplog.text, written]:
        assert key not in text


def test_the_rate_limit_spaces_calls_across_threads():
    import threading
    import time

    from kili_rules.live.apply import RateLimit

    limit = RateLimit(200)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [limit() for _ in range(5)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 19 / 200
    assert RateLimit(None).interval == 0


@pytest.mark.parametrize("checks", ["skip-checks", "introspected"])
def test_logs_through_the_real_sdk_pointed_at_the_stand_in(kili, tmp_path, monkeypatch, capsys, checks):
    """The SDK client the commands create (key and endpoint from the environment) reaches the stand-in, which does
    not serve plugin logs: the SDK's refusal becomes one line naming the step, without the key."""
    pytest.importorskip("kili.client")
    monkeypatch.setenv("HOME", str(tmp_path))
    if checks == "skip-checks":
        monkeypatch.setenv("KILI_SDK_SKIP_CHECKS", "1")
    else:
        monkeypatch.delenv("KILI_SDK_SKIP_CHECKS", raising=False)
    code, out, err = run(capsys, "logs", "--project", PROJECT, "--plugin", "image")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: get_plugin_logs failed: ") and kili.api_key not in err
    # without checks the SDK sends the query (and trips on the refusal); with them it validates it locally first
    assert bool(kili.calls("getPluginLogs")) == (checks == "skip-checks")
    if checks == "introspected":
        code, _, err = run(capsys, "logs", "--project", PROJECT, "--plugin", "image", "--api-key", "wrong-key-123")
        assert code == 2 and err.startswith(f"error: cannot connect to Kili at {kili.endpoint}: ")
        assert "wrong-key-123" not in err and kili.api_key not in err
