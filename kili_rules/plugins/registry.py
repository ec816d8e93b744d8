"""Finds the installed rule types through pluggy, built-in and third-party alike."""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pluggy

from kili_rules.errors import PluginLoadError, RegistryError
from kili_rules.plugins import hookspecs
from kili_rules.runtime.contract import RuleType, options_of
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE


def plugin_manager(plugins: Iterable[object] = (), *, entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager with the hook specs, the plugins found through the entry point group (unless
    ``entry_points`` is False) and ``plugins``.

    Raises PluginLoadError (one line naming the entry point and its package) when a plugin cannot be imported, or
    when it implements a hook that no hook spec declares (a misspelt ``kili_rules_rule_type`` would otherwise be
    silently ignored).
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if entry_points:
        for entry_point in importlib.metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
            _register_entry_point(manager, entry_point)
    for plugin in plugins:
        manager.register(plugin)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or repr(error.plugin)
        raise PluginLoadError(
            f"kili-rules plugin {name}: {error}; the hooks that exist are: {', '.join(_hook_names())}"
        ) from None
    return manager


def _hook_names() -> list[str]:
    return sorted(name for name in vars(hookspecs) if name.startswith(hookspecs.PROJECT_NAME + "_"))


def _register_entry_point(manager: pluggy.PluginManager, entry_point: importlib.metadata.EntryPoint) -> None:
    if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
        return
    package = entry_point.dist.name if entry_point.dist is not None else "an unknown package"
    try:
        plugin = entry_point.load()
    except Exception as error:  # a broken third-party package: one line, not a traceback
        raise PluginLoadError(
            f"the kili-rules plugin {entry_point.name!r} ({entry_point.value}) of package {package} cannot be "
            f"loaded: {type(error).__name__}: {error}; fix it or uninstall it (pip uninstall {package})"
        ) from None
    manager.register(plugin, name=entry_point.name)


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
                try:
                    options_of(rule_type.params)  # every option declared with option(doc=...)
                except TypeError as error:
                    raise RegistryError(f"plugin {provider}, rule type {rule_type.name!r}: {error}") from None
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
