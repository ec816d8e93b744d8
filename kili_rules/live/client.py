"""A small client of Kili's GraphQL API on httpx, for the authoring-side commands (never embedded in ``main.py``).

:class:`KiliClient` is assembled from one module per concern:

- :mod:`kili_rules.live.transport`: where and who (endpoint, API key kept out of every repr, log line and
  exception), one query or mutation at a time, its answer checked;
- :mod:`kili_rules.live.retry`: when a failed request is sent again (429, 5xx, timeouts, with backoff and
  ``Retry-After``; a mutation whose outcome is unknown is never resent);
- :mod:`kili_rules.live.paging`: counts and ``first`` / ``skip`` pages fetched a few ahead by a thread pool,
  yielded in order in bounded memory;
- :mod:`kili_rules.live.reads`: projects, labels, assets and issues, parsed (``jsonInterface``, ``jsonResponse``,
  ``jsonMetadata``, a ``jsonResponseUrl`` fetched);
- :mod:`kili_rules.live.writes`: what ``apply`` writes (issues, status, send back, metadata), in batches of 100;
- :mod:`kili_rules.live.operations`: the GraphQL documents, the SDK's own.

Every failure is a :class:`~kili_rules.live.errors.KiliApiError` with a one-line message and a ``kind``.
"""

from __future__ import annotations

from kili_rules.live.reads import KiliReads
from kili_rules.live.writes import KiliWrites


class KiliClient(KiliReads, KiliWrites):
    """A client of one Kili endpoint with one API key: reads, paged listings and writes. Thread-safe; close it (or
    use it as a context manager). Its arguments are :class:`~kili_rules.live.transport.KiliTransport`'s: ``api_key``,
    ``endpoint``, ``timeout``, ``retry``, ``max_in_flight``, ``page_size``, ``transport``, ``verify``, ``sleep``.

    Example::

        with KiliClient() as client:  # KILI_API_KEY, KILI_API_ENDPOINT
            for label in client.iter_labels("my-project", latest=True):
                ...
    """
