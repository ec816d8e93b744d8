"""The built-in plugin: registers every module of ``kili_rules.rule_types`` as a rule type.

It is found through the ``kili_rules`` entry point group, exactly like a third-party plugin.
"""

from __future__ import annotations

import importlib
import pkgutil

from kili_rules import rule_types
from kili_rules.plugins.hookspecs import hookimpl
from kili_rules.runtime.model import RuleType


@hookimpl
def kili_rules_rule_types() -> list[RuleType]:
    """Every ``RULE_TYPE`` of the modules in ``kili_rules.rule_types``, by module name."""
    found = []
    for module_info in sorted(pkgutil.iter_modules(rule_types.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{rule_types.__name__}.{module_info.name}")
        found.append(module.RULE_TYPE)
    return found
