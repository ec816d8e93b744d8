"""The hooks a kili-rules plugin can implement (pluggy project name ``kili_rules``).

A plugin is a module (or object) with hook implementations, made known through the ``kili_rules`` entry point
group of its package. The built-in rule types come through the same group (``kili_rules.plugins.builtin``)::

    # pyproject.toml of a third-party package
    [project.entry-points.kili_rules]
    geometry = "kili_rules_geometry.plugin"

    # kili_rules_geometry/plugin.py
    from kili_rules.plugins.hookspecs import hookimpl
    from kili_rules_geometry import min_area

    @hookimpl
    def kili_rules_rule_types():
        return [min_area.RULE_TYPE]

A rule type's module must import only the standard library and ``kili_rules.runtime`` (and other modules that
follow the same rule): the build embeds it into the stdlib-only plugin and refuses anything else.
"""

from __future__ import annotations

import pluggy

from kili_rules.runtime.contract import RuleType

PROJECT_NAME = "kili_rules"
#: The entry point group through which plugins, built-in ones included, are found.
ENTRY_POINT_GROUP = "kili_rules"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def kili_rules_rule_types() -> list[RuleType]:
    """Return the rule types this plugin provides.

    Each is a :class:`kili_rules.runtime.model.RuleType`; its ``name`` is the ``type:`` users write in a rule
    file, and must not clash with another plugin's.
    """
