"""One GraphQL operation sent to Kili over httpx: where, with which key, and what comes back.

- **Where and who.** The API key comes from the argument or ``KILI_API_KEY``; the endpoint from the argument,
  ``KILI_API_ENDPOINT`` or Kili's cloud. An on-premise base URL (``https://kili.example.com``) is completed with
  ``/api/label/v2/graphql``, the path the SDK expects every endpoint to end with (it derives ``/version`` and
  ``/files`` from it by replacing ``/graphql``). The key goes in ``Authorization: X-API-Key: <key>``, on requests to
  the Kili endpoint only (a ``jsonResponseUrl`` on a storage bucket does not get it), and appears in no repr, log
  line or exception.
- **Failing.** Every failure is a :class:`~kili_rules.live.errors.KiliApiError` with a one-line message (bad key,
  network down, a GraphQL refusal, a malformed answer); transient ones are sent again as
  :mod:`kili_rules.live.retry` decides.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from kili_rules.live.errors import BAD_KEY, NO_KEY, KiliApiError
from kili_rules.live.retry import FailedAttempt, RetryPolicy, retry_after, with_retries

CLOUD_ENDPOINT = "https://cloud.kili-technology.com/api/label/v2/graphql"
GRAPHQL_PATH = "/api/label/v2/graphql"
#: Kili's page size for queries (kili.core.constants.QUERY_BATCH_SIZE).
PAGE_SIZE = 100

_Self = TypeVar("_Self", bound="KiliTransport")


def resolve_endpoint(endpoint: str | None = None) -> str:
    """The GraphQL endpoint: ``endpoint``, else ``KILI_API_ENDPOINT``, else Kili's cloud. A base URL (no path, or
    a path not ending in ``/graphql``) gets ``/api/label/v2/graphql`` appended; a trailing slash is dropped."""
    url = (endpoint or os.environ.get("KILI_API_ENDPOINT") or CLOUD_ENDPOINT).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise KiliApiError(f"the endpoint {url!r} is not an http(s) URL (check KILI_API_ENDPOINT)", "network")
    path = parts.path.rstrip("/")
    if not path.endswith("/graphql"):
        path += GRAPHQL_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def root_field_name(document: str) -> str:
    """The first root field a document calls (for messages), e.g. ``labels`` or ``createIssues``."""
    body = document.split("{", 1)[1] if "{" in document else document
    head = body.split("(", 1)[0].split("{", 1)[0]
    return head.split(":")[-1].strip() or "the operation"


class KiliTransport:
    """The connection to one Kili endpoint with one API key: a query or a mutation at a time, retried as
    :class:`~kili_rules.live.retry.RetryPolicy` says. Thread-safe; close it (or use it as a context manager).

    Args:
        api_key: the API key; ``KILI_API_KEY`` when not given.
        endpoint: the GraphQL endpoint or the server's base URL; ``KILI_API_ENDPOINT`` or Kili's cloud when not given.
        timeout: seconds for connecting, and for each read of the answer.
        retry: when to send a failed request again (see :class:`~kili_rules.live.retry.RetryPolicy`).
        max_in_flight: pages of a listing fetched ahead of the consumer, at most.
        page_size: items asked for a page (Kili's own default: 100).
        transport: an httpx transport, for unit tests (``httpx.MockTransport``).
        verify: TLS verification, as httpx takes it (``False`` or a CA bundle path for an on-premise server).
        sleep: how to wait between attempts (tests pass a recorder).
    """

    def __init__(
        self,
        api_key: str | None = None,
        endpoint: str | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_in_flight: int = 4,
        page_size: int = PAGE_SIZE,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        key = api_key or os.environ.get("KILI_API_KEY")
        if not key:
            raise KiliApiError(NO_KEY, "auth")
        self.endpoint = resolve_endpoint(endpoint)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_in_flight = max(1, max_in_flight)
        self.page_size = max(1, page_size)
        self._sleep = sleep
        # Requests under this prefix get the key (the SDK's HttpClient does the same): a signed storage URL does not.
        self._kili_prefix = self.endpoint[: -len("/graphql")]
        self._auth = {"Authorization": f"X-API-Key: {key}"}
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            verify=verify,
            headers={"Accept": "application/json", "apollographql-client-name": "kili-rules"},
            follow_redirects=False,
        )
        self._lock = threading.Lock()
        self.requests_sent = 0
        #: Called before each request is sent (retries included): ``apply`` sets its rate limit here.
        self.throttle: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r})"

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    # ---------------------------------------------------------------- one operation

    def query(self, document: str, variables: dict[str, Any] | None = None) -> Any:
        """Run a query and return its root field's value (``data`` for the SDK's aliased documents), retrying
        transient failures. Raises KiliApiError."""
        return self._execute(document, variables or {}, mutation=False)

    def mutate(self, document: str, variables: dict[str, Any] | None = None) -> Any:
        """Run a mutation and return its root field's value. It is resent only when Kili certainly did not run it;
        when the outcome is unknown, KiliApiError(kind="unknown_outcome") is raised and nothing is resent."""
        return self._execute(document, variables or {}, mutation=True)

    def _execute(self, document: str, variables: dict[str, Any], mutation: bool) -> Any:
        name = root_field_name(document)
        payload = {"query": document, "variables": variables}
        answer = self._with_retries(name, mutation, lambda: self._post(name, payload, mutation))
        data = answer.get("data")
        if not isinstance(data, dict) or len(data) != 1:
            raise KiliApiError(f"Kili sent an unexpected answer to {name}: no data", "malformed")
        return next(iter(data.values()))

    def _with_retries(self, name: str, mutation: bool, send: Callable[[], Any]) -> Any:
        return with_retries(name, mutation, send, self.retry, self._sleep)

    def _post(self, name: str, payload: dict[str, Any], mutation: bool) -> dict[str, Any]:
        if self.throttle is not None:
            self.throttle()
        with self._lock:
            self.requests_sent += 1
        try:
            response = self._http.post(self.endpoint, json=payload, headers=self._auth)
        except httpx.ConnectError:
            # Nothing was sent: safe to resend even a mutation.
            raise FailedAttempt(
                KiliApiError(f"cannot reach Kili at {self.endpoint} (network down?)", "network"), "always"
            ) from None
        except httpx.ConnectTimeout:
            raise FailedAttempt(
                KiliApiError(f"cannot reach Kili at {self.endpoint} (timed out)", "network"), "always"
            ) from None
        except httpx.TimeoutException:
            raise FailedAttempt(
                KiliApiError(f"Kili did not answer {name} within {self.timeout:g} s", "network"), "query"
            ) from None
        except httpx.TransportError as error:
            raise FailedAttempt(
                KiliApiError(f"the connection to Kili broke during {name} ({type(error).__name__})", "network"),
                "query",
            ) from None
        return self._read_answer(name, response)

    def _read_answer(self, name: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise FailedAttempt(KiliApiError(BAD_KEY, "auth", status), "never")
        if status == 429:
            error = KiliApiError(f"Kili is rate-limiting {name} (HTTP 429)", "http", status)
            raise FailedAttempt(error, "always", retry_after(response))
        if status >= 500:
            error = KiliApiError(f"Kili failed on {name} (HTTP {status})", "http", status)
            raise FailedAttempt(error, "query", retry_after(response))
        try:
            answer = response.json()
        except ValueError:
            kind = "http" if status >= 400 else "malformed"
            raise FailedAttempt(
                KiliApiError(f"Kili answered {name} with HTTP {status} and no JSON", kind, status), "never"
            ) from None
        if not isinstance(answer, dict):
            error = KiliApiError(f"Kili sent an unexpected answer to {name}", "malformed", status)
            raise FailedAttempt(error, "never")
        errors = answer.get("errors")
        if errors:
            raise FailedAttempt(graphql_error(name, errors, status), "never")
        if status >= 400:
            raise FailedAttempt(KiliApiError(f"Kili answered {name} with HTTP {status}", "http", status), "never")
        return answer

    def get_json(self, url: str, what: str) -> Any:
        """GET a JSON document (a ``jsonResponseUrl``), with the key only if the URL is Kili's own; a body that is
        not JSON is returned as text, as it came (the runtime reports it as unreadable)."""
        headers = self._auth if url.startswith(self._kili_prefix) else {}

        def send() -> Any:
            try:
                response = self._http.get(url, headers=headers)
            except httpx.ConnectError:
                error = KiliApiError(f"cannot download {what} (network down?)", "network")
                raise FailedAttempt(error, "always") from None
            except httpx.TransportError as failure:
                error = KiliApiError(f"cannot download {what} ({type(failure).__name__})", "network")
                raise FailedAttempt(error, "query") from None
            if response.status_code == 429 or response.status_code >= 500:
                error = KiliApiError(f"cannot download {what} (HTTP {response.status_code})", "http")
                raise FailedAttempt(error, "query", retry_after(response))
            if response.status_code != 200:
                error = KiliApiError(f"cannot download {what} (HTTP {response.status_code})", "http")
                raise FailedAttempt(error, "never")
            try:
                return response.json()
            except ValueError:
                return response.text

        return self._with_retries(what, False, send)


def graphql_error(name: str, errors: Any, status: int) -> KiliApiError:
    """The one-line error for a GraphQL ``errors`` answer: a refused key is ``auth``, anything else ``graphql``."""
    first = errors[0] if isinstance(errors, list) and errors else errors
    message = first.get("message", "") if isinstance(first, dict) else str(first)
    code = ""
    if isinstance(first, dict) and isinstance(first.get("extensions"), dict):
        code = str(first["extensions"].get("code", ""))
    lowered = f"{message} {code}".lower()
    if "unauthenticated" in lowered or "api key" in lowered or "apikey" in lowered:
        return KiliApiError(BAD_KEY, "auth", status)
    text = " ".join(str(message).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return KiliApiError(f"Kili refused {name}: {text}", "graphql", status)
