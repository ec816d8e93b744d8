"""``kili-rules apply``: a rule set run over a project's existing labels, which a plugin never sees (it only hears
of labels submitted after its upload); :func:`apply_rules` and its summary, :class:`ApplySummary`.

By default page by page (:mod:`~kili_rules.live.apply_batch`: a few requests a page of assets, decided by the
plugin's own functions). With ``per_asset`` (``--per-asset``), the plugin's own code path
(:class:`~kili_rules.runtime.qa_plugin.QaPlugin`) on each asset, as described below (:func:`apply_per_asset`):

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
- **Going on past a garbage answer.** A read answered with garbage (not JSON, cut short, of the wrong shape) is
  sent once more; answered with garbage again, what it was for fails and the run goes on with the rest: an asset
  whose latest label, issues or metadata could not be read is failed (a chunk of assets, when their latest labels
  came in one answer), a page of the asset listing is skipped and named. The summary names them, the run is not
  complete (the command exits 1) and a re-run with the state file finishes them. Only the first count of the
  listing cannot be gone past: without it there is nothing to go on with.
- **Rate-limited.** At most ``rate`` Kili calls a second (reads, and writes that are sent), on top of the client's
  own backoff on 429 / 5xx.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kili_rules.live.apply_state import StateFile
from kili_rules.live.client import KiliClient
from kili_rules.live.errors import KiliApiError
from kili_rules.live.live_kili import LiveKili, Planned, RateLimit
from kili_rules.live.retry import once_more_if_malformed

#: Assets whose latest labels are read at once.
CHUNK = 50
#: Failed assets named in the summary, at most (each failure is also echoed when it happens).
NAMED = 20


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
    #: asset id -> why it failed (not recorded in the state file: the next run tries it again)
    failed: dict[str, str] = field(default_factory=dict)
    #: the pages of the asset listing that could not be read, each as "assets 101 to 200 of the listing: why"
    unread_pages: list[str] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Whether every asset listed was handled (or done by an earlier run): no asset failed, no page unread."""
        return not self.failed and not self.unread_pages

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
            ids = list(self.failed)
            named = ", ".join(ids[:NAMED]) + (f" and {len(ids) - NAMED:,} more" if len(ids) > NAMED else "")
            lines.append(f"  {len(ids):,} assets failed (tried again on the next run): {named}")
            lines.append(f"    {ids[0]}: {self.failed[ids[0]]}")
        if self.unread_pages:
            lines.append(
                f"  {len(self.unread_pages):,} pages of the asset listing could not be read "
                "(their assets are tried on the next run):"
            )
            lines += [f"    {page}" for page in self.unread_pages]
        if not self.complete:
            lines.append("  the run is not complete: run it again to finish")
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
    per_asset: bool = False,
    page_size: int = 100,
) -> ApplySummary:
    """Apply the rule set to the latest label of every asset of the project; ``echo`` each write (planned or done).

    Page by page (:func:`~kili_rules.live.apply_batch.apply_in_pages`: a few requests a page of ``page_size``
    assets) unless ``per_asset``: then the plugin itself (:class:`~kili_rules.runtime.qa_plugin.QaPlugin`) runs on
    each asset through :class:`LiveKili`, as in Kili (about four requests an asset)."""
    if not per_asset:
        from kili_rules.live.apply_batch import apply_in_pages

        return apply_in_pages(
            rule_set,
            client,
            project_id,
            dry_run=dry_run,
            event=event,
            asset_status_in=asset_status_in,
            state=state,
            rate=rate,
            page_size=page_size,
            echo=echo,
            on_progress=on_progress,
        )
    return apply_per_asset(
        rule_set,
        client,
        project_id,
        dry_run=dry_run,
        event=event,
        asset_status_in=asset_status_in,
        state=state,
        rate=rate,
        logger=logger,
        echo=echo,
        on_progress=on_progress,
    )


def apply_per_asset(
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
    """Run the plugin over the latest label of every asset of the project, one asset at a time."""
    from kili_rules.runtime.qa_plugin import QaPlugin

    kili = LiveKili(client, dry_run=dry_run, rate=rate)
    logger = logger or logging.getLogger("kili_rules.apply")
    plugin = QaPlugin(rule_set.engine, kili, project_id, logger)
    summary = ApplySummary(dry_run)
    started = time.perf_counter()
    # The ids first, then their latest labels chunk by chunk: paging by skip over a status filter while sending
    # assets back (which changes their status) would skip assets.
    asset_ids = _list_asset_ids(client, project_id, asset_status_in, summary, echo)
    if on_progress:
        on_progress(0, len(asset_ids))

    def assets() -> Iterable[dict[str, Any]]:
        for start in range(0, len(asset_ids), CHUNK):
            chunk = [i for i in asset_ids[start : start + CHUNK] if state is None or i not in state.done]
            summary.skipped += len(asset_ids[start : start + CHUNK]) - len(chunk)
            if chunk:
                yield from _read_latest_labels(client, project_id, chunk, summary, echo)
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
            what = {
                "create": "create issue",
                "solve": "solve issue",
                "send_back": "send back",
                "review": "add to review",
                "metadata": "write",
            }
            detail = "" if planned.kind in ("send_back", "review") else f" {planned.detail}"
            echo(f"asset {asset_id} (label {label.get('id')}): {verb}{what.get(planned.kind, planned.kind)}{detail}")
        if result.failures:
            summary.failed[asset_id] = result.failures[0]
            echo(f"asset {asset_id}: failed: {'; '.join(result.failures)}")
        elif state is not None and not dry_run:
            state.mark(asset_id)
    summary.calls = len(kili.calls)
    summary.seconds = time.perf_counter() - started
    return summary


def _list_asset_ids(
    client: KiliClient,
    project_id: str,
    asset_status_in: Sequence[str] | None,
    summary: ApplySummary,
    echo: Callable[[str], None],
) -> list[str]:
    """The ids of the project's assets; a page answered with garbage twice is skipped and recorded as unread."""

    def unread(skip: int, first: int, error: KiliApiError) -> None:
        page = f"assets {skip + 1:,} to {skip + first:,} of the listing: {error}"
        summary.unread_pages.append(page)
        echo(f"{page}: skipped (tried again on the next run)")

    listing = client.iter_assets(project_id, asset_status_in=asset_status_in, fields=("id",), on_bad_page=unread)
    return [a["id"] for a in listing if isinstance(a.get("id"), str)]


def _read_latest_labels(
    client: KiliClient, project_id: str, chunk: list[str], summary: ApplySummary, echo: Callable[[str], None]
) -> list[dict[str, Any]]:
    """The assets of ``chunk`` with their latest labels, read once more when answered with garbage; answered with
    garbage again, every asset of the chunk is failed (nothing of it is trusted) and none is returned."""
    try:
        return once_more_if_malformed(
            lambda: list(client.iter_assets(project_id, asset_ids=chunk, with_latest_label=True))
        )
    except KiliApiError as error:
        if error.kind != "malformed":
            raise
        for asset_id in chunk:
            summary.failed[asset_id] = f"its latest label could not be read: {error}"
        echo(f"assets {chunk[0]} to {chunk[-1]} ({len(chunk)}): failed: their latest labels could not be read: {error}")
        return []


__all__ = ["ApplySummary", "LiveKili", "Planned", "RateLimit", "StateFile", "apply_per_asset", "apply_rules"]
