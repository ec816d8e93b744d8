"""kili-rules: rule-based label QA for Kili.

Write rules in YAML (or Python with :func:`rule`), load them with :func:`load_rule_set`, evaluate labels offline
with ``RuleSet.evaluate``, and build them into one plugin file for ``kili.upload_plugin``.

What users and plugin authors need is importable from here:

- Python rules: :func:`rule`, :class:`Violation`, :data:`NOT_APPLICABLE`, :class:`LabelView` (and the objects it
  gives: :class:`JobResponse`, :class:`Annotation`, :class:`Point`, and ``label.interface``, a
  :class:`ProjectInterface`);
- rule types: :class:`RuleType`, :func:`option`, :class:`OptionProblem`, :func:`build_params`, :func:`hookimpl`;
- loading and reporting: :func:`load_rule_set`, :class:`RuleSet`, :class:`Report`, :class:`Finding`,
  :class:`Problem` and the error family (:class:`KiliRulesError` and its subclasses).

Importing ``kili_rules`` loads only the standard-library runtime; the authoring names (pydantic, pluggy, PyYAML
behind them) load when first used. Inside a built plugin, ``kili_rules`` offers the runtime names only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kili_rules.runtime import (
    NOT_APPLICABLE,
    Annotation,
    Engine,
    Finding,
    JobResponse,
    LabelView,
    OptionProblem,
    Point,
    ProjectInterface,
    PythonRule,
    Report,
    RuleOutcome,
    RuleType,
    Violation,
    build_params,
    option,
    rule,
)

#: The one version number (the package metadata reads it from here).
__version__ = "0.2.0"

if TYPE_CHECKING:
    from kili_rules.authoring.loader import load_rule_set
    from kili_rules.authoring.rule_set import RuleSet
    from kili_rules.errors import (
        BuildError,
        InputError,
        KiliRulesError,
        LabelFileError,
        PluginLoadError,
        Problem,
        RegistryError,
        RuleFileError,
    )
    from kili_rules.plugins.hookspecs import hookimpl

#: Names loaded on first use: ``name -> module``.
_LAZY = {
    "load_rule_set": "kili_rules.authoring.loader",
    "RuleSet": "kili_rules.authoring.rule_set",
    "hookimpl": "kili_rules.plugins.hookspecs",
    "Problem": "kili_rules.errors",
    "KiliRulesError": "kili_rules.errors",
    "RuleFileError": "kili_rules.errors",
    "InputError": "kili_rules.errors",
    "LabelFileError": "kili_rules.errors",
    "BuildError": "kili_rules.errors",
    "RegistryError": "kili_rules.errors",
    "PluginLoadError": "kili_rules.errors",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kili_rules' has no attribute {name!r}")


__all__ = [
    "NOT_APPLICABLE",
    "Annotation",
    "BuildError",
    "Engine",
    "Finding",
    "InputError",
    "JobResponse",
    "KiliRulesError",
    "LabelFileError",
    "LabelView",
    "OptionProblem",
    "PluginLoadError",
    "Point",
    "Problem",
    "ProjectInterface",
    "PythonRule",
    "RegistryError",
    "Report",
    "RuleFileError",
    "RuleOutcome",
    "RuleSet",
    "RuleType",
    "Violation",
    "__version__",
    "build_params",
    "hookimpl",
    "load_rule_set",
    "option",
    "rule",
]
