"""What an annotation manager ran into on real projects (issue 11), each fixed and held by a test."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
import yaml
from conftest import ROOT, RULES, load_json

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import main
from kili_rules.errors import RuleFileError
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.message import render

IMAGE_INTERFACE = RULES / "interfaces" / "image.json"
ONE_BOX = load_json(RULES / "labels" / "image_label_one_box.json")
THREE_BOXES = load_json(RULES / "labels" / "image_label_three_boxes.json")


def _image_rules(write_rules, rules: str, **files: str):
    files.setdefault("interface__json", IMAGE_INTERFACE.read_text())
    return write_rules(f"name: img\ninterface: interface.json\nrules:\n{rules}", **files)


# --- Python rules -------------------------------------------------------------------------------------------------


def test_a_generator_rule_that_returns_not_applicable_is_not_a_pass(write_rules):
    path = write_rules(
        "python: [checks.py]\n",
        checks__py=(
            "from kili_rules import NOT_APPLICABLE, rule\n\n"
            "@rule(id='gen')\n"
            "def gen(label):\n"
            "    if not label.responses('JOB_0'):\n"
            "        return NOT_APPLICABLE\n"
            "    yield from ('a box' for _ in label.annotations('JOB_0'))\n\n"
            "@rule(id='both')\n"
            "def both(label):\n"
            "    yield 'a finding'\n"
            "    return NOT_APPLICABLE\n"
        ),
    )
    rule_set = load_rule_set(path)
    empty = rule_set.evaluate(LabelView({}))
    assert empty.outcome("gen").status == "not_applicable"
    assert empty.outcome("both").status == "error" and "returned NOT_APPLICABLE" in empty.outcome("both").error
    assert rule_set.evaluate(LabelView({"JOB_0": {"annotations": [{"mid": "a"}]}})).outcome("gen").status == "fail"


# --- messages -----------------------------------------------------------------------------------------------------


def test_format_specs_are_rendered_and_never_crash():
    assert render("area {area:.3f}, {count:>3}, {share:.0%}", {"area": 0.12345, "count": 7, "share": 0.5}) == (
        "area 0.123,   7, 50%"
    )
    assert render("{value:.2f}", {"value": "FR76"}) == "FR76"  # the spec does not fit the value: written as it is
    assert render("{a.__class__} {a:{b}}", {"a": 1, "b": 2}) == "{a.__class__} {a:2}"  # no nested spec


def test_a_bad_format_spec_is_refused_at_load(write_rules):
    path = _image_rules(write_rules, "  - {id: r, type: count, job: JOB_0, max: 1, message: 'got {count:.3q}'}\n")
    with pytest.raises(
        RuleFileError, match=r"\{count:\.3q\} in the message of rule 'r' \(count\) is not a placeholder"
    ):
        load_rule_set(path)


def test_messages_name_jobs_and_categories_as_the_interface_shows_them(write_rules):
    path = _image_rules(
        write_rules,
        "  - id: r\n    type: count\n    job: JOB_0\n    category: OBJECT_A\n    max: 1\n"
        "    message: '{count:02d} boxes of {category_name} in {job_name}'\n",
    )
    (finding, *_) = load_rule_set(path).evaluate(THREE_BOXES).findings
    assert finding.message == "03 boxes of Object A in Categories"
    without_interface = write_rules(
        "rules:\n  - {id: r, type: count, job: J, category: C, max: 0, message: '{category_name}'}\n"
    )
    (finding,) = (
        load_rule_set(without_interface)
        .evaluate(LabelView({"J": {"annotations": [{"categories": [{"name": "C"}]}]}}))
        .findings
    )
    assert finding.message == "C"


# --- lint ---------------------------------------------------------------------------------------------------------


def _document_rules(write_rules, rule: str):
    return write_rules(
        f"interface: interface.json\nrules:\n{rule}",
        interface__json=(RULES / "interfaces" / "document.json").read_text(),
    )


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "{id: r, type: text, job: TRANSCRIPTION_JOB_0, min: 0}",
            "`min` bounds a number, but the value is read as a date",
        ),
        (
            "{id: r, type: text, job: TRANSCRIPTION_JOB_3, after: '2020-01-01'}",
            "`after` bounds a date, but the value is read as a number",
        ),
    ],
    ids=["min-on-a-date", "after-on-a-number"],
)
def test_bounds_of_the_other_kind_are_problems_not_silently_ignored(write_rules, rule, words):
    path = _document_rules(write_rules, f"  - {rule}\n")
    assert any(words in p.message for p in lint_rule_file(path))


def test_every_problem_of_a_rule_is_reported(write_rules):
    path = _image_rules(write_rules, "  - {id: r, type: count, job: JOB_0, max: 1, severity: fatal, mx: 2}\n")
    with pytest.raises(RuleFileError) as caught:
        load_rule_set(path)
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "severity" in messages and "unknown key 'mx'" in messages


@pytest.mark.parametrize("projects", [1, 2])
def test_interface_takes_the_list_kili_projects_returns(write_rules, tmp_path, projects):
    interface = json.loads(IMAGE_INTERFACE.read_text())
    listed = [{"id": f"p{i}", "jsonInterface": json.dumps(interface)} for i in range(projects)]  # as a string too
    (tmp_path / "projects.json").write_text(json.dumps(listed))
    path = write_rules("rules:\n  - {id: r, type: count, job: JOB_O, max: 1}\n")
    if projects == 1:
        assert "did you mean 'JOB_0'" in lint_rule_file(path, interface_path=tmp_path / "projects.json")[0].message
    else:
        with pytest.raises(RuleFileError, match="holds 2 projects"):
            lint_rule_file(path, interface_path=tmp_path / "projects.json")


def test_lint_formats_github_annotations_and_json(write_rules, capsys):
    path = _image_rules(write_rules, "  - {id: r, type: count, job: JOB_0, category: OBJECT_C, max: 1}\n")
    assert main(["lint", str(path), "--format", "github"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"::error file={path},line=") and "title=kili-rules [r]::unknown category 'OBJECT_C'" in line
    assert main(["lint", str(path), "--format", "json"]) == 1
    (problem,) = json.loads(capsys.readouterr().out)
    assert problem["rule_id"] == "r" and problem["severity"] == "error" and problem["line"] == 4


def test_a_pre_commit_hook_runs_lint():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    lint = next(h for h in hooks if h["id"] == "kili-rules-lint")
    assert lint["entry"] == "kili-rules lint" and lint["language"] == "python"


# --- label files: new-case, check, eval ---------------------------------------------------------------------------


def test_new_case_finds_an_asset_by_the_asset_id_of_a_labels_dump_and_appends_to_an_empty_list(tmp_path):
    labels = [dict(ONE_BOX, id="l1", assetId="asset-1"), dict(THREE_BOXES, id="l2", assetId="asset-2")]
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    (tmp_path / "tests").mkdir()
    tests = tmp_path / "tests" / "image.yaml"
    tests.write_text(f"rule_set: {RULES / 'image.yaml'}\ncases: []\n")
    assert (
        main(
            [
                "new-case",
                str(RULES / "image.yaml"),
                str(tmp_path / "labels.json"),
                "--asset",
                "asset-2",
                "--tests",
                str(tests),
            ]
        )
        == 0
    )
    (case,) = yaml.safe_load(tests.read_text())["cases"]
    assert case["asset"] == "asset-2" and case["expect"]["fail"] == ["one-object-a"]
    assert main(["test", str(tests)]) == 0


def _asset(asset_id, *labels):
    return {"id": asset_id, "externalId": asset_id, "labels": list(labels)}


def _label(label_id, response, label_type="DEFAULT", created="2026-01-01T00:00:00Z"):
    return {"id": label_id, "labelType": label_type, "createdAt": created, "jsonResponse": response["jsonResponse"]}


def _export(tmp_path):
    """What kili.export_labels writes: one JSON file per asset under labels/, zipped."""
    assets = [
        _asset(
            "a1",
            _label("old", THREE_BOXES, created="2026-01-01T00:00:00Z"),
            _label("new", ONE_BOX, created="2026-01-02T00:00:00Z"),
            _label("draft", THREE_BOXES, "AUTOSAVE", "2026-01-03T00:00:00Z"),
        ),
        _asset("a2", _label("fail", THREE_BOXES, "REVIEW")),
        _asset("a3"),  # no label yet
    ]
    folder = tmp_path / "export"
    (folder / "labels").mkdir(parents=True)
    (folder / "README.kili.txt").write_text("exported")
    for asset in assets:
        (folder / "labels" / f"{asset['id']}.json").write_text(json.dumps(asset))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(folder.rglob("*")):
            out.write(file, file.relative_to(folder).as_posix())
    return folder, archive


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_check_reads_the_folder_or_zip_of_an_export_latest_labels_by_default(tmp_path, capsys, kind):
    folder, archive = _export(tmp_path)
    source = folder if kind == "folder" else archive
    assert main(["check", str(RULES / "image.yaml"), str(source), "--format", "json", "--no-progress"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == 2 and summary["labels_read"] == "latest"  # a1's latest submitted label, a2's
    assert summary["rules"][0]["fail"] == 1 and summary["rules"][0]["pass"] == 1
    assert summary["assets_without_label"] == 1 and "a3" in summary["assets_without_label_examples"][0]
    main(["check", str(RULES / "image.yaml"), str(source), "--all-labels", "--format", "json", "--no-progress"])
    assert json.loads(capsys.readouterr().out)["labels"] == 4


def test_check_says_how_many_assets_had_no_label(tmp_path, capsys):
    folder, _ = _export(tmp_path)
    main(["check", str(RULES / "image.yaml"), str(folder), "--no-progress"])
    assert "assets without a label to check (not counted above): 1" in capsys.readouterr().out


def test_eval_json_is_one_document_and_jsonl_one_line_a_label(tmp_path, capsys):
    (tmp_path / "labels.json").write_text(json.dumps([ONE_BOX, THREE_BOXES]))
    main(["eval", str(RULES / "image.yaml"), str(tmp_path / "labels.json"), "--format", "json"])
    assert [r["score"] for r in json.loads(capsys.readouterr().out)] == [100, 0]
    main(["eval", str(RULES / "image.yaml"), str(tmp_path / "labels.json"), "--format", "jsonl"])
    assert [json.loads(line)["score"] for line in capsys.readouterr().out.splitlines()] == [100, 0]


def test_a_closed_pipe_is_not_an_error(tmp_path):
    (tmp_path / "labels.json").write_text(json.dumps([ONE_BOX] * 2000))
    command = [sys.executable, "-m", "kili_rules.cli", "eval", str(RULES / "image.yaml"), str(tmp_path / "labels.json")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    error = process.stderr.read().decode()
    # 141: what a shell reports for a command ended by SIGPIPE (the output was not all read), quietly
    assert process.wait(timeout=60) == 141 and "Broken pipe" not in error and "Traceback" not in error
