"""The built-in rule types: one module each, registered through the ``kili_rules`` entry point group.

A rule-type module holds, like a yamllint rule: its documentation (the module docstring, with YAML examples that
the test suite runs; the options table is generated from the declarations), its options (a frozen dataclass whose
fields are made with :func:`kili_rules.runtime.contract.option`), a pure ``check(params, label)``, optional
``validate`` / ``prepare`` / ``lint``, and ``RULE_TYPE``, which ties them together (see
:mod:`kili_rules.runtime.contract`). A new built-in rule type is its module here plus its line in
``kili_rules.plugins.builtin.RULE_TYPE_MODULES``; it then appears in the docs, the editor schema, lint and
``kili-rules rules --doc``.

May import: the standard library, ``kili_rules.runtime`` and this package only: the build embeds these modules
into the stdlib-only plugin (modules named ``_*.py`` hold what several rule types share).
"""
