"""The Python rule modules of a rule set (its ``python:`` list): found next to the rule file, read (bounded) and
imported under the rule set's own package (:func:`user_package`), offline as in its plugin.

Importing a module runs it: its top level is executed in this process (by ``validate``, ``lint``, ``build`` and
every command that loads a rule set). Each import is bounded in time: it runs in a worker thread, and one that takes
more than :func:`import_seconds` (10 s, or ``KILI_RULES_IMPORT_SECONDS``) stops the loading (RuleFileError: one line
at its ``python:`` entry; exit 2 from the CLI).
The thread is then asked to stop (an exception raised in it at its next Python instruction); if it does not, it is
abandoned (a daemon thread: the command exits without waiting for it).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import math
import os
import sys
import threading
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

from kili_rules.authoring.bounded_read import MAX_RULE_FILE_BYTES, UnreadableFile, read_bounded
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import InputError, Problem, RuleFileError

#: Python rule modules are imported under a package named this plus a hash (:func:`user_package`), in a built
#: plugin as offline.
USER_PACKAGE = "kili_rules_user"
#: The environment variable that sets the seconds the import of one Python rule module may take.
IMPORT_SECONDS_VARIABLE = "KILI_RULES_IMPORT_SECONDS"
#: The seconds the import of one Python rule module may take when the variable is not set.
DEFAULT_IMPORT_SECONDS = 10.0
#: Seconds an overrunning import is given to stop once asked, before it is abandoned.
STOP_GRACE_SECONDS = 0.5


class ImportTimeout(Exception):
    """The import of a Python rule module took longer than it may."""


def import_seconds() -> float:
    """The seconds the import of one Python rule module may take: ``KILI_RULES_IMPORT_SECONDS`` when set (a number
    > 0), else :data:`DEFAULT_IMPORT_SECONDS`. InputError (one line, exit 2) when it is set to something else."""
    text = os.environ.get(IMPORT_SECONDS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_IMPORT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise InputError(
            f"{IMPORT_SECONDS_VARIABLE}={text!r}: give the seconds a Python rule module may take to "
            "import, a number above 0 (default 10)"
        )
    return seconds


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
    set ``name``); each one that cannot be found, read or imported is a problem at its entry. Raises RuleFileError
    when an import overruns its time (nothing else is imported then)."""
    found = _read_python_files(path, entries, source, problems)
    package = user_package(name, [(relative, text) for _, relative, _, text in found])
    files: dict[str, PythonFile] = {}
    loaded: dict[str, types.ModuleType] = {}
    seconds = import_seconds() if found else DEFAULT_IMPORT_SECONDS
    for index, relative, file_path, text in found:
        module_name = f"{package}.{Path(relative).stem}"
        try:
            loaded[module_name] = _import_within(seconds, package, module_name, file_path)
        except ImportTimeout:
            message = (
                f"importing {relative} took more than {seconds:g} s: its top level runs when the rule set is loaded "
                f"(an endless loop?); make it quick, or allow more time with {IMPORT_SECONDS_VARIABLE}=SECONDS"
            )
            raise RuleFileError([source.problem(("python", index), message)]) from None
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
        elif not file_path.exists():  # anything else there is read as a file, or refused by the bounded reader
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


def _import_within(seconds: float, package_name: str, module_name: str, file_path: Path) -> types.ModuleType:
    """The module imported (see :func:`_import_user_module`) in a daemon thread within ``seconds``; what it raises
    is raised here. ImportTimeout when it overruns: the thread is asked to stop, and abandoned if it does not."""
    outcome: list[types.ModuleType | BaseException] = []

    def run() -> None:
        try:
            outcome.append(_import_user_module(package_name, module_name, file_path))
        except BaseException as error:  # even SystemExit: raised again in the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=run, name=f"import {file_path.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _stop(worker)
        worker.join(STOP_GRACE_SECONDS)
        if sys.modules.get(module_name) is not None and not outcome:
            sys.modules.pop(module_name, None)  # a half-run module is not left for a later import
        raise ImportTimeout(module_name)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


class _Stopped(BaseException):
    """Raised in an import that ran out of time, to end it."""


def _stop(worker: threading.Thread) -> None:
    """Raise :class:`_Stopped` in ``worker`` at its next Python instruction (CPython: a loop in Python code ends; a
    call blocked in C code does not, until it returns)."""
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is not None and worker.ident is not None:
        set_async_exc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Stopped))


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
