"""Listings: a ``count…`` query, then ``first`` / ``skip`` pages fetched a few ahead by a thread pool.

Pages are yielded in order and memory stays bounded by ``max_in_flight`` pages whatever the project's size. Threads
rather than httpx's async API because every consumer (the audit loop, the plugin's ``QaPlugin``, the SDK) is
synchronous: a generator fed by a pool keeps them as they are, where async would need an event loop bridged into
each of them. An answer is checked before it is used: a page that is not a list of objects is an error, never
"nothing there".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kili_rules.live.errors import KiliApiError
from kili_rules.live.transport import KiliTransport, root_field_name


class KiliPaging(KiliTransport):
    """The transport, plus counts and paged listings (the same constructor as
    :class:`~kili_rules.live.transport.KiliTransport`)."""

    def count(self, count_document: str, where: dict[str, Any]) -> int:
        """The total a ``count…`` query gives for ``where``."""
        total = self.query(count_document, {"where": where})
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise KiliApiError(
                f"Kili sent an unexpected answer to {root_field_name(count_document)}: {total!r}", "malformed"
            )
        return total

    def paginate(
        self,
        document: str,
        count_document: str,
        where: dict[str, Any],
        *,
        page_size: int | None = None,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged query, in order: the count first, then ``first`` / ``skip`` pages, up to
        ``max_in_flight`` of them fetched ahead by a thread pool. ``transform`` runs on each item in the pool (to
        fetch a ``jsonResponseUrl``, say); ``on_progress(done, total)`` after each page. Stops at the count or at a
        short page. Closing the generator early cancels the pages not yet started."""
        size = min(page_size or self.page_size, self.page_size)
        total = self.count(count_document, where)
        name = root_field_name(document)
        if on_progress:
            on_progress(0, total)
        if total == 0:
            return

        def fetch(skip: int) -> tuple[list[dict[str, Any]], int]:
            first = min(size, total - skip)
            page = self.query(document, {"where": where, "first": first, "skip": skip})
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise KiliApiError(f"Kili sent an unexpected answer to {name}: not a list of objects", "malformed")
            if transform is not None:
                page = [transform(item) for item in page]
            return page, first

        yield from self._in_order(fetch, total, size, on_progress)

    def _in_order(
        self,
        fetch: Callable[[int], tuple[list[dict[str, Any]], int]],
        total: int,
        size: int,
        on_progress: Callable[[int, int], None] | None,
    ) -> Iterator[dict[str, Any]]:
        """The items of the pages ``fetch(skip)`` gives, in order, at most ``max_in_flight`` pages ahead."""
        pool = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="kili-page")
        pending: deque[Future] = deque()
        next_skip = 0
        done = 0
        try:
            while True:
                while next_skip < total and len(pending) < self.max_in_flight:
                    pending.append(pool.submit(fetch, next_skip))
                    next_skip += size
                if not pending:
                    return
                page, asked = pending.popleft().result()
                done += len(page)
                if on_progress:
                    on_progress(done, total)
                yield from page
                if len(page) < asked:  # the project shrank while we read it: nothing further
                    return
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
