"""Python rules and the interface (issue 11): a rule reads the project's interface as ``label.interface``, the same
offline (evaluate, `kili-rules eval`, `check`, `test`) and in the built plugin; its ``when`` (a condition string or
``{job, category}``) is checked at load and linted against the interface, each problem placed in the Python file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MEDICAL, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import main
from kili_rules.errors import RuleFileError
from kili_rules.runtime.condition import parse
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import FakeKili, run_plugin

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("#### Reading the interface: `label.interface`", 1)[1]
#: The rule module the README shows, run as it is.
README_RULES = SECTION.split("```python\n", 1)[1].split("```", 1)[0]

#: A lesion without its size (l1), one with it (l2); the required question is not answered.
LABEL = {
    "id": "label-1",
    "jsonResponse": {
        "LESIONS": {
            "annotations": [
                {"mid": "l1", "type": "polygon", "categories": [{"name": "LESION"}], "children": {}},
                {
                    "mid": "l2",
                    "type": "polygon",
                    "categories": [{"name": "LESION"}],
                    "children": {"LESION_SIZE": {"text": "4"}},
                },
            ]
        }
    },
}
EXPECTED = {
    ("required-jobs", "Is the image healthy? is required", None),
    ("children-answered", "Answer Size in mm on this Lesion polygon", "l1"),
}


def _project(folder: Path, module: str, *, interface: bool = True, rules: str = "") -> Path:
    (folder / "rules").mkdir(exist_ok=True)
    (folder / "rules" / "qa_rules.py").write_text(module, encoding="utf-8")
    (folder / "rules" / "interface.json").write_text(json.dumps(MEDICAL), encoding="utf-8")
    path = folder / "rules" / "qa.yaml"
    header = "interface: interface.json\n" if interface else ""
    path.write_text(f"{header}python: [qa_rules.py]\n{rules}", encoding="utf-8")
    return path


def _offline(path: Path, label: dict) -> set[tuple[str, str, str | None]]:
    return {(f.rule_id, f.message, f.mid) for f in load_rule_set(path).evaluate(label).findings}


def _in_kili(path: Path, label: dict) -> set[tuple[str, str, str | None]]:
    kili = run_plugin(path, label, kili=FakeKili({"ward": "B"}))
    found = set()
    for issue in kili.issues_store:
        tag, text = issue["text"].split("] ", 1)
        found.add((tag[1:].split("/", 1)[1], text, issue["objectMid"]))  # [rule-set/rule-id]
    return found


# -- label.interface ---------------------------------------------------------------------------------------------


def test_the_readme_example_reads_the_interface_alike_in_every_command_and_in_the_plugin(tmp_path, capsys):
    path = _project(tmp_path, README_RULES)
    label_file = tmp_path / "label.json"
    label_file.write_text(json.dumps(LABEL), encoding="utf-8")

    assert _offline(path, LABEL) == EXPECTED
    assert _in_kili(path, LABEL) == EXPECTED

    assert main(["eval", str(path), str(label_file), "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert {(f["rule_id"], f["message"], f["mid"]) for f in report["findings"]} == EXPECTED

    assert main(["check", str(path), str(label_file), "--format", "json"]) == 1
    audit = json.loads(capsys.readouterr().out)
    examples = {(r["id"], e["message"], e["mid"]) for r in audit["rules"] for e in r["examples"]}
    assert examples == EXPECTED

    (tmp_path / "rules" / "tests").mkdir()
    (tmp_path / "rules" / "tests" / "qa.yaml").write_text(
        "cases:\n"
        "  - name: a lesion without its size\n"
        "    label: ../../label.json\n"
        "    expect:\n"
        "      fail: [required-jobs, children-answered]\n"
        "      findings:\n"
        "        - {rule: required-jobs, message: 'Is the image healthy? is required'}\n"
        "        - {rule: children-answered, message: 'Answer Size in mm on this Lesion polygon', mid: l1}\n",
        encoding="utf-8",
    )
    assert main(["test", str(tmp_path / "rules")]) == 0, capsys.readouterr().out


def test_the_readme_example_can_be_called_directly_on_a_view_with_an_interface():
    namespace: dict = {}
    exec(compile(README_RULES, "qa_rules.py", "exec"), namespace)
    view = LabelView(LABEL["jsonResponse"], interface=MEDICAL)
    (violation,) = list(namespace["children_answered"](view))
    assert violation.mid == "l1" and violation.values["child"] == "Size in mm"
    assert list(namespace["children_answered"](LabelView(LABEL["jsonResponse"]))) == []  # no interface: no jobs


READS = """\
import json

from kili_rules import rule


@rule(id="reads")
def reads(label):
    i = label.interface
    lesions = i.job("LESIONS")
    summary = {
        "jobs": list(i), "count": len(i), "has": "QUALITY" in i,
        "job_name": i.job_name("QUALITY"), "unknown": i.job_name("NOPE"),
        "category_name": i.category_name("LESION", "LESIONS"), "any_job": i.category_name("ORGAN"),
        "categories": dict(i.categories("QUALITY")), "children": list(i.children("LESIONS", "LESION")),
        "all_children": list(i.children("QUALITY")), "parents": i.parents("LESION_SIZE"),
        "jobs_with": i.jobs_with("YES"), "required": i.jobs["QUALITY"].required if "QUALITY" in i else None,
        "ml_task": lesions.ml_task if lesions else None, "tools": list(lesions.tools) if lesions else None,
        "input": i.jobs["FINDINGS"].input_type if "FINDINGS" in i else None,
        "noun": [lesions.noun(1), lesions.noun()] if lesions else None,
    }
    return json.dumps(summary, sort_keys=True)
"""


def test_a_python_rule_reads_names_categories_tasks_tools_and_children_the_same_offline_and_in_kili(tmp_path):
    path = _project(tmp_path, READS)
    ((_, message, _),) = _offline(path, LABEL)
    assert json.loads(message) == {
        "jobs": list(MEDICAL["jobs"]),
        "count": len(MEDICAL["jobs"]),
        "has": True,
        "job_name": "Is the image healthy?",
        "unknown": "NOPE",
        "category_name": "Lesion",
        "any_job": "Organ",
        "categories": {"YES": "Yes", "NO": "No"},
        "children": ["LESION_SIZE"],
        "all_children": ["COMMENT"],
        "parents": [["LESIONS", "LESION"]],
        "jobs_with": ["QUALITY"],
        "required": True,
        "ml_task": "OBJECT_DETECTION",
        "tools": ["polygon"],
        "input": "checkbox",
        "noun": ["polygon", "polygons"],
    }
    assert _in_kili(path, LABEL) == {("reads", message, None)}


def test_without_an_interface_a_python_rule_reads_an_empty_one_where_names_are_ids(tmp_path):
    path = _project(tmp_path, READS, interface=False)
    ((_, message, _),) = _offline(path, LABEL)
    summary = json.loads(message)
    assert summary["count"] == 0 and summary["job_name"] == "QUALITY" and summary["category_name"] == "LESION"
    assert summary["categories"] == {} and summary["parents"] == [] and summary["ml_task"] is None
    assert _in_kili(path, LABEL) == {("reads", message, None)}


def test_a_rule_that_writes_into_the_interface_fails_closed(tmp_path):
    module = (
        "from kili_rules import rule\n\n@rule(id='writes')\n"
        "def writes(label):\n    label.interface.jobs['NEW'] = None\n"
    )
    path = _project(tmp_path, module)
    outcome = load_rule_set(path).evaluate(LABEL).outcome("writes")
    assert outcome.status == "error" and "TypeError" in outcome.error
    assert _in_kili(path, LABEL) == {("writes", next(iter(_offline(path, LABEL)))[1], None)}


# -- a Python rule's `when` ------------------------------------------------------------------------------------------

WHEN_RULES = """\
from kili_rules import rule


@rule(id="lesion-size", when="LESIONS.LESON.count > 0")
def lesion_size(label):
    return True


@rule(id="quality", when={"job": "QUALTY", "category": "NO"})
def quality(label):
    return True


@rule(
    id="always",
    when="QUALITY.YES.count >= 0",
)
def always(label):
    return True


def made_by_hand(label):
    return True


by_hand = rule(id="by-hand", when="FINDINGS.RAIN.count > 0")(made_by_hand)
"""


def test_lint_checks_a_python_rules_condition_against_the_interface_in_the_python_file(tmp_path, monkeypatch, capsys):
    _project(tmp_path, WHEN_RULES)
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "rules/qa.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "rules/qa_rules.py:4:30: error: `when`: unknown category 'LESON' in LESIONS; did you mean 'LESION'? "
        "categories: LESION, ORGAN [lesion-size]",
        "rules/qa_rules.py:9:26: error: `when`: unknown job 'QUALTY' in the interface; did you mean 'QUALITY'? "
        f"jobs: {', '.join(MEDICAL['jobs'])} [quality]",
        "rules/qa_rules.py:16:10: warning: `when`: `QUALITY.YES.count >= 0` is always true (a count is a whole "
        "number >= 0) [always]",
        "rules/qa_rules.py:26:35: error: `when`: unknown category 'RAIN' in FINDINGS; categories: DAY, NIGHT, FOG "
        "[by-hand]",
    ]
    assert f"\n{lines[0]}\n" in README  # the README shows it

    assert main(["lint", "rules/qa.yaml", "--format", "github"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("::error file=rules/qa_rules.py,line=4,col=30,title=kili-rules [lesion-size]::")


def test_a_clean_python_condition_lints_clean_and_the_mapping_form_applies_like_the_string(tmp_path):
    module = (
        "from kili_rules import rule\n\n"
        "@rule(id='mapping', when={'job': 'QUALITY', 'category': 'NO'})\ndef mapping(label):\n    return False\n\n"
        "@rule(id='text', when='QUALITY.NO.count > 0')\ndef text(label):\n    return False\n"
    )
    path = _project(tmp_path, module)
    assert lint_rule_file(path) == []
    rule_set = load_rule_set(path)
    assert rule_set.data["rules"][0]["when"] == rule_set.data["rules"][1]["when"] == parse("QUALITY.NO.count > 0")
    for answer, status in (("NO", "fail"), ("YES", "not_applicable")):
        report = rule_set.evaluate({"jsonResponse": {"QUALITY": {"categories": [{"name": answer}]}}})
        assert [o.status for o in report.outcomes] == [status, status]


@pytest.mark.parametrize(
    ("when", "where", "words"),
    [
        ('"QUALITY.YES.count >"', (4, 40), "expected a number after '>', at column 20"),  # in the literal
        ('("QUALITY.YES"\n      ".count >")', (4, 21), "expected a number after '>'"),  # not one literal
        ('{"job": "QUALITY"}', (4, 20), 'when={"job": JOB, "category": CATEGORY}'),
        ('{"job": "QUALITY", "category": "NO", "op": ">"}', (4, 20), "or `when={"),
        ("3", (4, 20), "is a condition string"),
    ],
)
def test_a_python_condition_that_cannot_be_read_is_one_located_line_exit_2(tmp_path, capsys, when, where, words):
    module = f"from kili_rules import rule\n\n\n@rule(id='r', when={when})\ndef r(label):\n    return True\n"
    path = _project(tmp_path, module)
    with pytest.raises(RuleFileError) as caught:
        load_rule_set(path)
    (problem,) = caught.value.problems
    assert problem.path == str(path.parent / "qa_rules.py") and (problem.line, problem.column) == where
    assert words in problem.message and problem.rule_id == "r"
    assert main(["validate", str(path)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_python_condition_loads_or_gives_problems_at_its_when_in_the_python_file(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("when")
    module = f"from kili_rules import rule\n\n@rule(id='r', when={text!r})\ndef r(label):\n    return True\n"
    path = _project(folder, module)
    try:
        rule_set = load_rule_set(path)
    except RuleFileError as error:
        (problem,) = error.problems
        assert problem.path == str(path.parent / "qa_rules.py") and problem.line == 3
        assert problem.column >= 20 and problem.message.startswith("`when`")
        return
    assert rule_set.data["rules"][0]["when"] == parse(text)
