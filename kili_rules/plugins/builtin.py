"""The built-in plugin: registers the rule types of ``kili_rules.rule_types``, one line each.

It is found through the ``kili_rules`` entry point group, exactly like a third-party plugin. A new built-in rule
type is its module in ``kili_rules/rule_types/`` plus its line in ``RULE_TYPE_MODULES``.
"""

from __future__ import annotations

from kili_rules.plugins.hookspecs import hookimpl
from kili_rules.rule_types import categories, count, geometry, overlap, relation, required, text, track
from kili_rules.runtime.contract import RuleType

#: The modules whose ``RULE_TYPE`` is built in, in the order ``kili-rules rules`` lists them.
RULE_TYPE_MODULES = (categories, count, required, text, relation, geometry, overlap, track)


@hookimpl
def kili_rules_rule_types() -> list[RuleType]:
    """The ``RULE_TYPE`` of every module of ``RULE_TYPE_MODULES``."""
    return [module.RULE_TYPE for module in RULE_TYPE_MODULES]
