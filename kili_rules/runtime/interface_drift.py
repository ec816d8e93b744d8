"""The interface moved under the rules: the embedded rule set checked against the jsonInterface Kili has now.

A plugin is built against the interface its rule file names; a manager who later renames a category, removes a
job or turns a box job into a polygon one leaves rules that can never apply, or never fail. A plugin built for
Kili's event API (``kili-rules build --handlers events``) receives ``project.interface.updated`` and runs
:func:`check_interface`: one read of the project's ``jsonInterface`` (budgeted, checked:
:func:`~kili_rules.runtime.event_reads.read_interface`), then :func:`rule_set_drift`, the checks ``kili-rules
lint`` makes with the interface (each rule type's own ``lint``: unknown jobs and categories, a rule type that no
longer fits its job's mlTask or input; the jobs and categories of ``when`` and ``where``), on the compiled rule
set. Each problem is logged through the plugin's logger, naming the rule and the job, at ERROR level (WARNING for
what lint calls a warning: a rule that can never apply), so ``kili-rules logs`` shows it. Nothing is written to
Kili, and nothing raises into it.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from kili_rules.runtime.condition import names as condition_names
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, build_params, jobs_read
from kili_rules.runtime.event_reads import read_interface
from kili_rules.runtime.interface_checks import CheckedInterface
from kili_rules.runtime.policy import cut
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE
from kili_rules.runtime.retry import Deadline


@dataclass(frozen=True)
class DriftProblem:
    """One rule that no longer fits the interface.

    Attributes:
        rule_id: the rule.
        job: the job the problem is about (the rule's job when the problem names no other; ``""``: none).
        message: what is wrong, worded as ``kili-rules lint`` words it.
        severity: ``error`` (the rule names what is not there, or no longer fits) or ``warning`` (it can never
            apply).
    """

    rule_id: str
    job: str
    message: str
    severity: str = "error"


@dataclass
class InterfaceCheck:
    """What one ``project.interface.updated`` event did (for logs and tests)."""

    problems: list[DriftProblem] = field(default_factory=list)
    failure: str | None = None
    calls: int = 0


def rule_set_drift(
    rule_set: Mapping[str, Any], rule_types: Mapping[str, RuleType[Any]], live: Mapping[str, Any]
) -> list[DriftProblem]:
    """The problems of the enabled rules of the compiled ``rule_set`` against the jsonInterface ``live``, in rule
    order (empty: every rule still fits)."""
    interface = CheckedInterface(live)
    problems: list[DriftProblem] = []
    for rule in rule_set.get("rules", []):
        if rule.get("enabled", True):
            problems += _rule_drift(rule, rule_types, interface)
    return problems


def _rule_drift(
    rule: Mapping[str, Any], rule_types: Mapping[str, RuleType[Any]], interface: CheckedInterface
) -> list[DriftProblem]:
    """The problems of one compiled rule: its rule type's lint (or the check of its job and category), then its
    ``when`` and ``where``."""
    rule_id = str(rule.get("id"))
    found: list[tuple[str, OptionProblem]] = []
    if rule.get("type") != PYTHON_RULE_TYPE:
        rule_type = rule_types.get(str(rule.get("type")))
        try:
            if rule_type is None:
                raise LookupError(f"the rule type {rule.get('type')!r} is not embedded")
            params = build_params(rule_type.params, rule.get("params") or {})
            # an InterfaceView, read-only (its frozen jobs are what the Protocol's plain attributes describe)
            view = cast(InterfaceView, interface)
            checks = rule_type.lint(params, view) if rule_type.lint is not None else _generic(params, interface)
            main_job = _main_job(params)
            found += [(_job_at(params, problem.path, main_job), problem) for problem in checks]
        except Exception as error:  # a check that cannot run says so: it must not hide the other rules' problems
            message = f"cannot check the rule against the interface: {type(error).__name__}: {error}"
            found.append((str((rule.get("params") or {}).get("job") or ""), OptionProblem("", message)))
    for job_name, category in condition_names(rule.get("when")):
        found += [(job_name, _prefixed("when", p)) for p in _job_and_category(interface, "when", job_name, category)]
    where = rule.get("where")
    if isinstance(where, Mapping) and isinstance(where.get("child"), str):
        child, child_category = where["child"], where.get("category")
        checks = _job_and_category(interface, "where", child, child_category)
        found += [(child, _prefixed("where", p)) for p in checks]
    return [DriftProblem(rule_id, job, problem.message, problem.severity) for job, problem in found]


def _job_and_category(
    interface: CheckedInterface, path: str, job_name: str, category: str | None
) -> list[OptionProblem]:
    job, problems = interface.check_job(path, job_name)
    if job is not None and isinstance(category, str):
        problems += interface.check_category(job, path, category)
    return problems


def _generic(params: Any, interface: CheckedInterface) -> list[OptionProblem]:
    """For rule types without a ``lint``: their ``job`` exists, and their ``category`` is one of its categories."""
    job_name = getattr(params, "job", None)
    if not isinstance(job_name, str):
        return []
    return _job_and_category(interface, "job", job_name, getattr(params, "category", None))


def _main_job(params: Any) -> str:
    """The rule's ``job`` option, else the jobs its options name."""
    job = getattr(params, "job", None)
    return job if isinstance(job, str) else ", ".join(sorted(jobs_read(params)))


def _job_at(params: Any, path: str, main_job: str) -> str:
    """The job named by the option at ``path`` when it names one (``for_each.job``...), else ``main_job``."""
    value: Any = params
    for part in path.split(".") if path else ():
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            value = getattr(value, part, None)
    if isinstance(value, str) and value in jobs_read(params):
        return value
    return main_job


def _prefixed(where: str, problem: OptionProblem) -> OptionProblem:
    return OptionProblem(problem.path, f"`{where}`: {problem.message}", problem.severity)


def check_interface(
    kili: Any,
    project_id: str,
    rule_set: Mapping[str, Any],
    rule_types: Mapping[str, RuleType[Any]],
    logger: logging.Logger,
    deadline: Deadline,
) -> InterfaceCheck:
    """Read the project's jsonInterface (one call within ``deadline``) and log every rule of ``rule_set`` that no
    longer fits it. Never raises: a read that fails is logged at ERROR level (the rules could not be checked)."""
    result = InterfaceCheck()
    limit = int((rule_set.get("limits") or {}).get("max_log_line", 4000))
    name = rule_set.get("name", "")

    def log(level: int, text: str) -> None:
        logger.log(level, cut(text, limit))

    try:
        try:
            live = read_interface(kili, project_id, deadline)
        except Exception as error:
            result.failure = f"{type(error).__name__}: {error}"
            unread = f"the interface of project {project_id} changed and could not be read"
            log(logging.ERROR, f"kili-rules: {unread}: the rules of {name} are not checked: {result.failure}")
            return result
        result.problems = rule_set_drift(rule_set, rule_types, live)
        for problem in result.problems:
            level = logging.ERROR if problem.severity == "error" else logging.WARNING
            on = f" (job {problem.job})" if problem.job else ""
            log(level, f"kili-rules: the interface changed: rule {problem.rule_id}{on} of {name}: {problem.message}")
        if not result.problems:
            log(logging.INFO, f"kili-rules: the interface changed: the rules of {name} still fit it")
        else:
            advice = f"run `kili-rules lint RULE_FILE --project {project_id}`, fix the rules and rebuild"
            rules = len({problem.rule_id for problem in result.problems})
            log(logging.ERROR, f"kili-rules: {rules} rules of {name} no longer fit the interface: {advice}")
    except BaseException as error:  # the handler never raises into Kili
        result.failure = f"{type(error).__name__}: {error}"
        log(logging.ERROR, f"kili-rules: unexpected error while checking the interface: {result.failure}")
    finally:
        result.calls = deadline.calls
    return result
