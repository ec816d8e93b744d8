"""Calls to Kili retried on transient errors, all within one deadline.

Kili gives a plugin 60 s per event; the plugin keeps to a smaller budget (45 s by default) for all of its calls
together. A call that raises is retried with exponential backoff while there is time left; errors that say the
call itself is wrong (a bad argument, a programming error) are not retried.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Errors that retrying cannot cure: the call is wrong, not the network.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (TypeError, ValueError, AttributeError, KeyError, AssertionError)


class DeadlineExceeded(Exception):
    """No time is left in the plugin's budget for this call (or for another attempt of it)."""


class Deadline:
    """A time budget shared by every Kili call of one event.

    Args:
        seconds: the budget.
        clock: the monotonic clock (tests pass a fake one).
        sleep: how to wait between attempts (tests pass a fake one).
        max_attempts: attempts per call at most.
        first_backoff: the first wait, doubled after each failure (capped at ``max_backoff``).
        min_call_seconds: a call is not started with less time than this left.
    """

    def __init__(
        self,
        seconds: float = 45.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        first_backoff: float = 0.5,
        max_backoff: float = 8.0,
        min_call_seconds: float = 1.0,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self.ends = self.started + seconds
        self.max_attempts = max_attempts
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.min_call_seconds = min_call_seconds
        self.calls = 0
        self.failures: list[str] = []

    @property
    def remaining(self) -> float:
        """Seconds left in the budget."""
        return self.ends - self.clock()

    @property
    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return self.clock() - self.started

    def backoff(self, failures: int) -> float:
        """The wait after ``failures`` failed attempts."""
        return min(self.first_backoff * 2 ** (failures - 1), self.max_backoff)

    def wait(self, failures: int) -> None:
        """Sleep the backoff after ``failures`` failed attempts; DeadlineExceeded if no time would be left."""
        wait = self.backoff(failures)
        if self.remaining - wait < self.min_call_seconds:
            raise DeadlineExceeded(f"no time left for another attempt ({self.elapsed:.1f} s spent)")
        self.sleep(wait)

    def call(self, what: str, function: Callable[..., T], *args: Any, attempts: int | None = None, **kwargs: Any) -> T:
        """``function(*args, **kwargs)``, retried on transient errors while the budget lasts.

        Raises the last error when attempts (``max_attempts``, or ``attempts``) or time run out, and
        DeadlineExceeded when no attempt could start.
        """
        attempts = attempts or self.max_attempts
        for attempt in range(1, attempts + 1):
            if self.remaining < self.min_call_seconds:
                raise DeadlineExceeded(f"{what}: no time left ({self.elapsed:.1f} s spent)")
            self.calls += 1
            try:
                return function(*args, **kwargs)
            except PERMANENT_ERRORS:
                raise
            except Exception as error:
                self.failures.append(f"{what} attempt {attempt}: {type(error).__name__}: {error}")
                if attempt == attempts or self.remaining - self.backoff(attempt) < self.min_call_seconds:
                    raise
                self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover
