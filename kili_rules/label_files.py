"""Reads labels from the files users have: Kili exports, ``kili.labels()`` / ``kili.assets()`` dumps, bare
jsonResponses; a JSON document (object or list) or JSON Lines (one object per line, read as a stream)."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
        yield LabelRecord(item, source)
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


def read_labels(path: str | Path) -> Iterator[LabelRecord]:
    """Every label in the file at ``path``. Raises LabelFileError naming the file (and line) when unreadable."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.read(1)
            while first.isspace():
                first = handle.read(1)
            handle.seek(0)
            if path.suffix == ".jsonl" or first not in ("[", "{"):
                yield from _read_json_lines(handle, str(path))
                return
            try:
                document = json.load(handle)
            except ValueError as error:
                if first == "{":  # maybe JSON Lines in a .json file
                    handle.seek(0)
                    yield from _read_json_lines(handle, str(path))
                    return
                raise LabelFileError(f"{path}: not valid JSON: {error}") from None
    except OSError as error:
        raise LabelFileError(f"{path}: cannot read: {error.strerror}") from None
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        yield from labels_in(item, f"{path}[{index}]" if isinstance(document, list) else str(path))


def _read_json_lines(handle: Any, source: str) -> Iterator[LabelRecord]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as error:
            raise LabelFileError(f"{source}:{number}: not valid JSON: {error}") from None
        yield from labels_in(item, f"{source}:{number}")
