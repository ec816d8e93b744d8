"""Loads a rule file (YAML, plus the Python rule modules it lists) into a compiled rule set.

Every problem names file:line:col and what to do: unknown keys (with "did you mean"), wrong types, duplicate rule
ids, unknown rule types (listing the installed ones), unknown message placeholders, options that can never pass,
a missing interface or Python file, a Python module that fails to import. Loading imports (runs) the rule set's
Python modules.

The work is done in ``compile_rule_file.py`` (and the modules it names); this is the entry point.
"""

from __future__ import annotations

from pathlib import Path

from kili_rules.authoring.compile_rule_file import compile_rule_file
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.errors import RuleFileError
from kili_rules.plugins.registry import Registry


def load_rule_set(path: str | Path, registry: Registry | None = None) -> RuleSet:
    """Load and compile the rule file at ``path``. Raises :class:`RuleFileError` (one line per problem)."""
    compilation = compile_rule_file(path, registry)
    if compilation.rule_set is None:
        raise RuleFileError(compilation.problems)
    return compilation.rule_set


__all__ = ["load_rule_set"]
