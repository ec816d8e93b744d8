"""Lint: a rule file checked against the project's jsonInterface.

Everything the loader reports (unknown keys, wrong types, bad regexes, bounds that can never be met...) plus what
only the interface can tell: an unknown job or category (with "did you mean" from the interface's names), a rule
type that does not fit the job's mlTask or input type, a child job addressed where it cannot occur, a rule that
can never apply or never fail, the per-annotation conditions (``where``: a child job of the rule's job, one of its
categories), the conditions (``when``) of Python rules, placed in their Python file, and every import the build
would refuse (the check of ``plugin_imports.py``, which the build makes), at its line. Each rule
type adds its own checks through the ``lint`` function of its module
(see :class:`kili_rules.runtime.contract.RuleType`); a rule type without one gets the generic check of its ``job``
and ``category`` options.

Each problem is one line ``file:line:col: severity: message [rule-id]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from kili_rules.authoring.compile_rule import CompiledRule
from kili_rules.authoring.compile_rule_file import Compilation, compile_rule_file
from kili_rules.authoring.interface import Interface
from kili_rules.authoring.interface_diff import interface_drift
from kili_rules.authoring.plugin_imports import refused_import_problems
from kili_rules.authoring.python_rules import CompiledPythonRule
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, RuleFileError, did_you_mean
from kili_rules.plugins.registry import Registry
from kili_rules.rule_types._ml_tasks import ANNOTATION_TASKS
from kili_rules.runtime.condition import comparisons as condition_comparisons
from kili_rules.runtime.condition import names as condition_names
from kili_rules.runtime.condition import to_text as condition_text
from kili_rules.runtime.contract import OptionProblem


def lint_rule_file(
    path: str | Path,
    registry: Registry | None = None,
    *,
    interface_path: str | Path | None = None,
    live_interface: tuple[str, dict[str, Any]] | None = None,
) -> list[Problem]:
    """Every problem of the rule file at ``path``, in file order (an empty list: clean).

    ``live_interface`` is ``(project id, jsonInterface)`` as Kili has it now: a warning lists what changed from
    the local interface (:func:`~kili_rules.authoring.interface_diff.interface_drift`: jobs and categories added,
    removed, renamed), and the rules are still checked against the local one.

    Raises :class:`RuleFileError` when there is nothing to lint: the rule file or its interface cannot be read,
    or no interface is named (neither ``interface:`` in the file nor ``interface_path``).
    """
    compilation = compile_rule_file(path, registry, interface_path=interface_path)
    if compilation.interface_problem is not None:
        raise RuleFileError([compilation.interface_problem])
    if compilation.interface is None:
        if compilation.problems:  # the header itself is wrong: report that, there is nothing else to check
            return _in_file_order(compilation.problems, compilation.source.path)
        raise RuleFileError(
            [
                compilation.source.problem(
                    (),
                    "no interface to lint against: add `interface: <the project's jsonInterface file>` to the rule "
                    "file, or pass --interface FILE",
                )
            ]
        )
    interface = Interface(compilation.interface)
    problems = list(compilation.problems)
    for rule in compilation.rules:
        problems += lint_rule(rule, interface, compilation.source)
    for at, raw_rule in compilation.broken_rules:  # one problem must not hide another: the job it names, still
        problems += _lint_broken_rule(at, raw_rule, interface, compilation.source)
    for python_rule in compilation.python_rules:
        problems += lint_python_rule(python_rule, interface, compilation.source)
    problems += _refused_imports(compilation)
    if live_interface is not None:
        project_id, live = live_interface
        drift = interface_drift(compilation.interface, live)
        if drift:
            at = ("interface",) if interface_path is None else ()
            message = (
                f"the interface differs from project {project_id}'s live jsonInterface: {'; '.join(drift)}; "
                f"update it with `kili-rules pull --project {project_id} {path}`"
            )
            problems.append(compilation.source.problem(at, message, severity="warning"))
    return _in_file_order(list(dict.fromkeys(problems)), compilation.source.path)


def _refused_imports(compilation: Compilation) -> list[Problem]:
    """Every import the build would refuse in the rule set's Python modules (or in what they import) and in the
    modules of its rule types: the check the build makes, at the import's line."""
    modules = compilation.python_modules
    if modules is None:
        return []
    user_modules = {name: (file.path, file.name_in_file) for name, file in modules.files.items()}
    rule_types = {rule.rule_type.name: rule.rule_type for rule in compilation.rules}
    return refused_import_problems(compilation.path, modules.package, user_modules, rule_types.values())


def _lint_broken_rule(
    at: tuple[str | int, ...], raw_rule: Any, interface: Interface, source: SourceMap
) -> list[Problem]:
    """The problems of the job a rule that did not compile names (its other problems are already reported)."""
    if not isinstance(raw_rule, dict) or not isinstance(raw_rule.get("job"), str):
        return []
    rule_id = raw_rule.get("id") if isinstance(raw_rule.get("id"), str) else None
    _, found = interface.check_job("job", raw_rule["job"])
    return [
        source.problem((*at, "job"), problem.message, severity=problem.severity, rule_id=rule_id) for problem in found
    ]


def lint_rule(rule: CompiledRule, interface: Interface, source: SourceMap) -> list[Problem]:
    """The problems of one compiled rule against the interface."""
    found: list[OptionProblem] = []
    if not rule.data.get("events"):
        message = "`events` is empty: the rule never runs; remove it to run on submit and review"
        found.append(OptionProblem("events", message, "warning"))
    if rule.rule_type.lint is not None:
        found += rule.rule_type.lint(rule.params, interface)
    else:
        found += _generic_lint(rule.params, interface)
    if rule.data.get("when") is not None:
        found += lint_condition(rule.data["when"], interface)
    if rule.data.get("where") is not None:
        found += lint_where(rule.data["where"], interface)
    problems = []
    for problem in found:
        location = (*rule.at, *(int(p) if p.isdigit() else p for p in problem.path.split(".")))
        problems.append(source.problem(location, problem.message, severity=problem.severity, rule_id=rule.id))
    return problems


def lint_python_rule(rule: CompiledPythonRule, interface: Interface, source: SourceMap) -> list[Problem]:
    """The problems of a Python rule's ``when`` against the interface, placed in the Python file at its ``when=``
    (at its ``python:`` entry of the rule file when it cannot be found there)."""
    when = rule.data.get("when")
    if when is None:
        return []
    return [rule.problem(source, p.message, p.severity) for p in lint_condition(when, interface)]


def lint_condition(tree: Mapping[str, Any], interface: Interface, path: str = "when") -> list[OptionProblem]:
    """The problems of a rule's condition against the interface: each ``JOB.CATEGORY`` names a job and one of its
    categories, and no comparison is always true or never true (a count is a whole number, never negative)."""
    problems: list[OptionProblem] = []
    for job_name, category in condition_names(tree):
        job, found = interface.check_job(path, job_name)
        if job is not None:
            found += interface.check_category(job, path, category)
        problems += [replace(p, message=f"`when`: {p.message}") for p in found]
    for comparison in condition_comparisons(tree):
        outcome = _constant_outcome(comparison["op"], comparison["value"])
        if outcome is not None:
            text = condition_text(comparison)
            message = f"`when`: `{text}` is {outcome} (a count is a whole number >= 0)"
            problems.append(OptionProblem(path, message, "warning"))
    return problems


def lint_where(where: Mapping[str, Any], interface: Interface) -> list[OptionProblem]:
    """The problems of a rule's ``where`` against the interface: the rule's job holds annotations, ``child`` is a
    child job of its categories, and ``category`` one of the child job's categories (did you mean...)."""
    job = interface.jobs.get(where["job"])
    if job is None:  # the rule's own `job` problem says it
        return []
    if job.ml_task not in ANNOTATION_TASKS:
        message = f"{job.describe}: `where` selects annotations, and this job has none; use `when` for the label"
        return [OptionProblem("where", message)]
    child = where["child"]
    children = sorted({kid for category in job.categories for kid in job.children.get(category, ())})
    if child not in children:
        listed = ", ".join(children) or "none"
        hint = did_you_mean(child, children or list(interface.jobs))
        known = "a job of the interface, but not" if child in interface.jobs else "not"
        message = f"`where`: {child!r} is {known} a child job of {job.name};{hint} its child jobs: {listed}"
        return [OptionProblem("where.child", message)]
    category = where.get("category")
    if category is None:
        return []
    return [
        replace(p, message=f"`where`: {p.message}")
        for p in interface.check_category(interface.jobs[child], "where.category", category)
    ]


def _constant_outcome(op: str, value: float) -> str | None:
    """``always true`` / ``never true`` when ``count OP value`` does not depend on the count, else None."""
    whole = float(value).is_integer()
    if op == "==" and (value < 0 or not whole):
        return "never true"
    if (op == "<" and value <= 0) or (op == "<=" and value < 0):
        return "never true"
    if (op == ">=" and value <= 0) or (op == ">" and value < 0):
        return "always true"
    return None


def _generic_lint(params: Any, interface: Interface) -> list[OptionProblem]:
    """For rule types without a ``lint``: their ``job`` exists, and their ``category`` is one of its categories."""
    job_name = getattr(params, "job", None)
    if not isinstance(job_name, str):
        return []
    job, problems = interface.check_job("job", job_name)
    category = getattr(params, "category", None)
    if job is not None and isinstance(category, str):
        problems += interface.check_category(job, "category", category)
    return problems


def _in_file_order(problems: list[Problem], rule_file: str) -> list[Problem]:
    """The problems in file order: the rule file's first, then those of each Python file."""
    return sorted(problems, key=lambda p: (p.path != rule_file, p.path, p.line, p.column))


__all__ = ["interface_drift", "lint_condition", "lint_python_rule", "lint_rule", "lint_rule_file"]
