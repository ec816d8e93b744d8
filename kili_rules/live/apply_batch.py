"""``kili-rules apply`` page by page: a few requests for a page of assets, whatever their findings.

For each page of the project's assets (``--page-size``, 100 by default):

1. **reads**: one page of assets with their ``latestLabel``, ``jsonMetadata``, ``resolution`` and ``status``
   (:meth:`~kili_rules.live.reads.KiliReads.iter_asset_pages`, the reader ``check --project`` and ``diff --project``
   use), then one read of the OPEN issues of all its assets (``assetIn``, no count when they fit in a page);
2. **decisions**: each asset planned by the plugin's own functions (:mod:`~kili_rules.live.apply_plan`);
3. **writes** (with ``--yes``; a dry run only lists them): the page's plans recorded in the state file, then one
   ``createIssues`` per 100 issues (many labels' issues at once), one ``updatePropertiesInIssue`` per issue solved
   (Kili has no batch call for it), one ``sendAssetsBackToQueue`` and one ``addAssetsToReview`` for the page's
   assets, one ``updatePropertiesInAssets`` for the page's metadata; then the page recorded as done.

A run killed anywhere (among a page's writes included) and run again converges: the pages recorded but not done
are taken up again from their recorded plans (:func:`~kili_rules.live.apply_plan.resumed_plan`). A page whose
reads are answered with garbage twice fails its assets and the run goes on; a write refused or lost fails the
page's assets (their plans stay pending: the next run finishes them). Requests are paced by ``rate`` (a dry run's
writes are not sent, so they take none of it); 429 / ``Retry-After`` are honoured by the client.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kili_rules.live.apply import ApplySummary, RateLimit
from kili_rules.live.apply_plan import PAGE_FIELDS, AssetPlan, Planner, resumed_plan
from kili_rules.live.apply_state import StateFile
from kili_rules.live.client import KiliClient
from kili_rules.live.errors import KiliApiError
from kili_rules.live.paging import Page
from kili_rules.live.retry import once_more_if_malformed
from kili_rules.runtime.issues import ISSUE_FIELDS

#: Kili's largest page.
PAGE_SIZE = 100


def apply_in_pages(
    rule_set: Any,
    client: KiliClient,
    project_id: str,
    *,
    dry_run: bool = True,
    event: str = "submit",
    asset_status_in: Sequence[str] | None = None,
    state: StateFile | None = None,
    rate: float | None = 10.0,
    page_size: int = PAGE_SIZE,
    echo: Callable[[str], None] = print,
    on_progress: Callable[[int, int], None] | None = None,
) -> ApplySummary:
    """Apply the rule set to the latest label of every asset of the project, a page at a time."""
    summary = ApplySummary(dry_run)
    started, sent_before = time.perf_counter(), client.requests_sent
    throttle, client.throttle = client.throttle, RateLimit(rate)
    run = _Run(Planner(rule_set.engine, event), client, project_id, dry_run, state, summary, echo)

    def total(done: int, count: int) -> None:
        run.total = count

    try:
        for page in _pages(client, project_id, asset_status_in, page_size, summary, echo, total):
            run.page(page)
            if on_progress:
                on_progress(summary.assets, run.total)
    finally:
        client.throttle = throttle
    summary.calls = client.requests_sent - sent_before
    summary.seconds = time.perf_counter() - started
    return summary


def _pages(
    client: KiliClient,
    project_id: str,
    asset_status_in: Sequence[str] | None,
    page_size: int,
    summary: ApplySummary,
    echo: Callable[[str], None],
    on_total: Callable[[int, int], None],
) -> Iterator[Page]:
    """The project's assets a page at a time, with their latest labels. With a status filter, the ids are listed
    first and read by id: paging by skip over a filter on the status, which the send backs change, would skip
    assets."""

    def unread(skip: int, first: int, error: KiliApiError) -> None:
        page = f"assets {skip + 1:,} to {skip + first:,} of the listing: {error}"
        summary.unread_pages.append(page)
        echo(f"{page}: skipped (tried again on the next run)")

    def read(asset_ids: list[str] | None, on_progress: Callable[[int, int], None] | None) -> Iterator[Page]:
        return client.iter_asset_pages(
            project_id,
            asset_ids=asset_ids,
            with_latest_label=True,
            fields=PAGE_FIELDS,
            page_size=page_size,
            on_progress=on_progress,
            on_bad_page=unread,
        )

    if not asset_status_in:
        yield from read(None, on_total)
        return
    listing = client.iter_assets(project_id, asset_status_in=asset_status_in, fields=("id",), on_bad_page=unread)
    ids = [a["id"] for a in listing if isinstance(a.get("id"), str)]
    on_total(0, len(ids))
    for start in range(0, len(ids), page_size):
        for page in read(ids[start : start + page_size], None):
            yield Page(start + page.skip, page.first, page.items, page.error)


class _Run:
    """One run: the pages read, planned, written; the summary kept."""

    def __init__(
        self,
        planner: Planner,
        client: KiliClient,
        project_id: str,
        dry_run: bool,
        state: StateFile | None,
        summary: ApplySummary,
        echo: Callable[[str], None],
    ) -> None:
        self.planner, self.client, self.project_id = planner, client, project_id
        self.dry_run, self.state, self.summary, self.echo = dry_run, state, summary, echo
        self.verb = "would " if dry_run else ""
        self.total = 0

    def page(self, page: Page) -> None:
        """Read the open issues of a page's assets, plan them, write the plans."""
        summary, state = self.summary, self.state
        summary.assets += page.first if page.error is not None else len(page.items)
        rows = []
        for row in page.items:
            if not isinstance(row.get("id"), str):
                continue
            if state is not None and row["id"] in state.done:
                summary.skipped += 1
            elif not isinstance(row.get("latestLabel"), dict):
                summary.unlabeled += 1
            else:
                rows.append(row)
        if not rows:
            return
        issues = self._open_issues([row["id"] for row in rows])
        if issues is None:
            return
        plans = []
        for row in rows:
            pending = state.pending.get(row["id"]) if state is not None else None
            if pending is not None:
                plans.append(resumed_plan(pending, row, issues[row["id"]]))
            else:
                plans.append(self.planner.plan(row, issues[row["id"]]))
        self._write(plans)

    def _open_issues(self, asset_ids: list[str]) -> dict[str, list[dict[str, Any]]] | None:
        """The OPEN issues of the assets, by asset (``None``, the assets failed, when the answer was garbage
        twice)."""
        try:
            rows = once_more_if_malformed(lambda: self.client.open_issues_of(self.project_id, asset_ids, ISSUE_FIELDS))
        except KiliApiError as error:
            if error.kind != "malformed":
                raise
            for asset_id in asset_ids:
                self.summary.failed[asset_id] = f"its open issues could not be read: {error}"
            self.echo(f"assets {asset_ids[0]} to {asset_ids[-1]} ({len(asset_ids)}): failed: {error}")
            return None
        by_asset: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:  # a row of an asset not asked for lands under it, and fails that asset's check
            by_asset[str(row.get("assetId")) if row.get("assetId") in asset_ids else asset_ids[0]].append(row)
        return by_asset

    def _write(self, plans: list[AssetPlan]) -> None:
        """Echo, record, send the writes of a page's plans, and count them."""
        for plan in plans:
            self._echo(plan)
        number = self.state.begin_page(plans) if self.state is not None and not self.dry_run else None
        failed = {plan.asset_id: plan.failures[0] for plan in plans if plan.failures}
        try:
            moved = self._send(plans, failed)
        except KiliApiError as error:
            for plan in plans:
                self.summary.failed[plan.asset_id] = f"{error}"
            self.echo(f"assets {plans[0].asset_id} to {plans[-1].asset_id} ({len(plans)}): failed: {error}")
            return
        summary = self.summary
        summary.handled += len(plans)
        summary.created += sum(len(plan.create) for plan in plans)
        summary.kept += sum(plan.kept for plan in plans)
        summary.solved += sum(len(plan.solve) for plan in plans)
        summary.sent_back += moved
        summary.metadata += sum(plan.metadata is not None for plan in plans)
        summary.failed.update(failed)
        for asset_id, why in failed.items():
            self.echo(f"asset {asset_id}: failed: {why}")
        if number is not None and self.state is not None:
            self.state.end_page(number, [plan.asset_id for plan in plans], failed)

    def _send(self, plans: list[AssetPlan], failed: dict[str, str]) -> int:
        """Send the writes (unless a dry run); the number of assets sent back (planned, in a dry run)."""
        backs = [plan.asset_id for plan in plans if plan.send_back]
        reviews = [plan.asset_id for plan in plans if plan.review]
        if self.dry_run:
            return len(backs)
        client = self.client
        creates = [(plan.label_id, mid, text or "") for plan in plans if plan.label_id for text, mid in plan.create]
        if creates:
            client.create_issues(self.project_id, creates)
        for issue_id, _ in (solve for plan in plans for solve in plan.solve):
            client.update_issue_status(issue_id, "SOLVED")
        moved = 0
        for name, ids, move in (("send back", backs, client.send_back_to_queue), ("review", reviews, None)):
            if not ids:
                continue
            outcome = move(ids) if move is not None else client.add_to_review(ids)
            moved += len(outcome["succeeded"]) if name == "send back" else 0
            for item in outcome["declined"]:
                self.echo(f"asset {item.get('assetId')}: Kili declined the {name}")
            for item in outcome["failed"]:
                failed[str(item.get("assetId"))] = f"{name} failed on Kili's side: {item.get('details')}"
        metadata = [(plan.asset_id, plan.metadata) for plan in plans if plan.metadata is not None]
        if metadata:
            client.update_json_metadata([i for i, _ in metadata], [m for _, m in metadata])
        return moved

    def _echo(self, plan: AssetPlan) -> None:
        head = f"asset {plan.asset_id} (label {plan.label_id}): {self.verb}"
        for text, mid in plan.create:
            self.echo(f"{head}create issue {text}" + (f" @ {mid}" if mid else ""))
        for issue_id, text in plan.solve:
            self.echo(f"{head}solve issue {issue_id} {text or ''}".rstrip())
        if plan.send_back:
            self.echo(f"{head}send back")
        if plan.review:
            self.echo(f"{head}add to review")
        if plan.metadata is not None:
            self.echo(f"{head}write {json.dumps(plan.metadata, ensure_ascii=False, sort_keys=True)}")
