"""The Python rule modules of a rule set (its ``python:`` list): found next to the rule file, read (bounded) and
imported under the rule set's own package (:func:`user_package`), offline as in its plugin.

Importing a module runs it: its top level is executed in this process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

from kili_rules.authoring.yaml_source import MAX_RULE_FILE_BYTES, SourceMap, UnreadableFile, read_bounded
from kili_rules.errors import Problem

#: Python rule modules are imported under a package named this plus a hash (:func:`user_package`), in a built
#: plugin as offline.
USER_PACKAGE = "kili_rules_user"


@dataclass(frozen=True)
class PythonFile:
    """One imported Python rule module: its file, its entry in the rule file's ``python:`` list, its source."""

    path: Path
    name_in_file: str
    text: str = ""


@dataclass
class PythonModules:
    """What :func:`load_python_modules` gives: the package, the modules (by module name) and their imported objects."""

    package: str
    files: dict[str, PythonFile]
    loaded: dict[str, types.ModuleType]


def user_package(name: str, modules: list[tuple[str, str]]) -> str:
    """The package a rule set's Python modules are imported under, offline as in its plugin:
    ``kili_rules_user_<hash>``, the hash of the rule set's name and of its modules (``(name in the rule file,
    source)``). Two rule sets whose modules differ never share one, in one process or one plugin runner, and the
    name does not depend on the folder the project is in."""
    digest = hashlib.sha256(json.dumps([name, sorted(modules)]).encode()).hexdigest()
    return f"{USER_PACKAGE}_{digest[:12]}"


def load_python_modules(
    path: Path, name: str, entries: list[str], source: SourceMap, problems: list[Problem]
) -> PythonModules:
    """Import the Python rule modules ``entries`` (the ``python:`` list of the rule file at ``path``, of the rule
    set ``name``); each one that cannot be found, read or imported is a problem at its entry."""
    found = _read_python_files(path, entries, source, problems)
    package = user_package(name, [(relative, text) for _, relative, _, text in found])
    files: dict[str, PythonFile] = {}
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
        files[module_name] = PythonFile(file_path, relative, text)
    return PythonModules(package, files, loaded)


def _read_python_files(
    path: Path, entries: list[str], source: SourceMap, problems: list[Problem]
) -> list[tuple[int, str, Path, str]]:
    """The Python rule modules that can be read: (index in ``python:``, entry, resolved path, source)."""
    found: list[tuple[int, str, Path, str]] = []
    for index, relative in enumerate(entries):
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
    return found


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
