"""Compiling one YAML rule of a rule file: its common keys and its options validated (options through the rule
type's declarations), its ``prepare`` and ``validate`` run, its regexes screened, its message and ``when`` checked;
every problem of the rule is placed in the file, all at once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from kili_rules.authoring.interface import Interface
from kili_rules.authoring.model_validation import validate_model
from kili_rules.authoring.options import options_model
from kili_rules.authoring.regex_safety import catastrophic_part
from kili_rules.authoring.rule_file_model import (
    COMMON_KEYS,
    COMMON_PLACEHOLDERS,
    RESERVED_RULE_IDS,
    RULE_ID_PATTERN,
    CommonRuleKeys,
)
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, RuleFileError, did_you_mean
from kili_rules.plugins.registry import Registry
from kili_rules.runtime.condition import ConditionError
from kili_rules.runtime.condition import parse as parse_condition
from kili_rules.runtime.contract import OptionProblem, RuleType, build_params
from kili_rules.runtime.message import bad_specs, placeholder_specs, placeholders, spec_fits

_RULE_ID = re.compile(RULE_ID_PATTERN.rstrip("$") + r"\Z")


@dataclass
class CompiledRule:
    """One YAML rule as the loader compiled it: what lint checks against the interface."""

    id: str
    rule_type: RuleType
    params: Any
    at: tuple[Any, ...]
    data: dict[str, Any]


def compile_rule(
    raw_rule: Any,
    at: tuple,
    source: SourceMap,
    registry: Registry,
    interface: Mapping[str, Any] | None,
    on_error: str,
    problems: list[Problem],
) -> CompiledRule | None:
    """The rule ``raw_rule`` (at ``at`` in ``source``) compiled, or None; its problems are added to ``problems``
    (every one at once: its common keys, its type, its options, its message, its ``when``)."""
    if not isinstance(raw_rule, dict):
        problems.append(source.problem(at, "a rule is a mapping with at least `id` and `type`"))
        return None
    label = f"rule {raw_rule.get('id')!r}" if isinstance(raw_rule.get("id"), str) else f"rule #{at[-1] + 1}"
    common, options = _common_keys(raw_rule, at, source, label, problems)
    rule_type = _rule_type(common.type if common is not None else raw_rule.get("type"), at, source, registry, problems)
    if rule_type is None:
        return None
    if common is not None:
        label = f"rule {common.id!r} ({rule_type.name})"
    params = _params(raw_rule, options, rule_type, at, source, label, interface, problems)
    if params is None or common is None:
        return None
    message = common.message if common.message is not None else rule_type.default_message
    problems.extend(_message_problems(message, rule_type, (*at, "message"), source, label, raw_rule.get("id")))
    rule = {
        "id": common.id,
        "type": rule_type.name,
        "severity": common.severity,
        "message": message,
        "events": list(dict.fromkeys(common.events)),
        "weight": common.weight,
        "enabled": common.enabled,
        "on_error": common.on_error or on_error,
        "params": dataclasses.asdict(params),
    }
    if common.when is not None:
        tree = _condition(common.when, (*at, "when"), source, problems, common.id)
        if tree is not None:
            rule["when"] = tree
    if common.where is not None:
        job = getattr(params, "job", None)
        if not isinstance(job, str):
            message = f"`where` selects annotations of the rule's `job`: {rule_type.name} rules have no `job`"
            problems.append(source.problem((*at, "where"), message, rule_id=common.id))
        else:
            rule["where"] = {"job": job, **common.where.model_dump()}
    return CompiledRule(rule["id"], rule_type, params, at, rule)


def _common_keys(
    raw_rule: dict[str, Any], at: tuple, source: SourceMap, label: str, problems: list[Problem]
) -> tuple[CommonRuleKeys | None, dict[str, Any]]:
    """The rule's common keys validated (None when they are wrong, or its id is unfit), and its other keys: the
    options of its type."""
    # `when` as a string is the rule's condition; as a mapping it is an option of the rule type (`required`'s
    # `when: {job, category}`)
    condition_key = isinstance(raw_rule.get("when"), str) or "when" not in raw_rule
    common_keys = COMMON_KEYS if condition_key else tuple(k for k in COMMON_KEYS if k != "when")
    common_raw = {k: v for k, v in raw_rule.items() if k in common_keys}
    options = {k: v for k, v in raw_rule.items() if k not in common_keys}
    common = None
    try:
        common = validate_model(CommonRuleKeys, common_raw, source, at, label)
    except RuleFileError as error:
        problems.extend(error.problems)
    if common is not None and id_problem(common.id, (*at, "id"), source, problems):
        common = None
    return common, options


def _rule_type(
    type_name: Any, at: tuple, source: SourceMap, registry: Registry, problems: list[Problem]
) -> RuleType | None:
    """The installed rule type named ``type_name``, or None (and a problem listing the installed ones)."""
    rule_type = registry.get(type_name) if isinstance(type_name, str) else None
    if rule_type is None and isinstance(type_name, str):
        known = ", ".join(registry.rule_types)
        hint = did_you_mean(type_name, registry.rule_types)
        problems.append(source.problem((*at, "type"), f"unknown rule type {type_name!r};{hint} installed: {known}"))
    return rule_type


def _params(
    raw_rule: dict[str, Any],
    options: dict[str, Any],
    rule_type: RuleType,
    at: tuple,
    source: SourceMap,
    label: str,
    interface: Mapping[str, Any] | None,
    problems: list[Problem],
) -> Any:
    """The rule type's params built from ``options`` (and prepared against the interface when there is one), or
    None when the options are wrong; what its ``validate`` and the regex screen find is added to ``problems``."""
    try:
        validated_options = validate_model(options_model(rule_type.params), options, source, at, label)
    except RuleFileError as error:
        for problem in error.problems:  # an unknown key may be a common key misspelt: offer those too
            problems.append(_with_common_keys(_with_condition_hint(problem, raw_rule)))
        return None
    params = build_params(rule_type.params, validated_options.model_dump())
    if interface is not None and rule_type.prepare is not None:
        params = rule_type.prepare(params, Interface(interface))
    found = list(rule_type.validate(params)) if rule_type.validate else []
    found += _regex_problems(params, {problem.path for problem in found})
    raw_id = raw_rule.get("id") if isinstance(raw_rule.get("id"), str) else None
    for problem in found:
        location = (*at, *(int(p) if p.isdigit() else p for p in problem.path.split(".")))
        problems.append(source.problem(location, problem.message, rule_id=raw_id))
    return params


def _message_problems(
    message: str, rule_type: RuleType, at: tuple, source: SourceMap, label: str, raw_id: Any
) -> list[Problem]:
    """What is wrong with a rule's message template (at ``at``): an unknown placeholder, a bad format spec."""
    problems = []
    allowed = (*COMMON_PLACEHOLDERS, *rule_type.placeholders)
    unknown = [p for p in placeholders(message) if p not in allowed]
    if unknown:
        problems.append(
            source.problem(
                at,
                f"unknown placeholder {{{unknown[0]}}} in the message of {label}; "
                f"available: {', '.join('{' + p + '}' for p in allowed)}",
            )
        )
    for bad in bad_specs(message):
        problems.append(
            source.problem(
                at,
                f"{bad} in the message of {label} is not a placeholder with a format spec: write `{{name}}` or "
                "`{name:spec}` with a spec of Python's format mini-language (`{area:.3f}`, `{count:>3}`); `{{` "
                "and `}}` give literal braces",
                rule_id=raw_id if isinstance(raw_id, str) else None,
            )
        )
    for name, spec in placeholder_specs(message):
        kind = rule_type.placeholder_types.get(name)
        if kind is not None and not spec_fits(spec, kind):
            problems.append(
                source.problem(
                    at,
                    f"{{{name}:{spec}}} in the message of {label}: the spec cannot apply to {{{name}}}, "
                    f"{_KIND_NAMES.get(kind, kind.__name__)}",
                    rule_id=raw_id if isinstance(raw_id, str) else None,
                )
            )
    return problems


_KIND_NAMES = {float: "a number", int: "a whole number", str: "a text"}


def _condition(
    text: str, at: tuple, source: SourceMap, problems: list[Problem], rule_id: str | None
) -> dict[str, Any] | None:
    """The parsed tree of a rule's ``when`` condition, or None (and a problem placed in the file)."""
    try:
        return parse_condition(text)
    except ConditionError as error:
        shown = text if len(text) <= 80 else text[:77] + "..."
        message = f"`when`: {error.reason}, at column {error.column} of {shown!r}"
        problems.append(source.problem(at, message, rule_id=rule_id))
        return None


def _with_condition_hint(problem: Problem, raw_rule: Mapping[str, Any]) -> Problem:
    """An unknown ``when`` option (a mapping given to a rule type without one) says how to write a condition."""
    when = raw_rule.get("when")
    if "unknown key 'when'" not in problem.message or not isinstance(when, dict):
        return problem
    job, category = when.get("job", "JOB"), when.get("category", "CATEGORY")
    message = f'`when` is a condition string here: write `when: "{job}.{category}.count > 0"`'
    return replace(problem, message=message)


def _regex_problems(params: Any, skipped: set[str]) -> list[OptionProblem]:
    """The regexes among the options (``regex``, ``*_regex``: a string or a list of strings) that can take
    exponential time; options in ``skipped`` already have a problem (a regex that does not compile)."""
    problems = []
    for key, value in _fields_and_values(params):
        if (key == "regex" or key.endswith("_regex")) and key not in skipped:
            for pattern in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
                hazard = catastrophic_part(pattern) if isinstance(pattern, str) else None
                if hazard is not None:
                    problems.append(OptionProblem(key, hazard.message()))
    return problems


def _fields_and_values(params: Any) -> list[tuple[str, Any]]:
    if dataclasses.is_dataclass(params):
        return [(f.name, getattr(params, f.name)) for f in dataclasses.fields(params)]
    if isinstance(params, BaseModel):
        return list(params.model_dump().items())
    return []


def id_problem(rule_id: str, at: tuple, source: SourceMap, problems: list[Problem]) -> bool:
    """Whether ``rule_id`` is unfit to tag Kili issues, or reserved (and if so, the problem is added)."""
    if rule_id in RESERVED_RULE_IDS:
        message = (
            f"rule id {rule_id!r} is reserved: the plugin tags with it the labels whose jsonResponse cannot be "
            "read; choose another id"
        )
    elif not _RULE_ID.match(rule_id):
        message = (
            f"rule id {rule_id!r} must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or a "
            "digit (it tags Kili issues as `[id] ...` and lists failed rules): rename it"
        )
    else:
        return False
    problems.append(source.problem(at, message))
    return True


def _with_common_keys(problem: Problem) -> Problem:
    match = re.search(r"unknown key '([^']+)'", problem.message)
    if not match or "did you mean" in problem.message:
        return problem
    hint = did_you_mean(match.group(1), COMMON_KEYS)
    if not hint:
        return problem
    message = problem.message.replace("; known keys", f";{hint} known keys", 1)
    message += ", and the keys every rule has: " + ", ".join(COMMON_KEYS)
    return replace(problem, message=message)


def check_unique_id(
    rule_id: str, at: tuple, source: SourceMap, seen: dict[str, tuple[int, int]], problems: list[Problem]
) -> None:
    if rule_id in seen:
        line, column = seen[rule_id]
        problems.append(
            source.problem(
                at, f"duplicate rule id {rule_id!r} (first at line {line}, column {column}): ids must be unique"
            )
        )
    else:
        seen[rule_id] = source.where(at)
