"""How a rule learns that its time is up: a deadline per thread, set by the engine around each rule.

The engine runs each rule within its own budget (``limits.rule_seconds``, cut to what is left of
``limits.evaluation_seconds``). It cannot stop a thread: a rule that overruns is abandoned and the rules after it go
on in a fresh thread. So that an abandoned rule does not go on spinning for good, the built-in rule types call
:func:`check_time` in their loops (every few hundred iterations: it costs a thread-local read and a clock read), and
it raises :class:`RuleTimeout` once the deadline of the rule running in this thread has passed. A Python rule may
call it too (``from kili_rules.runtime.rule_time import check_time``). Without a deadline (offline evaluation, no
budget) it never raises.

Example::

    >>> import time
    >>> with rule_deadline(time.monotonic() - 1, "the 5 s rule budget"):
    ...     check_time()
    Traceback (most recent call last):
    ...
    kili_rules.runtime.rule_time.RuleTimeout: out of time: it ran past the 5 s rule budget
    >>> check_time()  # no deadline in this thread any more

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class RuleTimeout(Exception):
    """The rule running in this thread is past its deadline (the engine reports it as out of time)."""


class _Deadline(threading.local):
    at: float | None = None
    budget: str = ""


_deadline = _Deadline()


def check_time() -> None:
    """Raise :class:`RuleTimeout` when the rule running in this thread is past its deadline."""
    at = _deadline.at
    if at is not None and time.monotonic() > at:
        raise RuleTimeout(f"out of time: it ran past {_deadline.budget}")


@contextmanager
def rule_deadline(at: float | None, budget: str) -> Iterator[None]:
    """Within the block, :func:`check_time` in this thread raises past ``at`` (a ``time.monotonic()`` value; None:
    never), its message naming ``budget`` (``the 5 s rule budget``). The deadline stays set in a thread whose
    rule never ends: an abandoned rule meets it at its next check."""
    saved = _deadline.at, _deadline.budget
    _deadline.at, _deadline.budget = at, budget
    try:
        yield
    finally:
        _deadline.at, _deadline.budget = saved
