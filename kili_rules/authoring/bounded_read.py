"""Reading the files users give (rule files, interfaces, Python rule modules, test files, files of labels): only
regular files, within a size bound.

Every reader of a user file goes through :func:`open_regular`: a named pipe (FIFO), a device (``/dev/zero``,
``/dev/stdin``), a socket or a folder is refused at once, in one line that names it and says what to give instead,
before anything is read from it (opening a FIFO for reading would wait for a writer for ever; a device never ends).
Whole files are read by :func:`read_bounded`, which refuses a file larger than its cap before parsing it.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO, TextIO

from kili_rules.errors import Problem, RuleFileError

#: The largest rule file read, in bytes.
MAX_RULE_FILE_BYTES = 1 << 20
#: The largest other user file read whole (a jsonInterface, a test file), in bytes.
MAX_DATA_FILE_BYTES = 50 << 20

#: Opened without waiting (a FIFO without a writer) and without taking a terminal as the controlling one.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class UnreadableFile(Exception):
    """A user file that cannot be read; the message says why (``cannot read the <what>: <why>``) or how big."""


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` (``st_mode``) is when it is not a regular file: ``a folder``, ``a named pipe
    (FIFO)``...; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path, what: str) -> BinaryIO:
    """``path`` opened for reading in binary when it is a regular file (a symbolic link to one is); UnreadableFile
    otherwise, at once: it is checked before it is opened, and again once open without waiting, so that a file
    replaced meanwhile by a FIFO cannot block."""
    try:
        kind = not_regular(os.stat(path).st_mode)
        if kind is None:
            descriptor = os.open(path, _OPEN_FLAGS)
            try:
                kind = not_regular(os.fstat(descriptor).st_mode)
                if kind is None:
                    if hasattr(os, "set_blocking"):
                        os.set_blocking(descriptor, True)
                    return open(descriptor, "rb")
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)
    except OSError as error:
        raise UnreadableFile(f"cannot read the {what}: {error.strerror}") from None
    raise UnreadableFile(
        f"cannot read the {what}: it is {kind}, not a regular file; give the path of a file (save what it holds first)"
    )


def open_text(path: Path, what: str) -> TextIO:
    """``path`` opened as UTF-8 text (universal newlines) when it is a regular file (see :func:`open_regular`)."""
    return io.TextIOWrapper(open_regular(path, what), encoding="utf-8")


def read_bounded(path: Path, what: str, limit: int) -> str:
    """The UTF-8 text of ``path`` if it is a regular file of at most ``limit`` bytes; UnreadableFile otherwise.
    Reads at most ``limit + 1`` bytes, so a file that grows while it is read is refused too."""
    try:
        with open_regular(path, what) as handle:
            data = handle.read(limit + 1)
            size = os.fstat(handle.fileno()).st_size
    except OSError as error:
        raise UnreadableFile(f"cannot read the {what}: {error.strerror}") from None
    if len(data) > limit:
        if size > limit:
            raise UnreadableFile(
                f"the {what} is {_size_text(size)}, more than the {_size_text(limit)} kili-rules reads: make it smaller"
            )
        raise UnreadableFile(
            f"the {what} holds more than {_size_text(limit)}, the most kili-rules reads: make it smaller"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(f"cannot read the {what}: not UTF-8 text") from None


def read_text(path: Path, what: str, limit: int = MAX_RULE_FILE_BYTES) -> str:
    """The UTF-8 text of ``path`` (at most ``limit`` bytes); RuleFileError ``path:1:1: error: ...`` otherwise."""
    try:
        return read_bounded(path, what, limit)
    except UnreadableFile as error:
        raise RuleFileError([Problem(str(path), 1, 1, str(error))]) from None


def _size_text(size: int) -> str:
    """``900 bytes``, ``1.5 MiB``, ``50 MiB``."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
