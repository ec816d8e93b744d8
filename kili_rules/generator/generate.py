"""The build: a loaded rule set becomes one uploadable ``dist/<name>/main.py`` (stdlib + kili only).

The generator fills ``plugin_template/main.py`` with:

- the compiled rule set, as a Python data literal (``pprint``; checked back with ``ast.literal_eval``);
- the embedded modules, each as ``(original file, is a package, source)``: the runtime, the rule types the rule
  set uses and its Python rule modules, plus whatever ``kili_rules`` modules they import. The template's importer
  compiles each under its original file name, so tracebacks name the original module and line.

The handlers (:data:`HANDLERS`): ``legacy`` (the default) keeps the template's ``PluginHandler`` (``on_submit``,
``on_review``, ``on_custom_interface_click``); ``events`` puts in its place the one of
``plugin_template/events.py``, whose methods Kili's event API calls (``@on_kili_event``, annotated with
``kili_events`` models), the only build that imports ``kili_events`` (a dependency of kili >= 26.2.4).

Every embedded module's imports are checked (``kili_rules/authoring/plugin_imports.py``, the check lint shares):
the standard library, ``kili`` and other embedded modules only (DESIGN invariant 2), dynamic imports included.
Anything else stops the build with ``file:line: ...``. No string from a rule file is ever
pasted into code: rule data goes in as literals, and the header's user-given names pass through ``json.dumps``.
The same inputs give the same bytes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.resources
import json
import pprint
from dataclasses import dataclass
from pathlib import Path

from kili_rules import __version__
from kili_rules.authoring.plugin_imports import (
    ALLOWED_ROOTS,
    EmbeddedModule,
    imports_in,
    relative_name,
    walk_plugin_modules,
)
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.errors import BuildError

#: The runtime modules every plugin embeds (the rule types and Python rules come on top, with what they import:
#: ``kili_rules.runtime.polygons`` comes with the vision rule types that use it).
RUNTIME_MODULES = (
    "kili_rules.runtime",
    "kili_rules.runtime.asset_reads",
    "kili_rules.runtime.asset_resolution",
    "kili_rules.runtime.attribute_hints",
    "kili_rules.runtime.contract",
    "kili_rules.runtime.decision",
    "kili_rules.runtime.engine",
    "kili_rules.runtime.event_reads",
    "kili_rules.runtime.findings_maker",
    "kili_rules.runtime.geometry",
    "kili_rules.runtime.interface",
    "kili_rules.runtime.interface_checks",
    "kili_rules.runtime.interface_drift",
    "kili_rules.runtime.issues",
    "kili_rules.runtime.job_walk",
    "kili_rules.runtime.kili_calls",
    "kili_rules.runtime.label_model",
    "kili_rules.runtime.label_view",
    "kili_rules.runtime.linear_regex",
    "kili_rules.runtime.message",
    "kili_rules.runtime.metadata",
    "kili_rules.runtime.model",
    "kili_rules.runtime.object_reader",
    "kili_rules.runtime.policy",
    "kili_rules.runtime.python_rule",
    "kili_rules.runtime.qa_plugin",
    "kili_rules.runtime.regex_program",
    "kili_rules.runtime.report_log",
    "kili_rules.runtime.retry",
    "kili_rules.runtime.routing",
    "kili_rules.runtime.rule_runner",
    "kili_rules.runtime.rule_time",
    "kili_rules.runtime.tasks",
    "kili_rules.runtime.unreadable",
    "kili_rules.runtime.where",
)
#: The comment that marks where the template is filled.
FILL_MARK = "# kili-rules: fill "
#: The line of ``main.py`` and ``events.py`` after which comes the ``PluginHandler`` of each kind of build.
HANDLERS_MARK = "# kili-rules: handlers"


@dataclass(frozen=True)
class Handlers:
    """One way Kili calls the plugin: the methods ``PluginHandler`` defines, and what Kili it needs."""

    name: str
    template: str
    methods: tuple[str, ...]
    needs: str


#: The kinds of build (``kili-rules build --handlers``), by name.
HANDLERS = {
    "legacy": Handlers(
        "legacy",
        "main.py",
        ("on_submit", "on_review", "on_custom_interface_click"),
        "kili >= 26.2 (on_submit, on_review; on_custom_interface_click is beta in Kili)",
    ),
    "events": Handlers(
        "events",
        "events.py",
        ("on_label_submitted", "on_label_reviewed", "on_interface_updated"),
        "kili >= 26.2.4 and its kili_events (@on_kili_event: label.workflow.created.default / .review, "
        "project.interface.updated)",
    ),
}
#: What the methods of Kili's event API are decorated with, and the only module besides kili they import.
EVENTS_DECORATOR = "on_kili_event"
EVENTS_ROOT = "kili_events"


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    path: Path
    name: str
    rule_count: int
    size: int
    content_hash: str
    modules: tuple[str, ...]
    handlers: str = "legacy"
    #: what the build says besides (rules this kind of build never runs)
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """A few lines for the terminal: what was built, the Kili it needs, how to upload it."""
        return (
            f"built {self.path}: {self.rule_count} rules, {len(self.modules)} embedded modules, "
            f"{self.size / 1024:.1f} KiB, {self.content_hash}\n"
            f"  handlers: {self.handlers}, needs {HANDLERS[self.handlers].needs}\n"
            + "".join(f"  note: {note}\n" for note in self.notes)
            + f"  upload: kili.upload_plugin(plugin_path={str(self.path)!r}, plugin_name={self.name!r})"
        )


def embedded_modules(rule_set: RuleSet) -> list[EmbeddedModule]:
    """Every module the plugin of ``rule_set`` embeds, sorted by name. Raises BuildError on a forbidden import (the
    first met; ``kili-rules lint`` reports them all)."""
    found = walk_plugin_modules(
        rule_set.user_package,
        rule_set.python_modules,
        rule_set.path.parent,
        rule_set.rule_types.values(),
        more=RUNTIME_MODULES,
    )
    if found.refusals:
        first = found.refusals[0]
        if first.origin is None:
            raise BuildError(str(first))
        module, line, _ = first.origin
        raise BuildError(f"{found.modules[module].filename}:{line}: this import brings in {first}")
    return [found.modules[name] for name in sorted(found.modules)]


def _literal(value: object) -> str:
    text = pprint.pformat(value, width=110, sort_dicts=False)
    if ast.literal_eval(text) != value:
        raise BuildError("internal error: the rule set does not round-trip as a Python literal")
    return text


def _modules_literal(modules: list[EmbeddedModule]) -> str:
    lines = ["{"]
    for module in modules:
        lines.append(f"    {module.name!r}: (")
        lines.append(f"        {module.filename!r},")
        lines.append(f"        {module.is_package!r},")
        lines.append(f"        {module.source!r},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


def content_hash(rule_set: RuleSet, modules: list[EmbeddedModule], handlers: str = "legacy") -> str:
    """sha256 over the tool version, the compiled rule set, every embedded source and (but for the default
    ``legacy``) the handlers."""
    digest = hashlib.sha256()
    digest.update(json.dumps([__version__, rule_set.data], sort_keys=True).encode())
    if handlers != "legacy":
        digest.update(json.dumps(["handlers", handlers]).encode())
    for module in modules:
        digest.update(json.dumps([module.name, module.filename, module.source]).encode())
    return f"sha256:{digest.hexdigest()}"


def render_plugin(rule_set: RuleSet, handlers: str = "legacy") -> tuple[str, str, list[EmbeddedModule]]:
    """The text of ``main.py`` for ``rule_set`` with the ``handlers`` of :data:`HANDLERS`, its content hash and its
    embedded modules."""
    if handlers not in HANDLERS:
        raise BuildError(f"unknown handlers {handlers!r}: one of {', '.join(HANDLERS)}")
    modules = embedded_modules(rule_set)
    digest = content_hash(rule_set, modules, handlers)
    rule_type_modules = {name: rule_type.module for name, rule_type in sorted(rule_set.rule_types.items())}
    fills = {
        "RULE_SET": _literal(rule_set.data),
        "EMBEDDED_MODULES": _modules_literal(modules),
        "RULE_TYPE_MODULES": _literal(rule_type_modules),
    }
    out = _header(rule_set, digest, handlers)
    for line in template_lines(handlers):
        if FILL_MARK in line:
            name = line.split(FILL_MARK, 1)[1].strip()
            target = line.split("=", 1)[0]
            line = f"{target}= {fills.pop(name)}"
        out.append(line)
    if fills:
        raise BuildError(f"internal error: the template has no place for {', '.join(fills)}")
    text = "\n".join(out) + "\n"
    _check_output(text, handlers)
    return text, digest, modules


def template_lines(handlers: str) -> list[str]:
    """The template of a build with ``handlers``: ``main.py``, its part after :data:`HANDLERS_MARK` replaced by
    that of the handlers' template (``events.py``) when it is another one."""
    folder = importlib.resources.files("kili_rules.plugin_template")
    main = folder.joinpath("main.py").read_text("utf-8").splitlines()
    template = HANDLERS[handlers].template
    if template == "main.py":
        return main
    part = folder.joinpath(template).read_text("utf-8").splitlines()
    return main[: _mark(main, "main.py")] + part[_mark(part, template) :]


def _mark(lines: list[str], name: str) -> int:
    """The index of the handlers mark in the template ``name``."""
    marks = [i for i, line in enumerate(lines) if line.strip() == HANDLERS_MARK]
    if len(marks) != 1:
        raise BuildError(f"internal error: plugin_template/{name} must have one line {HANDLERS_MARK!r}")
    return marks[0]


def _header(rule_set: RuleSet, digest: str, handlers: str = "legacy") -> list[str]:
    """Comment lines; every user-given name goes through json.dumps (no newline can break out)."""
    base = rule_set.path.parent
    sources = [rule_set.path.name]
    sources += sorted(relative_name(path, base) for path in rule_set.python_modules.values())
    types = sorted({rule["type"] for rule in rule_set.data["rules"]})
    rebuild = "kili-rules build" + ("" if handlers == "legacy" else f" --handlers {handlers}")
    return [
        f"# Generated by kili-rules {__version__}: do not edit, rebuild with `{rebuild}`.",
        f"# Rule set: {json.dumps(rule_set.name)} ({len(rule_set.data['rules'])} rules: {json.dumps(types)})",
        f"# Sources: {json.dumps(sources)}",
        f"# Content hash: {digest}",
        "",
    ]


def _check_output(text: str, handlers: str = "legacy") -> None:
    """The generated file parses, imports only the stdlib and kili (and kili_events, in an ``events`` build), and
    has Kili's handler class with the methods of its ``handlers``, in its own body: the legacy handlers, or methods
    decorated with ``@on_kili_event`` and none of the legacy ones (Kili's upload refuses a class with both)."""
    tree = ast.parse(text, "main.py")
    allowed = ALLOWED_ROOTS | ({EVENTS_ROOT} if handlers == "events" else set())
    for found in imports_in(tree, "main", False):  # the template imports its embedded modules by name
        if found.name is not None and found.name.split(".")[0] not in allowed:
            if not found.name.startswith("kili_rules"):
                raise BuildError(f"main.py:{found.line}: internal error: the plugin imports {found.name}")
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PluginHandler"]
    methods = {f.name: f for n in classes for f in n.body if isinstance(f, ast.FunctionDef)}
    wanted = HANDLERS[handlers].methods
    if len(classes) != 1 or not set(wanted) <= set(methods):
        raise BuildError(f"internal error: PluginHandler must define {', '.join(wanted)} in its own body")
    decorated = {name for name, f in methods.items() if any(_is_events_decorator(d) for d in f.decorator_list)}
    if handlers == "events":
        legacy = set(methods) & {*HANDLERS["legacy"].methods, "on_send_back_to_queue", "on_event"}
        if decorated != set(wanted) or legacy:
            raise BuildError(
                f"internal error: PluginHandler's @{EVENTS_DECORATOR} methods must be {', '.join(wanted)}, "
                f"without {', '.join(sorted(legacy)) or 'any legacy handler'}"
            )
    elif decorated:
        raise BuildError(f"internal error: a legacy PluginHandler has @{EVENTS_DECORATOR} methods")


def _is_events_decorator(decorator: ast.expr) -> bool:
    return ast.unparse(decorator).split(".")[-1] == EVENTS_DECORATOR


def build_plugin(rule_set: RuleSet, out_dir: Path | str = "dist", handlers: str = "legacy") -> BuildResult:
    """Write ``<out_dir>/<name>/main.py`` for ``rule_set`` with the ``handlers`` of :data:`HANDLERS` (only when its
    bytes change) and say what was built."""
    text, digest, modules = render_plugin(rule_set, handlers)
    path = Path(out_dir) / rule_set.name / "main.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    return BuildResult(
        path=path,
        name=rule_set.name,
        rule_count=len(rule_set.data["rules"]),
        size=len(data),
        content_hash=digest,
        modules=tuple(m.name for m in modules),
        handlers=handlers,
        notes=_notes(rule_set, handlers),
    )


def _notes(rule_set: RuleSet, handlers: str) -> tuple[str, ...]:
    """Rules an ``events`` build never runs: those that run on ``click`` only (Kili's event API has no click)."""
    if handlers != "events":
        return ()
    click_only = [rule["id"] for rule in rule_set.data["rules"] if set(rule.get("events", ())) == {"click"}]
    if not click_only:
        return ()
    return (
        f"{len(click_only)} rules run on click only ({', '.join(click_only)}): Kili's event API has no "
        '"check my label" click, so this build never runs them; build with --handlers legacy for the button',
    )
