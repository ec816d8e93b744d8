"""One time budget for every Kili call of an event, and which failed calls may be sent again.

Kili stops a plugin at 60 s. The plugin keeps to a smaller budget (``limits.event_seconds``, 50 s by default) for
the whole event, calls included; :class:`Deadline` tells how much is left and refuses to start a call without time
for it. A call that is already running when the budget ends is not waited for: the caller runs each group of
dependent calls in a :class:`~kili_rules.runtime.tasks.Task` and abandons it at the deadline.

What is retried here, and what is not (the ``kili`` SDK already retries, see ``kili.core.graphql.retry``):

- queries (``issues``, ``assets``) never: the SDK resends them itself on every transient error;
- server refusals never (``kili.exceptions.GraphQLError``, typeguard's ``TypeCheckError``, and the programming
  errors ``TypeError``, ``ValueError``...): the same request gets the same answer;
- idempotent mutations (``update_issue_status``, ``send_back_to_queue``, ``update_properties_in_assets``) when
  their outcome is unknown (the SDK raises ``MutationOutcomeUnknownError`` instead of resending them);
- ``create_issues`` never blindly: the caller reads the open issues again and creates only what is missing.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Errors that say the call itself is wrong, not the network: resending gives the same answer.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (TypeError, ValueError, AttributeError, KeyError, AssertionError)
#: Names of the exception classes by which the SDK says the server refused the request (matched along the class
#: hierarchy by name, so that the runtime does not import ``kili`` or ``typeguard``).
REFUSAL_NAMES = frozenset({"GraphQLError", "TypeCheckError"})


def is_refusal(error: BaseException) -> bool:
    """Whether ``error`` says the request is refused or wrong (never worth sending again)."""
    if isinstance(error, PERMANENT_ERRORS):
        return True
    return any(cls.__name__ in REFUSAL_NAMES for cls in type(error).__mro__)


class DeadlineExceeded(Exception):
    """No time is left in the event's budget for this call (or for another attempt of it)."""


class KiliAnswerError(Exception):
    """Kili answered something of another shape than the SDK documents: the call counts as failed."""


class Deadline:
    """The time budget of one event, shared by every Kili call (from several threads).

    Args:
        seconds: the budget.
        clock: the monotonic clock (tests pass a fake one).
        sleep: how to wait between attempts (tests pass a fake one).
        max_attempts: attempts per retried call at most.
        first_backoff: the first wait, doubled after each failure (capped at ``max_backoff``).
        min_call_seconds: a call is not started with less time than this left.
    """

    def __init__(
        self,
        seconds: float = 50.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 3,
        first_backoff: float = 0.5,
        max_backoff: float = 4.0,
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
        self._lock = threading.Lock()

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
        return min(self.first_backoff * 2.0 ** (failures - 1), self.max_backoff)

    def wait(self, failures: int) -> None:
        """Sleep the backoff after ``failures`` failed attempts; DeadlineExceeded if no time would be left."""
        wait = self.backoff(failures)
        if self.remaining - wait < self.min_call_seconds:
            raise DeadlineExceeded(f"no time left for another attempt ({self.elapsed:.1f} s spent)")
        self.sleep(wait)

    def call(self, what: str, function: Callable[..., T], *, retry: bool = False, **kwargs: Any) -> T:
        """``function(**kwargs)``; with ``retry`` (idempotent mutations only), sent again after an error that is
        not a refusal, while attempts and time last.

        Raises DeadlineExceeded when no attempt could start, else the last error.
        """
        attempts = self.max_attempts if retry else 1
        for attempt in range(1, attempts + 1):
            if self.remaining < self.min_call_seconds:
                raise DeadlineExceeded(f"{what}: no time left ({self.elapsed:.1f} s spent)")
            with self._lock:
                self.calls += 1
            try:
                return function(**kwargs)
            except Exception as error:
                if is_refusal(error) or attempt == attempts:
                    raise
                with self._lock:
                    self.failures.append(f"{what} attempt {attempt}: {type(error).__name__}: {error}")
                self.wait(attempt)
        raise AssertionError("unreachable")  # pragma: no cover
