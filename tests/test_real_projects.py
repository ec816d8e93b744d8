"""Issue 21: what seven real Kili projects showed (silent passes, errors that do not point at the fix, what needed
Python). The rule sets and their YAML cases are in ``tests/real_projects/`` (their cases run as rule tests); this
module checks what the cases cannot: lint, errors, the command line. Expectations are written by hand."""

from __future__ import annotations

import json

import pytest
from cli_runner import run_cli
from conftest import ROOT

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.testing import evaluate

REAL = ROOT / "tests" / "real_projects"


@pytest.mark.parametrize("rule_file", sorted(REAL.glob("*.yaml")), ids=lambda p: p.name)
def test_the_real_project_rule_files_are_clean(rule_file):
    assert [str(p) for p in lint_rule_file(rule_file)] == []


def test_a_pose_job_is_decided_by_its_tool_as_kili_writes_it(write_rules):
    path = write_rules(
        f"interface: {REAL / 'interfaces' / 'pose_people.json'}\n"
        "rules:\n"
        "  - {id: p, type: geometry, job: JOB_0, required_points: [NOSE]}\n"
    )
    assert lint_rule_file(path) == []


# -- item 7: a Python rule that raises names its own file and line, offline as in the plugin's log ---------------

RAISES = "reviews_rules.py:9: ZeroDivisionError: division by zero"  # line 9 of tests/real_projects/reviews_rules.py


def test_a_python_rule_that_raises_names_its_own_line():
    report = evaluate(REAL / "reviews.yaml", {"SENTIMENT": {"categories": [{"name": "POSITIVE"}]}})
    [outcome] = [o for o in report.outcomes if o.rule_id == "average-rating"]
    assert (outcome.status, outcome.error) == ("error", RAISES)
    # the issue labelers read keeps the error alone (and its text, so the issues of before are still recognised)
    assert [f.message for f in report.findings if f.rule_id == "average-rating"] == [
        "could not check this label: ZeroDivisionError: division by zero"
    ]


def test_eval_shows_the_rule_line_that_raised(tmp_path):
    label = tmp_path / "label.json"
    label.write_text(json.dumps({"SENTIMENT": {"categories": [{"name": "NEGATIVE"}]}}), encoding="utf-8")
    done = run_cli("eval", REAL / "reviews.yaml", label)
    assert f"average-rating: {RAISES}" in done.stdout
