"""The editor schema: generated from the registered rule types, narrowed to one interface, checked by jsonschema."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from cli_runner import run_cli
from conftest import ROOT, RULES, SDK, load_json
from test_lint import CORPUS, _AreaPlugin

from kili_rules.authoring.docs import doc_examples
from kili_rules.authoring.schema import rule_file_schema
from kili_rules.plugins.registry import Registry, default_registry, plugin_manager

RULE_FILES = sorted(RULES.glob("*.yaml"))
#: Corpus files that a schema must reject, with the interface they are narrowed to (None: the generic schema).
SCHEMA_REJECTS = {
    "24_unknown_option_typo": None,
    "25_common_key_typo": None,
    "26_unknown_rule_type": None,
    "31_wrong_value_type": None,
    "36_bad_severity": None,
    "01_unknown_job_typo": "document",
    "02_unknown_job_case": "document",
    "04_unknown_category_typo": "document",
    "05_category_display_name": "document",
    "19_when_unknown_category": "document",
    "33_image_category_typo": "image",
}


def validator(interface=None, registry=None) -> jsonschema.Draft7Validator:
    schema = rule_file_schema(registry, interface)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def interface_named(name):
    return load_json(RULES / "interfaces" / f"{name}.json") if name else None


def test_the_schema_is_valid_draft_07_and_lists_every_installed_rule_type():
    schema = rule_file_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$defs"]["rule"]["properties"]["type"]["enum"] == list(default_registry().rule_types)


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.name)
def test_every_example_rule_file_is_valid_generic_and_narrowed_to_its_interface(rule_file):
    data = yaml.safe_load(rule_file.read_text())
    assert list(validator().iter_errors(data)) == []
    interface = load_json(rule_file.parent / data["interface"])
    assert list(validator(interface).iter_errors(data)) == []


def test_every_documented_example_rule_is_valid():
    check = validator()
    for rule_type in default_registry().rule_types.values():
        for example in doc_examples(rule_type):
            errors = [e.message for e in check.iter_errors({"rules": [example["rule"]]})]
            assert errors == [], (rule_type.name, example["rule"])


@pytest.mark.parametrize("name", sorted(SCHEMA_REJECTS))
def test_the_wrong_rule_files_are_rejected(name):
    (path,) = [p for p in CORPUS if p.stem == name]
    data = yaml.safe_load(path.read_text())
    interface = interface_named(SCHEMA_REJECTS[name])
    errors = list(validator(interface).iter_errors(data))
    assert errors, f"{name} passed the schema"
    assert all(list(e.absolute_path)[:1] == ["rules"] for e in errors)


def test_narrowing_offers_the_interface_job_and_category_names_in_nested_options():
    schema = rule_file_schema(interface=load_json(SDK / "interfaces" / "document_plugin.json"))
    required = schema["$defs"]["rule.required"]["properties"]
    assert "TRANSCRIPTION_JOB_2" in required["job"]["enum"]
    nested = schema["$defs"]["rule.required.JobCategory"]["properties"]
    assert "IBAN" in nested["category"]["anyOf"][0]["enum"] and "JOB_0" in nested["job"]["enum"]
    exclusive = schema["$defs"]["rule.categories"]["properties"]["exclusive"]
    assert "BILLING_DATE" in json.dumps(exclusive)


def test_options_carry_the_meaning_from_the_rule_type_docs():
    count = default_registry().get("count")
    assert {o.name: o.doc for o in count.options}["per"].startswith("`frame` or `track`")
    schema = rule_file_schema()
    assert (
        schema["$defs"]["rule.count"]["properties"]["max"]["description"]
        == "more is a finding: one per annotation (or track) beyond `max`, pinned on it (default: none)"
    )


def test_a_plugin_rule_type_appears_in_the_schema_and_is_narrowed_too():
    registry = Registry.from_manager(plugin_manager([_AreaPlugin()]))
    check = validator(interface_named("image"), registry)
    assert list(check.iter_errors({"rules": [{"id": "a", "type": "min_area", "job": "JOB_0", "min": 0.1}]})) == []
    assert list(check.iter_errors({"rules": [{"id": "a", "type": "min_area", "job": "JOB_9"}]}))
    assert list(validator().iter_errors({"rules": [{"id": "a", "type": "min_area", "job": "J"}]}))  # not installed


def test_cli_writes_the_narrowed_schema(tmp_path):
    out = tmp_path / "schema" / "document.schema.json"
    done = run_cli("schema", RULES / "document.yaml", "--out", out, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    schema = json.loads(out.read_text())
    assert "TRANSCRIPTION_JOB_3" in schema["$defs"]["rule.text"]["properties"]["job"]["enum"]
    missing = run_cli("schema", "--interface", tmp_path / "no.json")
    assert (
        missing.returncode == 2 and "cannot read the interface" in missing.stderr and "Traceback" not in missing.stderr
    )


def _undescribed(node, path=""):
    """Every property of the schema (at any depth) that has no description, as dotted paths."""
    missing = []
    if isinstance(node, dict):
        for key, value in (node.get("properties") or {}).items():
            if isinstance(value, dict) and "description" not in value:
                missing.append(f"{path}.{key}" if path else key)
        for key, value in node.items():
            missing += _undescribed(value, f"{path}.{key}" if path and key != "properties" else path or key)
    elif isinstance(node, list):
        for item in node:
            missing += _undescribed(item, path)
    return missing


def test_every_key_the_editor_offers_says_what_it_means():
    schema = rule_file_schema()
    assert _undescribed(schema) == []
    count = schema["$defs"]["rule.count"]["properties"]
    assert {"job", "category", "min", "max", "per", "id", "severity", "on_error"} <= set(count)
