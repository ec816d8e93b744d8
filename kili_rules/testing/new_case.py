"""``kili-rules new-case``: record what the rules say about a real label today as a YAML rule-test case.

The case is appended to the rule set's test file (``tests/<rule set>.yaml`` beside it, created when missing), with
the label referred to by its path relative to the test file; ``kili-rules test`` and ``pytest`` then hold the rules
to it. The file is re-read after the append: a case that does not read back as the last one is refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from kili_rules.authoring.bounded_read import MAX_DATA_FILE_BYTES, read_text
from kili_rules.authoring.label_files import pick_label, read_label_source
from kili_rules.authoring.loader import load_rule_set
from kili_rules.authoring.yaml_source import load_yaml
from kili_rules.errors import Problem, RuleFileError
from kili_rules.runtime.model import Report
from kili_rules.testing.cases import TEST_FOLDER

__all__ = ["expectation_of", "new_case"]


def new_case(
    rule_file: str | Path,
    label_file: str | Path,
    *,
    test_file: str | Path | None = None,
    name: str | None = None,
    asset: str | None = None,
    index: int | None = None,
    event: str = "submit",
) -> tuple[Path, dict[str, Any], Report]:
    """Append to the rule set's test file a case of the label in ``label_file``, expecting what the rules say
    about it today. Returns the test file, the case written and the report it records."""
    rule_set = load_rule_set(rule_file)
    label_file = Path(label_file)
    records = list(read_label_source(label_file))
    record = pick_label(records, asset, index, str(label_file), "--asset ID or --index N")
    report = rule_set.evaluate(record.label, event, resolution=record.resolution)
    target = Path(test_file) if test_file else Path(rule_file).parent / TEST_FOLDER / f"{Path(rule_file).stem}.yaml"
    existing = read_text(target, "test file", MAX_DATA_FILE_BYTES) if target.exists() else ""
    taken = {c.get("name") for c in (_loaded_cases(existing, target))}
    base = name or " ".join(filter(None, [label_file.stem, asset, None if index is None else f"#{index}"]))
    case_name, number = base, 2
    while case_name in taken:
        case_name, number = f"{base} ({number})", number + 1
    expect = expectation_of(report)
    case: dict[str, Any] = {"name": case_name}
    case["label"] = Path(os.path.relpath(label_file.resolve(), target.parent.resolve())).as_posix()
    if asset is not None:
        case["asset"] = asset
    if index is not None:
        case["index"] = index
    if event != "submit":
        case["event"] = event
    case["expect"] = expect
    text = _appended(existing, target, Path(rule_file), case)
    cases = _loaded_cases(text, target)
    if not cases or cases[-1].get("name") != case_name or len(cases) != len(taken) + 1:
        raise RuleFileError(
            [Problem(str(target), 1, 1, "cannot append a case: keep `cases:` the last key, as a block list")]
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target, case, report


def _loaded_cases(text: str, path: Path) -> list[dict[str, Any]]:
    if not text.strip():
        return []
    data, _ = load_yaml(text, str(path))
    cases = data.get("cases") if isinstance(data, dict) else None
    return [c for c in cases if isinstance(c, dict)] if isinstance(cases, list) else []


def expectation_of(report: Report) -> dict[str, Any]:
    """The ``expect:`` block that says what ``report`` says: the failing rules (always), the others by status when
    there are any, the score and every finding (rule, message, and mid when it has one)."""
    by_status: dict[str, list[str]] = {}
    for outcome in report.outcomes:
        by_status.setdefault(outcome.status, []).append(outcome.rule_id)
    expect: dict[str, Any] = {"fail": by_status.get("fail", [])}
    for status in ("pass", "not_applicable", "error"):
        if by_status.get(status):
            expect[status] = by_status[status]
    expect["score"] = report.score
    if report.findings:
        expect["findings"] = [
            {"rule": f.rule_id, "message": f.message, **({"mid": f.mid} if f.mid else {})} for f in report.findings
        ]
    return expect


def _appended(existing: str, target: Path, rule_file: Path, case: dict[str, Any]) -> str:
    """The text of the test file ``target`` with ``case`` appended (a new file when ``existing`` is empty)."""
    block = yaml.safe_dump([case], sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    block = "".join(f"  {line}" if line.strip() else line for line in block.splitlines(keepends=True))
    if existing:
        # `cases: []` (what a new test file may start with) becomes a block list; a file without `cases:` gets one
        existing, emptied = re.subn(r"(?m)^cases:[ \t]*\[[ \t]*\][ \t]*(#.*)?$", "cases:", existing, count=1)
        data, _ = load_yaml(existing, str(target))
        opening = "" if emptied or (isinstance(data, dict) and "cases" in data) else "cases:\n"
        text = existing + ("" if existing.endswith("\n") else "\n") + ("" if emptied else "\n") + opening + block
    else:
        relative = Path(os.path.relpath(rule_file.resolve(), target.parent.resolve())).as_posix()
        header = f"# Test cases of {relative}: `kili-rules test` runs them, and so does `pytest`.\n"
        if relative != f"../{target.stem}.yaml":
            header += f"rule_set: {relative}\n"
        text = header + "cases:\n" + block
    return text
