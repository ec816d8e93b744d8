"""Bad rule files: one line naming file:line:col and what to do; exit code 2 and no traceback from the CLI."""

from __future__ import annotations

import json

import pytest
from cli_runner import run_cli, run_cli_process
from conftest import RULES

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError

BAD_FILES = {
    "unknown type": (
        "rules:\n  - id: a\n    type: cout\n    job: J\n",
        ":3:11: error: unknown rule type 'cout'; did you mean 'count'? installed: categories, count, geometry, "
        "overlap, relation, required, text, track",
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
        ":2:10: error: rule id 'a]b' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or a "
        "digit (it tags Kili issues as `[id] ...` and lists failed rules): rename it [a]b]",
    ),
    "id with a space": (
        "rules:\n  - {id: 'a b', type: count, job: J, max: 1}\n",
        ":2:10: error: rule id 'a b' must be 1 to 64 letters",
    ),
    "id of 65 characters": (
        f"rules:\n  - {{id: {'a' * 65}, type: count, job: J, max: 1}}\n",
        f":2:10: error: rule id '{'a' * 65}' must be 1 to 64 letters",
    ),
    "reserved id": (
        "rules:\n  - {id: unreadable-label, type: count, job: J, max: 1}\n",
        ":2:10: error: rule id 'unreadable-label' is reserved: the plugin tags with it the labels whose jsonResponse "
        "cannot be read; choose another id",
    ),
    "infinite weight": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, weight: .inf}\n",
        ":2:50: error: weight: Input should be a finite number (in rule 'a') [a]",
    ),
    "NaN weight": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, weight: .nan}\n",
        ":2:50: error: weight: Input should be a finite number (in rule 'a') [a]",
    ),
    "negative weight": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, weight: -5}\n",
        ":2:50: error: weight: Input should be greater than or equal to 0 (in rule 'a') [a]",
    ),
    "weight in words": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, weight: 'heavy'}\n",
        ":2:50: error: weight: Input should be a valid number (in rule 'a') [a]",
    ),
    "failed_key is the score key": (
        "score: {key: qa, failed_key: qa}\nrules: []\n",
        ":1:30: error: score.failed_key: `failed_key` must differ from `key` ('qa'): the score would be overwritten",
    ),
    "bad on_error": ("on_error: ignore\nrules: []\n", ":1:11: error: on_error: Input should be 'fail' or 'skip'"),
    "typo'd on_error of a rule": (
        "rules:\n  - {id: a, type: count, job: J, max: 1, on_eror: skip}\n",
        ":2:42: error: unknown key 'on_eror' in rule 'a' (count); did you mean 'on_error'?",
    ),
    "typo'd limit": (
        "limits: {event_secnds: 30}\nrules: []\n",
        ":1:10: error: unknown key 'event_secnds' in the rule file; did you mean 'event_seconds'? known keys: "
        "event_seconds, evaluation_seconds, rule_seconds, max_issues, max_issue_text, max_log_line",
    ),
    "event beyond Kili's 60 s": (
        "limits: {event_seconds: 56}\nrules: []\n",
        ":1:25: error: limits.event_seconds: Input should be less than or equal to 55",
    ),
    "NaN seconds": (
        "limits: {event_seconds: .nan}\nrules: []\n",
        ":1:25: error: limits.event_seconds: Input should be a finite number",
    ),
    "evaluation as long as the event": (
        "limits: {event_seconds: 30, evaluation_seconds: 30}\nrules: []\n",
        ":1:49: error: limits.evaluation_seconds: `evaluation_seconds` (30) must be below `event_seconds` (30)",
    ),
    "no issue allowed": (
        "limits: {max_issues: 0}\nrules: []\n",
        ":1:22: error: limits.max_issues: Input should be greater than or equal to 1",
    ),
    "issue text too short": (
        "limits: {max_issue_text: 79}\nrules: []\n",
        ":1:26: error: limits.max_issue_text: Input should be greater than or equal to 80",
    ),
    "log line too long": (
        "limits: {max_log_line: 100001}\nrules: []\n",
        ":1:24: error: limits.max_log_line: Input should be less than or equal to 100000",
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
    assert rules.data["on_error"] == "fail" and rule["on_error"] == "fail"
    assert rules.data["limits"] == {
        "event_seconds": 50.0,
        "evaluation_seconds": 20.0,
        "rule_seconds": 5.0,
        "max_issues": 100,
        "max_issue_text": 1000,
        "max_log_line": 4000,
        "max_send_backs": 3,
    }


def test_on_error_and_limits_are_compiled_for_every_rule(write_rules):
    module = (
        "from kili_rules import rule\n\n@rule(on_error='fail')\ndef strict(label):\n    return True\n\n"
        "@rule()\ndef lenient(label):\n    return True\n"
    )
    path = write_rules(
        "on_error: skip\nlimits: {event_seconds: 30, evaluation_seconds: 5.5, max_issues: 10}\npython: [m.py]\n"
        "rules:\n  - {id: a, type: count, job: J, max: 1}\n  - {id: b, type: count, job: J, max: 1, on_error: fail}\n",
        m__py=module,
    )
    data = load_rule_set(path).data
    assert data["on_error"] == "skip"
    assert {rule["id"]: rule["on_error"] for rule in data["rules"]} == {
        "a": "skip",
        "b": "fail",
        "strict": "fail",
        "lenient": "skip",
    }
    assert data["limits"] == {
        "event_seconds": 30.0,
        "evaluation_seconds": 5.5,
        "rule_seconds": 5.0,
        "max_issues": 10,
        "max_issue_text": 1000,
        "max_log_line": 4000,
        "max_send_backs": 3,
    }
    assert json.loads(json.dumps(data)) == data  # plain JSON-able data


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("weight=float('inf')", "ValueError: weight must be a finite number >= 0, not inf"),
        ("weight=-5", "ValueError: weight must be a finite number >= 0, not -5"),
        ("weight='heavy'", "ValueError: weight must be a finite number >= 0, not 'heavy'"),
        ("on_error='ignore'", "ValueError: on_error must be one of fail, skip, not 'ignore'"),
    ],
)
def test_bad_keys_of_a_python_rule_name_its_module_and_line(arguments, expected, write_rules):
    module = f"from kili_rules import rule\n\n\n@rule({arguments})\ndef r(label):\n    return False\n"
    path = write_rules("python: [m.py]\nrules: []\n", m__py=module)
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert str(raised.value) == f"{path}:1:10: error: cannot import m.py (line 4): {expected}"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("weight=float('nan')", "weight: Input should be a finite number (in Python rule 'r' (r in m.py))"),
        ("id='x y'", "rule id 'x y' must be 1 to 64 letters"),
        ("id='unreadable-label'", "rule id 'unreadable-label' is reserved"),
    ],
)
def test_a_python_rule_built_by_hand_is_checked_like_a_yaml_rule(attributes, expected, write_rules):
    module = (
        "from kili_rules.runtime.python_rule import PythonRule\n\n"
        "def check(label):\n    return False\n\n"
        f"r = PythonRule(check, id='r', severity='error', message='m', events=('submit',), weight=1, enabled=True)\n"
        f"r.{attributes.replace(', ', '; r.')}\n"
    )
    path = write_rules(
        "python: [m.py]\nrules: []\n",
        m__py=module,
    )
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert str(raised.value).startswith(f"{path}:1:10: error: {expected}")
    result = run_cli("build", str(path), "--out", str(path.parent / "dist"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


#: The case run in a process of its own, from ``python -m kili_rules.cli`` to its exit code (the others run in this
#: process, tests/cli_runner.py).
IN_A_PROCESS = "unknown type"


@pytest.mark.parametrize(
    "name", ["unknown type", "typo'd option", "duplicate id", "YAML syntax", "infinite weight", "typo'd limit"]
)
def test_cli_prints_one_line_and_exits_2_without_traceback(name, write_rules):
    """In this process, but for the case of ``IN_A_PROCESS``."""
    path = write_rules(BAD_FILES[name][0])
    run = run_cli_process if name == IN_A_PROCESS else run_cli
    result = run("validate", str(path))
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


def test_the_runtime_defaults_of_limits_are_the_rule_files():
    # the plugin's policy falls back on DEFAULT_LIMITS; a rule file's `limits:` defaults come from LimitsConfig
    from kili_rules.authoring.rule_file_model import LimitsConfig
    from kili_rules.runtime.policy import DEFAULT_LIMITS

    assert LimitsConfig().model_dump() == DEFAULT_LIMITS


def test_a_wrong_top_level_key_hides_no_problem_of_the_rules(write_rules):
    path = write_rules("limit: {max_issues: 3}\nrules:\n  - {id: a, type: count, job: JOB_0, mxa: 1}\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    text = str(raised.value)
    assert "1:1: error: unknown key 'limit' in the rule file; did you mean 'limits'?" in text
    assert "3:38: error: unknown key 'mxa' in rule 'a' (count); did you mean 'max'?" in text
