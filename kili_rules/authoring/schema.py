"""The JSON Schema of rule files, for editors: completion, hover docs and red squiggles while typing.

It is generated from the registered rule types (a plugin's rule type appears in it as soon as it is installed):
each rule type contributes one branch, selected by the rule's ``type``, with its options, their defaults and the
meaning each declares (:func:`kili_rules.runtime.contract.option`). Given a project's jsonInterface, the schema is
narrowed: options declared with ``job=True`` offer the interface's job names, and options declared with
``category=True`` offer its category keys, a third-party rule type's as the built-in ones'.

Point an editor at it with the first line of the rule file::

    # yaml-language-server: $schema=../dist/schema/document.schema.json
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kili_rules.authoring.bounded_read import read_text
from kili_rules.authoring.interface import Interface
from kili_rules.authoring.interface_file import read_interface
from kili_rules.authoring.options import options_model
from kili_rules.authoring.project_assertions import ProjectAssertions
from kili_rules.authoring.rule_file_model import COMMON_KEYS, ActionsConfig, CommonRuleKeys, LimitsConfig, ScoreConfig
from kili_rules.authoring.yaml_source import BoundedLoader
from kili_rules.plugins.registry import Registry, default_registry
from kili_rules.runtime.contract import RuleType

DRAFT = "http://json-schema.org/draft-07/schema#"
#: The key by which an option's schema says it names jobs (``job``) or categories (``category``).
NAMES = "x-names"


def rule_file_schema(registry: Registry | None = None, interface: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft-07) of a rule file with the rule types of ``registry``, narrowed to ``interface``'s
    job and category names when one is given."""
    registry = registry or default_registry()
    defs: dict[str, Any] = {}
    common = _without_titles(CommonRuleKeys.model_json_schema())
    rule_types = list(registry.rule_types.values())
    branches = []
    for rule_type in rule_types:
        defs[f"rule.{rule_type.name}"] = _rule_type_schema(rule_type, common, defs)
        branches.append(
            {
                "if": {
                    "properties": {"type": {"const": rule_type.name, "description": f"A {rule_type.name} rule."}},
                    "required": ["type"],
                },
                "then": {"$ref": f"#/$defs/rule.{rule_type.name}"},
            }
        )
    defs["rule"] = {
        "type": "object",
        "description": "One rule: `id` and `type`, the keys every rule has, and the options of its type.",
        "required": ["id", "type"],
        "properties": {
            "id": common["properties"]["id"],
            "type": {"enum": [t.name for t in rule_types], "description": "The rule type (`kili-rules rules`)."},
        },
        "allOf": branches,
    }
    header = {
        "name": {
            "type": "string",
            "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
            "description": "The plugin name (default: the file's stem).",
        },
        "interface": {
            "type": "string",
            "description": "The project's jsonInterface, relative to this file (enables `kili-rules lint`).",
        },
        "score": _without_titles(ScoreConfig.model_json_schema())
        | {"description": "Where the quality score goes in the asset's json_metadata."},
        "actions": _without_titles(ActionsConfig.model_json_schema())
        | {"description": "What each severity triggers in Kili: `issue`, `send_back`, `review` (send back wins)."},
        "on_error": {
            "enum": ["fail", "skip"],
            "default": "fail",
            "description": "A rule that cannot give a verdict (it raised, could not be set up, ran out of time) "
            "counts as failed with an issue (`fail`), or is left out of the score (`skip`). A rule may override it.",
        },
        "limits": _without_titles(LimitsConfig.model_json_schema())
        | {"description": "Bounds on what the plugin does for one label: seconds, issues, text sizes."},
        "python": {
            "type": "array",
            "items": {"type": "string", "pattern": r"\.py$"},
            "description": "Python rule modules, relative to this file.",
        },
        "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "description": "The rules of this set."},
        "project": _without_titles(ProjectAssertions.model_json_schema())
        | {"description": "Thresholds `kili-rules check` verifies over all the labels it reads (exit 1 on a failure)."},
    }
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": "kili-rules rule file",
        "description": "One rule set, built into one Kili plugin by `kili-rules build`.",
        "type": "object",
        "additionalProperties": False,
        "properties": header,
        "$defs": defs,
    }
    if interface is not None:
        _narrow(schema, Interface(interface))
    return schema


def _rule_type_schema(rule_type: RuleType, common: Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """One rule type's branch: the common keys, ``type`` fixed to its name, and its own options."""
    options = _without_titles(options_model(rule_type.params).model_json_schema())
    prefix = f"rule.{rule_type.name}."
    for name, definition in options.pop("$defs", {}).items():
        _rename_refs(definition, "#/$defs/", f"#/$defs/{prefix}")
        defs[prefix + name] = definition
    _rename_refs(options, "#/$defs/", f"#/$defs/{prefix}")
    properties = {key: copy.deepcopy(value) for key, value in common["properties"].items()}
    properties["type"] = {"const": rule_type.name, "description": f"A {rule_type.name} rule."}
    for key, value in options.get("properties", {}).items():
        if key in properties and key != "type":  # `when`: a condition string, or the rule type's own option
            both = [properties[key], value]
            described = " Or: ".join(str(item.get("description", "")) for item in both)
            properties[key] = {"anyOf": both, "description": described}
        else:
            properties[key] = value
    doc = getattr(importlib.import_module(rule_type.module), "__doc__", None) or ""
    return {
        "type": "object",
        "description": doc.strip().splitlines()[0] if doc.strip() else f"A {rule_type.name} rule.",
        "required": sorted({"id", "type", *options.get("required", [])}, key=[*COMMON_KEYS, *properties].index),
        "properties": properties,
        "additionalProperties": False,
    }


def _without_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's ``title`` keys repeat the field names; editors show them instead of the description."""
    if isinstance(schema, dict):
        return {
            k: _without_titles(v) if k != "properties" else {p: _without_titles(s) for p, s in v.items()}
            for k, v in schema.items()
            if k != "title"
        }
    if isinstance(schema, list):
        return [_without_titles(item) for item in schema]
    return schema


def _rename_refs(node: Any, old: str, new: str) -> None:
    for item in _walk(node):
        ref = item.get("$ref")
        if isinstance(ref, str) and ref.startswith(old):
            item["$ref"] = new + ref[len(old) :]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside ``node``, itself included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _narrow(schema: dict[str, Any], interface: Interface) -> None:
    """Offer the interface's names wherever an option names a job or a category."""
    jobs = list(interface.jobs)
    categories = interface.all_categories()
    for node in _walk(schema["$defs"]):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for value in properties.values():
            names = {"job": jobs, "category": categories}.get(value.get(NAMES)) if isinstance(value, dict) else None
            if names:
                for string in _walk(value):
                    if string.get("type") == "string":
                        string["enum"] = names


def write_schema(
    rule_file: str | Path | None = None,
    *,
    interface_path: str | Path | None = None,
    out: str | Path | None = None,
    registry: Registry | None = None,
) -> Path | None:
    """Write the schema to ``out`` (or print it): narrowed to ``interface_path``, else to the interface that
    ``rule_file`` names, else not narrowed. Returns the file written. Raises RuleFileError when a file named
    cannot be read."""
    interface = None
    if interface_path is None and rule_file is not None:
        rule_file = Path(rule_file)
        named = interface_of_rule_file(read_text(rule_file, "rule file"))
        interface_path = rule_file.parent / named if named else None
    if interface_path is not None:
        interface = read_interface(Path(interface_path), str(rule_file or interface_path))
    text = json.dumps(rule_file_schema(registry, interface), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return None
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def interface_of_rule_file(text: str) -> str | None:
    """The ``interface:`` of a rule file's text, read without validating the rest (a broken file still gets its
    schema: that is when the editor's help matters most)."""
    import yaml

    try:
        data = yaml.load(text, Loader=BoundedLoader)
    except yaml.YAMLError:
        return None
    value = data.get("interface") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


__all__ = ["interface_of_rule_file", "rule_file_schema", "write_schema"]
