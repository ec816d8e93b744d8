"""The state file of ``kili-rules apply``: what is done, so that an interrupted run continues where it stopped and
converges to the state an uninterrupted run gives.

JSON Lines, each flushed at once: a header with the project, the rule set's name and its content hash, then

- ``{"page": n, "plans": [...]}``: the plans of a page (:class:`~kili_rules.live.apply_plan.AssetPlan`), written
  **before** the page's writes;
- ``{"page_done": n, "failed": [ids]}``: the page's writes are done; its assets are done but the failed ones
  (planned afresh by the next run);
- ``{"asset": id}``: one asset done (the per-asset path).

A page recorded but not done (the run was killed among its writes) is **pending**: the next run takes its plans up
again (:func:`~kili_rules.live.apply_plan.resumed_plan`) rather than deciding afresh from a half-written state. A
rule set whose hash changed starts over: its findings differ. A line cut short by the interruption is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kili_rules.live.apply_plan import AssetPlan


class StateFile:
    """What is done for (project, rule set hash): the assets done, the plans of the pages not done."""

    def __init__(self, path: Path, project_id: str, rule_set: str, digest: str) -> None:
        self.path = path
        self.header = {"kili-rules apply": 1, "project": project_id, "rule_set": rule_set, "hash": digest}
        self.done: set[str] = set()
        #: asset id -> the plan of a page recorded but not done
        self.pending: dict[str, AssetPlan] = {}
        self.started_over = False
        self._pages = 0
        self._latest: dict[str, Any] = {}
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
        pages: dict[Any, list[AssetPlan]] = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
                if isinstance(entry, dict):
                    self._read(entry, pages)
            except (ValueError, TypeError, KeyError):
                continue  # a line cut short by an interruption: what it recorded is done again
        for number, plans in pages.items():
            for plan in plans:
                if self._latest.get(plan.asset_id) == number:  # a later page took this plan up again
                    self.pending[plan.asset_id] = plan
                    self.done.discard(plan.asset_id)
        return self

    def _read(self, entry: dict[str, Any], pages: dict[Any, list[AssetPlan]]) -> None:
        if isinstance(entry.get("asset"), str):
            self.done.add(entry["asset"])
        elif "page" in entry:
            pages[entry["page"]] = [AssetPlan.from_json(plan) for plan in entry["plans"]]
            self._latest.update((plan.asset_id, entry["page"]) for plan in pages[entry["page"]])
            self._pages = max(self._pages, int(entry["page"]) + 1)
        elif "page_done" in entry and entry["page_done"] in pages:
            failed = set(entry.get("failed") or [])
            for plan in pages.pop(entry["page_done"]):
                self.pending.pop(plan.asset_id, None)
                if plan.asset_id not in failed:
                    self.done.add(plan.asset_id)

    def _write(self, entry: dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = self.started_over or not self.path.is_file()
            self._handle = self.path.open("w" if fresh else "a", encoding="utf-8")
            if fresh:
                self._handle.write(json.dumps(self.header) + "\n")
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._handle.flush()

    def mark(self, asset_id: str) -> None:
        """Record one asset as done, at once (flushed)."""
        self._write({"asset": asset_id})
        self.done.add(asset_id)
        self.pending.pop(asset_id, None)

    def begin_page(self, plans: Iterable[AssetPlan]) -> int:
        """Record a page's plans before its writes; returns the page's number for :meth:`end_page`."""
        number, self._pages = self._pages, self._pages + 1
        plans = list(plans)
        self._write({"page": number, "plans": [plan.to_json() for plan in plans]})
        for plan in plans:
            self.pending[plan.asset_id] = plan
        return number

    def end_page(self, number: int, asset_ids: Iterable[str], failed: Iterable[str]) -> None:
        """Record a page's writes as done: its assets are done, but the ``failed`` ones."""
        failed = sorted(set(failed))
        self._write({"page_done": number, "failed": failed})
        for asset_id in asset_ids:
            self.pending.pop(asset_id, None)
            if asset_id not in failed:
                self.done.add(asset_id)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
