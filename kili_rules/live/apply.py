"""``kili-rules apply``: the plugin's own code path (:class:`~kili_rules.runtime.qa_plugin.QaPlugin`) run over
a project's existing labels, which a plugin never sees (it only hears of labels submitted after its upload).

- **The same code.** For each asset's latest label, ``QaPlugin.handle`` runs exactly as in Kili; its ``kili`` is a
  :class:`LiveKili`: the methods of ``kili.client.Kili`` it calls (``issues``, ``create_issues``,
  ``update_issue_status``, ``send_back_to_queue``, ``assets``, ``update_properties_in_assets``), same names and
  keywords, backed by the httpx :class:`~kili_rules.live.client.KiliClient`.
- **Dry run by default.** Reads go to Kili; writes are recorded and answered as Kili would, never sent: the plan
  lists the issues that would be created and solved, the assets sent back, the metadata written.
- **Idempotent by construction.** The plugin creates only the issues no OPEN issue already covers (same tagged
  text, same annotation) and writes the score into the metadata it has just read: running twice creates nothing
  the second time. On top of that, a **state file** (JSON Lines: a header with the project, the rule set's name and
  its content hash, then one line per asset done, flushed at once) lets a re-run skip the assets already done: an
  interrupted run continues where it stopped. A rule set whose hash changed starts over (its findings differ).
  An asset whose handling failed is not recorded: the next run tries it again.
- **Rate-limited.** At most ``rate`` Kili calls a second (reads and writes), on top of the client's own backoff on
  429 / 5xx.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kili_rules.live.client import KiliClient
from kili_rules.runtime.issues import opening_text

#: Assets whose latest labels are read at once.
CHUNK = 50


class RateLimit:
    """At most ``per_second`` calls a second, across threads (``None`` or 0: no limit)."""

    def __init__(self, per_second: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.clock = clock
        self._next = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0

    def __call__(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.waited += start - now
            time.sleep(start - now)


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

    def _call(self, name: str, **kwargs: Any) -> None:
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
        found = list(
            self.client.iter_issues(
                project_id,
                asset_id=asset_id,
                asset_ids=asset_id_in,
                status=status,
                issue_type=issue_type,
                fields=fields,
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
        return list(self.client.iter_assets(project_id, asset_ids=ids, fields=fields))

    # -- writes: sent with --yes, recorded always

    def create_issues(
        self,
        project_id: str,
        label_id_array: list[str],
        object_mid_array: list[str | None] | None = None,
        text_array: list[str | None] | None = None,
    ) -> list[dict[str, str]]:
        """``kili.create_issues(project_id=, label_id_array=, object_mid_array=, text_array=)``."""
        self._call("create_issues", project_id=project_id, label_id_array=label_id_array)
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
        self._call("update_issue_status", issue_id=issue_id, status=status)
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
        ids = list(asset_ids or [])
        self._call("send_back_to_queue", asset_ids=ids)
        for asset_id in ids:
            self._plan("send_back", asset_id, "send back to the queue")
        if self.dry_run:
            return {"succeeded": [{"assetId": i, "externalId": None} for i in ids], "declined": [], "failed": []}
        return self.client.send_back_to_queue(ids)

    def update_properties_in_assets(
        self, asset_ids: list[str] | None = None, json_metadatas: list[Any] | None = None, **ignored: Any
    ) -> list[dict[str, str]]:
        """``kili.update_properties_in_assets(asset_ids=, json_metadatas=)``: the whole metadata, replaced."""
        ids = list(asset_ids or [])
        metadatas = list(json_metadatas or [])
        self._call("update_properties_in_assets", asset_ids=ids)
        for asset_id, metadata in zip(ids, metadatas, strict=True):
            self._plan("metadata", asset_id, json.dumps(metadata, ensure_ascii=False, sort_keys=True))
        if self.dry_run:
            return [{"id": i} for i in ids]
        return [{"id": i} for i in self.client.update_json_metadata(ids, metadatas)]


# ---------------------------------------------------------------- the state file


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


# ---------------------------------------------------------------- the run


@dataclass
class ApplySummary:
    """What a run did (or would do)."""

    dry_run: bool
    assets: int = 0
    skipped: int = 0
    unlabeled: int = 0
    handled: int = 0
    created: int = 0
    kept: int = 0
    solved: int = 0
    sent_back: int = 0
    metadata: int = 0
    failed: list[str] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0

    def as_text(self) -> str:
        verb = "would " if self.dry_run else ""
        head = "apply (dry run: nothing was written; --yes to act)" if self.dry_run else "apply"
        lines = [
            f"{head}: {self.assets:,} assets in {self.seconds:.1f} s, {self.calls:,} Kili calls",
            f"  {self.handled:,} labels run through the plugin, {self.skipped:,} assets done by an earlier run, "
            f"{self.unlabeled:,} without a label",
            f"  issues: {self.created:,} {verb}be created, {self.kept:,} already open, {self.solved:,} {verb}be solved",
            f"  {self.sent_back:,} assets {verb}be sent back to the queue, {self.metadata:,} metadata {verb}be written",
        ]
        if self.failed:
            lines.append(f"  {len(self.failed):,} assets failed (tried again on the next run): {self.failed[0]}")
        return "\n".join(lines)


def apply_rules(
    rule_set: Any,
    client: KiliClient,
    project_id: str,
    *,
    dry_run: bool = True,
    event: str = "submit",
    asset_status_in: Sequence[str] | None = None,
    state: StateFile | None = None,
    rate: float | None = 10.0,
    logger: logging.Logger | None = None,
    echo: Callable[[str], None] = print,
    on_progress: Callable[[int, int], None] | None = None,
) -> ApplySummary:
    """Run the plugin over the latest label of every asset of the project; ``echo`` each write (planned or done)."""
    from kili_rules.runtime.qa_plugin import QaPlugin

    kili = LiveKili(client, dry_run=dry_run, rate=rate)
    logger = logger or logging.getLogger("kili_rules.apply")
    plugin = QaPlugin(rule_set.engine, kili, project_id, logger)
    summary = ApplySummary(dry_run)
    started = time.perf_counter()
    # The ids first, then their latest labels chunk by chunk: paging by skip over a status filter while sending
    # assets back (which changes their status) would skip assets.
    asset_ids = [
        a["id"]
        for a in client.iter_assets(project_id, asset_status_in=asset_status_in, fields=("id",))
        if isinstance(a.get("id"), str)
    ]
    if on_progress:
        on_progress(0, len(asset_ids))

    def assets() -> Iterable[dict[str, Any]]:
        for start in range(0, len(asset_ids), CHUNK):
            chunk = [i for i in asset_ids[start : start + CHUNK] if state is None or i not in state.done]
            summary.skipped += len(asset_ids[start : start + CHUNK]) - len(chunk)
            if chunk:
                yield from client.iter_assets(project_id, asset_ids=chunk, with_latest_label=True)
            if on_progress:
                on_progress(min(start + CHUNK, len(asset_ids)), len(asset_ids))

    verb = "would " if dry_run else ""
    summary.assets = len(asset_ids)
    for asset in assets():
        asset_id = asset.get("id")
        if not isinstance(asset_id, str):
            continue
        label = asset.get("latestLabel")
        if not isinstance(label, dict):
            summary.unlabeled += 1
            continue
        result = plugin.handle(label, asset_id, event)
        summary.handled += 1
        summary.created += len(result.created)
        summary.kept += result.kept
        summary.solved += len(result.solved)
        summary.sent_back += result.sent_back
        summary.metadata += result.metadata_written is not None
        for planned in kili.take_planned():
            what = {"create": "create issue", "solve": "solve issue", "send_back": "send back", "metadata": "write"}
            detail = "" if planned.kind == "send_back" else f" {planned.detail}"
            echo(f"asset {asset_id} (label {label.get('id')}): {verb}{what.get(planned.kind, planned.kind)}{detail}")
        if result.failures:
            summary.failed.append(f"asset {asset_id}: {result.failures[0]}")
            echo(f"asset {asset_id}: failed: {'; '.join(result.failures)}")
        elif state is not None and not dry_run:
            state.mark(asset_id)
    summary.calls = len(kili.calls)
    summary.seconds = time.perf_counter() - started
    return summary


__all__ = ["ApplySummary", "LiveKili", "RateLimit", "StateFile", "apply_rules"]
