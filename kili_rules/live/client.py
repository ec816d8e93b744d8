"""A small client of Kili's GraphQL API on httpx, for the authoring-side commands (never embedded in ``main.py``).

What it does, and why:

- **Where and who.** The API key comes from the argument or ``KILI_API_KEY``; the endpoint from the argument,
  ``KILI_API_ENDPOINT`` or Kili's cloud. An on-premise base URL (``https://kili.example.com``) is completed with
  ``/api/label/v2/graphql``, the path the SDK expects every endpoint to end with (it derives ``/version`` and
  ``/files`` from it by replacing ``/graphql``). The key goes in ``Authorization: X-API-Key: <key>``, on requests to
  the Kili endpoint only (a ``jsonResponseUrl`` on a storage bucket does not get it), and appears in no repr, log
  line or exception.
- **Shapes.** The GraphQL documents are the SDK's (``kili_rules.live.operations``): root field aliased ``data``,
  ``where`` / ``first`` / ``skip`` pages, a ``count…`` query for the total. ``jsonInterface`` and ``jsonResponse``
  arrive as JSON strings and are parsed; a large ``jsonResponse`` comes as ``jsonResponseUrl`` and is fetched.
- **Failing.** Every failure is a :class:`KiliApiError` with a one-line message (bad key, unknown project, network
  down, a GraphQL refusal, a malformed answer). An answer is checked before it is used: a page that is not a list
  of objects is an error, never "nothing there".
- **Retrying.** A query is retried on 429, 5xx, a refused connection and a timeout, with exponential backoff and
  full jitter, or after the server's ``Retry-After``; within a number of attempts and a deadline. A mutation is
  retried only when the server certainly did not run it (429, or the connection was never made); when its outcome
  is unknown (5xx, timeout, connection dropped after sending) it is **not** resent: the error says so.
- **Concurrency.** Pages of a listing are fetched by a small thread pool, a few pages ahead of the consumer, and
  yielded in order: memory stays bounded by ``max_in_flight`` pages whatever the project's size. Threads rather than
  httpx's async API because every consumer (the audit loop, the plugin's ``QaPlugin``, the SDK) is synchronous: a
  generator fed by a pool keeps them as they are, where async would need an event loop bridged into each of them.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from kili_rules.errors import KiliRulesError
from kili_rules.live import operations as ops

logger = logging.getLogger("kili_rules.live")

CLOUD_ENDPOINT = "https://cloud.kili-technology.com/api/label/v2/graphql"
GRAPHQL_PATH = "/api/label/v2/graphql"
#: Kili's page size for queries (kili.core.constants.QUERY_BATCH_SIZE) and batch size for mutations.
PAGE_SIZE = 100
MUTATION_BATCH_SIZE = 100
#: The SDK asks for fewer labels / assets a page when they carry a jsonResponse (and fewer still for video).
LABEL_PAGE_SIZE_VIDEO = 20
ASSET_PAGE_SIZE_WITH_LABEL = 50
ASSET_PAGE_SIZE_WITH_LABEL_VIDEO = 10

BAD_KEY = "the API key was refused (check KILI_API_KEY)"
NO_KEY = "no API key: set KILI_API_KEY or pass --api-key"

LABEL_FIELDS = (
    "id",
    "labelType",
    "jsonResponse",
    "jsonResponseUrl",
    "createdAt",
    "isLatestLabelForUser",
    "author.id",
    "author.email",
    "labelOf.id",
    "labelOf.externalId",
)
ASSET_FIELDS = ("id", "externalId", "status", "jsonMetadata")
LATEST_LABEL_FIELDS = tuple(f"latestLabel.{f}" for f in LABEL_FIELDS if not f.startswith("labelOf."))
ISSUE_FIELDS = ("id", "status", "type", "objectMid", "assetId", "createdAt", "comments.text")


class KiliApiError(KiliRulesError):
    """A call to Kili failed. ``str()`` is one line saying what and what to do; ``kind`` tells the cases apart:
    ``auth`` (key refused or missing), ``not_found``, ``network`` (unreachable, timed out), ``graphql`` (Kili refused
    the operation), ``http`` (an HTTP error with no GraphQL answer), ``unknown_outcome`` (a mutation that may or may
    not have been applied, not resent), ``malformed`` (an answer of the wrong shape). A :class:`KiliRulesError`:
    the command line prints it as one line and exits 2."""

    def __init__(self, message: str, kind: str = "graphql", status: int | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request is sent again: at most ``attempts`` tries within ``deadline`` seconds; between tries
    the server's ``Retry-After`` (capped at ``max_retry_after``) or a random wait up to ``backoff * 2**n`` (capped at
    ``max_backoff``)."""

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    deadline: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _root_field(document: str) -> str:
    """The first root field a document calls (for messages), e.g. ``labels`` or ``createIssues``."""
    body = document.split("{", 1)[1] if "{" in document else document
    head = body.split("(", 1)[0].split("{", 1)[0]
    return head.split(":")[-1].strip() or "the operation"


class _Attempt(Exception):
    """A failed attempt, with what it tells: whether it can be resent and how long the server asked to wait."""

    def __init__(self, error: KiliApiError, retry: str, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry = retry  # "never" | "query" (queries only: the outcome is unknown) | "always" (not processed)
        self.retry_after = retry_after


class KiliClient:
    """A client of one Kili endpoint with one API key. Thread-safe; close it (or use it as a context manager).

    Args:
        api_key: the API key; ``KILI_API_KEY`` when not given.
        endpoint: the GraphQL endpoint or the server's base URL; ``KILI_API_ENDPOINT`` or Kili's cloud when not given.
        timeout: seconds for connecting, and for each read of the answer.
        retry: when to send a failed request again (see :class:`RetryPolicy`).
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

    def __repr__(self) -> str:
        return f"KiliClient(endpoint={self.endpoint!r})"

    def __enter__(self) -> KiliClient:
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
        name = _root_field(document)
        payload = {"query": document, "variables": variables}
        answer = self._with_retries(name, mutation, lambda: self._post(name, payload, mutation))
        data = answer.get("data")
        if not isinstance(data, dict) or len(data) != 1:
            raise KiliApiError(f"Kili sent an unexpected answer to {name}: no data", "malformed")
        return next(iter(data.values()))

    def _with_retries(self, name: str, mutation: bool, send: Callable[[], Any]) -> Any:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return send()
            except _Attempt as failed:
                resend = failed.retry == "always" or (failed.retry == "query" and not mutation)
                if mutation and failed.retry == "query":
                    raise KiliApiError(
                        f"{name}: {failed.error}; it may or may not have been applied, so it was not resent "
                        "(check the project before running again)",
                        "unknown_outcome",
                        failed.error.status,
                    ) from None
                delay = self.retry.delay(attempt, failed.retry_after)
                elapsed = time.monotonic() - started
                if not resend or attempt >= self.retry.attempts or elapsed + delay > self.retry.deadline:
                    raise failed.error from None
                logger.warning(
                    "%s: %s; retrying in %.2f s (attempt %d of %d)",
                    name,
                    failed.error,
                    delay,
                    attempt + 1,
                    self.retry.attempts,
                )
                self._sleep(delay)

    def _post(self, name: str, payload: dict[str, Any], mutation: bool) -> dict[str, Any]:
        with self._lock:
            self.requests_sent += 1
        try:
            response = self._http.post(self.endpoint, json=payload, headers=self._auth)
        except httpx.ConnectError:
            # Nothing was sent: safe to resend even a mutation.
            raise _Attempt(
                KiliApiError(f"cannot reach Kili at {self.endpoint} (network down?)", "network"), "always"
            ) from None
        except httpx.ConnectTimeout:
            raise _Attempt(
                KiliApiError(f"cannot reach Kili at {self.endpoint} (timed out)", "network"), "always"
            ) from None
        except httpx.TimeoutException:
            raise _Attempt(
                KiliApiError(f"Kili did not answer {name} within {self.timeout:g} s", "network"), "query"
            ) from None
        except httpx.TransportError as error:
            raise _Attempt(
                KiliApiError(f"the connection to Kili broke during {name} ({type(error).__name__})", "network"),
                "query",
            ) from None
        return self._read_answer(name, response)

    def _read_answer(self, name: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise _Attempt(KiliApiError(BAD_KEY, "auth", status), "never")
        if status == 429:
            error = KiliApiError(f"Kili is rate-limiting {name} (HTTP 429)", "http", status)
            raise _Attempt(error, "always", _retry_after(response))
        if status >= 500:
            error = KiliApiError(f"Kili failed on {name} (HTTP {status})", "http", status)
            raise _Attempt(error, "query", _retry_after(response))
        try:
            answer = response.json()
        except ValueError:
            kind = "http" if status >= 400 else "malformed"
            raise _Attempt(
                KiliApiError(f"Kili answered {name} with HTTP {status} and no JSON", kind, status), "never"
            ) from None
        if not isinstance(answer, dict):
            raise _Attempt(KiliApiError(f"Kili sent an unexpected answer to {name}", "malformed", status), "never")
        errors = answer.get("errors")
        if errors:
            raise _Attempt(self._graphql_error(name, errors, status), "never")
        if status >= 400:
            raise _Attempt(KiliApiError(f"Kili answered {name} with HTTP {status}", "http", status), "never")
        return answer

    @staticmethod
    def _graphql_error(name: str, errors: Any, status: int) -> KiliApiError:
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

    # ---------------------------------------------------------------- listings

    def count(self, count_document: str, where: dict[str, Any]) -> int:
        """The total a ``count…`` query gives for ``where``."""
        total = self.query(count_document, {"where": where})
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise KiliApiError(
                f"Kili sent an unexpected answer to {_root_field(count_document)}: {total!r}", "malformed"
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
        name = _root_field(document)
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

    # ---------------------------------------------------------------- what the commands read

    def project(self, project_id: str) -> dict[str, Any]:
        """``{"id", "title", "inputType", "jsonInterface"}`` of a project, ``jsonInterface`` parsed from its JSON
        string. Raises KiliApiError(kind="not_found") when the project does not exist or the key cannot see it."""
        fields = ops.fragment(["id", "title", "inputType", "jsonInterface"])
        found = self.query(ops.projects_query(fields), {"where": {"id": project_id}, "first": 1, "skip": 0})
        if not isinstance(found, list):
            raise KiliApiError("Kili sent an unexpected answer to projects", "malformed")
        if not found:
            raise KiliApiError(
                f"project {project_id!r} not found (it does not exist, or this API key cannot see it)", "not_found"
            )
        project = found[0]
        if not isinstance(project, dict) or project.get("id") != project_id:
            raise KiliApiError(f"Kili sent an unexpected answer for project {project_id!r}", "malformed")
        interface = project.get("jsonInterface")
        if isinstance(interface, str):
            try:
                interface = json.loads(interface)
            except ValueError:
                raise KiliApiError(f"the jsonInterface of project {project_id!r} is not JSON", "malformed") from None
        if not isinstance(interface, dict):
            raise KiliApiError(f"the jsonInterface of project {project_id!r} is not an object", "malformed")
        return {
            "id": project_id,
            "title": project.get("title"),
            "inputType": project.get("inputType"),
            "jsonInterface": interface,
        }

    def count_labels(
        self, project_id: str, *, asset_status_in: Sequence[str] | None = None, type_in: Sequence[str] | None = None
    ) -> int:
        """How many labels :meth:`iter_labels` would give (without ``latest``)."""
        return self.count(ops.COUNT_LABELS, _label_where(project_id, asset_status_in, type_in))

    def iter_labels(
        self,
        project_id: str,
        *,
        asset_status_in: Sequence[str] | None = None,
        type_in: Sequence[str] | None = None,
        latest: bool = False,
        fields: Sequence[str] = LABEL_FIELDS,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The labels of a project, streamed page by page in constant memory, each with ``jsonResponse`` parsed
        (fetched from ``jsonResponseUrl`` when Kili gives one; a string that is not JSON is kept as it came, so the
        runtime reports the label as unreadable) and ``labelOf: {id, externalId}``.

        ``asset_status_in`` keeps the labels of assets in those statuses (TODO, ONGOING, LABELED, TO_REVIEW,
        REVIEWED: workflow-v1 projects); ``type_in`` the labels of those types (DEFAULT, REVIEW, AUTOSAVE, ...);
        ``latest`` only each asset's latest label (read through ``assets { latestLabel }``, as Kili defines it).
        Raises KiliApiError(kind="not_found") for an unknown project."""
        project = self.project(project_id)
        video = project["inputType"] == "VIDEO"
        if latest:
            for asset in self.iter_assets(
                project_id, asset_status_in=asset_status_in, with_latest_label=True, on_progress=on_progress
            ):
                label = asset.get("latestLabel")
                if label is None:
                    continue
                if type_in and label.get("labelType") not in type_in:
                    continue
                label.setdefault("labelOf", {"id": asset.get("id"), "externalId": asset.get("externalId")})
                yield label
            return
        fields = list(fields)
        if "jsonResponse" in fields and "jsonResponseUrl" not in fields:
            fields.append("jsonResponseUrl")
        yield from self.paginate(
            ops.labels_query(ops.fragment(fields)),
            ops.COUNT_LABELS,
            _label_where(project_id, asset_status_in, type_in),
            page_size=LABEL_PAGE_SIZE_VIDEO if video else None,
            transform=self._load_label,
            on_progress=on_progress,
        )

    def iter_assets(
        self,
        project_id: str,
        *,
        asset_status_in: Sequence[str] | None = None,
        asset_ids: Sequence[str] | None = None,
        with_latest_label: bool = False,
        fields: Sequence[str] = ASSET_FIELDS,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The assets of a project, streamed, ``jsonMetadata`` parsed to a dict (``{}`` when empty); with
        ``with_latest_label``, each with ``latestLabel`` (``None`` for an asset not labeled yet, else a label as
        :meth:`iter_labels` gives it). ``asset_ids`` restricts to those assets."""
        fields = list(fields)
        page_size = None
        if with_latest_label:
            fields += [f for f in LATEST_LABEL_FIELDS if f not in fields]
            video = self.project(project_id)["inputType"] == "VIDEO"
            page_size = ASSET_PAGE_SIZE_WITH_LABEL_VIDEO if video else ASSET_PAGE_SIZE_WITH_LABEL
        where: dict[str, Any] = {"project": {"id": project_id}}
        if asset_status_in:
            where["statusIn"] = list(asset_status_in)
        if asset_ids is not None:
            where["idIn"] = list(asset_ids)
        yield from self.paginate(
            ops.assets_query(ops.fragment(fields)),
            ops.COUNT_ASSETS,
            where,
            page_size=page_size,
            transform=self._load_asset,
            on_progress=on_progress,
        )

    def iter_issues(
        self,
        project_id: str,
        *,
        asset_id: str | None = None,
        asset_ids: Sequence[str] | None = None,
        status: str | None = None,
        issue_type: str | None = None,
        fields: Sequence[str] = ISSUE_FIELDS,
    ) -> Iterator[dict[str, Any]]:
        """The issues of a project (of one asset, of some assets, of one status ``OPEN | SOLVED | CANCELLED``, of
        one type ``ISSUE | QUESTION``), streamed."""
        where: dict[str, Any] = {"project": {"id": project_id}}
        if asset_id is not None:
            where["asset"] = {"id": asset_id}
        if asset_ids is not None:
            where["assetIn"] = list(asset_ids)
        if status is not None:
            where["status"] = status
        if issue_type is not None:
            where["type"] = issue_type
        yield from self.paginate(ops.issues_query(ops.fragment(list(fields))), ops.COUNT_ISSUES, where)

    # ---------------------------------------------------------------- what ``apply`` writes

    def create_issues(
        self, project_id: str, issues: Sequence[tuple[str, str | None, str]], *, issue_type: str = "ISSUE"
    ) -> list[str]:
        """Create issues, given as ``(label_id, object_mid or None, text)``, in batches of 100 (the SDK's
        ``createIssues`` payload); returns the new ids in order. A batch whose outcome is unknown stops everything
        with KiliApiError(kind="unknown_outcome") naming how many were created before it."""
        created: list[str] = []
        for start in range(0, len(issues), MUTATION_BATCH_SIZE):
            batch = [
                {"labelID": label_id, "objectMid": mid, "type": issue_type, "assetId": None, "text": text}
                for label_id, mid, text in issues[start : start + MUTATION_BATCH_SIZE]
            ]
            batch = [{k: v for k, v in item.items() if v is not None} for item in batch]
            try:
                answer = self.mutate(ops.CREATE_ISSUES, {"issues": batch, "where": {"project": {"id": project_id}}})
            except KiliApiError as error:
                if error.kind == "unknown_outcome" and created:
                    raise KiliApiError(f"{error} ({len(created)} issues were created before)", error.kind) from None
                raise
            ids = _ids(answer, "createIssues", len(batch))
            created += ids
        return created

    def update_issue_status(self, issue_id: str, status: str) -> None:
        """Set one issue's status (``OPEN | SOLVED | CANCELLED``); Kili has no batch call for it."""
        answer = self.mutate(ops.UPDATE_ISSUE, {"data": {"status": status}, "where": {"id": issue_id}})
        if not isinstance(answer, dict) or answer.get("id") != issue_id:
            raise KiliApiError(f"Kili sent an unexpected answer to updatePropertiesInIssue for {issue_id}", "malformed")

    def send_back_to_queue(self, asset_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Send assets back to the queue, 100 a call; ``{"succeeded", "declined", "failed"}`` lists merged."""
        outcome: dict[str, list[dict[str, Any]]] = {"succeeded": [], "declined": [], "failed": []}
        for start in range(0, len(asset_ids), MUTATION_BATCH_SIZE):
            chunk = list(asset_ids[start : start + MUTATION_BATCH_SIZE])
            answer = self.mutate(ops.SEND_ASSETS_BACK_TO_QUEUE, {"where": {"idIn": chunk}})
            if not isinstance(answer, dict) or not all(isinstance(answer.get(k), list) for k in outcome):
                raise KiliApiError("Kili sent an unexpected answer to sendAssetsBackToQueue", "malformed")
            for key in outcome:
                outcome[key] += answer[key]
        return outcome

    def update_json_metadata(self, asset_ids: Sequence[str], json_metadatas: Sequence[dict[str, Any]]) -> list[str]:
        """Write each asset's whole ``jsonMetadata`` (Kili **replaces** it: read, merge, then write), 100 a call,
        through ``updatePropertiesInAssets``; returns the ids Kili confirms."""
        if len(asset_ids) != len(json_metadatas):
            raise ValueError("asset_ids and json_metadatas must have the same length")
        written: list[str] = []
        for start in range(0, len(asset_ids), MUTATION_BATCH_SIZE):
            ids = list(asset_ids[start : start + MUTATION_BATCH_SIZE])
            metadatas = json_metadatas[start : start + MUTATION_BATCH_SIZE]
            answer = self.mutate(
                ops.UPDATE_PROPERTIES_IN_ASSETS,
                {
                    "whereArray": [{"id": asset_id} for asset_id in ids],
                    "dataArray": [{"jsonMetadata": json.dumps(m)} for m in metadatas],
                },
            )
            written += _ids(answer, "updatePropertiesInAssets", len(ids))
        return written

    # ---------------------------------------------------------------- answers to objects

    def _load_label(self, label: dict[str, Any]) -> dict[str, Any]:
        url = label.pop("jsonResponseUrl", None)
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            label["jsonResponse"] = self._get_json(url, f"the jsonResponse of label {label.get('id')}")
        elif isinstance(label.get("jsonResponse"), str):
            try:
                label["jsonResponse"] = json.loads(label["jsonResponse"])
            except ValueError:
                pass  # kept as it came: the runtime reports an unreadable jsonResponse as a finding
        return label

    def _load_asset(self, asset: dict[str, Any]) -> dict[str, Any]:
        metadata = asset.get("jsonMetadata")
        if isinstance(metadata, str):
            try:
                asset["jsonMetadata"] = json.loads(metadata) if metadata.strip() else {}
            except ValueError:
                pass  # not JSON (Kili's example plugin writes such strings): kept, the caller decides
        elif metadata is None and "jsonMetadata" in asset:
            asset["jsonMetadata"] = {}
        if isinstance(asset.get("latestLabel"), dict):
            asset["latestLabel"] = self._load_label(asset["latestLabel"])
        return asset

    def _get_json(self, url: str, what: str) -> Any:
        """GET a JSON document (a ``jsonResponseUrl``), with the key only if the URL is Kili's own."""
        headers = self._auth if url.startswith(self._kili_prefix) else {}

        def send() -> Any:
            try:
                response = self._http.get(url, headers=headers)
            except httpx.ConnectError:
                raise _Attempt(KiliApiError(f"cannot download {what} (network down?)", "network"), "always") from None
            except httpx.TransportError as error:
                raise _Attempt(
                    KiliApiError(f"cannot download {what} ({type(error).__name__})", "network"), "query"
                ) from None
            if response.status_code == 429 or response.status_code >= 500:
                error = KiliApiError(f"cannot download {what} (HTTP {response.status_code})", "http")
                raise _Attempt(error, "query", _retry_after(response))
            if response.status_code != 200:
                error = KiliApiError(f"cannot download {what} (HTTP {response.status_code})", "http")
                raise _Attempt(error, "never")
            try:
                return response.json()
            except ValueError:
                return response.text  # kept as it came: the runtime reports it as unreadable

        return self._with_retries(what, False, send)


def _label_where(
    project_id: str, asset_status_in: Sequence[str] | None, type_in: Sequence[str] | None
) -> dict[str, Any]:
    where: dict[str, Any] = {"project": {"id": project_id}}
    if asset_status_in:
        where["asset"] = {"statusIn": list(asset_status_in)}
    if type_in:
        where["typeIn"] = list(type_in)
    return where


def _ids(answer: Any, name: str, expected: int) -> list[str]:
    if (
        not isinstance(answer, list)
        or len(answer) != expected
        or not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in answer)
    ):
        raise KiliApiError(f"Kili sent an unexpected answer to {name}: expected {expected} ids", "malformed")
    return [item["id"] for item in answer]
