"""Finds the installed rule types through pluggy, built-in and third-party alike."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pluggy

from kili_rules import hookspecs
from kili_rules.runtime.model import RuleType
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE


class RegistryError(Exception):
    """Two plugins provide the same rule type, or a plugin provides something that is not a rule type."""


def plugin_manager(plugins: Iterable[object] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hook specs, the plugins found through the entry point group (unless
    ``entry_points`` is False) and ``plugins``."""
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if entry_points:
        manager.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for plugin in plugins:
        manager.register(plugin)
    return manager


@dataclass(frozen=True)
class Registry:
    """The rule types by name, and the plugin that provided each one."""

    rule_types: Mapping[str, RuleType]
    providers: Mapping[str, str]

    @classmethod
    def from_manager(cls, manager: pluggy.PluginManager) -> Registry:
        """Collect the rule types of every registered plugin; duplicates and non-rule-types are errors."""
        rule_types: dict[str, RuleType] = {}
        providers: dict[str, str] = {}
        for impl in manager.hook.kili_rules_rule_types.get_hookimpls():
            provider = manager.get_name(impl.plugin) or repr(impl.plugin)
            for rule_type in impl.function() or ():
                if not isinstance(rule_type, RuleType):
                    raise RegistryError(f"plugin {provider} returned {rule_type!r}, which is not a RuleType")
                if rule_type.name == PYTHON_RULE_TYPE or rule_type.name in rule_types:
                    other = providers.get(rule_type.name, "kili_rules (Python rules)")
                    raise RegistryError(
                        f"rule type {rule_type.name!r} is provided by both {other} and {provider}: "
                        "uninstall one of them"
                    )
                rule_types[rule_type.name] = rule_type
                providers[rule_type.name] = provider
        if not rule_types:
            raise RegistryError(
                "no rule type is installed: is kili-rules installed in this environment (pip install -e .)?"
            )
        return cls(dict(sorted(rule_types.items())), providers)

    def get(self, name: str) -> RuleType | None:
        """The rule type called ``name``, if installed."""
        return self.rule_types.get(name)


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The rule types installed in this environment (found once per process)."""
    return Registry.from_manager(plugin_manager())
