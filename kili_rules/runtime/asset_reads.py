"""The reads the plugin starts before the rules run: the asset's open issues and the asset itself, side by side.

Each read runs in a :class:`~kili_rules.runtime.tasks.Task` and takes the asset's lock of what it reads first
(:class:`~kili_rules.runtime.tasks.HeldLock`): the group that writes after the rules lets it go, so that no other
event of the asset in this process reads between this one's read and its write. :func:`needs_resolution` says
whether the rules need the asset read for its resolution alone.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime import kili_calls
from kili_rules.runtime.issues import OpenIssue
from kili_rules.runtime.metadata import AssetRead
from kili_rules.runtime.retry import Deadline
from kili_rules.runtime.tasks import HeldLock, Task


@dataclass(frozen=True)
class Reads:
    """The reads started before the rules run: the open issues, and the asset (``None``: not needed)."""

    issues: Task
    asset: Task | None
    _cutoff: list[float] = field(default_factory=list)

    def asset_read(self, deadline: Deadline) -> AssetRead | None:
        """What was read of the asset, waiting for it at most half the time left at the first call (every later
        call waits until that same instant: a hung read costs the event half its time once); ``None`` when it was
        not read, failed or is still running."""
        task = self.asset
        if task is None:
            return None
        if not self._cutoff:
            self._cutoff.append(deadline.clock() + deadline.remaining / 2)
        if not task.wait(self._cutoff[0] - deadline.clock()) or task.error is not None:
            return None
        read: AssetRead = task.result
        return read


def start_reads(
    kili: Any,
    project_id: str,
    asset_id: str,
    deadline: Deadline,
    locks: Mapping[str, HeldLock],
    *,
    asset: bool,
    lock_asset: bool,
) -> Reads:
    """Start reading the asset's open issues (under ``locks["issues"]``) and, with ``asset``, the asset (its
    metadata and resolution; under ``locks["metadata"]`` with ``lock_asset``)."""

    def read_issues() -> list[OpenIssue]:
        locks["issues"].take(deadline.remaining)
        return kili_calls.read_open_issues(kili, project_id, asset_id, deadline)

    def read_asset() -> AssetRead:
        if lock_asset:
            locks["metadata"].take(deadline.remaining)
        return kili_calls.read_asset(kili, project_id, asset_id, deadline)

    return Reads(Task("read issues", read_issues), Task("read asset", read_asset) if asset else None)


def needs_resolution(rule_set: Mapping[str, Any]) -> bool:
    """Whether a rule measures in pixels without a fixed ``resolution``: it needs the asset's own."""
    for rule in rule_set.get("rules", ()):
        params = rule.get("params") if isinstance(rule.get("params"), Mapping) else rule
        if params.get("units") == "pixels" and not params.get("resolution"):
            return True
    return False
