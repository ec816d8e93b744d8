"""Loads a rule file (YAML, plus the Python rule modules it lists) into a compiled :class:`RuleSet`.

Every problem names file:line:col and what to do: unknown keys (with "did you mean"), wrong types, duplicate rule
ids, unknown rule types (listing the installed ones), unknown message placeholders, options that can never pass,
a missing interface or Python file, a Python module that fails to import.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import re
import sys
import traceback
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter, ValidationInfo, field_validator

from kili_rules.authoring.interface import Interface
from kili_rules.authoring.options import options_model
from kili_rules.authoring.project_assertions import ProjectAssertions, project_problems
from kili_rules.authoring.python_source import RuleSite, rule_site
from kili_rules.authoring.regex_safety import catastrophic_part
from kili_rules.authoring.yaml_source import (
    MAX_DATA_FILE_BYTES,
    MAX_RULE_FILE_BYTES,
    SourceMap,
    UnreadableFile,
    load_yaml,
    read_bounded,
    read_text,
)
from kili_rules.errors import Problem, RuleFileError, did_you_mean
from kili_rules.plugins.registry import Registry, default_registry
from kili_rules.runtime.condition import ConditionError
from kili_rules.runtime.condition import names as condition_names
from kili_rules.runtime.condition import parse as parse_condition
from kili_rules.runtime.contract import OptionProblem, RuleType, build_params, jobs_read, options_of
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label import LabelView
from kili_rules.runtime.message import bad_specs, placeholders
from kili_rules.runtime.model import EVENTS, UNREADABLE_LABEL, Report
from kili_rules.runtime.python_rule import PYTHON_RULE_TYPE, PythonRule

#: Python rule modules are imported under a package named this plus a hash (:func:`user_package`), in a built
#: plugin as offline.
USER_PACKAGE = "kili_rules_user"
#: Placeholders every rule's message may use: ``job_name`` and ``category_name`` are the names the interface shows
#: (a job's ``instruction``, a category's ``name``), or the ids when the rule file names no interface.
COMMON_PLACEHOLDERS = ("id", "job", "frame", "job_name", "category_name")
#: What a rule id may be: it tags Kili issues (``[id] ...``) and lists failed rules in ``json_metadata``.
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: Rule ids the runtime gives its own findings: ``unreadable-label`` tags labels whose jsonResponse cannot be read.
RESERVED_RULE_IDS = (UNREADABLE_LABEL,)
Action = Literal["issue", "send_back"]
OnError = Literal["fail", "skip"]
#: A score weight: a finite number >= 0 (a number, not a string or a boolean).
Weight = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_RULE_ID = re.compile(RULE_ID_PATTERN.rstrip("$") + r"\Z")


class ScoreConfig(BaseModel):
    """Where the quality score goes in the asset's ``json_metadata``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        "qa_score",
        min_length=1,
        description="The json_metadata key of the score: 0..100, the weighted share of the "
        "applicable rules passed (default: qa_score).",
    )
    failed_key: str | None = Field(
        None,
        min_length=1,
        description="An optional json_metadata key for the comma-separated ids of the rules that "
        "failed (not the score's key).",
    )

    @field_validator("failed_key")
    @classmethod
    def _not_the_score_key(cls, failed_key: str | None, info: ValidationInfo) -> str | None:
        if failed_key is not None and failed_key == info.data.get("key"):
            raise ValueError(f"`failed_key` must differ from `key` ({failed_key!r}): the score would be overwritten")
        return failed_key


class LimitsConfig(BaseModel):
    """Bounds on what the plugin does for one label: time (Kili stops a plugin at 60 s), issues, text sizes."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    event_seconds: float = Field(50.0, gt=0, le=55, description="Seconds one event may take in all (at most 55).")
    evaluation_seconds: float = Field(
        20.0, gt=0, description="Seconds the rules may take on one label (below `event_seconds`)."
    )
    max_issues: int = Field(
        100, ge=1, le=1000, description="Issues created per label; beyond it, one summary issue per rule."
    )
    max_issue_text: int = Field(1000, ge=80, le=10_000, description="Characters of an issue's text.")
    max_log_line: int = Field(4000, ge=200, le=100_000, description="Characters of a line of the plugin's log.")

    @field_validator("evaluation_seconds")
    @classmethod
    def _within_the_event(cls, seconds: float, info: ValidationInfo) -> float:
        event_seconds = info.data.get("event_seconds")
        if event_seconds is not None and seconds >= event_seconds:
            raise ValueError(
                f"`evaluation_seconds` ({seconds:g}) must be below `event_seconds` ({event_seconds:g}): "
                "the Kili calls need time after the rules"
            )
        return seconds


class ActionsConfig(BaseModel):
    """What each severity triggers in Kili."""

    model_config = ConfigDict(extra="forbid")

    error: list[Action] = Field(
        ["issue", "send_back"], description="What a finding of severity error does (default: [issue, send_back])."
    )
    warning: list[Action] = Field(["issue"], description="What a finding of severity warning does (default: [issue]).")
    info: list[Action] = Field([], description="What a finding of severity info does (default: nothing).")


class RuleSetFile(BaseModel):
    """The top level of a rule file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    interface: str | None = None
    score: ScoreConfig = ScoreConfig()
    actions: ActionsConfig = ActionsConfig()
    on_error: OnError = "fail"
    limits: LimitsConfig = LimitsConfig()
    python: list[str] = []
    rules: list[dict[str, Any]] = []
    project: ProjectAssertions | None = None


class CommonRuleKeys(BaseModel):
    """The keys every rule has, whatever its type."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1,
        json_schema_extra={"pattern": RULE_ID_PATTERN},
        description="Unique and stable: it tags the Kili issues of the rule ([id] ...). Letters, digits, _ . -",
    )
    type: str = Field(description="The rule type (`kili-rules rules` lists the installed ones).")
    severity: Literal["error", "warning", "info"] = Field(
        "error", description="error, warning or info: what `actions` its findings trigger (default: error)."
    )
    message: str | None = Field(
        None, description="The message template of its findings: {placeholders} of the rule type, {id}, {job}, {frame}."
    )
    events: list[Literal["submit", "review"]] = Field(
        list(EVENTS), description="The Kili events it runs on (default: [submit, review])."
    )
    weight: Weight = Field(1.0, description="Its weight in the score: a finite number >= 0 (default: 1).")
    enabled: bool = Field(True, description="false turns the rule off (default: true).")
    on_error: OnError | None = Field(
        None,
        description="fail: a rule that cannot check counts as failed, with an issue; skip: left out of the "
        "score (default: the rule set's on_error).",
    )
    when: str | None = Field(
        None,
        description="A condition in the grammar of Kili's category search: `JOB.CATEGORY.count > 0`, joined "
        "with AND / OR, grouped with parentheses; when it is false the rule does not apply (default: always).",
    )


COMMON_KEYS = tuple(CommonRuleKeys.model_fields)


@dataclass
class RuleSet:
    """A loaded rule file: the compiled, JSON-able rule set and what it needs to run and to be built."""

    path: Path
    data: dict[str, Any]
    rule_types: dict[str, RuleType]
    python_modules: dict[str, Path] = field(default_factory=dict)
    #: the package its Python modules are imported under (see :func:`user_package`)
    user_package: str = USER_PACKAGE
    interface: dict[str, Any] | None = None
    source: SourceMap | None = None
    #: the ``project:`` assertions ``check`` verifies (:mod:`kili_rules.authoring.project_assertions`)
    project: ProjectAssertions | None = None
    _loaded_modules: dict[str, types.ModuleType] = field(default_factory=dict, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The plugin name (``name:``, or the file's stem)."""
        return self.data["name"]

    @property
    def engine(self) -> Engine:
        """The runtime engine over this rule set (the code the plugin runs)."""
        if self._engine is None:
            self._engine = Engine(self.data, self.rule_types, self._resolve_python)
        return self._engine

    def evaluate(self, label: LabelView | Mapping[str, Any], event: str = "submit") -> Report:
        """Evaluate one label (a Kili label dict, a bare jsonResponse wrapped by ``LabelView``, or a view)."""
        return self.engine.evaluate(label, event)

    def _resolve_python(self, module: str, function: str) -> Any:
        return getattr(self._loaded_modules[module], function)


@dataclass
class CompiledRule:
    """One YAML rule as the loader compiled it: what lint checks against the interface."""

    id: str
    rule_type: RuleType
    params: Any
    at: tuple[Any, ...]
    data: dict[str, Any]


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


@dataclass
class Compilation:
    """Everything the loader learnt from a rule file, problems included (``rule_set`` is None if there are any)."""

    path: Path
    source: SourceMap
    interface: dict[str, Any] | None
    rules: list[CompiledRule]
    problems: list[Problem]
    rule_set: RuleSet | None
    #: why the interface could not be read, when it could not
    interface_problem: Problem | None = None
    #: the Python rules (their ``when`` is linted like a YAML rule's)
    python_rules: list[CompiledPythonRule] = field(default_factory=list)
    #: the rules that did not compile, as written, with their place (lint still checks the job they name)
    broken_rules: list[tuple[tuple[str | int, ...], Any]] = field(default_factory=list)


def load_rule_set(path: str | Path, registry: Registry | None = None) -> RuleSet:
    """Load and compile the rule file at ``path``. Raises :class:`RuleFileError` (one line per problem)."""
    compilation = compile_rule_file(path, registry)
    if compilation.rule_set is None:
        raise RuleFileError(compilation.problems)
    return compilation.rule_set


def compile_rule_file(
    path: str | Path, registry: Registry | None = None, *, interface_path: str | Path | None = None
) -> Compilation:
    """Compile the rule file at ``path``, gathering every problem instead of stopping at the first.

    ``interface_path`` replaces the file's own ``interface:``. Raises :class:`RuleFileError` only when the file
    cannot be read at all (missing, not UTF-8, invalid YAML, not a mapping).
    """
    path = Path(path)
    registry = registry or default_registry()
    raw, source = load_yaml(read_text(path, "rule file"), str(path))
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RuleFileError([source.problem((), "a rule file is a mapping with a `rules:` list; see the README")])

    try:
        header = validate_model(RuleSetFile, raw, source, (), "the rule file")
    except RuleFileError as error:
        return Compilation(path, source, None, [], error.problems, None)
    problems: list[Problem] = []
    name = header.name if header.name is not None else path.stem
    if not _NAME.match(name):
        problems.append(
            source.problem(("name",), f"plugin name {name!r} may hold only letters, digits, '.', '_' and '-'")
        )
    before_interface = len(problems)
    if interface_path is not None:
        interface = _read_interface(Path(interface_path), source, (), problems)
    elif header.interface is not None:
        interface = _read_interface(path.parent / header.interface, source, ("interface",), problems)
    else:
        interface = None
    interface_problem = problems[-1] if len(problems) > before_interface else None
    rules: list[dict[str, Any]] = []
    compiled_rules: list[CompiledRule] = []
    used_types: dict[str, RuleType] = {}
    seen_ids: dict[str, tuple[int, int]] = {}
    broken_rules: list[tuple[tuple[str | int, ...], Any]] = []
    for index, raw_rule in enumerate(header.rules):
        before = len(problems)
        compiled = _compile_rule(raw_rule, ("rules", index), source, registry, interface, header.on_error, problems)
        if compiled is not None:
            rule, rule_type, params = compiled
            _check_unique_id(rule["id"], ("rules", index, "id"), source, seen_ids, problems)
            rules.append(rule)
            used_types[rule_type.name] = rule_type
            compiled_rules.append(CompiledRule(rule["id"], rule_type, params, ("rules", index), rule))
        else:
            broken_rules.append((("rules", index), raw_rule))
        rule_id = raw_rule.get("id") if isinstance(raw_rule, dict) else None
        if isinstance(rule_id, str):
            problems[before:] = [p if p.rule_id else replace(p, rule_id=rule_id) for p in problems[before:]]

    package, python_modules, loaded = _load_python_modules(path, name, header, source, problems)
    python_rules: list[CompiledPythonRule] = []
    for module_name, module in loaded.items():
        for function_name, value in vars(module).items():
            if isinstance(value, PythonRule) and value.__module__ == module_name:
                python_file = python_modules[module_name]
                at = ("python", header.python.index(python_file.name_in_file))
                what = f"Python rule {value.id!r} ({function_name} in {python_file.name_in_file})"
                file = str(path.parent / python_file.name_in_file)
                site = _site_of(value, python_file.text)
                rule = _python_rule_data(
                    value, module_name, function_name, header.on_error, source, at, what, problems, (file, site)
                )
                if rule is not None:
                    _check_unique_id(value.id, at, source, seen_ids, problems)
                    rules.append(rule)
                    python_rules.append(CompiledPythonRule(rule["id"], rule, file, site, at))
    problems += project_problems(header.project, [rule["id"] for rule in rules], interface, source)
    if problems:
        return Compilation(
            path, source, interface, compiled_rules, problems, None, interface_problem, python_rules, broken_rules
        )

    data = {
        "name": name,
        "score": header.score.model_dump(),
        "actions": header.actions.model_dump(),
        "on_error": header.on_error,
        "limits": header.limits.model_dump(),
        "rules": rules,
    }
    if interface is not None:
        data["interface"] = carried_interface(interface, compiled_rules, everything=bool(python_rules))
    rule_set = RuleSet(
        path=path,
        data=data,
        rule_types=dict(sorted(used_types.items())),
        python_modules={name: info.path for name, info in python_modules.items()},
        user_package=package,
        interface=interface,
        source=source,
        project=header.project,
        _loaded_modules=loaded,
    )
    return Compilation(path, source, interface, compiled_rules, [], rule_set, python_rules=python_rules)


def validate_model(model: Any, data: Any, source: SourceMap, at: tuple, what: str) -> Any:
    """``model`` (a pydantic model or a TypeAdapter) validated from ``data``, or RuleFileError with each pydantic
    error placed in the file."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        root = getattr(model, "_type", model) if isinstance(model, TypeAdapter) else model
        raise RuleFileError(
            [_pydantic_problem(e, source, at, what, _field_names(root, e["loc"][:-1])) for e in error.errors()]
        ) from None


def _field_names(model: Any, loc: tuple) -> list[str]:
    """The keys of the (nested) model or dataclass at ``loc`` inside ``model``: what an unknown key there could
    have been."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = _fields_of(current)
        if part not in fields:
            break
        current = _model_in(fields[part])
        if current is None:
            return []
    return list(_fields_of(current))


def _fields_of(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {name: field.annotation for name, field in model.model_fields.items()}
    if dataclasses.is_dataclass(model):
        hints = typing.get_type_hints(model)
        return {f.name: hints.get(f.name) for f in dataclasses.fields(model)}
    return {}


def _model_in(annotation: Any) -> Any:
    """The model or dataclass inside ``annotation`` (``X | None``, ``list[X]``...), if there is one."""
    if _fields_of(annotation):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _pydantic_problem(error: Mapping[str, Any], source: SourceMap, at: tuple, what: str, fields: list[str]) -> Problem:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part))
    location = (*at, *loc)
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        key = loc[-1] if loc else "?"
        known = ", ".join(fields)
        hint = did_you_mean(str(key), fields)
        return source.problem(location, f"unknown key {key!r} in {what};{hint} known keys: {known}", key=True)
    if kind == "missing" or kind == "missing_argument":
        key = loc[-1] if loc else "?"
        return source.problem(location[:-1], f"{what} needs the key {key!r}")
    field_name = ".".join(str(p) for p in loc) or "value"
    message = str(error["ctx"]["error"]) if kind == "value_error" else error["msg"]
    return source.problem(location, f"{field_name}: {message} (in {what})")


def _compile_rule(
    raw_rule: Any,
    at: tuple,
    source: SourceMap,
    registry: Registry,
    interface: Mapping[str, Any] | None,
    on_error: str,
    problems: list[Problem],
) -> tuple[dict[str, Any], RuleType, Any] | None:
    if not isinstance(raw_rule, dict):
        problems.append(source.problem(at, "a rule is a mapping with at least `id` and `type`"))
        return None
    label = f"rule {raw_rule.get('id')!r}" if isinstance(raw_rule.get("id"), str) else f"rule #{at[-1] + 1}"
    # `when` as a string is the rule's condition; as a mapping it is an option of the rule type (`required`'s
    # `when: {job, category}`)
    condition_key = isinstance(raw_rule.get("when"), str) or "when" not in raw_rule
    common_keys = COMMON_KEYS if condition_key else tuple(k for k in COMMON_KEYS if k != "when")
    common_raw = {k: v for k, v in raw_rule.items() if k in common_keys}
    options = {k: v for k, v in raw_rule.items() if k not in common_keys}
    # every problem of the rule is reported at once: its common keys, its type, its options
    common = None
    try:
        common = validate_model(CommonRuleKeys, common_raw, source, at, label)
    except RuleFileError as error:
        problems.extend(error.problems)
    if common is not None and _id_problem(common.id, (*at, "id"), source, problems):
        common = None
    type_name = common.type if common is not None else raw_rule.get("type")
    rule_type = registry.get(type_name) if isinstance(type_name, str) else None
    if rule_type is None and isinstance(type_name, str):
        known = ", ".join(registry.rule_types)
        hint = did_you_mean(type_name, registry.rule_types)
        problems.append(source.problem((*at, "type"), f"unknown rule type {type_name!r};{hint} installed: {known}"))
    if rule_type is None:
        return None
    if common is not None:
        label = f"rule {common.id!r} ({rule_type.name})"
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
    if common is None:
        return None
    message = common.message if common.message is not None else rule_type.default_message
    allowed = (*COMMON_PLACEHOLDERS, *rule_type.placeholders)
    unknown = [p for p in placeholders(message) if p not in allowed]
    if unknown:
        problems.append(
            source.problem(
                (*at, "message"),
                f"unknown placeholder {{{unknown[0]}}} in the message of {label}; "
                f"available: {', '.join('{' + p + '}' for p in allowed)}",
            )
        )
    for bad in bad_specs(message):
        problems.append(
            source.problem(
                (*at, "message"),
                f"{bad} in the message of {label} is not a placeholder with a format spec: write `{{name}}` or "
                "`{name:spec}` with a spec of Python's format mini-language (`{area:.3f}`, `{count:>3}`); `{{` "
                "and `}}` give literal braces",
                rule_id=raw_id,
            )
        )
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
    return rule, rule_type, params


def carried_interface(
    interface: Mapping[str, Any], rules: list[CompiledRule], *, everything: bool = False
) -> dict[str, Any]:
    """The trimmed jsonInterface the compiled rule set carries (``label.interface`` in its rules, the display names
    of its messages): the jobs its rules read (their job options and conditions) and the jobs that hold the
    categories they name elsewhere (a relation's ends); every job with ``everything`` (a Python rule may read
    any). Each job keeps its instruction, mlTask, tools, input, required, isChild, categories (name, children)."""
    project = ProjectInterface(interface)
    if everything:
        return project.data()
    jobs: set[str] = set()
    named: set[str] = set()
    for rule in rules:
        jobs |= jobs_read(rule.params) | {job for job, _ in condition_names(rule.data.get("when"))}
        named |= categories_named(rule.params)
    have = {key for job in jobs if job in project.jobs for key in project.jobs[job].categories}
    for category in sorted(named - have):
        jobs.update(project.jobs_with(category))
    return project.data(jobs)


def categories_named(params: Any) -> set[str]:
    """The categories a rule's options name (options declared with ``category=True``: a name, lists of names,
    nested ones included)."""
    found: set[str] = set()
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        return found
    for info in options_of(type(params)):
        value = getattr(params, info.name)
        if info.category:
            found |= _strings_in(value)
        for item in value if isinstance(value, list) else [value]:
            found |= categories_named(item)
    return found


def _strings_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {s for item in value for s in _strings_in(item)}
    return set()


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


def _id_problem(rule_id: str, at: tuple, source: SourceMap, problems: list[Problem]) -> bool:
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


def _check_unique_id(
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


def read_interface(interface_path: Path, display: str) -> dict[str, Any]:
    """The jsonInterface in the file at ``interface_path``; RuleFileError (at ``display``:1:1) when unusable."""
    problems: list[Problem] = []
    interface = _read_interface(interface_path, SourceMap(display), (), problems)
    if interface is None:
        raise RuleFileError(problems)
    return interface


def _read_interface(interface_path: Path, source: SourceMap, at: tuple, problems: list[Problem]) -> dict | None:
    try:
        interface = json.loads(read_bounded(interface_path, f"interface {interface_path}", MAX_DATA_FILE_BYTES))
    except UnreadableFile as error:
        problems.append(source.problem(at, str(error)))
        return None
    except ValueError as error:
        problems.append(source.problem(at, f"the interface {interface_path} is not valid JSON: {error}"))
        return None
    except RecursionError:
        problems.append(source.problem(at, f"the interface {interface_path} nests too deeply to be a jsonInterface"))
        return None
    if (
        isinstance(interface, list)
        and interface
        and all(isinstance(p, dict) and "jsonInterface" in p for p in interface)
    ):
        if len(interface) > 1:  # kili.projects() returns a list: one project is meant
            ids = ", ".join(str(p.get("id", "?")) for p in interface[:5])
            problems.append(
                source.problem(
                    at,
                    f"{interface_path} holds {len(interface)} projects ({ids}): save the one to lint against, e.g. "
                    "kili.projects(project_id=..., fields=['jsonInterface'])",
                )
            )
            return None
        interface = interface[0]  # the list kili.projects(project_id=...) returns
    if isinstance(interface, dict) and isinstance(interface.get("jsonInterface"), str):
        try:  # the raw GraphQL answer holds the jsonInterface as a JSON string
            interface = {**interface, "jsonInterface": json.loads(interface["jsonInterface"])}
        except ValueError:
            pass
    if isinstance(interface, dict) and isinstance(interface.get("jsonInterface"), dict):
        interface = interface["jsonInterface"]  # a project as kili.projects() returns it, or a label case
    if not isinstance(interface, dict) or not isinstance(interface.get("jobs"), dict):
        problems.append(source.problem(at, f"{interface_path} is not a jsonInterface (it needs a `jobs` object)"))
        return None
    return interface


@dataclass(frozen=True)
class _PythonFile:
    path: Path
    name_in_file: str
    text: str = ""


def user_package(name: str, modules: list[tuple[str, str]]) -> str:
    """The package a rule set's Python modules are imported under, offline as in its plugin:
    ``kili_rules_user_<hash>``, the hash of the rule set's name and of its modules (``(name in the rule file,
    source)``). Two rule sets whose modules differ never share one, in one process or one plugin runner, and the
    name does not depend on the folder the project is in."""
    digest = hashlib.sha256(json.dumps([name, sorted(modules)]).encode()).hexdigest()
    return f"{USER_PACKAGE}_{digest[:12]}"


def _load_python_modules(
    path: Path, name: str, header: RuleSetFile, source: SourceMap, problems: list[Problem]
) -> tuple[str, dict[str, _PythonFile], dict[str, types.ModuleType]]:
    """The package of the rule set's Python modules, the modules (by module name) and their imported objects."""
    found: list[tuple[int, str, Path, str]] = []
    for index, relative in enumerate(header.python):
        file_path = (path.parent / relative).resolve()
        stem = Path(relative).stem
        if not stem.isidentifier() or Path(relative).suffix != ".py":
            problems.append(
                source.problem(
                    ("python", index), f"{relative!r}: a Python rule module is a .py file named like a Python module"
                )
            )
        elif not file_path.is_file():
            problems.append(
                source.problem(("python", index), f"Python rule module {relative!r} not found next to the rule file")
            )
        elif any(stem == Path(other).stem for _, other, _, _ in found):
            problems.append(
                source.problem(("python", index), f"two Python rule modules are named {stem!r}: rename one")
            )
        else:
            try:
                text = read_bounded(file_path, f"Python rule module {relative}", MAX_RULE_FILE_BYTES)
            except UnreadableFile as error:
                problems.append(source.problem(("python", index), str(error)))
                continue
            found.append((index, relative, file_path, text))
    package = user_package(name, [(relative, text) for _, relative, _, text in found])
    files: dict[str, _PythonFile] = {}
    loaded: dict[str, types.ModuleType] = {}
    for index, relative, file_path, text in found:
        module_name = f"{package}.{Path(relative).stem}"
        try:
            loaded[module_name] = _import_user_module(package, module_name, file_path)
        except Exception as error:
            line = error.lineno if isinstance(error, SyntaxError) else _line_in(error, file_path)
            where = f" (line {line})" if line else ""
            problems.append(
                source.problem(("python", index), f"cannot import {relative}{where}: {type(error).__name__}: {error}")
            )
            continue
        files[module_name] = _PythonFile(file_path, relative, text)
    return package, files, loaded


def _line_in(error: BaseException, file_path: Path) -> int | None:
    """The line of ``file_path`` where ``error`` was last raised through, if it was."""
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if Path(frame.filename) == file_path]
    return lines[-1] if lines else None


def _import_user_module(package_name: str, module_name: str, file_path: Path) -> types.ModuleType:
    if package_name not in sys.modules:
        package = types.ModuleType(package_name, "The Python rule modules of one rule set.")
        package.__path__ = []
        sys.modules[package_name] = package
    spec = importlib.util.spec_from_file_location(module_name, file_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


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
    keys = {name: getattr(rule, name) for name in COMMON_KEYS if name != "type"}
    when = keys.pop("when", None)
    try:
        common = validate_model(CommonRuleKeys, {**keys, "type": PYTHON_RULE_TYPE}, source, at, what)
    except RuleFileError as error:
        problems.extend(error.problems)
        return None
    if _id_problem(common.id, at, source, problems):
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


__all__ = ["Compilation", "CompiledRule", "RuleSet", "compile_rule_file", "load_rule_set"]
