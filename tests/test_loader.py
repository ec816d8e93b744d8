"""Bad rule files: one line naming file:line:col and what to do; exit code 2 and no traceback from the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import RULES

from kili_rules.errors import RuleFileError
from kili_rules.loader import load_rule_set

BAD_FILES = {
    "unknown type": (
        "rules:\n  - id: a\n    type: cout\n    job: J\n",
        ":3:11: error: unknown rule type 'cout'; did you mean 'count'? installed: categories, count, required, text",
    ),
    "typo'd option": (
        "rules:\n  - id: a\n    type: count\n    job: J\n    maxx: 1\n",
        ":5:5: error: unknown key 'maxx' in rule 'a' (count); did you mean 'max'?",
    ),
    "typo'd common key": (
        "rules:\n  - id: a\n    type: count\n    job: J\n    max: 1\n    severty: warning\n",
        ":6:5: error: unknown key 'severty' in rule 'a' (count); did you mean 'severity'?",
    ),
    "duplicate id": (
        "rules:\n  - {id: a, type: count, job: J, max: 1}\n  - {id: a, type: count, job: J, max: 2}\n",
        ":3:10: error: duplicate rule id 'a' (first at line 2, column 10): ids must be unique",
    ),
    "YAML syntax": (
        "rules:\n  - id: a\n    type: count\n   job: J\n",
        ":4:4: error: invalid YAML:",
    ),
    "wrong type": (
        "rules:\n  - id: a\n    type: count\n    job: J\n    max: many\n",
        ":5:10: error: max: Input should be a valid integer",
    ),
    "bad severity": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, severity: fatal}\n",
        ":2:52: error: severity: Input should be 'error', 'warning' or 'info'",
    ),
    "invalid regex": (
        'rules:\n  - id: a\n    type: text\n    job: J\n    regex: "[a-"\n',
        ":5:12: error: invalid regex: unterminated character set at position 0 [a]",
    ),
    "unknown placeholder": (
        'rules:\n  - id: a\n    type: count\n    job: J\n    max: 1\n    message: "{cont} boxes"\n',
        ":6:14: error: unknown placeholder {cont} in the message of rule 'a' (count)",
    ),
    "min above max": (
        "rules:\n  - {id: a, type: count, job: J, min: 3, max: 1}\n",
        ":2:39: error: `min` (3) is above `max` (1): the rule can never pass [a]",
    ),
    "missing job": (
        "rules:\n  - id: a\n    type: count\n    max: 1\n",
        ":2:5: error: rule 'a' (count) needs the key 'job'",
    ),
    "unknown top-level key": (
        "nme: x\nrules: []\n",
        ":1:1: error: unknown key 'nme' in the rule file; did you mean 'name'?",
    ),
    "duplicate YAML key": (
        "rules:\n  - id: a\n    type: count\n    job: J\n    max: 1\n    max: 2\n",
        ":6:5: error: duplicate key 'max': keep only one of them",
    ),
    "missing interface": (
        "interface: nowhere.json\nrules: []\n",
        ":1:12: error: cannot read the interface",
    ),
    "missing python module": (
        "python: [nope.py]\nrules: []\n",
        ":1:10: error: Python rule module 'nope.py' not found next to the rule file",
    ),
    "id with a bracket": (
        "rules:\n  - {id: 'a]b', type: count, job: J, max: 1}\n",
        ":2:10: error: rule id 'a]b' may not be empty or hold brackets",
    ),
    "not a mapping": ("- just\n- a list\n", ":1:1: error: a rule file is a mapping with a `rules:` list"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_rule_file_gives_one_located_line(name, write_rules):
    text, expected = BAD_FILES[name]
    path = write_rules(text)
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(str(path) + expected), lines[0]


def test_python_module_that_does_not_import_is_located(write_rules):
    path = write_rules("python: [broken.py]\nrules: []\n", broken__py="def f(:\n")
    with pytest.raises(RuleFileError, match=r":1:10: error: cannot import broken.py \(line 1\): SyntaxError"):
        load_rule_set(path)


def test_python_rules_are_collected(write_rules):
    module = (
        "from kili_rules import Violation, rule\n\n"
        "@rule(id='has-text', severity='warning')\n"
        "def has_text(label):\n    '''There must be a text.'''\n    return bool(label.texts('T'))\n\n"
        "@rule()\ndef pinned(label):\n    yield Violation(mid='m1', message='pinned {job}', job='T')\n"
    )
    path = write_rules("python: [my_rules.py]\nrules: []\n", my_rules__py=module)
    rules = load_rule_set(path)
    report = rules.evaluate({"jsonResponse": {}})
    has_text = report.outcome("has-text")
    assert has_text.status == "fail" and has_text.findings[0].message == "There must be a text."
    assert has_text.findings[0].severity == "warning"
    pinned = report.outcome("pinned").findings[0]
    assert (pinned.mid, pinned.message) == ("m1", "pinned T")
    assert rules.evaluate({"jsonResponse": {"T": {"text": "x"}}}).outcome("has-text").status == "pass"


def test_python_rule_id_clashing_with_a_yaml_rule(write_rules):
    module = "from kili_rules import rule\n\n@rule(id='a')\ndef a(label):\n    return True\n"
    path = write_rules("python: [m.py]\nrules:\n  - {id: a, type: count, job: J, max: 1}\n", m__py=module)
    with pytest.raises(RuleFileError, match=r":1:10: error: duplicate rule id 'a'"):
        load_rule_set(path)


def test_several_problems_give_one_line_each(write_rules):
    path = write_rules("rules:\n  - {id: a, type: cout}\n  - {id: b, type: count, job: J, maxx: 1}\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert [p.line for p in raised.value.problems] == [2, 3]


def test_defaults_of_a_minimal_rule_file(write_rules):
    rules = load_rule_set(write_rules("rules:\n  - {id: a, type: count, job: J, max: 1}\n", name="mine.yaml"))
    assert rules.name == "mine"
    assert rules.data["score"] == {"key": "qa_score", "failed_key": None}
    assert rules.data["actions"] == {"error": ["issue", "send_back"], "warning": ["issue"], "info": []}
    (rule,) = rules.data["rules"]
    assert rule["events"] == ["submit", "review"] and rule["weight"] == 1 and rule["message"] == "{reason}"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "kili_rules.cli", *args], capture_output=True, text=True)


@pytest.mark.parametrize("name", ["unknown type", "typo'd option", "duplicate id", "YAML syntax"])
def test_cli_prints_one_line_and_exits_2_without_traceback(name, write_rules):
    path = write_rules(BAD_FILES[name][0])
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{path}{BAD_FILES[name][1]}")


def test_cli_eval_prints_outcomes():
    result = run_cli("eval", str(RULES / "image.yaml"), str(RULES / "labels" / "image_label_three_boxes.json"))
    assert result.returncode == 0, result.stderr
    assert "fail           one-object-a" in result.stdout
    assert "There are too many BBox (3)" in result.stdout


def test_cli_missing_file_and_bad_usage_exit_2(tmp_path):
    missing = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "cannot read the rule file" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert run_cli("frobnicate").returncode == 2
