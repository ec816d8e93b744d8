"""The ``kili-rules`` command run by the tests: in the test process (:func:`run_cli`), or in its own
(:func:`run_cli_process`).

Why in the test process: each ``python -m kili_rules.cli`` costs about 0.4 s of CPU (the interpreter starts, then
imports pydantic and the loader again); some sixty tests each started one or more, about 25 s of CPU of a 2-core run.
:func:`run_cli` calls :func:`kili_rules.cli.main` instead and returns what ``subprocess.run(..., capture_output=True,
text=True)`` returns for the process:

- stdout and stderr as text, written as the process writes them to a pipe (the locale's encoding: what it cannot
  encode fails as it would there) and read back as ``subprocess`` reads them (universal newlines); what logging
  handlers, logging's last resort and :mod:`warnings` write is in them, as in a fresh interpreter;
- the exit code as the interpreter makes it: ``main``'s return value or ``SystemExit`` (argparse's usage errors: 2;
  ``None``: 0; anything else printed on stderr: 1), or, for an exception that escapes, its traceback on stderr and 1,
  so that a test asserting ``"Traceback" not in stderr`` still fails then;
- in ``cwd``, with ``sys.argv`` as ``-m`` sets it; the directory, ``sys.argv``, the streams, the logging
  configuration and the warning filters are the test's again afterwards.

What it does not cover is the process boundary itself: the ``-m`` and console-script entry points, a real pipe that
its reader closes (``BrokenPipeError``, ``sys.stdout.fileno()``), signals, the environment and stdin a process is
given, and the memory and time a process may take: a command that runs away in the test process hangs or exhausts
the worker, where a process is killed at its ``timeout``. Tests of those start a process: :func:`run_cli_process`.
"""

from __future__ import annotations

import contextlib
import io
import locale
import logging
import os
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import kili_rules.cli
from kili_rules.cli import main

#: What ``python -m kili_rules.cli`` puts in ``sys.argv[0]``: the path of the module it runs.
MAIN_MODULE = str(Path(kili_rules.cli.__file__).with_name("__main__.py"))
#: The encoding a child process writes to a pipe, and the one ``subprocess.run(text=True)`` reads it with.
ENCODING = locale.getpreferredencoding(False)


def run_cli(*args: object, cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess[str]:
    """``kili-rules ARGS`` run in this process, as :func:`run_cli_process` would run it (see the module's docstring);
    ``cwd`` as in :func:`subprocess.run`: the directory the command runs in, this one when ``None``."""
    argv = [str(arg) for arg in args]
    stdout, stderr = _pipe("strict"), _pipe("backslashreplace")  # the errors Python sets on its standard streams
    with (
        _standard_streams(stdout, stderr),
        _fresh_logging(stdout, stderr),
        _fresh_warnings(),
        _argv(argv),
        _directory(cwd),
    ):
        returncode = _exit_code_of(main, argv)
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "kili_rules.cli", *argv], returncode, _read_back(stdout), _read_back(stderr)
    )


def run_cli_process(
    *args: object, cwd: str | os.PathLike[str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m kili_rules.cli ARGS`` in its own process: for what only a process shows (see the module's
    docstring); ``timeout`` ends it (``subprocess.TimeoutExpired``) where the command could run away."""
    command = [sys.executable, "-m", "kili_rules.cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=timeout)


def _exit_code_of(command: Any, argv: Sequence[str]) -> int:
    """The exit code of a process that ran ``sys.exit(command(argv))``; an escaping exception's traceback goes to
    ``sys.stderr`` as the interpreter prints it."""
    try:
        code = command(argv)
    except SystemExit as exiting:
        code = exiting.code
    except Exception as error:
        traceback.print_exception(type(error), error, _without_this_frame(error.__traceback__), file=sys.stderr)
        return 1
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF  # what the operating system keeps of it
    print(code, file=sys.stderr)
    return 1


def _without_this_frame(frames: TracebackType | None) -> TracebackType | None:
    """A traceback from the command's frame on, as the interpreter's starts from the module's."""
    return frames.tb_next if frames is not None else None


def _pipe(errors: str) -> io.TextIOWrapper:
    """A standard stream as a child process has it when it writes to a pipe."""
    return io.TextIOWrapper(io.BytesIO(), encoding=ENCODING, errors=errors, newline="\n")


def _read_back(stream: io.TextIOWrapper) -> str:
    """What ``subprocess.run(text=True)`` makes of the bytes written to ``stream``."""
    stream.flush()
    data = stream.buffer.getvalue()  # type: ignore[attr-defined]
    return io.TextIOWrapper(io.BytesIO(data), encoding=ENCODING).read()


@contextlib.contextmanager
def _standard_streams(stdout: io.TextIOWrapper, stderr: io.TextIOWrapper) -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` are the pipes, and so are ``sys.__stdout__`` and ``sys.__stderr__``: the
    terminal size is read from the latter (argparse's help is as wide as the process would make it, 80 columns)."""
    saved = sys.__stdout__, sys.__stderr__
    sys.__stdout__, sys.__stderr__ = stdout, stderr  # type: ignore[misc]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            yield
    finally:
        sys.__stdout__, sys.__stderr__ = saved  # type: ignore[misc]


#: What is set on a logger: its handlers, level, ``propagate`` and ``disabled``.
_LoggerState = tuple[list[logging.Handler], int, bool, bool]


@contextlib.contextmanager
def _fresh_logging(*pipes: io.TextIOWrapper) -> Iterator[None]:
    """Logging as a fresh interpreter has it: no handler on the root logger (pytest's are set aside, so what is
    logged at WARNING goes to logging's last resort: stderr), level WARNING. Afterwards the loggers there were are
    as they were; one made meanwhile (by the command, or a module it imported) is as ``getLogger`` makes it, but for
    the handlers that do not write to ``pipes`` (a module's NullHandler stays, ``apply --verbose``'s goes)."""
    saved = {name: _state_of(logger) for name, logger in _loggers()}
    disabled = logging.Logger.manager.disable
    _set_state(logging.root, ([], logging.WARNING, True, False))
    logging.disable(logging.NOTSET)
    try:
        yield
    finally:
        logging.disable(disabled)
        for name, logger in _loggers():
            if name in saved:
                _set_state(logger, saved[name])
            else:
                kept = [h for h in logger.handlers if getattr(h, "stream", None) not in pipes]
                _set_state(logger, (kept, logging.NOTSET, True, False))  # as getLogger makes it


def _loggers() -> Iterator[tuple[str, logging.Logger]]:
    """Every logger there is, by name (the root's is ``""``)."""
    yield "", logging.root
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            yield name, logger


def _state_of(logger: logging.Logger) -> _LoggerState:
    return logger.handlers[:], logger.level, logger.propagate, logger.disabled


def _set_state(logger: logging.Logger, state: _LoggerState) -> None:
    handlers, level, logger.propagate, logger.disabled = state
    logger.handlers[:] = handlers
    logger.setLevel(level)


@contextlib.contextmanager
def _fresh_warnings() -> Iterator[None]:
    """Warnings as a fresh interpreter shows them: its default filters, printed on ``sys.stderr`` (not recorded by
    pytest); the test's filters again afterwards."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", category, append=True)
        warnings.showwarning = _show_on_stderr
        yield


def _show_on_stderr(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """A warning as the interpreter prints it."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


@contextlib.contextmanager
def _argv(argv: Sequence[str]) -> Iterator[None]:
    """``sys.argv`` as ``python -m kili_rules.cli ARGV`` sets it."""
    saved = sys.argv
    sys.argv = [MAIN_MODULE, *argv]
    try:
        yield
    finally:
        sys.argv = saved


@contextlib.contextmanager
def _directory(cwd: str | os.PathLike[str] | None) -> Iterator[None]:
    """In ``cwd`` (this directory when ``None``), and back."""
    saved = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)
