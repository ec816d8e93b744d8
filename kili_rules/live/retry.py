"""When the live client sends a failed request again, and how long it waits first.

A query is retried on 429, 5xx, a refused connection and a timeout, with exponential backoff and full jitter, or
after the server's ``Retry-After``; within a number of attempts and a deadline. A mutation is retried only when the
server certainly did not run it (429, or the connection was never made); when its outcome is unknown (5xx, timeout,
connection dropped after sending) it is **not** resent: the error says so.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from kili_rules.live.errors import KiliApiError

logger = logging.getLogger("kili_rules.live")

T = TypeVar("T")


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


class FailedAttempt(Exception):
    """A failed attempt, with what it tells: whether it can be resent and how long the server asked to wait.

    ``retry`` is ``"never"``, ``"query"`` (resent for a query only: the outcome is unknown) or ``"always"`` (the
    server certainly did not process it)."""

    def __init__(self, error: KiliApiError, retry: str, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry = retry
        self.retry_after = retry_after


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number or an HTTP date), ``None`` without a readable one."""
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


def with_retries(
    name: str, mutation: bool, send: Callable[[], Any], policy: RetryPolicy, sleep: Callable[[float], None]
) -> Any:
    """``send()`` until it returns, resending after a :class:`FailedAttempt` as ``policy`` and the attempt allow;
    raises the last attempt's KiliApiError, or KiliApiError(kind="unknown_outcome") for a mutation that may have
    been applied."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except FailedAttempt as failed:
            resend = failed.retry == "always" or (failed.retry == "query" and not mutation)
            if mutation and failed.retry == "query":
                raise KiliApiError(
                    f"{name}: {failed.error}; it may or may not have been applied, so it was not resent "
                    "(check the project before running again)",
                    "unknown_outcome",
                    failed.error.status,
                ) from None
            delay = policy.delay(attempt, failed.retry_after)
            elapsed = time.monotonic() - started
            if not resend or attempt >= policy.attempts or elapsed + delay > policy.deadline:
                raise failed.error from None
            logger.warning(
                "%s: %s; retrying in %.2f s (attempt %d of %d)", name, failed.error, delay, attempt + 1, policy.attempts
            )
            sleep(delay)


def once_more_if_malformed(read: Callable[[], T]) -> T:
    """``read()``, sent once more when its answer was malformed (not JSON, cut short, of the wrong shape: an answer
    that :func:`with_retries` does not resend, the request having been answered); a second malformed answer raises
    its KiliApiError(kind="malformed"). For reads only: a mutation answered with garbage may have been applied."""
    try:
        return read()
    except KiliApiError as error:
        if error.kind != "malformed":
            raise
        logger.warning("%s; reading it once more", error)
    return read()
