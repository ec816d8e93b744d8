"""kili-rules: rule-based label QA for Kili.

Write rules in YAML (or Python with :func:`rule`), load them with :func:`load_rule_set`, evaluate labels offline
with ``RuleSet.evaluate``, and build them into one plugin file for ``kili.upload_plugin``.

Inside a built plugin, ``kili_rules`` offers the runtime names only (those of ``kili_rules.runtime``): a Python
rule module should import nothing else from this package.
"""

from kili_rules.runtime import (
    NOT_APPLICABLE,
    Annotation,
    Engine,
    Finding,
    JobResponse,
    LabelView,
    Point,
    PythonRule,
    Report,
    RuleOutcome,
    RuleType,
    Violation,
    rule,
)

__version__ = "0.1.0"


def load_rule_set(path, registry=None):
    """Load and compile a rule file: see :func:`kili_rules.authoring.loader.load_rule_set`."""
    from kili_rules.authoring.loader import load_rule_set as load

    return load(path, registry)


__all__ = [
    "NOT_APPLICABLE",
    "Annotation",
    "Engine",
    "Finding",
    "JobResponse",
    "LabelView",
    "Point",
    "PythonRule",
    "Report",
    "RuleOutcome",
    "RuleType",
    "Violation",
    "__version__",
    "load_rule_set",
    "rule",
]
