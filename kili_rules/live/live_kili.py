"""The ``kili.client.Kili`` that ``kili-rules apply --per-asset`` gives the plugin: :class:`LiveKili`, the methods
:class:`~kili_rules.runtime.qa_plugin.QaPlugin` calls (``issues``, ``create_issues``, ``update_issue_status``,
``send_back_to_queue``, ``add_to_review``, ``assets``, ``update_properties_in_assets``), same names and keywords,
backed by the httpx :class:`~kili_rules.live.client.KiliClient`; writes only recorded in a dry run. And
:class:`RateLimit`, the pace of both paths of ``apply``."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kili_rules.live.client import KiliClient
from kili_rules.live.retry import once_more_if_malformed
from kili_rules.runtime.issues import opening_text

#: The kili SDK's own limit on its GraphQL calls (``kili.core.constants.MAX_CALLS_PER_MINUTE``).
SDK_CALLS_PER_MINUTE = 500


class RateLimit:
    """At most ``per_second`` calls a second, and at most ``per_minute`` in any minute (the kili SDK's own limit,
    500), across threads (``per_second`` ``None`` or 0: no limit at all)."""

    def __init__(
        self,
        per_second: float | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        per_minute: int = SDK_CALLS_PER_MINUTE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.clock = clock
        self.sleep = sleep
        self.per_minute = per_minute
        self._next = 0.0
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def __call__(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            if len(self._starts) >= self.per_minute:  # the call per_minute calls ago must be a minute old
                start = max(start, self._starts[0] + 60.0)
                self._starts.popleft()
            self._starts.append(start)
            self._next = start + self.interval
        if start > now:
            self.waited += start - now
            self.sleep(start - now)


@dataclass
class Planned:
    """One write, done or (in a dry run) only planned."""

    kind: str  # "create" | "solve" | "send_back" | "metadata"
    asset_id: str | None
    detail: str


class LiveKili:
    """The ``kili.client.Kili`` methods :class:`QaPlugin` calls, over :class:`KiliClient`; writes only recorded
    in a dry run. Thread-safe (the plugin runs its groups of calls side by side)."""

    def __init__(self, client: KiliClient, *, dry_run: bool = True, rate: float | None = None) -> None:
        self.client = client
        self.dry_run = dry_run
        self.limit = RateLimit(rate)
        self.planned: list[Planned] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._issues_seen: dict[str, tuple[str | None, str | None]] = {}
        self._dry_ids = 0
        self._lock = threading.Lock()

    def _call(self, name: str, *, write: bool = False, **kwargs: Any) -> None:
        if not (write and self.dry_run):  # a write a dry run does not send takes none of the rate
            self.limit()
        with self._lock:
            self.calls.append((name, kwargs))

    def _plan(self, kind: str, asset_id: str | None, detail: str) -> None:
        with self._lock:
            self.planned.append(Planned(kind, asset_id, detail))

    def take_planned(self) -> list[Planned]:
        """The writes recorded since the last call (one asset's)."""
        with self._lock:
            planned, self.planned = self.planned, []
            self._issues_seen.clear()
        return planned

    # -- reads: always sent

    def issues(
        self,
        project_id: str,
        asset_id: str | None = None,
        asset_id_in: Sequence[str] | None = None,
        issue_type: str | None = None,
        status: str | None = None,
        fields: Sequence[str] = ("id", "status", "type", "objectMid", "assetId", "comments.text", "comments.createdAt"),
        **ignored: Any,
    ) -> list[dict[str, Any]]:
        """``kili.issues(project_id=, asset_id=, status=, issue_type=, fields=)``."""
        self._call("issues", project_id=project_id, asset_id=asset_id, status=status, issue_type=issue_type)
        found = once_more_if_malformed(
            lambda: list(
                self.client.iter_issues(
                    project_id,
                    asset_id=asset_id,
                    asset_ids=asset_id_in,
                    status=status,
                    issue_type=issue_type,
                    fields=fields,
                )
            )
        )
        with self._lock:
            for issue in found:
                comments = issue.get("comments") if isinstance(issue, dict) else None
                text = opening_text(comments) if isinstance(comments, list) else None
                self._issues_seen[str(issue.get("id"))] = (issue.get("assetId") or asset_id, text)
        return found

    def assets(
        self,
        project_id: str,
        asset_id: str | None = None,
        fields: Sequence[str] = ("id", "jsonMetadata"),
        **ignored: Any,
    ) -> list[dict[str, Any]]:
        """``kili.assets(project_id=, asset_id=, fields=)``: ``jsonMetadata`` parsed, as the SDK gives it."""
        self._call("assets", project_id=project_id, asset_id=asset_id)
        ids = [asset_id] if asset_id is not None else None
        return once_more_if_malformed(lambda: list(self.client.iter_assets(project_id, asset_ids=ids, fields=fields)))

    # -- writes: sent with --yes, recorded always

    def create_issues(
        self,
        project_id: str,
        label_id_array: list[str],
        object_mid_array: list[str | None] | None = None,
        text_array: list[str | None] | None = None,
    ) -> list[dict[str, str]]:
        """``kili.create_issues(project_id=, label_id_array=, object_mid_array=, text_array=)``."""
        self._call("create_issues", write=True, project_id=project_id, label_id_array=label_id_array)
        mids = object_mid_array or [None] * len(label_id_array)
        texts = text_array or [None] * len(label_id_array)
        for mid, text in zip(mids, texts, strict=True):
            self._plan("create", None, f"{text}" + (f" @ {mid}" if mid else ""))
        if self.dry_run:
            with self._lock:
                start, self._dry_ids = self._dry_ids, self._dry_ids + len(label_id_array)
            return [{"id": f"dry-run-{start + i + 1}"} for i in range(len(label_id_array))]
        created = self.client.create_issues(
            project_id, [(label, mid, text or "") for label, mid, text in zip(label_id_array, mids, texts, strict=True)]
        )
        return [{"id": issue_id} for issue_id in created]

    def update_issue_status(self, issue_id: str, status: str) -> dict[str, Any]:
        """``kili.update_issue_status(issue_id=, status=)``."""
        self._call("update_issue_status", write=True, issue_id=issue_id, status=status)
        asset_id, text = self._issues_seen.get(issue_id, (None, None))
        self._plan("solve" if status == "SOLVED" else status.lower(), asset_id, f"{issue_id} {text or ''}".strip())
        if not self.dry_run:
            self.client.update_issue_status(issue_id, status)
        return {"id": issue_id, "status": status}

    def send_back_to_queue(
        self,
        asset_ids: list[str] | None = None,
        external_ids: list[str] | None = None,
        project_id: str | None = None,
    ) -> dict[str, Any]:
        """``kili.send_back_to_queue(asset_ids=)``: the ``{succeeded, declined, failed}`` answer of kili >= 26.2.1."""
        return self._move("send_back_to_queue", "send_back", "send back to the queue", asset_ids)

    def add_to_review(
        self,
        asset_ids: list[str] | None = None,
        external_ids: list[str] | None = None,
        project_id: str | None = None,
    ) -> dict[str, Any]:
        """``kili.add_to_review(asset_ids=, project_id=)``: the ``{succeeded, declined, failed}`` answer."""
        return self._move("add_to_review", "review", "add to review", asset_ids)

    def _move(self, method: str, kind: str, detail: str, asset_ids: list[str] | None) -> dict[str, Any]:
        """Plan (and, unless a dry run, send) the client's ``method`` on the assets; a dry run answers as if all
        succeeded."""
        ids = list(asset_ids or [])
        self._call(method, write=True, asset_ids=ids)
        for asset_id in ids:
            self._plan(kind, asset_id, detail)
        if self.dry_run:
            return {"succeeded": [{"assetId": i, "externalId": None} for i in ids], "declined": [], "failed": []}
        answer: dict[str, Any] = getattr(self.client, method)(ids)
        return answer

    def update_properties_in_assets(
        self, asset_ids: list[str] | None = None, json_metadatas: list[Any] | None = None, **ignored: Any
    ) -> list[dict[str, str]]:
        """``kili.update_properties_in_assets(asset_ids=, json_metadatas=)``: the whole metadata, replaced."""
        ids = list(asset_ids or [])
        metadatas = list(json_metadatas or [])
        self._call("update_properties_in_assets", write=True, asset_ids=ids)
        for asset_id, metadata in zip(ids, metadatas, strict=True):
            self._plan("metadata", asset_id, json.dumps(metadata, ensure_ascii=False, sort_keys=True))
        if self.dry_run:
            return [{"id": i} for i in ids]
        return [{"id": i} for i in self.client.update_json_metadata(ids, metadatas)]
