"""Rule-type documentation: each rule type's module docstring is its page; its YAML examples are executable.

``python -m kili_rules.authoring.docs > docs/rule-types.md`` regenerates the reference that the README links to (a test
fails when it is stale); ``python -m kili_rules.authoring.docs --python-api > docs/python-rules-api.md`` the reference
of the Python rule API (:mod:`kili_rules.authoring.api_reference`).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from kili_rules.authoring.options import options_table
from kili_rules.plugins.registry import Registry, default_registry
from kili_rules.runtime.contract import RuleType

_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def rule_type_doc(rule_type: RuleType) -> str:
    """The documentation of a rule type: its module's docstring, with the options table generated from its
    declarations where the docstring has the line ``Options:`` (at the end when it has none)."""
    module = sys.modules.get(rule_type.module)
    doc = (module.__doc__ or "").strip() if module else ""
    table = options_table(rule_type.params)
    if re.search(r"^Options:$", doc, re.MULTILINE):
        return re.sub(r"^Options:$", lambda _: f"Options:\n\n{table}", doc, count=1, flags=re.MULTILINE)
    return f"{doc}\n\nOptions:\n\n{table}" if doc else f"Options:\n\n{table}"


def doc_examples(rule_type: RuleType) -> list[dict[str, Any]]:
    """The examples of a rule type's documentation: ``{"rule": {...}, "fails": [...], "passes": [...],
    "not_applicable": [...], "errors": [...]}`` (``pinned``: the mids of each ``fails`` label's findings), each list
    holding labels: a jsonResponse, or ``{json_response: ..., resolution: {width, height}}`` for a label on an asset
    of that size (see :func:`example_label`)."""
    examples = []
    for block in _YAML_BLOCK.findall(rule_type_doc(rule_type)):
        example = yaml.safe_load(block)
        if isinstance(example, dict) and "rule" in example:
            examples.append(example)
    return examples


def example_label(item: Any) -> tuple[Any, Any]:
    """``(jsonResponse, the asset's resolution or None)`` of one label of a documented example: a mapping whose keys
    are ``json_response`` and ``resolution`` (a label on an asset of that size), else a bare jsonResponse."""
    if isinstance(item, dict) and "json_response" in item and set(item) <= {"json_response", "resolution"}:
        return item["json_response"], item.get("resolution")
    return item, None


def rule_types_markdown(registry: Registry | None = None) -> str:
    """The reference page of every installed rule type."""
    registry = registry or default_registry()
    parts = [
        "# Rule types\n",
        "Generated from the rule types' module docstrings by `python -m kili_rules.authoring.docs`; do not edit.\n",
        "Every rule also has the common keys `id`, `type`, `severity`, `message`, `events`, `weight`, `enabled`,",
        "`on_error` and `when` (a condition in the grammar of Kili's category search, `JOB.CATEGORY.count > 0`",
        "joined with AND / OR: when it is false the rule does not apply), and its message may use `{id}`, `{job}`,",
        "`{frame}`, `{job_name}` and `{category_name}` (the names the interface shows).\n",
        "The default messages (`{reason}`) name jobs and categories as people see them in Kili when the rule file",
        "names an interface: a job by its `instruction`, a category by its `name`, written in double quotes when",
        "they are not a plain phrase (`3 Object A boxes in Vehicles, expected at most 1`; `Yes may not be chosen in",
        '"Is the image healthy?"`). Without an interface the messages are what they were, ids as they are',
        "(`3 OBJECT_A annotations in JOB_0, expected at most 1`), so the issues already open stay matched; a job",
        "without an instruction keeps its id too. The examples below have no interface.\n",
    ]
    for name, rule_type in registry.rule_types.items():
        parts.append(f"## `{name}`\n\nModule: `{rule_type.module}`\n\n{rule_type_doc(rule_type)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    if sys.argv[1:] == ["--python-api"]:
        from kili_rules.authoring.api_reference import python_api_markdown

        sys.stdout.write(python_api_markdown())
    elif sys.argv[1:]:
        sys.exit("usage: python -m kili_rules.authoring.docs [--python-api]")
    else:
        sys.stdout.write(rule_types_markdown())
