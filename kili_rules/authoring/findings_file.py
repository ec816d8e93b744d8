"""``kili-rules check --findings FILE``: every finding of the audit, one row each, for triage in a spreadsheet.

The file is written as the audit goes (one row per finding, flushed with the file): any number of labels.
Its format follows its extension: ``.jsonl`` (one JSON object per line) or ``.csv`` (a header row, then rows).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from kili_rules.authoring.people import author_of
from kili_rules.errors import InputError

#: The columns of a findings file, in order.
COLUMNS = ("asset", "label", "author", "rule", "severity", "message", "mid", "job", "frame")
FORMATS = (".jsonl", ".csv")


class FindingsWriter:
    """Writes each finding of each report to ``path`` as it comes (``on_report``); use it as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.format = self.path.suffix.lower()
        if self.format not in FORMATS:
            raise InputError(
                f"--findings {path}: the format follows the extension: .jsonl or .csv, not {self.format or 'none'}"
            )
        self.count = 0
        self._file: IO[str] = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file) if self.format == ".csv" else None
        if self._csv is not None:
            self._csv.writerow(COLUMNS)

    def on_report(self, record: Any, report: Any) -> None:
        """Write one row per finding of ``report`` (the findings of ``record``, a label)."""
        label = record.label if isinstance(record.label, dict) else {}
        label_id = label.get("id")
        author = author_of(label)
        for finding in report.findings:
            row = (
                record.asset_id,
                label_id,
                author,
                finding.rule_id,
                finding.severity,
                finding.message,
                finding.mid,
                finding.job,
                finding.frame,
            )
            if self._csv is not None:
                self._csv.writerow(["" if value is None else value for value in row])
            else:
                self._file.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")
            self.count += 1

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> FindingsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
