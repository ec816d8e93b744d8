"""Rule tests in YAML: cases of real (or hand-written) labels and what the rules must say about each.

A test file sits in a ``tests/`` folder next to its rule set and is named after it (``rules/tests/document.yaml``
tests ``rules/document.yaml``; ``rule_set:`` names another one)::

    rule_set: ../document.yaml                  # optional: default ../<this file's name>
    cases:
      - name: a German IBAN is sent back
        label: ../labels/document_label_de_iban.json   # a label, an asset or an export (relative to this file)
        asset: ckxyz                                    # which asset, when the file holds several (or `index: 3`)
        event: submit                                   # or review (default: submit)
        expect:
          fail: [iban-fr]                  # exactly the rules that fail (omit to leave unchecked)
          pass: [iban-transcribed]         # these rules pass (others may too)
          not_applicable: [dates-readable]
          error: []                        # rules that raise; a rule that raises unexpectedly is always reported
          score: 71.43
          findings:                        # exactly the findings, each matched on the keys given
            - {rule: iban-fr, message: "IBAN number should start by FR", mid: 20230801120000000-iban}
      - name: no box at all
        json_response: {JOB_0: {annotations: []}}      # or inline: a bare jsonResponse
        expect: {fail: [], score: 100}
      - name: a box too small on a phone photo
        json_response: {JOB_0: {annotations: [...]}}
        resolution: {width: 640, height: 480}          # the asset's size in pixels, for rules in `units: pixels`
        expect: {fail: [box-size]}

A case's ``resolution`` is the size of its label's asset, which rules in pixels measure with (``geometry`` with
``units: pixels``). Without it, the asset's ``resolution`` in the label's file is used (an export or a
``kili.assets()`` dump has it; a ``kili.labels()`` dump has it as ``labelOf.resolution`` when asked for); without
either such a rule ends in ``error``, as it would in Kili on an asset without one. Giving ``resolution`` with an
asset that has its own replaces it for the case.

``kili-rules test`` runs them, and so does ``pytest`` (the ``kili_rules`` pytest plugin collects every such file).
A failing case says what differs in plain words: ``rule 'iban-fr' was expected to fail, but it passed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kili_rules.authoring.bounded_read import MAX_DATA_FILE_BYTES, UnreadableFile, read_bounded, read_text
from kili_rules.authoring.label_files import LabelRecord, labels_in, pick_label, read_labels
from kili_rules.authoring.loader import load_rule_set
from kili_rules.authoring.model_validation import validate_model
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.authoring.yaml_source import SourceMap, load_yaml
from kili_rules.errors import InputError, LabelFileError, Problem, RuleFileError, did_you_mean
from kili_rules.runtime.model import Finding, Report

TEST_FOLDER = "tests"
STATUS_WORDS = {"pass": "passed", "fail": "failed", "not_applicable": "was not applicable", "error": "raised"}
_SKIP_FOLDERS = {".venv", "venv", "node_modules", ".git", "dist", "build", "__pycache__", ".tox", ".nox"}


class ExpectedFinding(BaseModel):
    """One finding a case expects; only the keys given are compared."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    message: str | None = None
    mid: str | None = None
    severity: Literal["error", "warning", "info"] | None = None
    job: str | None = None
    frame: str | None = None

    def matches(self, finding: Finding) -> bool:
        """Whether ``finding`` has every key this expectation gives."""
        given = self.model_dump(exclude_unset=True)
        actual = {"rule": finding.rule_id, **{k: getattr(finding, k) for k in given if k != "rule"}}
        return all(actual[key] == value for key, value in given.items())

    def describe(self) -> str:
        """``'iban-fr' with message "..." and mid '...'``."""
        given = self.model_dump(exclude_unset=True, exclude={"rule"})
        details = " and ".join(f'{key} "{value}"' for key, value in given.items())
        return f"{self.rule!r}" + (f" with {details}" if details else "")


class Expectation(BaseModel):
    """What must happen on a case's label."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    fail: list[str] | None = None
    pass_: list[str] | None = Field(None, alias="pass")
    not_applicable: list[str] | None = None
    error: list[str] | None = None
    score: float | None = Field(None, ge=0, le=100)
    findings: list[ExpectedFinding] | None = None


class CaseResolution(BaseModel):
    """A case's asset size in pixels. Not checked here beyond being numbers: a case may test what the rules do
    with an unusable one (``width: 0``), as the runtime sees it."""

    model_config = ConfigDict(extra="forbid")

    width: float
    height: float


class CaseFile(BaseModel):
    """One case as written in the test file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    label: str | dict[str, Any] | None = None
    json_response: dict[str, Any] | None = None
    asset: str | None = None
    index: int | None = Field(None, ge=0)
    event: Literal["submit", "review"] = "submit"
    resolution: CaseResolution | None = None
    expect: Expectation


class RuleTestFileModel(BaseModel):
    """The top level of a test file."""

    model_config = ConfigDict(extra="forbid")

    rule_set: str | None = None
    cases: list[dict[str, Any]]


@dataclass
class Case:
    """A case ready to run: its label is read, its expectation checked against the rule set."""

    name: str
    label: dict[str, Any]
    label_source: str
    event: str
    expect: Expectation
    line: int
    #: the size in pixels of the label's asset (the case's ``resolution``, else its file's), or None
    resolution: Any = None


@dataclass
class RuleTestFile:
    """A loaded test file and the rule set it tests."""

    path: Path
    rule_set: RuleSet
    cases: list[Case] = field(default_factory=list)


@dataclass(frozen=True)
class CaseResult:
    """How one case went: no differences means it passed."""

    case: Case
    report: Report
    differences: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether the rules did what the case expects."""
        return not self.differences


def default_rule_set_path(test_path: Path) -> Path:
    """``rules/tests/document.yaml`` tests ``rules/document.yaml``."""
    return test_path.parent.parent / f"{test_path.stem}.yaml"


def is_test_file(path: Path) -> bool:
    """Whether ``path`` looks like a rule test file: YAML, in a ``tests`` folder, with a top-level ``cases:``."""
    if path.suffix not in (".yaml", ".yml") or path.parent.name != TEST_FOLDER:
        return False
    try:
        text = read_bounded(path, "test file", MAX_DATA_FILE_BYTES)
    except UnreadableFile:
        return False
    return any(line.startswith("cases:") for line in text.splitlines())


def load_test_file(path: str | Path) -> RuleTestFile:
    """Load a test file, its rule set and the labels of its cases. Raises RuleFileError naming file:line:col."""
    path = Path(path)
    raw, source = load_yaml(read_text(path, "test file", MAX_DATA_FILE_BYTES), str(path))
    if not isinstance(raw, dict):
        raise RuleFileError([source.problem((), "a test file is a mapping with a `cases:` list; see the README")])
    header = validate_model(RuleTestFileModel, raw, source, (), "the test file")
    rule_set_path = path.parent / header.rule_set if header.rule_set else default_rule_set_path(path)
    if not rule_set_path.is_file():
        where = ("rule_set",) if header.rule_set else ()
        raise RuleFileError(
            [source.problem(where, f"no rule set {rule_set_path}: name it with `rule_set: ../<rule file>.yaml`")]
        )
    rule_set = load_rule_set(rule_set_path)
    rule_ids = [rule["id"] for rule in rule_set.data["rules"]]
    problems: list[Problem] = []
    cases: list[Case] = []
    names: set[str] = set()
    for index, raw_case in enumerate(header.cases):
        at = ("cases", index)
        try:
            case = validate_model(CaseFile, raw_case, source, at, f"case #{index + 1}")
        except RuleFileError as error:
            problems.extend(error.problems)
            continue
        if case.name in names:
            problems.append(source.problem((*at, "name"), f"two cases are named {case.name!r}: rename one"))
        names.add(case.name)
        problems += _unknown_rule_ids(case.expect, rule_ids, source, (*at, "expect"))
        try:
            record = _case_label(case, path.parent)
        except LabelFileError as error:
            key = "label" if case.label is not None else "json_response"
            problems.append(source.problem((*at, key), str(error)))
            continue
        line = source.where(at)[0]
        resolution = case.resolution.model_dump() if case.resolution is not None else record.resolution
        cases.append(Case(case.name, record.label, record.source, case.event, case.expect, line, resolution))
    if problems:
        raise RuleFileError(problems)
    return RuleTestFile(path, rule_set, cases)


def _unknown_rule_ids(expect: Expectation, rule_ids: list[str], source: SourceMap, at: tuple) -> list[Problem]:
    problems = []
    lists = {"fail": expect.fail, "pass": expect.pass_, "not_applicable": expect.not_applicable, "error": expect.error}
    named = [(key, i, rule_id) for key, ids in lists.items() for i, rule_id in enumerate(ids or ())]
    named += [("findings", i, f.rule) for i, f in enumerate(expect.findings or ())]
    for key, i, rule_id in named:
        if rule_id not in rule_ids:
            hint = did_you_mean(rule_id, rule_ids)
            location = (*at, key, i, "rule") if key == "findings" else (*at, key, i)
            problems.append(
                source.problem(location, f"no rule {rule_id!r} in the rule set;{hint} rules: {', '.join(rule_ids)}")
            )
    return problems


def _case_label(case: CaseFile, base: Path) -> LabelRecord:
    given = [key for key in ("label", "json_response") if getattr(case, key) is not None]
    if len(given) != 1:
        raise LabelFileError("a case gives its label as exactly one of `label` (a file, or a label) or `json_response`")
    if case.json_response is not None:
        return LabelRecord({"jsonResponse": case.json_response}, "json_response")
    if isinstance(case.label, dict):
        records = list(labels_in(case.label, "label"))
    else:
        records = list(read_labels(base / case.label))
    return pick_label(records, case.asset, case.index, str(case.label if isinstance(case.label, str) else "label"))


def run_case(case: Case, rule_set: RuleSet) -> CaseResult:
    """Evaluate the case's label and list every difference from what it expects."""
    report = rule_set.evaluate(case.label, case.event, resolution=case.resolution)
    return CaseResult(case, report, tuple(differences(case.expect, report)))


def differences(expect: Expectation, report: Report) -> Iterator[str]:
    """What ``report`` does differently from ``expect``, one sentence each; a label whose jobs the rule set's
    interface does not know at all is one too (no rule can check it: a label of another project?)."""
    status = {o.rule_id: o for o in report.outcomes}
    if report.foreign_jobs:
        yield (
            f"the label answers none of the jobs of the rule set's interface (its jobs: "
            f"{', '.join(report.foreign_jobs)}): no rule can check it; a label of another project, or the wrong "
            "interface?"
        )

    def what_happened(rule_id: str) -> str:
        outcome = status.get(rule_id)
        if outcome is None:
            return "it did not run (it is disabled, or not run on this event)"
        words = STATUS_WORDS[outcome.status]
        if outcome.status == "fail":
            return f"it {words}: {outcome.findings[0].message!r}" + (
                f" (and {len(outcome.findings) - 1} more)" if len(outcome.findings) > 1 else ""
            )
        if outcome.status == "error":
            return f"it {words}: {outcome.error}"
        return f"it {words}"

    if expect.fail is not None:
        failed = [o.rule_id for o in report.outcomes if o.status == "fail"]  # a rule that raised is told apart
        for rule_id in expect.fail:
            if rule_id not in failed:
                yield f"rule {rule_id!r} was expected to fail, but {what_happened(rule_id)}"
        for rule_id in failed:
            if rule_id not in expect.fail:
                yield f"rule {rule_id!r} was not expected to fail, but {what_happened(rule_id)}"
    for wanted, ids in (("pass", expect.pass_), ("not_applicable", expect.not_applicable), ("error", expect.error)):
        verb = {"pass": "pass", "not_applicable": "be not applicable", "error": "raise"}[wanted]
        for rule_id in ids or ():
            if status.get(rule_id) is None or status[rule_id].status != wanted:
                yield f"rule {rule_id!r} was expected to {verb}, but {what_happened(rule_id)}"
    for outcome in report.errors:
        if outcome.rule_id not in (expect.error or ()):
            yield f"rule {outcome.rule_id!r} raised: {outcome.error}"
    if expect.score is not None and abs(report.score - expect.score) > 0.005:
        yield f"the score is {report.score:g}, expected {expect.score:g}"
    if expect.findings is not None:
        yield from _finding_differences(expect.findings, report.findings)


def _finding_differences(expected: list[ExpectedFinding], actual: list[Finding]) -> Iterator[str]:
    unmatched = list(actual)
    for wanted in expected:
        match = next((f for f in unmatched if wanted.matches(f)), None)
        if match is not None:
            unmatched.remove(match)
            continue
        same_rule = [f for f in actual if f.rule_id == wanted.rule]
        found = "; ".join(_describe(f) for f in same_rule) if same_rule else "none"
        yield f"no finding of rule {wanted.describe()}; findings of {wanted.rule!r}: {found}"
    for finding in unmatched:
        yield f"unexpected finding of rule {finding.rule_id!r}: {_describe(finding)}"


def _describe(finding: Finding) -> str:
    where = f" on mid {finding.mid!r}" if finding.mid else ""
    frame = f" in frame {finding.frame}" if finding.frame is not None else ""
    return f"{finding.message!r}{where}{frame}"


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The test files meant by ``paths``: test files themselves, rule files (their ``tests/<name>.yaml``), or
    folders (every test file under them). No path: ``rules/tests/`` of the current folder."""
    found: list[Path] = []
    for given in [Path(p) for p in paths] or [Path("rules")]:
        if given.is_dir():
            found += sorted(
                p
                for pattern in ("*.yaml", "*.yml")
                for p in given.rglob(pattern)
                if not _SKIP_FOLDERS & set(p.parts) and is_test_file(p)
            )
        elif given.parent.name == TEST_FOLDER and given.is_file():
            found.append(given)
        else:
            beside = given.parent / TEST_FOLDER / f"{given.stem}.yaml"
            if not given.is_file():
                raise InputError(f"{given}: no such file or folder")
            if not beside.is_file():
                raise InputError(
                    f"{given}: no test file {beside}; write one with `kili-rules new-case {given} LABEL_FILE`"
                )
            found.append(beside)
    return list(dict.fromkeys(found))


__all__ = [
    "Case",
    "CaseResult",
    "Expectation",
    "RuleTestFile",
    "differences",
    "discover",
    "is_test_file",
    "load_test_file",
    "run_case",
]
