"""The stand-in server, :class:`KiliStandIn`: its life cycle, the faults queued for it and the requests it
recorded."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from kili_rules.testing.stand_in.answers import StandInAnswers
from kili_rules.testing.stand_in.data import StandInData
from kili_rules.testing.stand_in.handler import DEFAULT_API_KEY, GRAPHQL_PATH, MANGLED_BODIES, StandInHandler


@dataclass
class Fault:
    """One queued misbehaviour: ``status`` to answer (``None``: answer normally after ``delay``), ``retry_after``
    header, ``delay`` seconds before answering, ``drop`` the connection without answering, ``after_apply`` (a
    mutation is applied, then the fault answered), ``field`` the root field it applies to (``None``: any), ``body``
    a mangled body sent with HTTP 200 in place of the answer (``"garbage"``, ``"truncated"``, ``"wrong_shape"``;
    the operation is run first, as behind a proxy that mangles its answer)."""

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    drop: bool = False
    after_apply: bool = False
    field: str | None = None
    body: str | None = None


@dataclass
class Recorded:
    """One request the stand-in received."""

    field: str
    variables: dict[str, Any]
    status: int
    mutation: bool


class KiliStandIn(StandInAnswers):
    """The server. ``start()`` / ``stop()`` or a ``with`` block; :attr:`endpoint` is its GraphQL URL.

    Args:
        data: what to serve (default: :meth:`StandInData.from_fixtures`).
        api_key: the one key it accepts.
        max_page_size: the largest ``first`` it honours (Kili's PageSize allows 500).
        json_response_url_over: a ``jsonResponse`` longer than this is sent as a ``jsonResponseUrl``.
        auth_failure: how a bad key is answered: ``"401"`` (HTTP 401) or ``"graphql"`` (HTTP 200 with an
            UNAUTHENTICATED GraphQL error).
    """

    def __init__(
        self,
        data: StandInData | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        max_page_size: int = 500,
        json_response_url_over: int | None = None,
        auth_failure: str = "401",
    ) -> None:
        self.data = data if data is not None else StandInData.from_fixtures()
        self.api_key = api_key
        self.max_page_size = max_page_size
        self.json_response_url_over = json_response_url_over
        self.auth_failure = auth_failure
        self.requests: list[Recorded] = []
        self.mutations: list[tuple[str, dict[str, Any]]] = []
        self.version = "stand-in-1"
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._issue_counter = 0

    # ------------------------------------------------------------ life cycle

    def start(self) -> KiliStandIn:
        """Listen on a free port of 127.0.0.1, in a daemon thread."""
        stand_in = self

        class Handler(StandInHandler):
            server_state = stand_in

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="kili-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KiliStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "the stand-in is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def endpoint(self) -> str:
        """The GraphQL endpoint, as ``KILI_API_ENDPOINT`` would name it."""
        return self.base_url + GRAPHQL_PATH

    # ------------------------------------------------------------ faults and records

    def fail(
        self,
        status: int | None = None,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        delay: float = 0.0,
        drop: bool = False,
        after_apply: bool = False,
        field: str | None = None,
        body: str | None = None,
    ) -> None:
        """Queue ``times`` faults, taken in order by the next requests (to ``field`` only, when given); see
        :class:`Fault`. ``body="garbage"`` answers an HTML page, ``"truncated"`` the answer's JSON cut in half,
        ``"wrong_shape"`` an object where a list or a number is expected, each with HTTP 200."""
        if body is not None and body not in MANGLED_BODIES:
            raise ValueError(f"unknown body {body!r}: one of {', '.join(MANGLED_BODIES)}")
        after = None if retry_after is None else str(retry_after)
        with self._lock:
            for _ in range(times):
                self._faults.append(Fault(status, after, delay, drop, after_apply, field, body))

    def record(self, name: str, variables: dict[str, Any], status: int, mutation: bool) -> None:
        """Record one request received (the handler calls it)."""
        with self._lock:
            self.requests.append(Recorded(name, variables, status, mutation))

    def calls(self, field: str) -> list[Recorded]:
        """The requests received for one root field."""
        with self._lock:
            return [r for r in self.requests if r.field == field]

    def take_fault(self, name: str) -> Fault | None:
        """The first queued fault for root field ``name``, taken off the queue (the handler calls it)."""
        with self._lock:
            for fault in self._faults:
                if fault.field is None or fault.field == name:
                    self._faults.remove(fault)
                    return fault
        return None
