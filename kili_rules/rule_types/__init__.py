"""The built-in rule types: one module each, stdlib-only, registered through the ``kili_rules`` entry point group.

A rule-type module holds, like a yamllint rule: its documentation (the module docstring, with YAML examples that
the test suite runs), its options (a stdlib dataclass that pydantic validates when a rule file is loaded), a pure
``check(params, label)`` and ``RULE_TYPE``, which ties them together. Adding a module here adds a rule type: the
built-in plugin (``kili_rules.plugins.builtin``) finds every module of this package.
"""
