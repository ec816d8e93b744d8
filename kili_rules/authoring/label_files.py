"""Reads labels from the files users have: Kili exports, ``kili.labels()`` / ``kili.assets()`` dumps, bare
jsonResponses; a JSON document (object or list) or JSON Lines (one object per line, read as a stream)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kili_rules.errors import LabelFileError


@dataclass(frozen=True)
class LabelRecord:
    """One label found in a file, with where it came from."""

    label: dict[str, Any]
    source: str
    asset_id: str | None = None


def labels_in(item: Any, source: str) -> Iterator[LabelRecord]:
    """The labels in one JSON object: a label, an asset (``latestLabel`` or ``labels``), or a bare jsonResponse."""
    if not isinstance(item, dict):
        raise LabelFileError(
            f"{source}: expected a label, an asset or a jsonResponse object, got {type(item).__name__}"
        )
    asset_id = item.get("id") if isinstance(item.get("id"), str) else None
    if "jsonResponse" in item:
        asset = item.get("labelOf")  # a label as kili.labels(fields=[..., "labelOf.id"]) gives it
        of = asset.get("id") if isinstance(asset, dict) and isinstance(asset.get("id"), str) else None
        yield LabelRecord(item, source, of)
    elif isinstance(item.get("latestLabel"), dict):
        yield LabelRecord(item["latestLabel"], source, asset_id)
    elif isinstance(item.get("labels"), list):
        for index, label in enumerate(item["labels"]):
            if isinstance(label, dict):
                yield LabelRecord(label, f"{source} label {index}", asset_id)
    elif "latestLabel" in item or "labels" in item:
        return  # an asset with no label yet
    else:
        yield LabelRecord({"jsonResponse": item}, source)


#: Characters read at a time from a JSON array (a label is parsed once it is whole, so memory stays bounded by the
#: largest label, not the file).
CHUNK = 1 << 20
#: A label bigger than this (in characters) is taken for a broken file.
MAX_LABEL_CHARS = 1 << 28


def read_labels(path: str | Path, on_progress: Callable[[int], None] | None = None) -> Iterator[LabelRecord]:
    """Every label in the file at ``path``, read as a stream: a JSON array item by item, JSON Lines line by
    line. ``on_progress`` is called with the number of characters read so far. Raises LabelFileError naming the
    file (and line) when the file cannot be read."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.read(1)
            while first.isspace():
                first = handle.read(1)
            handle.seek(0)
            if path.suffix == ".jsonl" or first not in ("[", "{"):
                yield from _read_json_lines(handle, str(path), on_progress)
            elif first == "[":
                for index, item in enumerate(_json_array_items(handle, str(path), on_progress)):
                    yield from labels_in(item, f"{path}[{index}]")
            else:
                text = handle.read()
                try:
                    document = json.loads(text)
                except ValueError:  # maybe JSON Lines in a .json file
                    handle.seek(0)
                    yield from _read_json_lines(handle, str(path), on_progress)
                    return
                if on_progress:
                    on_progress(len(text))
                yield from labels_in(document, str(path))
    except OSError as error:
        raise LabelFileError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise LabelFileError(f"{path}: not UTF-8 text; is it a JSON file of labels?") from None


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
            item, end = decoder.raw_decode(buffer, position)
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
    handle: Any, source: str, on_progress: Callable[[int], None] | None = None
) -> Iterator[LabelRecord]:
    read = 0
    for number, line in enumerate(handle, start=1):
        read += len(line)
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as error:
            raise LabelFileError(f"{source}:{number}: not valid JSON: {error}") from None
        if on_progress:
            on_progress(read)
        yield from labels_in(item, f"{source}:{number}")


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
