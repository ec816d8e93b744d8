"""Reads labels from the files users have: Kili exports (a file, the folder or the ``.zip`` that
``kili.export_labels`` writes), ``kili.labels()`` / ``kili.assets()`` dumps, bare jsonResponses; a JSON document
(object or list) or JSON Lines (one object per line, read as a stream); each member of a zip is read as a stream
the same way. Which label of each asset ``check`` audits is ``latest_pick.py``'s.

Reading is bounded: only regular files are read (a FIFO or a device is refused at once, see ``bounded_read.py``), one
label (an item of a JSON array, a line of JSON Lines, a whole JSON object) may hold at most :data:`MAX_LABEL_CHARS`
characters, and one that nests deeper than Python can parse is refused: each in one line naming the file."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kili_rules.authoring.bounded_read import UnreadableFile, open_regular, open_text
from kili_rules.authoring.zip_stream import NotStreamable, streamed_members
from kili_rules.errors import LabelFileError


@dataclass(frozen=True)
class LabelRecord:
    """One label found in a file, with where it came from."""

    label: dict[str, Any]
    source: str
    asset_id: str | None = None
    #: the label came from an asset's ``labels`` list: every label of that asset comes with it, one after another
    grouped: bool = False
    #: the asset's size in pixels as the file gives it (an asset's ``resolution``, a label's ``labelOf.resolution``
    #: or ``asset.resolution``), for rules in pixels; None when it gives none. The runtime checks it.
    resolution: Any = None
    #: the label came from an asset object (its ``latestLabel`` or its ``labels`` list), not from a flat list of labels
    in_asset: bool = False


def labels_in(item: Any, source: str, on_unlabeled: Callable[[str], None] | None = None) -> Iterator[LabelRecord]:
    """The labels in one JSON object: a label, an asset (``latestLabel`` or ``labels``), or a bare jsonResponse.
    ``on_unlabeled`` is told of each asset without a label (its source)."""
    if not isinstance(item, dict):
        raise LabelFileError(
            f"{source}: expected a label, an asset or a jsonResponse object, got {type(item).__name__}"
        )
    asset_id = item.get("id") if isinstance(item.get("id"), str) else None
    resolution = item.get("resolution")  # an asset's (kili.assets(), an export)
    if "jsonResponse" in item:  # a label: kili.labels() names its asset `assetId`, `asset: {id}` or `labelOf: {id}`
        owner = item.get("assetId")
        resolution = None
        for key in ("asset", "labelOf"):
            if isinstance(item.get(key), dict):
                if not isinstance(owner, str):
                    owner = item[key].get("id")
                resolution = resolution or item[key].get("resolution")
        yield LabelRecord(item, source, owner if isinstance(owner, str) else None, resolution=resolution)
    elif isinstance(item.get("latestLabel"), dict):
        yield LabelRecord(item["latestLabel"], source, asset_id, resolution=resolution, in_asset=True)
    elif isinstance(item.get("labels"), list) and any(isinstance(label, dict) for label in item["labels"]):
        for index, label in enumerate(item["labels"]):
            if isinstance(label, dict):
                yield LabelRecord(
                    label, f"{source} label {index}", asset_id, grouped=True, resolution=resolution, in_asset=True
                )
    elif "latestLabel" in item or "labels" in item:
        if on_unlabeled is not None:  # an asset with no label yet
            on_unlabeled(f"{source} (asset {asset_id})" if asset_id else source)
    else:
        not_a_label = _what_else(item)
        if not_a_label:
            raise LabelFileError(f"{source}: {not_a_label}")
        yield LabelRecord({"jsonResponse": item}, source)


_GIVE_LABELS = "give labels: a Kili export, a kili.labels() dump or a jsonResponse"


def _what_else(item: dict[str, Any]) -> str | None:
    """What a JSON object read where a bare jsonResponse is expected really is, when it is plainly something else (a
    project or an interface, which would otherwise be read as a label none of the rules apply to, and score 100)."""
    if "jsonInterface" in item:
        return f"a project (it has a jsonInterface), not a label; {_GIVE_LABELS}"
    jobs = item.get("jobs")
    if isinstance(jobs, dict) and any(isinstance(job, dict) and "mlTask" in job for job in jobs.values()):
        return f"an interface (its jobs have an mlTask), not a label; {_GIVE_LABELS}"
    return None


def read_label_source(
    path: str | Path,
    on_progress: Callable[[int], None] | None = None,
    on_unlabeled: Callable[[str], None] | None = None,
) -> Iterator[LabelRecord]:
    """Every label of a file (:func:`read_labels`), of every ``.json`` / ``.jsonl`` file under a folder, or of
    every such member of a ``.zip``: what ``kili.export_labels`` writes (one file per asset, or ``data.json``)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl") and p.is_file())
        if not files:
            raise LabelFileError(f"{path}: a folder without .json or .jsonl files of labels")
        for file in files:
            yield from read_labels(file, None, on_unlabeled)
        return
    try:
        handle = open_regular(path, "file of labels")
    except UnreadableFile as error:
        raise LabelFileError(f"{path}: {error}") from None
    with handle:
        if zipfile.is_zipfile(handle):
            yield from _read_zip(handle, path, on_unlabeled)
            return
    yield from read_labels(path, on_progress, on_unlabeled)


def _read_zip(handle: Any, path: Path, on_unlabeled: Callable[[str], None] | None) -> Iterator[LabelRecord]:
    """The labels of every ``.json`` / ``.jsonl`` member of a zip, in the order of their names, each member read as
    a stream like a file (a ``data.json`` of a million assets is never held whole), and without holding the zip's
    directory when its members are already in order (see ``zip_stream.py``)."""
    try:
        try:
            members = streamed_members(handle, _label_member)
        except NotStreamable:
            members = _members_of_zipfile(handle)
        found = False
        for member, raw in members:
            found = True
            with io.TextIOWrapper(raw, encoding="utf-8") as text:
                yield from _read_stream(text, f"{path}!{member}", member.endswith(".jsonl"), None, on_unlabeled)
        if not found:
            raise LabelFileError(f"{path}: a zip without .json or .jsonl files of labels")
    except zipfile.BadZipFile as error:
        raise LabelFileError(f"{path}: cannot read the zip: {error}") from None


def _label_member(name: str) -> bool:
    return name.endswith((".json", ".jsonl")) and not name.startswith("__MACOSX")


def _members_of_zipfile(handle: Any) -> Iterator[tuple[str, Any]]:
    """The label members of a zip read with ``zipfile`` (which holds the whole directory), in the order of names."""
    with zipfile.ZipFile(handle) as archive:
        for member in sorted(filter(_label_member, archive.namelist())):
            with archive.open(member) as raw:
                yield member, raw


#: Characters read at a time from a JSON array (a label is parsed once it is whole, so memory stays bounded by the
#: largest label, not the file).
CHUNK = 1 << 20
#: A label bigger than this (in characters) is taken for a broken file.
MAX_LABEL_CHARS = 1 << 28


def read_labels(
    path: str | Path,
    on_progress: Callable[[int], None] | None = None,
    on_unlabeled: Callable[[str], None] | None = None,
) -> Iterator[LabelRecord]:
    """Every label in the file at ``path``, read as a stream: a JSON array item by item, JSON Lines line by
    line. ``on_progress`` is called with the number of characters read so far. Raises LabelFileError naming the
    file (and line) when the file cannot be read."""
    path = Path(path)
    try:
        opened = open_text(path, "file of labels")
    except UnreadableFile as error:
        raise LabelFileError(f"{path}: {error}") from None
    with opened as handle:
        yield from _read_stream(handle, str(path), path.suffix == ".jsonl", on_progress, on_unlabeled)


def _read_stream(
    handle: Any,
    source: str,
    lines: bool,
    on_progress: Callable[[int], None] | None,
    on_unlabeled: Callable[[str], None] | None,
) -> Iterator[LabelRecord]:
    """The labels of an open text stream (a file, a zip member): JSON Lines when ``lines`` or when it does not start
    with ``[`` or ``{``, a JSON array item by item, or one JSON object (else JSON Lines after all)."""
    try:
        first = handle.read(1)
        while first.isspace():
            first = handle.read(1)
        handle.seek(0)
        if lines or first not in ("[", "{"):
            yield from _read_json_lines(handle, source, on_progress, on_unlabeled)
        elif first == "[":
            for index, item in enumerate(_json_array_items(handle, source, on_progress)):
                yield from labels_in(item, f"{source}[{index}]", on_unlabeled)
        else:
            text = _read_up_to(handle, MAX_LABEL_CHARS + 1)
            try:
                if len(text) > MAX_LABEL_CHARS:  # not one label: maybe JSON Lines, each line bounded
                    raise ValueError("too large")
                document = _parsed(json.loads, text, source)
            except ValueError:  # maybe JSON Lines in a .json file
                handle.seek(0)
                yield from _read_json_lines(handle, source, on_progress, on_unlabeled)
                return
            if on_progress:
                on_progress(len(text))
            yield from labels_in(document, source, on_unlabeled)
    except OSError as error:
        raise LabelFileError(f"{source}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise LabelFileError(f"{source}: not UTF-8 text; is it a JSON file of labels?") from None


def _read_up_to(handle: Any, limit: int) -> str:
    """At most ``limit`` characters of ``handle``, read a chunk at a time (``read(limit)`` of a buffered file sets
    aside ``limit`` bytes at once, 256 MiB for each file of one label)."""
    parts, count = [], 0
    while count < limit:
        part = handle.read(min(CHUNK, limit - count))
        if not part:
            break
        parts.append(part)
        count += len(part)
    return "".join(parts)


def _json_array_items(handle: Any, source: str, on_progress: Callable[[int], None] | None) -> Iterator[Any]:
    """The items of the JSON array that ``handle`` holds, parsed one at a time."""
    decoder = json.JSONDecoder()
    buffer = handle.read(CHUNK)
    while "[" not in buffer:  # only whitespace before it: read_labels saw the '['
        buffer += handle.read(CHUNK)
    read = len(buffer)
    position = buffer.index("[") + 1
    lines_before = 0  # newlines in the text already dropped from the buffer
    at_end = False
    expect_item = True
    items = 0
    while True:
        while position < len(buffer) and buffer[position] in " \t\r\n":
            position += 1
        if position >= len(buffer):
            if at_end:
                raise LabelFileError(f"{source}: the JSON array is not closed (the file is cut short?)")
            chunk = handle.read(CHUNK)
            at_end = not chunk
            lines_before += buffer.count("\n", 0, position)
            buffer, position = buffer[position:] + chunk, 0
            read += len(chunk)
            continue
        char = buffer[position]
        if char == "]" and (not expect_item or items == 0):
            return
        if char == "," and not expect_item:
            expect_item = True
            position += 1
            continue
        if not expect_item:
            line = lines_before + buffer.count("\n", 0, position) + 1
            raise LabelFileError(f"{source}:{line}: not valid JSON: expected ',' or ']' between labels")
        try:
            item, end = _parsed(decoder.raw_decode, buffer, source, position, lines_before)
        except ValueError as error:
            if not at_end and len(buffer) - position < MAX_LABEL_CHARS:
                chunk = handle.read(max(CHUNK, len(buffer) - position))  # doubling: a big label is parsed O(1) times
                at_end = not chunk
                lines_before += buffer.count("\n", 0, position)
                buffer, position = buffer[position:] + chunk, 0
                read += len(chunk)
                if chunk:
                    continue
            line = lines_before + buffer.count("\n", 0, getattr(error, "pos", position)) + 1
            raise LabelFileError(f"{source}:{line}: not valid JSON: {getattr(error, 'msg', error)}") from None
        expect_item = False
        items += 1
        position = end
        if on_progress:
            on_progress(read - (len(buffer) - position))
        yield item


def _read_json_lines(
    handle: Any,
    source: str,
    on_progress: Callable[[int], None] | None = None,
    on_unlabeled: Callable[[str], None] | None = None,
) -> Iterator[LabelRecord]:
    read = 0
    for number, line in _bounded_lines(handle, source):
        read += len(line)
        if not line.strip():
            continue
        try:
            item = _parsed(json.loads, line, f"{source}:{number}")
        except ValueError as error:
            raise LabelFileError(f"{source}:{number}: not valid JSON: {error}") from None
        if on_progress:
            on_progress(read)
        yield from labels_in(item, f"{source}:{number}", on_unlabeled)


def _bounded_lines(handle: Any, source: str) -> Iterator[tuple[int, str]]:
    """The lines of ``handle``, numbered from 1; LabelFileError at the first longer than :data:`MAX_LABEL_CHARS`
    (read no further than that: a file without newlines is not read whole)."""
    number = 0
    while True:
        line = handle.readline(MAX_LABEL_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LABEL_CHARS:
            raise LabelFileError(
                f"{source}:{number}: a line of more than {MAX_LABEL_CHARS} characters is not a label: is the file "
                "broken? (JSON Lines hold one label per line)"
            )
        yield number, line


def _parsed(
    parse: Callable[..., Any], text: str, source: str, position: int | None = None, lines_before: int = 0
) -> Any:
    """``parse(text)`` (``parse(text, position)`` with a position); LabelFileError naming ``source`` (and the line)
    when the document nests deeper than Python can parse, which no label does."""
    try:
        return parse(text) if position is None else parse(text, position)
    except RecursionError:
        line = None if position is None else lines_before + text.count("\n", 0, position) + 1
        where = "" if line is None else f":{line}"
        raise LabelFileError(
            f"{source}{where}: lists and objects nest too deeply to be a label (no label nests a thousand levels "
            "deep): is the file broken?"
        ) from None


def pick_label(
    records: list[LabelRecord],
    asset: str | None,
    index: int | None,
    source: str,
    how: str = "`asset: <asset id>` or `index: <0-based>`",
) -> LabelRecord:
    """The one label a case means: the only one, the one of ``asset``, or the ``index``-th (``how`` says how to
    choose, in the error when there are several)."""
    if asset is not None:
        records = [r for r in records if r.asset_id == asset or r.label.get("id") == asset]
        if not records:
            raise LabelFileError(f"{source} has no asset or label {asset!r}")
    if index is not None:
        if index >= len(records):
            raise LabelFileError(f"{source} holds {len(records)} label(s): there is no index {index}")
        return records[index]
    if len(records) != 1:
        ids = [r.asset_id or r.label.get("id") or "?" for r in records[:5]]
        listed = f" (assets {', '.join(map(str, ids))}{', ...' if len(records) > 5 else ''})" if records else ""
        raise LabelFileError(f"{source} holds {len(records)} labels{listed}: pick one with {how}")
    return records[0]
