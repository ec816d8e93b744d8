"""Every rule type is documented, its documented examples hold, and the generated reference is current."""

from __future__ import annotations

import inspect

import pytest
from conftest import ROOT

from kili_rules import hookspecs
from kili_rules.docs import doc_examples, rule_type_doc, rule_types_markdown
from kili_rules.loader import load_rule_set
from kili_rules.registry import default_registry
from kili_rules.runtime.label import LabelView

RULE_TYPES = default_registry().rule_types


def _examples():
    for name, rule_type in RULE_TYPES.items():
        for index, example in enumerate(doc_examples(rule_type)):
            yield pytest.param(example, id=f"{name}-{index}")


def test_the_builtin_rule_types_are_installed():
    assert {"count", "text", "required", "categories"} <= set(RULE_TYPES)


@pytest.mark.parametrize("name", sorted(RULE_TYPES))
def test_each_rule_type_is_documented_with_examples_and_placeholders(name):
    rule_type = RULE_TYPES[name]
    doc = rule_type_doc(rule_type)
    assert doc.startswith(f"{name}:"), "the docstring's first line names the rule type"
    assert "Options:" in doc and "Placeholders:" in doc
    for placeholder in rule_type.placeholders:
        assert f"{{{placeholder}}}" in doc, f"placeholder {placeholder} is undocumented"
    assert doc_examples(rule_type), "a rule type documents at least one runnable example"
    assert rule_type.check.__doc__ and rule_type.params.__doc__


def test_each_hook_is_documented():
    hooks = [f for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("kili_rules_")]
    assert hooks
    for hook in hooks:
        assert hook.__doc__ and len(hook.__doc__.strip()) > 40, f"hook {hook.__name__} is undocumented"


@pytest.mark.parametrize("example", list(_examples()))
def test_documented_examples_hold(example, write_rules, tmp_path):
    import yaml

    path = write_rules(yaml.safe_dump({"rules": [example["rule"]]}))
    rule_set = load_rule_set(path)
    rule_id = example["rule"]["id"]
    expectations = [("fails", "fail"), ("passes", "pass"), ("not_applicable", "not_applicable")]
    checked = 0
    for key, status in expectations:
        for response in example.get(key, []):
            outcome = rule_set.evaluate(LabelView(response)).outcome(rule_id)
            assert outcome.status == status, f"{key}: {response} gave {outcome}"
            if status == "fail":
                assert all(f.message for f in outcome.findings)
            checked += 1
    assert checked >= 2


def test_the_rule_type_reference_is_current():
    current = (ROOT / "docs" / "rule-types.md").read_text(encoding="utf-8")
    assert current == rule_types_markdown(), "run: python -m kili_rules.docs > docs/rule-types.md"
