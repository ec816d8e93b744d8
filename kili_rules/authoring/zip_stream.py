"""The members of a zip, read one at a time without holding the zip's directory.

Python's ``zipfile`` reads the whole central directory when it opens a zip: an entry object per member, about
0.6 KiB each, some 600 MiB for an export of a million assets written one file per asset (what
``kili.export_labels`` writes by default). Here the directory is read in pieces, twice: once to check that the
members to read are already in the order of their names (``kili.export_labels`` zips with ``shutil.make_archive``,
which writes each folder's files sorted) and are plainly stored or deflated, then to read them in that order, each
member decompressed as a stream with its CRC checked. :func:`streamed_members` says when it cannot (members out of
order, a repeated name, another compression, encryption, a zip inside another file): the caller then reads the zip
with ``zipfile``, holding its directory.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

_END = struct.Struct("<4s4H2LH")  # end of central directory
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # a central directory entry
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a member's local header
_STORED, _DEFLATED = 0, 8
#: Bytes read at a time, from the directory and from a member.
PIECE = 1 << 16


class NotStreamable(Exception):
    """The zip cannot be read member by member here (see the module docstring): read it with ``zipfile``."""


@dataclass(frozen=True)
class Member:
    """One member of the zip, as its central directory entry says."""

    name: str
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    offset: int


def _directory(handle: BinaryIO) -> tuple[int, int, int]:
    """The number of entries, the offset and the size of the central directory."""
    end = handle.seek(0, io.SEEK_END)
    start = max(0, end - (_END.size + 0xFFFF + _END64_LOCATOR.size))
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        raise zipfile.BadZipFile("no end of central directory")
    _, _, _, _, entries, size, offset, _ = _END.unpack_from(tail, at)
    where = start + at
    locator = at - _END64_LOCATOR.size
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":  # ZIP64: its record has the real values
        _, _, end64, _ = _END64_LOCATOR.unpack_from(tail, locator)
        handle.seek(end64)
        record = handle.read(_END64.size)
        if len(record) < _END64.size or record[:4] != b"PK\x06\x06":
            raise NotStreamable("no ZIP64 end of central directory")
        _, _, _, _, _, _, _, entries, size, offset = _END64.unpack(record)
        where = end64
    elif entries == 0xFFFF or 0xFFFFFFFF in (size, offset):
        raise NotStreamable("no ZIP64 end of central directory locator")
    if offset + size != where:  # data before the zip (a self-extracting archive) or a broken directory
        raise NotStreamable("the directory is not where the zip says")
    return entries, offset, size


def _zip64_fields(extra: bytes, member: list[int]) -> None:
    """Replace the 0xFFFFFFFF sizes and offset of ``member`` ([size, compressed, offset]) by the ZIP64 extra's."""
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, position)
        if kind == 1:
            values = iter(struct.unpack_from(f"<{length // 8}Q", extra, position + 4))
            for index, value in enumerate(member):
                if value == 0xFFFFFFFF:
                    member[index] = next(values, value)
            return
        position += 4 + length


def _entries(handle: BinaryIO, entries: int, offset: int, size: int) -> Iterator[Member]:
    """The central directory's entries, read a piece at a time (the handle may be used between two of them)."""
    buffer, position, read = b"", 0, offset
    for _ in range(entries):
        while (entry := _entry(buffer, position)) is None:
            handle.seek(read)
            piece = handle.read(max(0, min(PIECE, offset + size - read)))
            if not piece:
                raise zipfile.BadZipFile("the central directory is cut short")
            read += len(piece)
            buffer, position = buffer[position:] + piece, 0
        member, position = entry
        yield member


def _entry(buffer: bytes, position: int) -> tuple[Member, int] | None:
    """The entry at ``position`` of ``buffer`` and the position after it; None when it is not all in ``buffer``."""
    if len(buffer) - position < _CENTRAL.size:
        return None
    fields = _CENTRAL.unpack_from(buffer, position)
    if fields[0] != b"PK\x01\x02":
        raise zipfile.BadZipFile("bad magic number for a central directory entry")
    flags, method, _, _, crc, compressed, file_size, name_length, extra_length, comment_length = fields[5:15]
    start = position + _CENTRAL.size
    end = start + name_length + extra_length + comment_length
    if len(buffer) < end:
        return None
    sizes = [file_size, compressed, fields[18]]
    try:
        _zip64_fields(buffer[start + name_length : start + name_length + extra_length], sizes)
        name = buffer[start : start + name_length].decode("utf-8" if flags & 0x800 else "cp437")
    except (struct.error, UnicodeDecodeError) as error:
        raise zipfile.BadZipFile(f"a broken central directory entry: {error}") from None
    return Member(name, method, flags, crc, sizes[1], sizes[0], sizes[2]), end


def streamed_members(handle: BinaryIO, wanted: Callable[[str], bool]) -> Iterator[tuple[str, BinaryIO]]:
    """The members whose name is ``wanted``, in the order of their names, each as a binary stream (to read before
    the next one is asked for). Raises NotStreamable at once when the zip is not read this way, and
    ``zipfile.BadZipFile`` when it is broken."""
    entries, offset, size = _directory(handle)
    previous = None
    for member in _entries(handle, entries, offset, size):
        if not wanted(member.name):
            continue
        if previous is not None and member.name <= previous:
            raise NotStreamable("members out of order")
        if member.method not in (_STORED, _DEFLATED) or member.flags & 0x1:
            raise NotStreamable("compressed in another way, or encrypted")
        previous = member.name
    return _open_members(handle, _entries(handle, entries, offset, size), wanted)


def _open_members(
    handle: BinaryIO, members: Iterator[Member], wanted: Callable[[str], bool]
) -> Iterator[tuple[str, BinaryIO]]:
    for member in members:
        if wanted(member.name):
            with io.BufferedReader(_MemberReader(handle, member), PIECE) as stream:
                yield member.name, stream


class _MemberReader(io.RawIOBase):
    """One member's bytes, decompressed as they are read, their CRC and size checked at the end; seekable (back
    to a position by reading again from the start, as ``zipfile`` does)."""

    def __init__(self, handle: BinaryIO, member: Member) -> None:
        super().__init__()
        self.handle, self.member = handle, member
        handle.seek(member.offset)
        header = handle.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{member.name}: bad magic number for a file header")
        fields = _LOCAL.unpack(header)
        flags, name_length, extra_length = fields[3], fields[10], fields[11]
        name = handle.read(name_length).decode("utf-8" if flags & 0x800 else "cp437", "replace")
        if name != member.name:
            raise zipfile.BadZipFile(f"the name in the directory, {member.name!r}, and in its header differ")
        self.start = member.offset + _LOCAL.size + name_length + extra_length
        self._rewind()

    def _rewind(self) -> None:
        self.consumed = 0  # compressed bytes read
        self.position = 0  # bytes given
        self.crc = 0
        self.pending = memoryview(b"")
        self.inflate = zlib.decompressobj(-15) if self.member.method == _DEFLATED else None
        self.done = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, target: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            target += self.position
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of a zip member")
        if target < self.position:
            self._rewind()
        while self.position < target and self.read(min(PIECE, target - self.position)):
            pass
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.pending and not self.done:
            self._more()
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        self.position += count
        return count

    def _more(self) -> None:
        inflate, member = self.inflate, self.member
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.decompress(inflate.unconsumed_tail, PIECE)  # already read: decompressed before
        else:
            self.handle.seek(self.start + self.consumed)
            raw = self.handle.read(min(PIECE, member.compressed - self.consumed))
            self.consumed += len(raw)
            if inflate is None:
                data = raw
            else:
                try:
                    data = inflate.decompress(raw, PIECE) if raw else inflate.flush()
                except zlib.error as error:
                    raise zipfile.BadZipFile(f"{member.name}: {error}: the zip is broken") from None
            if not raw and not data:
                self._end()
                return
        self.crc = zlib.crc32(data, self.crc)
        self.pending = memoryview(data)

    def _end(self) -> None:
        self.done = True
        given = self.position + len(self.pending)
        if given != self.member.size or self.crc != self.member.crc:
            raise zipfile.BadZipFile(f"bad CRC or size in {self.member.name!r}: the zip is broken")


__all__ = ["Member", "NotStreamable", "streamed_members"]
