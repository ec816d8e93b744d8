"""Authoring time: reading rule files (with file:line:col for every key), the project's interface, lint, the editor
schema, the rule-type documentation, label files, ``check``, ``init``.

May import: the standard library, pydantic, PyYAML, jsonschema, ``kili_rules.errors``, ``kili_rules.runtime``,
``kili_rules.rule_types`` and ``kili_rules.plugins``. Never embedded in a plugin.
"""
