"""The Python rules of a rule set (functions decorated with ``@rule`` in its Python modules), compiled like a YAML
rule: their common keys checked, their ``when`` parsed, their problems placed in the Python file where they are
written (else at their ``python:`` entry of the rule file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kili_rules.authoring.compile_rule import check_unique_id, id_problem
from kili_rules.authoring.model_validation import validate_model
from kili_rules.authoring.python_modules import PythonModules
from kili_rules.authoring.python_source import RuleSite, rule_site
from kili_rules.authoring.rule_file_model import COMMON_KEYS, CommonRuleKeys
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, RuleFileError
from kili_rules.runtime.condition import ConditionError
from kili_rules.runtime.condition import parse as parse_condition
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE, PythonRule


@dataclass
class CompiledPythonRule:
    """One Python rule as the loader compiled it: what lint checks against the interface, and where it is written.

    Attributes:
        file: the Python file, as problems name it (beside the rule file's own path).
        site: where its ``@rule`` (and its ``when=``) are in that file, when they could be found.
        at: its ``python:`` entry in the rule file (where its problems go when ``site`` is None).
    """

    id: str
    data: dict[str, Any]
    file: str
    site: RuleSite | None
    at: tuple[Any, ...]

    def problem(self, source: SourceMap, message: str, severity: str = "error", column: int | None = None) -> Problem:
        """A problem about the rule's ``when``: in the Python file where it is written (at ``column`` of the
        condition text when given and the literal allows it), else at its ``python:`` entry of ``source``."""
        if self.site is None:
            return source.problem(self.at, message, severity=severity, rule_id=self.id)
        return python_rule_problem(self.file, self.site, message, severity, self.id, column)


def python_rule_problem(
    file: str, site: RuleSite, message: str, severity: str, rule_id: str | None, column: int | None = None
) -> Problem:
    """A problem with the ``when`` of a Python rule, at its place in the Python file: at ``column`` of the
    condition text (a plain literal), else at the start of its ``when=``, else at its decorator."""
    where = site.when_column(column) if column else site.when
    line, col = where if where is not None else (site.line, site.column)
    return Problem(file, line, col, message, severity, rule_id)


def compile_python_rules(
    path: Path,
    modules: PythonModules,
    entries: list[str],
    on_error: str,
    source: SourceMap,
    seen_ids: dict[str, tuple[int, int]],
    problems: list[Problem],
) -> tuple[list[dict[str, Any]], list[CompiledPythonRule]]:
    """The compiled data of every Python rule in ``modules`` (imported for the rule file at ``path``, whose
    ``python:`` list is ``entries``), and the rules as lint checks them; their ids join ``seen_ids``."""
    rules: list[dict[str, Any]] = []
    python_rules: list[CompiledPythonRule] = []
    for module_name, module in modules.loaded.items():
        for function_name, value in vars(module).items():
            if isinstance(value, PythonRule) and value.__module__ == module_name:
                python_file = modules.files[module_name]
                at = ("python", entries.index(python_file.name_in_file))
                what = f"Python rule {value.id!r} ({function_name} in {python_file.name_in_file})"
                file = str(path.parent / python_file.name_in_file)
                site = _site_of(value, python_file.text)
                rule = _python_rule_data(
                    value, module_name, function_name, on_error, source, at, what, problems, (file, site)
                )
                if rule is not None:
                    check_unique_id(value.id, at, source, seen_ids, problems)
                    rules.append(rule)
                    python_rules.append(CompiledPythonRule(rule["id"], rule, file, site, at))
    return rules, python_rules


def _python_rule_data(
    rule: PythonRule,
    module_name: str,
    function_name: str,
    on_error: str,
    source: SourceMap,
    at: tuple,
    what: str,
    problems: list[Problem],
    written: tuple[str, RuleSite | None] | None = None,
) -> dict[str, Any] | None:
    """The compiled form of a Python rule, its keys checked like a YAML rule's (problems at its ``python:``
    entry, ``at``; those of its ``when`` in the Python file, ``written``: (file, site), when it is found there);
    None when they are wrong."""
    # a Python rule has no `job` for `where` to select the annotations of: it reads what it wants
    keys = {name: getattr(rule, name) for name in COMMON_KEYS if name not in ("type", "where")}
    when = keys.pop("when", None)
    try:
        common = validate_model(CommonRuleKeys, {**keys, "type": PYTHON_RULE_TYPE}, source, at, what)
    except RuleFileError as error:
        problems.extend(error.problems)
        return None
    if id_problem(common.id, at, source, problems):
        return None
    data = {
        "id": common.id,
        "type": PYTHON_RULE_TYPE,
        "severity": common.severity,
        "message": common.message,
        "events": list(dict.fromkeys(common.events)),
        "weight": common.weight,
        "enabled": common.enabled,
        "on_error": common.on_error or on_error,
        "params": {"module": module_name, "function": function_name},
    }
    if when is not None:
        tree = _python_condition(when, at, source, problems, common.id, written)
        if tree is None:
            return None
        data["when"] = tree
    return data


def _site_of(rule: PythonRule, text: str) -> RuleSite | None:
    """Where the Python rule is written in its module's source ``text``, when it can be found."""
    code = getattr(rule.function, "__code__", None)
    name = getattr(rule.function, "__name__", None)
    if code is None or not isinstance(name, str):
        return None
    return rule_site(text, name, code.co_firstlineno)


def _python_condition(
    when: Any,
    at: tuple,
    source: SourceMap,
    problems: list[Problem],
    rule_id: str,
    written: tuple[str, RuleSite | None] | None,
) -> dict[str, Any] | None:
    """The tree of a Python rule's ``when``: a condition string, or ``{"job": ..., "category": ...}`` (that
    category is chosen or drawn: ``JOB.CATEGORY.count > 0``); None and a problem, in the Python file where the
    rule is written (else at its ``python:`` entry), when it cannot be read."""
    file, site = written if written is not None else ("", None)

    def problem(message: str, column: int | None = None) -> None:
        if site is not None:
            problems.append(python_rule_problem(file, site, message, "error", rule_id, column))
        else:
            problems.append(source.problem(at, message, rule_id=rule_id))

    if isinstance(when, str):
        try:
            return parse_condition(when)
        except ConditionError as error:
            shown = when if len(when) <= 80 else when[:77] + "..."
            problem(f"`when`: {error.reason}, at column {error.column} of {shown!r}", error.column)
            return None
    if isinstance(when, Mapping):
        job, category = when.get("job"), when.get("category")
        extra = sorted(str(key) for key in when if key not in ("job", "category"))
        if not extra and isinstance(job, str) and job and isinstance(category, str) and category:
            return {"job": job, "category": category, "op": ">", "value": 0}
    problem(
        f'`when` of Python rule {rule_id!r} is a condition string (`when="JOB.CATEGORY.count > 0"`) or '
        f'`when={{"job": JOB, "category": CATEGORY}}` (that category is chosen), not {when!r}'
    )
    return None
