"""`kili-rules check --findings FILE`: every finding, one row each, as JSON Lines or CSV (by the extension)."""

from __future__ import annotations

import csv
import json

import pytest
from cli_runner import run_cli
from conftest import ROOT, SDK

EXPORT = SDK / "exports" / "image_project_assets.json"
# one asset; its latest label has one annotation in each of its jobs (read by hand in the export)
RULES = """\
rules:
  - {id: none-a, type: count, job: OBJECT_DETECTION_JOB, max: 0, message: "too many ({count})"}
  - {id: none-b, type: count, job: OBJECT_DETECTION_JOB_0, max: 0, severity: warning}
  - {id: two-c, type: count, job: OBJECT_DETECTION_JOB_1, min: 2, severity: info}
  - {id: ok-d, type: count, job: OBJECT_DETECTION_JOB_2, max: 1}
"""
ASSET, AUTHOR = "clk8fq9ow00022a69icovadtq", "jonas.maison@kili-technology.com"
EXPECTED = [  # none-a and none-b fail on the job's one box (pinned on it), two-c on the job; ok-d passes
    {"asset": ASSET, "label": None, "author": AUTHOR, "rule": "none-a", "severity": "error",
     "message": "too many (1)", "mid": "20230718172351536-92877", "job": "OBJECT_DETECTION_JOB", "frame": None},
    {"asset": ASSET, "label": None, "author": AUTHOR, "rule": "none-b", "severity": "warning",
     "message": "1 annotations in OBJECT_DETECTION_JOB_0, expected at most 0", "mid": "20230718172353363-53863",
     "job": "OBJECT_DETECTION_JOB_0", "frame": None},
    {"asset": ASSET, "label": None, "author": AUTHOR, "rule": "two-c", "severity": "info",
     "message": "1 annotations in OBJECT_DETECTION_JOB_1, expected at least 2", "mid": None,
     "job": "OBJECT_DETECTION_JOB_1", "frame": None},
]  # fmt: skip


def check_with_findings(tmp_path, name):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    out = tmp_path / name
    done = run_cli("check", rules, EXPORT, "--findings", out, "--fail-on", "never", cwd=ROOT)
    return done, out


def test_jsonl_findings_name_every_finding(tmp_path):
    done, out = check_with_findings(tmp_path, "findings.jsonl")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in out.read_text().splitlines()] == EXPECTED
    assert "3 findings" in done.stderr


def test_csv_findings_have_a_header_and_empty_cells_for_none(tmp_path):
    done, out = check_with_findings(tmp_path, "findings.CSV")
    assert done.returncode == 0, done.stderr
    with out.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows == [{k: "" if v is None else v for k, v in row.items()} for row in EXPECTED]


@pytest.mark.parametrize("name", ["findings.xlsx", "findings"])
def test_another_extension_is_a_clear_error(tmp_path, name):
    done, out = check_with_findings(tmp_path, name)
    assert done.returncode == 2
    assert "--findings" in done.stderr and ".jsonl or .csv" in done.stderr
    assert not out.exists()
