"""YAML rule tests: loading (file:line:col errors), differences in plain words, `kili-rules test`, `new-case`,
and the pytest plugin collecting a user project's cases (pytester)."""

from __future__ import annotations

import shutil
import textwrap

import cli_runner
import pytest
import yaml
from conftest import ROOT, RULES, SDK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kili_rules.errors import LabelFileError, RuleFileError
from kili_rules.runtime.model import Finding, Report, RuleOutcome
from kili_rules.testing.cases import Expectation, differences, discover, load_test_file, run_case
from kili_rules.testing.new_case import new_case

RULE_SET = """\
interface: interface.json
rules:
  - {id: one-a, type: count, job: JOB_0, category: OBJECT_A, max: 1, message: "Too many A ({count})"}
  - {id: some-b, type: count, job: JOB_0, category: OBJECT_B, min: 1, severity: warning}
"""
INTERFACE = (SDK.parent / "seed-examples" / "image_interface.json").read_text()
TWO_A = "{JOB_0: {annotations: [{mid: a1, categories: [{name: OBJECT_A}]}, {mid: a2, categories: [{name: OBJECT_A}]}]}}"
ONE_B = "{JOB_0: {annotations: [{mid: b1, categories: [{name: OBJECT_B}]}]}}"


def make_project(root, cases: str):
    """A user project under ``root``: rules/boxes.yaml, its interface, and ``cases`` in rules/tests/boxes.yaml."""
    rules = root / "rules"
    (rules / "tests").mkdir(parents=True, exist_ok=True)
    (rules / "boxes.yaml").write_text(RULE_SET)
    (rules / "interface.json").write_text(INTERFACE)
    path = rules / "tests" / "boxes.yaml"
    path.write_text(textwrap.dedent(cases))
    return path


@pytest.fixture
def project(tmp_path):
    """Write a user project in tmp_path with the given cases; returns the test file."""
    return lambda cases: make_project(tmp_path, cases)


def report(*outcomes) -> Report:
    return Report(tuple(outcomes))


# -- differences, in plain words -------------------------------------------------------------------------------


def test_each_kind_of_difference_is_one_plain_sentence():
    fail = RuleOutcome("one-a", "fail", findings=(Finding("one-a", "error", "Too many A (2)", mid="a1"),))
    outcomes = report(fail, RuleOutcome("some-b", "pass"), RuleOutcome("boom", "error", error="ZeroDivisionError: x"))
    expect = Expectation.model_validate(
        {
            "fail": ["some-b"],
            "not_applicable": ["one-a"],
            "score": 100,
            "findings": [{"rule": "one-a", "mid": "a2"}],
        }
    )
    assert list(differences(expect, outcomes)) == [
        "rule 'some-b' was expected to fail, but it passed",
        "rule 'one-a' was not expected to fail, but it failed: 'Too many A (2)'",
        "rule 'one-a' was expected to be not applicable, but it failed: 'Too many A (2)'",
        "rule 'boom' raised: ZeroDivisionError: x",
        "the score is 33.33, expected 100",  # the rule that raised counts as failed (fail closed)
        "no finding of rule 'one-a' with mid \"a2\"; findings of 'one-a': 'Too many A (2)' on mid 'a1'",
        "unexpected finding of rule 'one-a': 'Too many A (2)' on mid 'a1'",
    ]


def test_an_expected_error_is_not_a_difference_and_matching_findings_are_none():
    outcomes = report(RuleOutcome("boom", "error", error="KeyError: 'x'"), RuleOutcome("ok", "pass"))
    expect = Expectation.model_validate({"error": ["boom"], "pass": ["ok"], "fail": [], "findings": []})
    assert list(differences(expect, outcomes)) == []


# -- loading -----------------------------------------------------------------------------------------------------


def test_the_example_test_files_all_pass():
    files = discover([RULES])
    assert [p.name for p in files] == ["document.yaml", "image.yaml", "ner.yaml", "video.yaml"]
    for path in files:
        suite = load_test_file(path)
        assert suite.cases and all(run_case(case, suite.rule_set).passed for case in suite.cases)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cases:\n  - name: x\n    json_response: {}\n    expect: {fail: [one-b]}\n",
            ":4:21: error: no rule 'one-b' in the rule set; did you mean 'one-a'? rules: one-a, some-b",
        ),
        (
            "cases:\n  - name: x\n    json_response: {}\n    expct: {}\n",
            ":4:5: error: unknown key 'expct' in case #1; did you mean 'expect'?",
        ),
        (
            "cases:\n  - {name: x, json_response: {}, expect: {}}\n  - {name: x, json_response: {}, expect: {}}\n",
            ":3:12: error: two cases are named 'x': rename one",
        ),
        ("cases:\n  - {name: x, label: nowhere.json, expect: {}}\n", ":2:22: error: "),
        ("cases:\n  - {name: x, expect: {}}\n", ":2:5: error: a case gives its label as exactly one of `label`"),
        (
            "cases:\n  - name: x\n    json_response: {}\n    expect: {findings: [{rule: one-a, mdi: x}]}\n",
            ":4:39: error: unknown key 'mdi' in case #1; did you mean 'mid'? known keys: rule, message, mid, severity",
        ),
        ("rule_set: ../other.yaml\ncases: []\n", ":1:11: error: no rule set"),
    ],
    ids=["unknown-rule-id", "key-typo", "duplicate-name", "missing-label", "no-label", "finding-key", "no-rule-set"],
)
def test_a_wrong_test_file_gives_file_line_col(project, text, expected):
    path = project(text)
    with pytest.raises(RuleFileError) as raised:
        load_test_file(path)
    lines = str(raised.value).splitlines()
    assert any(line.startswith(str(path) + expected) for line in lines), lines


def test_a_label_file_with_several_labels_needs_an_asset(project):
    export = SDK / "exports" / "image_project_assets_for_coco.json"
    path = project(f"cases:\n  - {{name: x, label: {export}, expect: {{}}}}\n")
    with pytest.raises(RuleFileError, match=r"holds 3 labels .*pick one with `asset:"):
        load_test_file(path)
    path = project(f"cases:\n  - {{name: x, label: {export}, asset: cmap474je00013b6udp0h8bzu, expect: {{}}}}\n")
    (case,) = load_test_file(path).cases
    assert case.label["jsonResponse"]


case_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 200) | st.sampled_from(["one-a", "some-b", "x", "", "fail"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["fail", "pass", "rule", "mid"]), inner)
    ),
    max_leaves=10,
)
raw_case = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=5) | case_values,
        "json_response": st.dictionaries(st.text(max_size=5), case_values, max_size=2) | case_values,
        "expect": st.dictionaries(
            st.sampled_from(["fail", "pass", "score", "findings", "error", "nope"]), case_values, max_size=3
        )
        | case_values,
        "event": st.sampled_from(["submit", "review", "other"]),
        "index": case_values,
    },
)


@pytest.mark.heavy(2.4)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(raw_case | case_values, max_size=3))
def test_any_test_file_loads_or_fails_with_located_lines(project, cases):
    path = project(yaml.safe_dump({"cases": cases}))
    try:
        suite = load_test_file(path)
    except RuleFileError as error:
        assert all(line.startswith(f"{path}:") and ": error: " in line for line in str(error).splitlines())
        return
    for case in suite.cases:
        run_case(case, suite.rule_set)


# -- the command -----------------------------------------------------------------------------------------------


def run_cli(*args, cwd=ROOT):
    """``kili-rules ARGS`` in this process (tests/cli_runner.py), in the repository's root unless told."""
    return cli_runner.run_cli(*args, cwd=cwd)


def test_cli_test_runs_every_case_and_exits_1_on_a_failing_one(project, tmp_path):
    project(
        f"""\
        cases:
          - name: two A boxes fail one-a
            json_response: {TWO_A}
            expect: {{fail: [one-a, some-b], score: 0}}
          - name: one B box passes
            json_response: {ONE_B}
            expect: {{fail: [one-a]}}
        """
    )
    done = run_cli("test", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "  PASS  two A boxes fail one-a" in done.stdout
    assert "  FAIL  one B box passes  (rules/tests/boxes.yaml:5)" in done.stdout
    assert "        - rule 'one-a' was expected to fail, but it passed" in done.stdout
    assert done.stdout.splitlines()[-1] == "2 case(s): 1 passed, 1 failed"
    only = run_cli("test", "rules/boxes.yaml", "-k", "two A", cwd=tmp_path)
    assert only.returncode == 0 and "1 case(s): 1 passed, 0 failed" in only.stdout


def test_cli_test_exits_2_on_a_broken_test_file_or_when_there_is_none(project, tmp_path):
    project("cases:\n  - {name: x, json_response: {}, expect: {fail: [nope]}}\n")
    broken = run_cli("test", cwd=tmp_path)
    assert broken.returncode == 2 and "rules/tests/boxes.yaml:2:" in broken.stderr and "Traceback" not in broken.stderr
    (tmp_path / "empty").mkdir()
    none = run_cli("test", "empty", cwd=tmp_path)
    assert none.returncode == 2 and "no test files found" in none.stderr and "new-case" in none.stderr


def test_the_default_commands_pass_on_the_examples():
    done = run_cli("test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 failed" in done.stdout


# -- new-case ----------------------------------------------------------------------------------------------------


def test_new_case_records_what_the_rules_say_and_the_case_passes(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    (tmp_path / "rules" / "tests" / "document.yaml").unlink()
    label = tmp_path / "rules" / "labels" / "document_label_de_iban.json"
    done = run_cli("new-case", "rules/document.yaml", label, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "added case 'document_label_de_iban'" in done.stdout and "score 77.78" in done.stdout
    path, case, _ = new_case(tmp_path / "rules" / "document.yaml", label, name="again", event="review")
    assert case["label"] == "../labels/document_label_de_iban.json" and case["event"] == "review"
    suite = load_test_file(path)
    assert [c.name for c in suite.cases] == ["document_label_de_iban", "again"]
    results = [run_case(c, suite.rule_set) for c in suite.cases]
    assert all(r.passed for r in results)
    assert results[0].case.expect.fail == ["iban-fr", "payment-after-billing"]
    assert results[0].case.expect.findings[0].mid == "20230801120000000-iban"


def test_new_case_from_an_export_needs_the_asset_and_keeps_the_file_valid(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    export = SDK / "exports" / "image_project_assets_for_coco.json"
    with pytest.raises(LabelFileError, match="--asset ID or --index N"):
        new_case(tmp_path / "rules" / "image.yaml", export)
    path, case, _ = new_case(tmp_path / "rules" / "image.yaml", export, index=2)
    assert case["name"] == "image_project_assets_for_coco #2" and case["index"] == 2
    suite = load_test_file(path)
    assert len(suite.cases) == 5 and all(run_case(c, suite.rule_set).passed for c in suite.cases[:4])
    # that export is of another project (issue 21): its label answers none of the image interface's jobs
    assert run_case(suite.cases[4], suite.rule_set).differences == (
        "the label answers none of the jobs of the rule set's interface (its jobs: OBJECT_DETECTION_JOB_0): no rule "
        "can check it; a label of another project, or the wrong interface?",
    )


# -- the pytest plugin -----------------------------------------------------------------------------------------


def test_pytest_collects_the_yaml_cases_and_a_failing_case_names_rule_case_and_difference(pytester):
    make_project(
        pytester.path,
        f"""\
        cases:
          - name: two A boxes fail one-a
            json_response: {TWO_A}
            expect: {{fail: [one-a, some-b]}}
          - name: a lone B box is fine
            json_response: {ONE_B}
            expect: {{fail: [one-a], score: 0}}
        """,
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*rules/tests/boxes.yaml::two A boxes fail one-a PASSED*",
            "*rules/tests/boxes.yaml::a lone B box is fine FAILED*",
            "*case 'a lone B box is fine' (*boxes.yaml:5)*",
            "*- rule 'one-a' was expected to fail, but it passed",
            "*- the score is 100, expected 0",
        ]
    )


def test_pytest_reports_a_broken_test_file_as_a_collection_error(pytester):
    make_project(pytester.path, "cases:\n  - {name: x, json_response: {}, expect: {fail: [one-aa]}}\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*boxes.yaml:2:*no rule 'one-aa' in the rule set; did you mean 'one-a'?*"])
    assert "Traceback" not in result.stdout.str()


def test_users_python_tests_get_the_fixtures(pytester):
    shutil.copytree(RULES, pytester.path / "rules")
    pytester.makepyfile(
        test_mine=f"""
        RULES = {str(pytester.path / "rules")!r}

        def test_evaluate(kili_rules_evaluate):
            report = kili_rules_evaluate(RULES + "/image.yaml", RULES + "/labels/image_label_three_boxes.json")
            assert report.failed_rule_ids == ["one-object-a"]

        def test_plugin(kili_rules_run_plugin, kili_rules_fake_kili):
            kili = kili_rules_run_plugin(
                RULES + "/document.yaml", RULES + "/labels/document_label_de_iban.json",
                asset_id="asset-9", kili=kili_rules_fake_kili,
            )
            assert kili is kili_rules_fake_kili
            assert kili.sent_back == ["asset-9"]
            assert kili.open_issues == [
                "[document/iban-fr] IBAN number should start by FR",
                "[document/payment-after-billing] The payment date must not be before the billing date.",
            ]
            assert kili.metadata["qa_score"] == 77.78
            assert sorted(c[0] for c in kili.calls) == ["assets", "create_issues", "issues", "send_back_to_queue",
                                                        "update_properties_in_assets"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "test_mine.py")
    result.assert_outcomes(passed=2)
