"""Issue 21: what seven real Kili projects showed (silent passes, errors that do not point at the fix, what needed
Python). The rule sets and their YAML cases are in ``tests/real_projects/`` (their cases run as rule tests); this
module checks what the cases cannot: lint, errors, the command line. Expectations are written by hand."""

from __future__ import annotations

import json

import pytest
from cli_runner import run_cli
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.testing import evaluate, run_plugin

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

RAISES = "raising_rules.py:9: ZeroDivisionError: division by zero"  # line 9 of tests/real_projects/raising_rules.py


def test_a_python_rule_that_raises_names_its_own_line():
    report = evaluate(REAL / "raising.yaml", {"SENTIMENT": {"categories": [{"name": "POSITIVE"}]}})
    [outcome] = [o for o in report.outcomes if o.rule_id == "average-rating"]
    assert (outcome.status, outcome.error) == ("error", RAISES)
    # the issue labelers read keeps the error alone (and its text, so the issues of before are still recognised)
    assert [f.message for f in report.findings if f.rule_id == "average-rating"] == [
        "could not check this label: ZeroDivisionError: division by zero"
    ]


def test_eval_shows_the_rule_line_that_raised(tmp_path):
    label = tmp_path / "label.json"
    label.write_text(json.dumps({"SENTIMENT": {"categories": [{"name": "NEGATIVE"}]}}), encoding="utf-8")
    done = run_cli("eval", REAL / "raising.yaml", label)
    assert f"average-rating: {RAISES}" in done.stdout


# -- item 9: a YAML indentation error says so, at its file:line:col ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # one space short: PyYAML says "expected <block end>, but found '<block mapping start>'"
            "rules:\n  - id: a\n    type: count\n    job: JOB_0\n   max: 1\n",
            ":5:4: error: invalid YAML: the indentation of this line (3 spaces) does not match its siblings (4 spaces, "
            "line 4): indent it like the keys beside it",
        ),
        (  # back at the list's indentation, inside the rule
            "name: x\nrules:\n  - id: a\n    type: count\n  job: JOB_0\n",
            ":5:3: error: invalid YAML: the indentation of this line (2 spaces) does not match its siblings (4 spaces, "
            "line 4): indent it like the keys beside it",
        ),
        (  # one space too many: PyYAML says "mapping values are not allowed here"
            "rules:\n  - id: a\n    type: count\n     job: JOB_0\n",
            ":4:9: error: invalid YAML: this line is indented more (5 spaces) than its sibling on line 3 (4 spaces), "
            "so YAML reads it as part of that line's value: indent it like its siblings",
        ),
        (  # the same words of PyYAML for a colon in a plain value
            "rules:\n  - id: a\n    type: count\n    message: Error: too many\n",
            ":4:19: error: invalid YAML: a value that holds ': ' must be quoted (key: \"a: b\"); fix the syntax "
            "at this position",
        ),
    ],
    ids=["less", "back-to-the-list", "more", "colon-in-value"],
)
def test_a_yaml_indentation_error_says_so_at_its_place(write_rules, text, expected):
    path = write_rules(text)
    with pytest.raises(RuleFileError) as caught:
        load_rule_set(path)
    assert str(caught.value) == f"{path}{expected}"


_RULE_LINES = ["rules:", "  - id: a", "    type: count", "    job: JOB_0", "    category: OBJECT_A", "    max: 1"]


@settings(max_examples=150, deadline=None)
@given(st.integers(2, len(_RULE_LINES) - 1), st.integers(-4, 4))
def test_any_line_shifted_loads_or_gives_one_located_problem(tmp_path_factory, index, shift):
    lines = list(_RULE_LINES)
    indent = len(lines[index]) - len(lines[index].lstrip())
    lines[index] = " " * max(0, indent + shift) + lines[index].lstrip()
    path = tmp_path_factory.mktemp("shifted") / "rules.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_rule_set(path)
    except RuleFileError as error:
        assert all(1 <= p.line <= len(lines) for p in error.problems)
        if shift and "invalid YAML" in str(error):
            assert "indent" in str(error) or "quoted" in str(error)


# -- item 14: `where`, per-annotation conditions, the same in the built plugin ---------------------------------


def test_the_where_module_examples_hold():
    import doctest

    from kili_rules.runtime import where

    failed, attempted = doctest.testmod(where)
    assert attempted and not failed


CRITICAL_CLAUSES = {
    "NER": {
        "annotations": [
            {
                "mid": mid,
                "beginOffset": begin,
                "endOffset": begin + len(content),
                "content": content,
                "categories": [{"name": "CLAUSE"}],
                "children": {"IS_CRITICAL": {"categories": [{"name": critical}]}},
            }
            for mid, begin, content, critical in [
                ("c1", 0, "The buyer shall pay", "YES"),
                ("c2", 20, "Fee", "NO"),
                ("c3", 24, "The seller delivers", "YES"),
                ("c4", 44, "Refund", "YES"),
            ]
        ]
    }
}


def test_where_in_the_built_plugin_pins_the_third_critical_clause():
    kili = run_plugin(REAL / "contracts.yaml", CRITICAL_CLAUSES)
    pinned = sorted((issue["objectMid"], issue["text"]) for issue in kili.issues_store if issue["status"] == "OPEN")
    assert pinned == [
        ("c4", "[contracts/at-most-two-critical-clauses] 3 Clause entities in Entities, expected at most 2"),
        ("c4", "[contracts/critical-clauses-quoted-whole] A critical clause is quoted whole: 'Refund' is too short"),
    ]


def test_where_leaves_the_label_as_it_was():
    from kili_rules.runtime.label_view import LabelView
    from kili_rules.runtime.where import view_where

    before = json.dumps(CRITICAL_CLAUSES, sort_keys=True)
    label = LabelView(CRITICAL_CLAUSES)
    selected = view_where(label, {"job": "NER", "child": "IS_CRITICAL", "category": "NO"})
    assert [a.mid for a in selected.annotations("NER")] == ["c2"]
    assert [a.mid for a in label.annotations("NER")] == ["c1", "c2", "c3", "c4"]
    assert json.dumps(CRITICAL_CLAUSES, sort_keys=True) == before


def test_where_in_a_video_judges_each_frame_by_its_own_child_answer():
    from kili_rules.runtime.label_view import LabelView
    from kili_rules.runtime.where import view_where

    def box(critical):
        return {"mid": "a", "categories": [{"name": "CLAUSE"}], "children": {"IS_CRITICAL": critical}}

    video = LabelView(
        {
            "0": {"NER": {"annotations": [box({"categories": [{"name": "YES"}], "isKeyFrame": True})]}},
            "1": {"NER": {"annotations": [box({"categories": [], "isKeyFrame": True})]}},
        }
    )
    selected = view_where(video, {"job": "NER", "child": "IS_CRITICAL", "category": "YES"})
    assert [(a.mid, a.frame) for a in selected.annotations("NER")] == [("a", "0")]


# -- item 2: labels of another project are reported, not scored 100 in silence -------------------------------

COCO_EXPORT = ROOT / "tests" / "fixtures" / "kili-sdk" / "exports" / "image_project_assets_for_coco.json"
# its three assets answer OBJECT_DETECTION_JOB and / or OBJECT_DETECTION_JOB_0, none a job of the contracts interface
FOREIGN_JOBS = "OBJECT_DETECTION_JOB, OBJECT_DETECTION_JOB_0"


def test_check_on_labels_of_another_project_says_so_and_exits_1():
    done = run_cli("check", REAL / "contracts.yaml", COCO_EXPORT, "--no-progress")
    assert done.returncode == 1
    assert f"3 label(s) answer none of the jobs of the rule set's interface (their jobs: {FOREIGN_JOBS})" in done.stderr
    assert "labels of another project, or the wrong interface?" in done.stderr
    assert "--allow-unknown-jobs" in done.stderr
    assert "asset cmap474je00003b6uhvp7ijyp" in done.stdout  # the labels are named


def test_check_allow_unknown_jobs_reports_them_and_exits_0():
    done = run_cli("check", REAL / "contracts.yaml", COCO_EXPORT, "--no-progress", "--allow-unknown-jobs")
    assert done.returncode == 0 and done.stderr == ""
    assert f"(their jobs: {FOREIGN_JOBS})" in done.stdout
    report = json.loads(
        run_cli("check", REAL / "contracts.yaml", COCO_EXPORT, "--format", "json", "--allow-unknown-jobs").stdout
    )
    assert report["labels_of_unknown_jobs"]["count"] == 3
    assert report["labels_of_unknown_jobs"]["jobs"] == ["OBJECT_DETECTION_JOB", "OBJECT_DETECTION_JOB_0"]


def test_only_the_labels_that_answer_no_job_of_the_interface_are_reported():
    # the COCO interface holds OBJECT_DETECTION_JOB: assets 0 and 1 answer it, asset 2 only OBJECT_DETECTION_JOB_0
    done = run_cli("check", REAL / "coco.yaml", COCO_EXPORT, "--format", "json", "--allow-unknown-jobs")
    foreign = json.loads(done.stdout)["labels_of_unknown_jobs"]
    assert (foreign["count"], foreign["jobs"]) == (1, ["OBJECT_DETECTION_JOB_0"])
    assert "asset cmap474je00023b6u8bpoomia" in foreign["examples"][0]


def test_eval_warns_on_each_label_of_another_project():
    done = run_cli("eval", REAL / "contracts.yaml", COCO_EXPORT)
    assert done.stdout.count("warning: the label answers none of the jobs of the rule set's interface") == 3
    assert "(its jobs: OBJECT_DETECTION_JOB_0)" in done.stdout  # the third asset answers that job only


def test_the_plugin_logs_labels_of_another_project_once(caplog, tmp_path):
    import logging

    from kili_rules.generator import render_plugin
    from kili_rules.testing import FakeKili, autospec_kili, load_plugin_module

    text, _, _ = render_plugin(load_rule_set(REAL / "contracts.yaml"))
    main = tmp_path / "main.py"
    main.write_text(text, encoding="utf-8")
    module = load_plugin_module(main)
    logger = logging.getLogger("kili_rules.test_foreign")
    handler = module.PluginHandler(autospec_kili(FakeKili()), "project-1", logger)
    labels = [
        {"id": f"l{i}", "jsonResponse": a["latestLabel"]["jsonResponse"]}
        for i, a in enumerate(json.loads(COCO_EXPORT.read_text(encoding="utf-8")))
    ]
    with caplog.at_level(logging.INFO, logger="kili_rules.test_foreign"):
        for label in labels:
            handler.on_submit(label, "asset-1")
    warnings = [r.getMessage() for r in caplog.records if "answers none of the jobs" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("kili-rules: label l0 answers none of the jobs of the rule set's interface")
    assert "wrong project" in warnings[0]
