"""The state file of ``kili-rules apply``: the assets already done, so that an interrupted run continues where it
stopped (JSON Lines: a header with the project, the rule set's name and its content hash, then one line per asset
done, flushed at once). A rule set whose hash changed starts over: its findings differ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class StateFile:
    """The assets already done for (project, rule set hash): JSON Lines, a header then ``{"asset": id}`` lines."""

    def __init__(self, path: Path, project_id: str, rule_set: str, digest: str) -> None:
        self.path = path
        self.header = {"kili-rules apply": 1, "project": project_id, "rule_set": rule_set, "hash": digest}
        self.done: set[str] = set()
        self.started_over = False
        self._handle: Any = None

    def load(self) -> StateFile:
        """Read what a previous run did (nothing when the file is absent or belongs to another rule-set hash)."""
        if not self.path.is_file():
            return self
        with self.path.open(encoding="utf-8") as handle:
            lines = [line for line in handle if line.strip()]
        try:
            header = json.loads(lines[0]) if lines else None
        except ValueError:
            header = None
        if header != self.header:
            self.started_over = True
            return self
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by an interruption: that asset is done again
            if isinstance(entry, dict) and isinstance(entry.get("asset"), str):
                self.done.add(entry["asset"])
        return self

    def mark(self, asset_id: str) -> None:
        """Record one asset as done, at once (flushed)."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = self.started_over or not self.path.is_file()
            self._handle = self.path.open("w" if fresh else "a", encoding="utf-8")
            if fresh:
                self._handle.write(json.dumps(self.header) + "\n")
        self._handle.write(json.dumps({"asset": asset_id}) + "\n")
        self._handle.flush()
        self.done.add(asset_id)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
