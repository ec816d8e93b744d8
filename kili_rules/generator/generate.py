"""The build: a loaded rule set becomes one uploadable ``dist/<name>/main.py`` (stdlib + kili only).

The generator fills ``plugin_template/main.py`` with:

- the compiled rule set, as a Python data literal (``pprint``; checked back with ``ast.literal_eval``);
- the embedded modules, each as ``(original file, is a package, source)``: the runtime, the rule types the rule
  set uses and its Python rule modules, plus whatever ``kili_rules`` modules they import. The template's importer
  compiles each under its original file name, so tracebacks name the original module and line.

Every embedded module's imports are checked: the standard library, ``kili`` and other embedded modules only
(DESIGN invariant 2). Anything else stops the build with ``file:line: ...``. No string from a rule file is ever
pasted into code: rule data goes in as literals, and the header's user-given names pass through ``json.dumps``.
The same inputs give the same bytes.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.machinery
import importlib.resources
import importlib.util
import json
import pprint
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kili_rules import __version__
from kili_rules.authoring.loader import RuleSet
from kili_rules.errors import BuildError

#: The runtime modules every plugin embeds (the rule types and Python rules come on top).
RUNTIME_MODULES = (
    "kili_rules.runtime",
    "kili_rules.runtime.contract",
    "kili_rules.runtime.engine",
    "kili_rules.runtime.interface",
    "kili_rules.runtime.kili_actions",
    "kili_rules.runtime.label",
    "kili_rules.runtime.message",
    "kili_rules.runtime.model",
    "kili_rules.runtime.python_rule",
    "kili_rules.runtime.retry",
    "kili_rules.runtime.tasks",
    "kili_rules.runtime.where",
)
#: Inside a plugin, ``kili_rules`` offers the runtime's public names only (what Python rule modules import).
PLUGIN_PACKAGE_SOURCE = (
    '"""kili_rules inside a built plugin: the runtime names only (see kili_rules.runtime)."""\n\n'
    "from kili_rules.runtime import *  # noqa: F403\n"
    "from kili_rules.runtime import __all__  # noqa: F401\n"
)
USER_PACKAGE_SOURCE = '"""The Python rule modules of this rule set."""\n'
ALLOWED_ROOTS = frozenset(sys.stdlib_module_names) | {"kili", "__future__"}
FILL_MARK = "# kili-rules: fill "


@dataclass(frozen=True)
class EmbeddedModule:
    """A module as the plugin embeds it."""

    name: str
    filename: str
    is_package: bool
    source: str


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


def _module_file(name: str) -> Path:
    """The source file of module ``name``, asked of the import system's finders: never taken from
    ``sys.modules``, where a built plugin loaded in this process leaves its embedded copies (whose file names
    are relative, and which are not the installed sources)."""
    spec = _find_installed(name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        raise BuildError(f"cannot embed module {name}: its Python source was not found")
    return Path(spec.origin)


def _find_installed(name: str) -> importlib.machinery.ModuleSpec | None:
    parent, _, _ = name.rpartition(".")
    locations = None
    if parent:
        parent_spec = _find_installed(parent)
        if parent_spec is None:
            return None
        locations = parent_spec.submodule_search_locations
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, locations) if find_spec else None
        if spec is not None and spec.origin and Path(spec.origin).is_absolute():
            return spec
    return None


def _display_name(name: str, path: Path) -> str:
    """A machine-independent file name: ``kili_rules/runtime/engine.py``."""
    parts = name.split(".")
    if path.name == "__init__.py":
        return "/".join(parts) + "/__init__.py"
    return "/".join(parts) + ".py"


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int, list[str]]]:
    """``(imported module, line, imported names)`` for every import in the module, relative ones resolved."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((base, node.lineno, [alias.name for alias in node.names]))
    return found


@functools.lru_cache(maxsize=512)
def _source_imports(
    source: str, filename: str, module: str, is_package: bool
) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    """The imports of one module's ``source`` (see :func:`_imports`), parsed once per process: every build embeds
    the same runtime and rule-type modules, and parsing them was most of a build's time (``build.py`` builds every
    rule set in one process, and so do the tests). Raises BuildError when the source is not Python."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise BuildError(f"{filename}:{error.lineno}: cannot embed {module}: {error.msg}") from None
    return tuple((imported, line, tuple(names)) for imported, line, names in _imports(tree, module, is_package))


class _Collector:
    """Gathers the modules to embed and checks their imports."""

    def __init__(self, rule_set: RuleSet) -> None:
        self.rule_set = rule_set
        self.modules: dict[str, EmbeddedModule] = {}
        self.user_package = rule_set.user_package
        self.embeddable_roots = {"kili_rules", self.user_package} | {
            rule_type.module.split(".")[0] for rule_type in rule_set.rule_types.values()
        }

    def add(self, name: str, path: Path | None = None, filename: str | None = None) -> None:
        if name in self.modules:
            return
        if name == "kili_rules":
            self.modules[name] = EmbeddedModule(name, "kili_rules/__init__.py", True, PLUGIN_PACKAGE_SOURCE)
            return
        if name == self.user_package:
            self.modules[name] = EmbeddedModule(name, f"{name}/__init__.py", True, USER_PACKAGE_SOURCE)
            return
        path = path or _module_file(name)
        is_package = path.name == "__init__.py"
        filename = filename or _display_name(name, path)
        source = path.read_text(encoding="utf-8")
        self.modules[name] = EmbeddedModule(name, filename, is_package, source)
        parent = name.rpartition(".")[0]
        if parent:
            self.add(parent)
        for imported, line, names in _source_imports(source, filename, name, is_package):
            self._check_import(name, filename, imported, line, names)

    def _check_import(self, module: str, filename: str, imported: str, line: int, names: Sequence[str]) -> None:
        root = imported.split(".")[0]
        if root in ALLOWED_ROOTS:
            return
        if root not in self.embeddable_roots:
            raise BuildError(
                f"{filename}:{line}: {module} imports {imported}, which is neither the standard library nor kili; "
                "a plugin can only use those (Kili's runner installs nothing else): remove the import"
            )
        if imported == "kili_rules":
            from kili_rules import runtime

            unknown = [n for n in names if n != "*" and n not in runtime.__all__]
            if unknown:
                raise BuildError(
                    f"{filename}:{line}: {module} imports {', '.join(unknown)} from kili_rules, which a plugin "
                    f"does not have; import from kili_rules only: {', '.join(runtime.__all__)}"
                )
            self.add("kili_rules")
            return
        if root == self.user_package and imported not in self.modules:
            raise BuildError(f"{filename}:{line}: {module} imports {imported}, which is not listed under `python:`")
        self.add(imported)
        for name in names:  # `from package import module`
            if _is_module(f"{imported}.{name}"):
                self.add(f"{imported}.{name}")


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def embedded_modules(rule_set: RuleSet) -> list[EmbeddedModule]:
    """Every module the plugin of ``rule_set`` embeds, sorted by name. Raises BuildError on a forbidden import."""
    collector = _Collector(rule_set)
    base = rule_set.path.parent
    for name, path in sorted(rule_set.python_modules.items()):
        collector.add(rule_set.user_package)
        collector.add(name, path, _relative(path, base))
    for name in RUNTIME_MODULES:
        collector.add(name)
    for rule_type in rule_set.rule_types.values():
        collector.add(rule_type.module)
    return [collector.modules[name] for name in sorted(collector.modules)]


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


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
    sources += sorted(_relative(path, base) for path in rule_set.python_modules.values())
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
    for name, line, _ in _imports(tree, "main", False):
        if name.split(".")[0] not in ALLOWED_ROOTS and not name.startswith("kili_rules"):
            raise BuildError(f"main.py:{line}: internal error: the plugin imports {name}")
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
