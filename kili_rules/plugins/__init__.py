"""Rule types as pluggy plugins: the hook specification, the registry that finds every installed rule type through
the ``kili_rules`` entry point group, and the built-in plugin (registered through that same group).

May import: the standard library, pluggy, ``kili_rules.errors``, ``kili_rules.runtime`` and
``kili_rules.rule_types``. Never embedded in a plugin.
"""
