"""Every module of kili_rules fits in one reading: at most 400 lines, not counting a rule type's module docstring
(its documentation page, from which docs/rule-types.md is generated)."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

PACKAGE = ROOT / "kili_rules"
MAX_LINES = 400
MODULES = sorted(PACKAGE.rglob("*.py"))


def lines_that_count(path) -> int:
    text = path.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    if path.parent.name == "rule_types" and not path.name.startswith("_"):
        first = ast.parse(text).body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            lines -= first.end_lineno - first.lineno + 1
    return lines


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_each_module_fits_in_one_reading(path):
    assert lines_that_count(path) <= MAX_LINES, f"{path.relative_to(ROOT)}: split it along its seams"


def test_a_rule_types_docstring_is_what_does_not_count(tmp_path):
    rule_types = tmp_path / "rule_types"
    rule_types.mkdir()
    module = rule_types / "shape.py"
    module.write_text('"""doc\n\nmore doc\n"""\n\nX = 1\n', encoding="utf-8")
    assert lines_that_count(module) == 2
    other = tmp_path / "other.py"
    other.write_text('"""doc\n\nmore doc\n"""\n\nX = 1\n', encoding="utf-8")
    assert lines_that_count(other) == 6
