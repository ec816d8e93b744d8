"""The runtime: everything that evaluates a label, offline and inside the built plugin, byte for byte.

Every module of this package imports only the standard library and this package (DESIGN invariant 2); the build
embeds them verbatim into ``main.py``. This file lists the names a Python rule module may import from
``kili_rules`` (inside a built plugin, ``kili_rules`` offers exactly these).
"""

from kili_rules.runtime.contract import OptionProblem, RuleType, build_params, option
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import Annotation, JobResponse, Point
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, Finding, Report, RuleOutcome, Violation
from kili_rules.runtime.python_rule import PythonRule, rule

__all__ = [
    "NOT_APPLICABLE",
    "Annotation",
    "Engine",
    "Finding",
    "JobResponse",
    "LabelView",
    "OptionProblem",
    "Point",
    "ProjectInterface",
    "PythonRule",
    "Report",
    "RuleOutcome",
    "RuleType",
    "Violation",
    "build_params",
    "option",
    "rule",
]
