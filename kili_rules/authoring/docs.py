"""Rule-type documentation: each rule type's module docstring is its page; its YAML examples are executable.

``python -m kili_rules.authoring.docs > docs/rule-types.md`` regenerates the reference that the README links to (a test
fails when it is stale).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from kili_rules.plugins.registry import Registry, default_registry
from kili_rules.runtime.model import RuleType

_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def rule_type_doc(rule_type: RuleType) -> str:
    """The documentation of a rule type: its module's docstring."""
    module = sys.modules.get(rule_type.module)
    return (module.__doc__ or "").strip() if module else ""


def doc_examples(rule_type: RuleType) -> list[dict[str, Any]]:
    """The examples of a rule type's documentation: ``{"rule": {...}, "fails": [...], "passes": [...],
    "not_applicable": [...]}``, each list holding jsonResponses."""
    examples = []
    for block in _YAML_BLOCK.findall(rule_type_doc(rule_type)):
        example = yaml.safe_load(block)
        if isinstance(example, dict) and "rule" in example:
            examples.append(example)
    return examples


def rule_types_markdown(registry: Registry | None = None) -> str:
    """The reference page of every installed rule type."""
    registry = registry or default_registry()
    parts = [
        "# Rule types\n",
        "Generated from the rule types' module docstrings by `python -m kili_rules.authoring.docs`; do not edit.\n",
        "Every rule also has the common keys `id`, `type`, `severity`, `message`, `events`, `weight`, `enabled`,",
        "`on_error`, and its message may use `{id}`, `{job}` and `{frame}`.\n",
    ]
    for name, rule_type in registry.rule_types.items():
        parts.append(f"## `{name}`\n\nModule: `{rule_type.module}`\n\n{rule_type_doc(rule_type)}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(rule_types_markdown())
