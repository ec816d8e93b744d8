"""What a plugin may import, and the modules it embeds: the one check the build and lint share.

A built plugin runs where only the standard library and ``kili`` are installed (DESIGN invariant 2), so every module
it embeds (its Python rule modules, the rule types it uses, the runtime, and whatever ``kili_rules`` modules they
import) may import only those and other embedded modules. :func:`walk_plugin_modules` follows the imports from the
modules a plugin starts with and gathers what it embeds and every import it must refuse, each with its file and
line; the build stops at the first (``kili_rules/generator/generate.py``), lint reports them all, at the line of the
rule set's own module that leads to them.

Imports are read from the source, not run: ``import x``, ``from x import y`` (relative ones resolved), and the
dynamic ones, ``__import__("x")`` and ``importlib.import_module("x")``, whose name is checked like an ``import``'s
when it is a constant. A dynamic import whose name is computed cannot be checked, so it is refused, except in
``kili_rules``'s own modules (the runtime imports the rule set's modules by name; ``tests/test_layers.py`` checks
what those modules import).
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kili_rules.errors import Problem
from kili_rules.runtime.contract import RuleType

#: The top-level modules a plugin may import without embedding them: the standard library and kili.
ALLOWED_ROOTS = frozenset(sys.stdlib_module_names) | {"kili", "__future__"}
#: Inside a plugin, ``kili_rules`` offers the runtime's public names only (what Python rule modules import).
PLUGIN_PACKAGE_SOURCE = (
    '"""kili_rules inside a built plugin: the runtime names only (see kili_rules.runtime)."""\n\n'
    "from kili_rules.runtime import *  # noqa: F403\n"
    "from kili_rules.runtime import __all__  # noqa: F401\n"
)
USER_PACKAGE_SOURCE = '"""The Python rule modules of this rule set."""\n'
#: The functions that import a module named by their first argument, as a call names them.
DYNAMIC_IMPORTS = ("__import__", "import_module")


@dataclass(frozen=True)
class EmbeddedModule:
    """A module as the plugin embeds it."""

    name: str
    filename: str
    is_package: bool
    source: str


@dataclass(frozen=True)
class FoundImport:
    """One import in a module's source: the module it imports (None: a dynamic import whose name is computed), its
    line and column (1-based), the names it takes from it (``from x import a, b``), and how it is written."""

    name: str | None
    line: int
    column: int
    names: tuple[str, ...] = ()
    how: str = "import"


@dataclass(frozen=True)
class Refusal:
    """An import a plugin cannot have: in ``module`` (file ``filename``, as the build names it) at ``line``.

    ``origin`` is the import in one of the rule set's own modules that led to ``module`` (``(module, line,
    column)``), when ``module`` is not one of them and was not embedded by the build itself.
    """

    module: str
    filename: str
    line: int
    column: int
    message: str
    origin: tuple[str, int, int] | None = None

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}: {self.message}" if self.line else self.message


@dataclass
class PluginModules:
    """What :func:`walk_plugin_modules` found: the modules to embed, by name, and the imports refused, in the order
    they were met."""

    modules: dict[str, EmbeddedModule] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)


def walk_plugin_modules(
    user_package: str,
    user_modules: Mapping[str, Path],
    base: Path,
    rule_types: Iterable[RuleType],
    more: Iterable[str] = (),
    *,
    rule_type_modules: bool = True,
) -> PluginModules:
    """The modules a plugin embeds and the imports it refuses, from its start: the rule set's Python modules
    (``user_modules``: module name -> file, named relative to ``base``) under ``user_package``, the modules
    ``more`` names (the runtime, for a build), then the modules of ``rule_types`` (unless ``rule_type_modules`` is
    false: the packages of ``rule_types`` may still be imported)."""
    rule_types = list(rule_types)
    walk = _Walk(user_package, set(user_modules), {rule_type.module.split(".")[0] for rule_type in rule_types})
    for name, path in sorted(user_modules.items()):
        walk.add(user_package)
        walk.add(name, path, relative_name(path, base))
    for name in more:
        walk.add(name)
    for rule_type in rule_types if rule_type_modules else ():
        walk.add(rule_type.module)
    return walk.found


def refused_import_problems(
    rule_file: Path, user_package: str, user_modules: Mapping[str, tuple[Path, str]], rule_types: Iterable[RuleType]
) -> list[Problem]:
    """Every import in the rule set's Python modules that the build of the rule set at ``rule_file`` would refuse,
    as lint problems: at its line in the Python module (``user_modules``: module name -> (file, its entry in
    ``python:``)), or at the line of that module's import that leads to it. The modules of installed rule types
    (``rule_types``) are their package's concern: they are not walked."""
    files = {name: path for name, (path, _) in user_modules.items()}
    shown = {name: str(rule_file.parent / entry) for name, (_, entry) in user_modules.items()}
    problems = []
    led_to: dict[tuple[str, int, int], list[Refusal]] = {}  # by the rule set's import that leads to them
    walk = walk_plugin_modules(user_package, files, rule_file.parent, rule_types, rule_type_modules=False)
    for refusal in walk.refusals:
        if refusal.module in shown:
            problems.append(Problem(shown[refusal.module], refusal.line, refusal.column, refusal.message))
        elif refusal.origin is not None and refusal.origin[0] in shown:
            led_to.setdefault(refusal.origin, []).append(refusal)
        else:
            problems.append(Problem(refusal.filename, refusal.line, refusal.column, refusal.message))
    for (module, line, column), refusals in led_to.items():
        more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
        message = f"this import brings in modules a plugin cannot have: {refusals[0]}{more}"
        problems.append(Problem(shown[module], line, column, message))
    return problems


class _Walk:
    """Gathers the modules to embed and checks their imports."""

    def __init__(self, user_package: str, user_modules: set[str], rule_type_roots: set[str]) -> None:
        self.found = PluginModules()
        self.user_package = user_package
        self.user_modules = user_modules
        self.embeddable_roots = {"kili_rules", user_package} | rule_type_roots
        self.origins: dict[str, tuple[str, int, int] | None] = {}

    def add(
        self,
        name: str,
        path: Path | None = None,
        filename: str | None = None,
        origin: tuple[str, int, int] | None = None,
    ) -> None:
        modules = self.found.modules
        if name in modules:
            return
        self.origins[name] = origin
        if name in ("kili_rules", self.user_package):
            package_source = PLUGIN_PACKAGE_SOURCE if name == "kili_rules" else USER_PACKAGE_SOURCE
            modules[name] = EmbeddedModule(name, f"{name}/__init__.py", True, package_source)
            return
        path = path or _module_file(name)
        if path is None:
            self.found.refusals.append(
                Refusal(name, "", 0, 0, f"cannot embed module {name}: its Python source was not found", origin)
            )
            return
        is_package = path.name == "__init__.py"
        filename = filename or _display_name(name, path)
        source = path.read_text(encoding="utf-8")
        modules[name] = EmbeddedModule(name, filename, is_package, source)
        parent = name.rpartition(".")[0]
        if parent:
            self.add(parent, origin=origin)
        try:
            found = source_imports(source, filename, name, is_package)
        except SyntaxError as error:
            self._refuse(name, filename, error.lineno or 1, error.offset or 1, f"cannot embed {name}: {error.msg}")
            return
        for found_import in found:
            self._check(name, filename, found_import)

    def _refuse(self, module: str, filename: str, line: int, column: int, message: str) -> None:
        origin = None if module in self.user_modules else self.origins.get(module)
        self.found.refusals.append(Refusal(module, filename, line, column, message, origin))

    def _check(self, module: str, filename: str, found: FoundImport) -> None:
        """Refuse ``found`` (an import in ``module``) if a plugin cannot have it, else embed what it imports."""
        where = (module, found.line, found.column)
        if found.name is None:
            if module.split(".")[0] != "kili_rules":
                self._refuse(
                    module,
                    filename,
                    found.line,
                    found.column,
                    f"{module} imports a module whose name is computed ({found.how}(...)), which the build cannot "
                    "check: import the module by name (`import x`), from the standard library or kili only",
                )
            return
        imported, root = found.name, found.name.split(".")[0]
        if root in ALLOWED_ROOTS:
            return
        if root not in self.embeddable_roots:
            self._refuse(
                module,
                filename,
                found.line,
                found.column,
                f"{module} imports {imported}, which is neither the standard library nor kili; a plugin can only "
                "use those (Kili's runner installs nothing else): remove the import",
            )
            return
        origin = where if module in self.user_modules else self.origins.get(module)
        if imported == "kili_rules":
            self._check_runtime_names(module, filename, found)
            self.add("kili_rules", origin=origin)
            return
        if root == self.user_package and imported not in self.found.modules:
            message = f"{module} imports {imported}, which is not listed under `python:`"
            self._refuse(module, filename, found.line, found.column, message)
            return
        self.add(imported, origin=origin)
        for name in found.names:  # `from package import module`
            if _is_module(f"{imported}.{name}"):
                self.add(f"{imported}.{name}", origin=origin)

    def _check_runtime_names(self, module: str, filename: str, found: FoundImport) -> None:
        from kili_rules import runtime

        unknown = [n for n in found.names if n != "*" and n not in runtime.__all__]
        if unknown:
            self._refuse(
                module,
                filename,
                found.line,
                found.column,
                f"{module} imports {', '.join(unknown)} from kili_rules, which a plugin does not have; import from "
                f"kili_rules only: {', '.join(runtime.__all__)}",
            )


@functools.lru_cache(maxsize=512)
def source_imports(source: str, filename: str, module: str, is_package: bool) -> tuple[FoundImport, ...]:
    """The imports of one module's ``source`` (see :func:`imports_in`), parsed once per process: every build embeds
    the same runtime and rule-type modules, and parsing them was most of a build's time (``build.py`` builds every
    rule set in one process, and so do the tests). Raises SyntaxError when the source is not Python."""
    return tuple(imports_in(ast.parse(source, filename), module, is_package))


def imports_in(tree: ast.AST, module: str, is_package: bool) -> list[FoundImport]:
    """Every import in the module ``tree`` (of ``module``), relative ones resolved, dynamic ones included, in the
    order they are written."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    importers = _import_module_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(FoundImport(alias.name, node.lineno, node.col_offset + 1) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolved(node.module or "", node.level, package)
            names = tuple(alias.name for alias in node.names)
            found.append(FoundImport(base, node.lineno, node.col_offset + 1, names, "from"))
        elif isinstance(node, ast.Call):
            how = _dynamic_import(node.func, importers)
            if how is not None:
                found.append(_dynamic_found(node, how, package))
    return sorted(found, key=lambda item: (item.line, item.column))


def _import_module_aliases(tree: ast.AST) -> set[str]:
    """The names ``importlib.import_module`` is bound to by ``from importlib import import_module [as name]``."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "importlib" and not node.level
        for alias in node.names
        if alias.name in DYNAMIC_IMPORTS
    }


def _dynamic_import(function: ast.expr, importers: set[str]) -> str | None:
    """How a call to ``function`` imports a module (``__import__``, ``importlib.import_module``), or None."""
    if isinstance(function, ast.Name) and (function.id == "__import__" or function.id in importers):
        return function.id if function.id == "__import__" else "importlib.import_module"
    if isinstance(function, ast.Attribute) and function.attr in DYNAMIC_IMPORTS:
        return f"{ast.unparse(function.value)}.{function.attr}"
    return None


def _dynamic_found(call: ast.Call, how: str, package: str) -> FoundImport:
    """The import a dynamic import call makes: its constant name (resolved against ``package`` or its constant
    ``package=`` argument when relative), or None for a computed one."""
    computed = FoundImport(None, call.lineno, call.col_offset + 1, (), how)
    argument = _argument(call, 0, "name")
    if not isinstance(argument, ast.Constant) or not isinstance(argument.value, str) or not argument.value.strip("."):
        return computed
    name = argument.value
    level = len(name) - len(name.lstrip("."))
    if level and how.endswith("import_module"):  # import_module(".x", package): relative to that package
        anchor = _argument(call, 1, "package")
        if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
            package = anchor.value
        elif not (isinstance(anchor, ast.Name) and anchor.id in ("__package__", "__name__")):
            return computed
    elif level:
        return computed
    elif not how.endswith("import_module"):  # __import__(name, globals, locals, fromlist, level)
        given = _argument(call, 4, "level")
        if isinstance(given, ast.Constant) and isinstance(given.value, int) and given.value >= 0:
            level = given.value
        elif given is not None:
            return computed
    return FoundImport(_resolved(name.lstrip("."), level, package), call.lineno, call.col_offset + 1, (), how)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    """The argument of ``call`` at ``position`` or named ``keyword``, if it is given."""
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _resolved(name: str, level: int, package: str) -> str:
    """The absolute name of ``name`` imported with ``level`` leading dots from ``package``."""
    if not level:
        return name
    anchor = package.split(".")
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join([*anchor, name] if name else anchor)


def _module_file(name: str) -> Path | None:
    """The source file of module ``name``, asked of the import system's finders: never taken from
    ``sys.modules``, where a built plugin loaded in this process leaves its embedded copies (whose file names
    are relative, and which are not the installed sources)."""
    spec = _find_installed(name)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return None
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


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def relative_name(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when it is under it, else its name."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name
