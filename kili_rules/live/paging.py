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
from dataclasses import dataclass
from typing import Any, TypeVar

from kili_rules.live.errors import KiliApiError
from kili_rules.live.retry import once_more_if_malformed
from kili_rules.live.transport import KiliTransport, root_field_name

T = TypeVar("T")


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
        on_bad_page: Callable[[int, int, KiliApiError], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged query, in order: the items of :meth:`paginate_pages` (see there)."""
        pages = self.paginate_pages(
            document,
            count_document,
            where,
            page_size=page_size,
            transform=transform,
            on_progress=on_progress,
            on_bad_page=on_bad_page,
        )
        try:
            for page in pages:
                yield from page.items
        finally:
            pages.close()  # closing this generator early cancels the pages not yet started

    def paginate_pages(
        self,
        document: str,
        count_document: str,
        where: dict[str, Any],
        *,
        page_size: int | None = None,
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_bad_page: Callable[[int, int, KiliApiError], None] | None = None,
    ) -> Iterator[Page]:
        """Every page of a paged query, in order: the count first, then ``first`` / ``skip`` pages, up to
        ``max_in_flight`` of them fetched ahead by a thread pool. ``transform`` runs on each item in the pool (to
        fetch a ``jsonResponseUrl``, say); ``on_progress(done, total)`` after each page. Stops at the count or at a
        short page. Closing the generator early cancels the pages not yet started.

        A malformed answer (not JSON, cut short, of the wrong shape) raises KiliApiError(kind="malformed"), unless
        ``on_bad_page`` is given: then the count and each page are read once more when malformed, and a page
        malformed twice is passed to ``on_bad_page(skip, first, error)`` (in order, in the caller's thread) and
        skipped: the listing goes on with the next page. The caller records those items as not read."""
        size = min(page_size or self.page_size, self.page_size)
        read = once_more_if_malformed if on_bad_page is not None else _once
        total = read(lambda: self.count(count_document, where))
        name = root_field_name(document)
        if on_progress:
            on_progress(0, total)
        if total == 0:
            return

        def read_page(skip: int, first: int) -> list[dict[str, Any]]:
            page = self.query(document, {"where": where, "first": first, "skip": skip})
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise KiliApiError(f"Kili sent an unexpected answer to {name}: not a list of objects", "malformed")
            return page

        def fetch(skip: int) -> Page:
            first = min(size, total - skip)
            try:
                page = read(lambda: read_page(skip, first))
            except KiliApiError as error:
                if on_bad_page is None or error.kind != "malformed":
                    raise
                return Page(skip, first, [], error)
            if transform is not None:
                page = [transform(item) for item in page]
            return Page(skip, first, page)

        done = 0
        for page in self._in_order(fetch, total, size):
            if page.error is not None and on_bad_page is not None:
                on_bad_page(page.skip, page.first, page.error)
            done += page.first if page.error is not None else len(page.items)
            if on_progress:
                on_progress(done, total)
            yield page
            if page.error is None and len(page.items) < page.first:  # the project shrank while we read it
                return

    def read_all(self, document: str, where: dict[str, Any], *, page_size: int | None = None) -> list[dict[str, Any]]:
        """Every item of a paged query, read page after page until a short one, without a count: one request
        when everything fits in a page (the issues of a page of assets, say). Raises KiliApiError, malformed when
        a page is not a list of objects."""
        size = min(page_size or self.page_size, self.page_size)
        name = root_field_name(document)
        items: list[dict[str, Any]] = []
        while True:
            page = self.query(document, {"where": where, "first": size, "skip": len(items)})
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise KiliApiError(f"Kili sent an unexpected answer to {name}: not a list of objects", "malformed")
            items += page
            if len(page) < size:
                return items

    def _in_order(self, fetch: Callable[[int], Page], total: int, size: int) -> Iterator[Page]:
        """The pages ``fetch(skip)`` gives, in order, at most ``max_in_flight`` of them ahead."""
        pool = ThreadPoolExecutor(max_workers=self.max_in_flight, thread_name_prefix="kili-page")
        pending: deque[Future[Page]] = deque()
        next_skip = 0
        try:
            while True:
                while next_skip < total and len(pending) < self.max_in_flight:
                    pending.append(pool.submit(fetch, next_skip))
                    next_skip += size
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Page:
    """One page of a listing: asked as ``first`` items from ``skip``; ``error`` when its answer was malformed."""

    skip: int
    first: int
    items: list[dict[str, Any]]
    error: KiliApiError | None = None


def _once(read: Callable[[], T]) -> T:
    return read()
