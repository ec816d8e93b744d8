"""Lint: the rule file against the project's jsonInterface, one exact line per problem."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from cli_runner import run_cli
from conftest import ROOT, RULES, SDK
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.interface import Interface
from kili_rules.authoring.lint import lint_rule_file
from kili_rules.errors import RuleFileError, did_you_mean
from kili_rules.plugins.hookspecs import hookimpl
from kili_rules.plugins.registry import Registry, plugin_manager
from kili_rules.runtime.contract import OptionProblem, RuleType, option

CORPUS = sorted((ROOT / "tests" / "lint_corpus").glob("*.yaml"))
DOCUMENT_INTERFACE = SDK / "interfaces" / "document_plugin.json"


def expected_lines(path) -> list[str]:
    """The ``# expect:`` comments at the end of a corpus file, each prefixed with the file's path."""
    text = path.read_text(encoding="utf-8")
    return [f"{path.relative_to(ROOT)}:{line}" for line in re.findall(r"^# expect: (.*)$", text, re.M)]


def test_the_corpus_has_at_least_30_wrong_files_each_with_its_expectation():
    assert len(CORPUS) >= 30
    assert all(expected_lines(path) for path in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_wrong_file_gives_exactly_its_expected_lines(path, monkeypatch):
    monkeypatch.chdir(ROOT)
    problems = lint_rule_file(path.relative_to(ROOT))
    assert [str(p) for p in problems] == expected_lines(path)


def test_did_you_mean_appears_for_jobs_categories_keys_and_types():
    lines = "\n".join(line for path in CORPUS for line in expected_lines(path))
    for hint in ("'JOB_0'", "'TRANSCRIPTION_JOB'", "'IBAN'", "'CURRENCY'", "'max'", "'severity'", "'count'", "'DARK'"):
        assert f"did you mean {hint}?" in lines


@pytest.mark.parametrize("rule_file", sorted(RULES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_example_rule_files_are_clean(rule_file):
    assert lint_rule_file(rule_file) == []


def test_the_document_rules_are_clean_against_the_sdk_document_plugin_interface():
    assert lint_rule_file(RULES / "document.yaml", interface_path=DOCUMENT_INTERFACE) == []


def test_every_built_in_type_passes_lint_when_it_fits_the_document_plugin_interface(write_rules):
    path = write_rules(
        f"interface: {DOCUMENT_INTERFACE}\n"
        "rules:\n"
        "  - {id: a, type: count, job: JOB_0, category: IBAN, max: 1}\n"
        "  - {id: b, type: text, job: TRANSCRIPTION_JOB, starts_with: FR}\n"
        "  - {id: c, type: required, job: TRANSCRIPTION_JOB_3, for_each: {job: JOB_0, category: AMOUNT}}\n"
        "  - {id: d, type: required, job: TRANSCRIPTION_JOB_1, when: {job: OBJECT_DETECTION_JOB}}\n"
        "  - {id: e, type: categories, job: JOB_0, allowed: [IBAN, CURRENCY]}\n"
        "  - {id: f, type: text, job: TRANSCRIPTION_JOB_0, before: '2030-01-01'}\n"
    )
    assert lint_rule_file(path) == []


def test_the_same_rules_against_another_interface_name_each_unknown_job(write_rules):
    path = write_rules("rules:\n  - {id: a, type: text, job: TRANSCRIPTION_JOB, starts_with: FR}\n")
    problems = lint_rule_file(path, interface_path=SDK / "interfaces" / "image_defects.json")
    assert [p.message for p in problems] == ["unknown job 'TRANSCRIPTION_JOB' in the interface; jobs: DETECTION"]


def test_without_an_interface_lint_says_how_to_give_one(write_rules):
    path = write_rules("rules:\n  - {id: a, type: count, job: J, max: 1}\n")
    with pytest.raises(RuleFileError) as raised:
        lint_rule_file(path)
    assert "add `interface:" in str(raised.value) and "--interface FILE" in str(raised.value)


def test_cli_exit_codes_clean_problems_unreadable(tmp_path):
    clean = run_cli("lint", RULES / "document.yaml", RULES / "image.yaml")
    assert clean.returncode == 0 and clean.stdout == "" and "clean" in clean.stderr
    wrong = CORPUS[0]
    problems = run_cli("lint", wrong)
    assert problems.returncode == 1
    assert problems.stdout.splitlines() == [
        line.replace(str(wrong.relative_to(ROOT)), str(wrong), 1) for line in expected_lines(wrong)
    ]
    assert "Traceback" not in problems.stderr
    unreadable = run_cli("lint", tmp_path / "missing.yaml")
    assert unreadable.returncode == 2 and unreadable.stderr.count("\n") == 1 and "Traceback" not in unreadable.stderr
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("rules: [\n")
    assert run_cli("lint", bad_yaml).returncode == 2
    no_interface = run_cli("lint", RULES / "image.yaml", "--interface", tmp_path / "none.json")
    assert no_interface.returncode == 2 and "cannot read the interface" in no_interface.stderr


# -- third-party rule types lint through their own module ---------------------------------------------------------


@dataclass(frozen=True)
class AreaParams:
    job: str = option(doc="the object job", job=True)
    category: str | None = option(None, doc="only boxes of this category", category=True)
    min: float = option(0.0, doc="the smallest area accepted")


def _area_lint(params, interface):
    job, problems = interface.check_job("job", params.job, {"OBJECT_DETECTION"}, "an object job")
    if job is not None and job.tools and "rectangle" not in job.tools:
        problems.append(OptionProblem("job", f"{job.name} has no rectangles", "warning"))
    return problems


class _AreaPlugin:
    @hookimpl
    def kili_rules_rule_types(self):
        return [
            RuleType("min_area", AreaParams, lambda p, label: [], (), "small", lint=_area_lint),
            RuleType("no_lint_area", AreaParams, lambda p, label: [], (), "small"),
        ]


def test_a_third_party_rule_type_lints_through_its_own_lint_function(write_rules):
    registry = Registry.from_manager(plugin_manager([_AreaPlugin()]))
    path = write_rules(
        f"interface: {DOCUMENT_INTERFACE}\n"
        "rules:\n"
        "  - {id: a, type: min_area, job: TRANSCRIPTION_JOB, min: 0.1}\n"
        "  - {id: b, type: no_lint_area, job: JOB_0, category: IBANS}\n"
        "  - {id: c, type: min_area, job: JOB_0}\n"
    )
    problems = [f"{p.line}:{p.column}: {p.severity}: {p.message} [{p.rule_id}]" for p in lint_rule_file(path, registry)]
    assert problems == [
        "3:34: error: TRANSCRIPTION_JOB is a TRANSCRIPTION job (input textField): this rule needs an object job [a]",
        "4:55: error: unknown category 'IBANS' in JOB_0; did you mean 'IBAN'? categories: IBAN, CURRENCY, AMOUNT [b]",
    ]


# -- the interface reader never fails on what users feed it -------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
job_like = st.fixed_dictionaries(
    {},
    optional={
        "mlTask": st.sampled_from(["CLASSIFICATION", "TRANSCRIPTION", "OBJECT_DETECTION", ""]) | json_values,
        "tools": json_values,
        "isChild": json_values,
        "content": st.fixed_dictionaries(
            {}, optional={"input": json_values, "categories": st.dictionaries(st.text(max_size=6), json_values)}
        )
        | json_values,
    },
)


@pytest.mark.heavy(2.2)
@settings(max_examples=120, deadline=None)
@given(
    jobs=st.dictionaries(st.text(max_size=8), job_like | json_values, max_size=5),
    name=st.text(max_size=10),
    category=st.text(max_size=10),
)
def test_any_interface_shape_reads_without_raising(jobs, name, category):
    interface = Interface({"jobs": jobs})
    job, problems = interface.check_job("job", name, {"OBJECT_DETECTION"})
    assert (job is None) == (name not in interface.jobs)
    assert all(isinstance(p.message, str) and p.path == "job" for p in problems)
    if job is not None:
        found = interface.check_category(job, "category", category)
        assert (found == []) == (category in job.categories)


@given(st.text(max_size=12), st.lists(st.text(max_size=12), max_size=6))
def test_did_you_mean_only_suggests_a_real_choice(name, choices):
    hint = did_you_mean(name, choices)
    assert hint == "" or any(hint == f" did you mean {c!r}?" for c in choices)
