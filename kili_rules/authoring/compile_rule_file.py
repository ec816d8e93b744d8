"""Compiling a rule file into a :class:`~kili_rules.authoring.rule_set.RuleSet`, gathering every problem instead of
stopping at the first: the top level (``rule_file_model.py``), the interface (``interface_file.py``), each YAML rule
(``compile_rule.py``), the Python rule modules and their rules (``python_modules.py``, ``python_rules.py``); and
the trimmed interface the compiled rule set carries."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kili_rules.authoring.bounded_read import read_text
from kili_rules.authoring.compile_rule import CompiledRule, check_unique_id, compile_rule
from kili_rules.authoring.interface_file import load_interface
from kili_rules.authoring.model_validation import validate_model
from kili_rules.authoring.project_assertions import project_problems
from kili_rules.authoring.python_modules import PythonModules, load_python_modules
from kili_rules.authoring.python_rules import CompiledPythonRule, compile_python_rules
from kili_rules.authoring.rule_file_model import RuleSetFile
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.authoring.yaml_source import SourceMap, load_yaml
from kili_rules.errors import Problem, RuleFileError
from kili_rules.plugins.registry import Registry, default_registry
from kili_rules.runtime.condition import names as condition_names
from kili_rules.runtime.contract import jobs_read, options_of
from kili_rules.runtime.interface import ProjectInterface

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


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
    #: the Python rule modules that could be imported (lint checks their imports as the build does)
    python_modules: PythonModules | None = None


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

    problems: list[Problem] = []
    try:
        header = validate_model(RuleSetFile, raw, source, (), "the rule file")
    except RuleFileError as error:
        # the rules are still checked (every problem at once), with the keys they need when those are sound
        problems += error.problems
        try:
            header = validate_model(RuleSetFile, {k: raw[k] for k in _RULE_KEYS if k in raw}, source, (), "")
        except RuleFileError:
            return Compilation(path, source, None, [], error.problems, None)
    name = _plugin_name(path, header, source, problems)
    before_interface = len(problems)
    interface = _interface(path, header, interface_path, source, problems)
    interface_problem = problems[-1] if len(problems) > before_interface else None
    seen_ids: dict[str, tuple[int, int]] = {}
    compiled_rules, broken_rules = _compile_rules(header, source, registry, interface, seen_ids, problems)
    modules = load_python_modules(path, name, header.python, source, problems)
    python_data, python_rules = compile_python_rules(
        path, modules, header.python, header.on_error, source, seen_ids, problems
    )
    rule_ids = [rule.data["id"] for rule in compiled_rules] + [rule["id"] for rule in python_data]
    problems += project_problems(header.project, rule_ids, interface, source)
    if problems:
        return Compilation(
            path,
            source,
            interface,
            compiled_rules,
            problems,
            None,
            interface_problem,
            python_rules,
            broken_rules,
            modules,
        )
    data = rule_set_data(name, header, [*(rule.data for rule in compiled_rules), *python_data])
    if interface is not None:
        data["interface"] = carried_interface(interface, compiled_rules, everything=bool(python_rules))
        data["project_jobs"] = sorted(str(job) for job in interface.get("jobs") or {})  # labels of another project
    rule_set = RuleSet(
        path=path,
        data=data,
        rule_types=dict(sorted({rule.rule_type.name: rule.rule_type for rule in compiled_rules}.items())),
        python_modules={name: info.path for name, info in modules.files.items()},
        user_package=modules.package,
        interface=interface,
        source=source,
        project=header.project,
        _loaded_modules=modules.loaded,
    )
    return Compilation(
        path, source, interface, compiled_rules, [], rule_set, python_rules=python_rules, python_modules=modules
    )


#: The top-level keys the rules are compiled with: when another key is wrong, the rules are still checked.
_RULE_KEYS = ("interface", "on_error", "python", "rules")


def _plugin_name(path: Path, header: RuleSetFile, source: SourceMap, problems: list[Problem]) -> str:
    """The plugin name: ``name:``, else the file's stem (a problem when it holds other characters than letters,
    digits, '.', '_' and '-')."""
    name = header.name if header.name is not None else path.stem
    if not _NAME.match(name):
        problems.append(
            source.problem(("name",), f"plugin name {name!r} may hold only letters, digits, '.', '_' and '-'")
        )
    return name


def rule_set_data(name: str, header: RuleSetFile, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled rule set's data (what the plugin embeds) from the rule file's top level and its compiled rules:
    a new section of the rule file that the plugin needs is added here."""
    return {
        "name": name,
        "score": header.score.model_dump(),
        "actions": header.actions.model_dump(),
        "on_error": header.on_error,
        "on_pass": list(header.on_pass),
        "limits": header.limits.model_dump(),
        "rules": rules,
    }


def _interface(
    path: Path, header: RuleSetFile, interface_path: str | Path | None, source: SourceMap, problems: list[Problem]
) -> dict[str, Any] | None:
    """The jsonInterface to lint against: ``interface_path`` when given, else the file's ``interface:``, if any."""
    if interface_path is not None:
        return load_interface(Path(interface_path), source, (), problems)
    if header.interface is not None:
        return load_interface(path.parent / header.interface, source, ("interface",), problems)
    return None


def _compile_rules(
    header: RuleSetFile,
    source: SourceMap,
    registry: Registry,
    interface: Mapping[str, Any] | None,
    seen_ids: dict[str, tuple[int, int]],
    problems: list[Problem],
) -> tuple[list[CompiledRule], list[tuple[tuple[str | int, ...], Any]]]:
    """The YAML rules compiled, and those that did not compile (as written, with their place); each problem of a
    rule that has an id is tagged with it."""
    compiled_rules: list[CompiledRule] = []
    broken_rules: list[tuple[tuple[str | int, ...], Any]] = []
    for index, raw_rule in enumerate(header.rules):
        before = len(problems)
        compiled = compile_rule(raw_rule, ("rules", index), source, registry, interface, header.on_error, problems)
        if compiled is not None:
            check_unique_id(compiled.id, ("rules", index, "id"), source, seen_ids, problems)
            compiled_rules.append(compiled)
        else:
            broken_rules.append((("rules", index), raw_rule))
        rule_id = raw_rule.get("id") if isinstance(raw_rule, dict) else None
        if isinstance(rule_id, str):
            problems[before:] = [p if p.rule_id else replace(p, rule_id=rule_id) for p in problems[before:]]
    return compiled_rules, broken_rules


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
        jobs |= {rule.data["where"]["child"]} if rule.data.get("where") else set()
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
