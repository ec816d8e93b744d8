"""Issue 21: what seven real Kili projects showed (silent passes, errors that do not point at the fix, what needed
Python). The rule sets and their YAML cases are in ``tests/real_projects/`` (their cases run as rule tests); this
module checks what the cases cannot: lint, errors, the command line. Expectations are written by hand."""

from __future__ import annotations

import pytest
from conftest import ROOT

from kili_rules.authoring.lint import lint_rule_file

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
