"""The import check the build and lint share: a dynamic import with a constant name is checked like ``import``, one
whose name is computed is refused in embedded code, and lint reports every import the build would refuse, at its
line (the build stops at the first)."""

from __future__ import annotations

import re

import pytest
from cli_runner import run_cli

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import BuildError
from kili_rules.generator import render_plugin

INTERFACE = '{"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "content": {"input": "radio", "categories": {}}}}}'
RULES = "interface: interface.json\npython: [helpers.py]\nrules: []\n"
PACKAGE = r"kili_rules_user_[0-9a-f]{12}\.helpers"
NEITHER = "which is neither the standard library nor kili"
COMPUTED = "imports a module whose name is computed"


def rule_set_with(write_rules, module: str):
    """A rule set whose Python module ``helpers.py`` is ``module`` (its imports inside functions: loading the rule
    set runs the module's top level, not them)."""
    return write_rules(RULES, helpers__py=module, interface__json=INTERFACE)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("__import__('requests')", f"imports requests, {NEITHER}"),
        ("importlib.import_module('pandas')", f"imports pandas, {NEITHER}"),
        ("importlib.import_module('numpy.linalg')", f"imports numpy.linalg, {NEITHER}"),
        ("import_module('sklearn')", f"imports sklearn, {NEITHER}"),
        ("builtins.__import__('cv2')", f"imports cv2, {NEITHER}"),
        ("importlib.import_module(name=f'{NAME}')", f"{COMPUTED} (importlib.import_module(...))"),
        ("importlib.import_module(NAME)", f"{COMPUTED} (importlib.import_module(...))"),
        ("__import__(NAME)", f"{COMPUTED} (__import__(...))"),
        ("importlib.import_module('.other', __package__)", "imports kili_rules_user_"),
    ],
    ids=[
        "__import__",
        "import_module",
        "submodule",
        "aliased",
        "builtins",
        "f-string",
        "variable",
        "__import__-var",
        "relative-unlisted",
    ],
)
def test_a_dynamic_import_is_checked_by_the_build_and_lint_at_its_line(code, expected, write_rules):
    module = (
        "import builtins\nimport importlib\nfrom importlib import import_module\n\nNAME = 'json'\n\n\n"
        f"def helper():\n    return {code}\n"
    )
    path = rule_set_with(write_rules, module)
    with pytest.raises(BuildError) as raised:
        render_plugin(load_rule_set(path))
    assert re.match(rf"helpers\.py:9: {PACKAGE} ", str(raised.value)), str(raised.value)
    assert expected in str(raised.value)
    problems = [p for p in lint_rule_file(path) if p.severity == "error"]
    assert [(p.path, p.line, p.column, p.message) for p in problems] == [
        (str(path.parent / "helpers.py"), 9, 12, str(raised.value).split(": ", 1)[1])
    ]


@pytest.mark.parametrize(
    "code",
    [
        "importlib.import_module('json')",
        "__import__('os.path')",
        "importlib.import_module('kili_rules')",
        "import_module('collections.abc')",
    ],
)
def test_a_dynamic_import_of_the_standard_library_or_kili_rules_builds(code, write_rules):
    module = f"import importlib\nfrom importlib import import_module\n\n\ndef helper():\n    return {code}\n"
    path = rule_set_with(write_rules, module)
    render_plugin(load_rule_set(path))
    assert lint_rule_file(path) == []


def test_lint_reports_every_import_the_build_refuses_at_its_line(write_rules):
    """Lint was clean on a Python module that imports numpy, which only the build refused."""
    module = (
        "import json\n"  # line 1: fine
        "\n"
        "\n"
        "def helper(name):\n"
        "    import numpy\n"  # line 5
        "    from pandas import DataFrame\n"  # line 6
        "    other = __import__('requests')\n"  # line 7
        "    return numpy, DataFrame, other, __import__(name)\n"  # line 8, column 37
    )
    path = rule_set_with(write_rules, module)
    with pytest.raises(BuildError, match=rf"^helpers\.py:5: {PACKAGE} imports numpy, {NEITHER}"):
        render_plugin(load_rule_set(path))
    problems = lint_rule_file(path)
    assert [(p.line, p.column) for p in problems] == [(5, 5), (6, 5), (7, 13), (8, 37)]
    assert [re.sub(PACKAGE, "M", p.message).split(",")[0] for p in problems] == [
        "M imports numpy",
        "M imports pandas",
        "M imports requests",
        "M imports a module whose name is computed (__import__(...))",
    ]
    assert {p.path for p in problems} == {str(path.parent / "helpers.py")}


def test_lint_places_what_an_allowed_import_brings_in_at_that_import(write_rules):
    """``kili_rules.authoring`` may be imported by name (it is kili_rules), but what it imports a plugin cannot
    have: the build names the module it stops at and the line of the rule set's import that led there; lint puts
    one problem on that line."""
    path = rule_set_with(write_rules, "\n\ndef helper():\n    from kili_rules.authoring import loader\n")
    with pytest.raises(BuildError, match=r"^helpers\.py:4: this import brings in kili_rules/authoring/\w+\.py:\d+: "):
        render_plugin(load_rule_set(path))
    (problem,) = lint_rule_file(path)
    assert (problem.line, problem.column) == (4, 5)
    assert problem.message.startswith("this import brings in modules a plugin cannot have: kili_rules/authoring/")
    assert re.search(r"\(and \d+ more\)$", problem.message)


def test_the_lint_cli_exits_1_on_a_refused_import(write_rules):
    path = rule_set_with(
        write_rules, "import importlib\n\n\ndef helper():\n    return importlib.import_module('pandas')\n"
    )
    done = run_cli("lint", path)
    assert done.returncode == 1
    assert re.search(rf"helpers\.py:5:12: error: {PACKAGE} imports pandas, {NEITHER}", done.stdout), done.stdout
