"""The build: a loaded rule set becomes one uploadable ``dist/<name>/main.py`` (stdlib + kili only).

The generator fills ``plugin_template/main.py`` with:

- the compiled rule set, as a Python data literal (``pprint``; checked back with ``ast.literal_eval``);
- the embedded modules, each as ``(original file, is a package, source)``: the runtime, the rule types the rule
  set uses and its Python rule modules, plus whatever ``kili_rules`` modules they import. The template's importer
  compiles each under its original file name, so tracebacks name the original module and line.

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
    "kili_rules.runtime.findings_maker",
    "kili_rules.runtime.geometry",
    "kili_rules.runtime.interface",
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


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    path: Path
    name: str
    rule_count: int
    size: int
    content_hash: str
    modules: tuple[str, ...]

    def summary(self) -> str:
        """A line or two for the terminal."""
        return (
            f"built {self.path}: {self.rule_count} rules, {len(self.modules)} embedded modules, "
            f"{self.size / 1024:.1f} KiB, {self.content_hash}\n"
            f"  upload: kili.upload_plugin(plugin_path={str(self.path)!r}, plugin_name={self.name!r})"
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


def content_hash(rule_set: RuleSet, modules: list[EmbeddedModule]) -> str:
    """sha256 over the tool version, the compiled rule set and every embedded source."""
    digest = hashlib.sha256()
    digest.update(json.dumps([__version__, rule_set.data], sort_keys=True).encode())
    for module in modules:
        digest.update(json.dumps([module.name, module.filename, module.source]).encode())
    return f"sha256:{digest.hexdigest()}"


def render_plugin(rule_set: RuleSet) -> tuple[str, str, list[EmbeddedModule]]:
    """The text of ``main.py`` for ``rule_set``, its content hash and its embedded modules."""
    modules = embedded_modules(rule_set)
    digest = content_hash(rule_set, modules)
    rule_type_modules = {name: rule_type.module for name, rule_type in sorted(rule_set.rule_types.items())}
    fills = {
        "RULE_SET": _literal(rule_set.data),
        "EMBEDDED_MODULES": _modules_literal(modules),
        "RULE_TYPE_MODULES": _literal(rule_type_modules),
    }
    template = importlib.resources.files("kili_rules.plugin_template").joinpath("main.py").read_text("utf-8")
    out = _header(rule_set, digest)
    for line in template.splitlines():
        if FILL_MARK in line:
            name = line.split(FILL_MARK, 1)[1].strip()
            target = line.split("=", 1)[0]
            line = f"{target}= {fills.pop(name)}"
        out.append(line)
    if fills:
        raise BuildError(f"internal error: the template has no place for {', '.join(fills)}")
    text = "\n".join(out) + "\n"
    _check_output(text)
    return text, digest, modules


def _header(rule_set: RuleSet, digest: str) -> list[str]:
    """Comment lines; every user-given name goes through json.dumps (no newline can break out)."""
    base = rule_set.path.parent
    sources = [rule_set.path.name]
    sources += sorted(relative_name(path, base) for path in rule_set.python_modules.values())
    types = sorted({rule["type"] for rule in rule_set.data["rules"]})
    return [
        f"# Generated by kili-rules {__version__}: do not edit, rebuild with `kili-rules build`.",
        f"# Rule set: {json.dumps(rule_set.name)} ({len(rule_set.data['rules'])} rules: {json.dumps(types)})",
        f"# Sources: {json.dumps(sources)}",
        f"# Content hash: {digest}",
        "",
    ]


def _check_output(text: str) -> None:
    """The generated file parses, imports only the stdlib and kili, and has Kili's handler class."""
    tree = ast.parse(text, "main.py")
    for found in imports_in(tree, "main", False):  # the template imports its embedded modules by name
        if found.name is not None and found.name.split(".")[0] not in ALLOWED_ROOTS:
            if not found.name.startswith("kili_rules"):
                raise BuildError(f"main.py:{found.line}: internal error: the plugin imports {found.name}")
    handlers = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PluginHandler"]
    defined = {f.name for n in handlers for f in n.body if isinstance(f, ast.FunctionDef)}
    if not {"on_submit", "on_review"} <= defined:
        raise BuildError("internal error: PluginHandler must define on_submit and on_review in its own body")


def build_plugin(rule_set: RuleSet, out_dir: Path | str = "dist") -> BuildResult:
    """Write ``<out_dir>/<name>/main.py`` for ``rule_set`` (only when its bytes change) and say what was built."""
    text, digest, modules = render_plugin(rule_set)
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
    )
