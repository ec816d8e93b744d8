"""Work that may be abandoned: a function in a daemon thread, and one lock per asset.

Kili stops a plugin at 60 s, and a Kili call can hang far longer than that (the SDK's HTTP timeout is 60 s and it
retries for up to 120 s). So each group of dependent calls runs as a :class:`Task`: the handler waits for it until
the event's deadline, then goes on without it (its thread is a daemon: it never keeps the interpreter alive, and
nothing it produces after that is used).

Tasks run on reused daemon threads (starting a thread costs 1.5-2.5 ms on the machines measured, reusing one
0.05 ms); a thread stuck in a hung call keeps it, and the next task gets a new thread. The standard library's
``ThreadPoolExecutor`` is not used: the interpreter waits for its threads at exit, hung calls included.

:func:`asset_lock` serialises what must not interleave for one asset inside one process (reading the open issues
then creating the missing ones; reading ``json_metadata`` then writing it back). A group abandoned at the deadline
keeps its lock until its calls return, so that a late creation never races the next event of the asset (which
fails its step, closed, if the lock is still taken at its own deadline). Across processes nothing is
locked: Kili's own runner calls a plugin once per event.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Task:
    """``function()`` running in a daemon thread, started at once.

    Attributes:
        name: what the task does (for logs).
        result: what ``function`` returned, once it ended without error.
        error: what it raised (any ``BaseException``), once it ended with one.
    """

    def __init__(self, name: str, function: Callable[[], Any]) -> None:
        self.name = name
        self.result: Any = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        self._function = function
        _workers.submit(self._run)

    def _run(self) -> None:
        try:
            self.result = self._function()
        except BaseException as error:  # kept for the handler: nothing escapes a task
            self.error = error
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        """Whether the function has ended."""
        return self._done.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait at most ``seconds`` (real time) for the end; True if it has ended."""
        return self._done.wait(max(seconds, 0.0))

    def join(self) -> None:
        """Wait for the end, however long (only from a thread that may be abandoned: never from the handler's)."""
        self._done.wait()


class _Workers:
    """Daemon threads that run submitted functions; a new thread starts only when none is idle."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, function: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1  # an idle thread is, or soon will be, waiting on the queue
        if start:
            threading.Thread(target=self._work, name="kili-rules-worker", daemon=True).start()
        self._queue.put(function)

    def _work(self) -> None:
        while True:
            self._queue.get()()  # the functions submitted never raise (Task._run keeps the error)
            with self._lock:
                self._idle += 1


_workers = _Workers()


class _AssetLock:
    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


_locks: weakref.WeakValueDictionary[tuple[str, str], _AssetLock] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


class LockTimeout(Exception):
    """Another event of the same asset held the lock until the deadline."""


@contextmanager
def asset_lock(kind: str, asset_id: str, seconds: float) -> Iterator[None]:
    """Hold the ``kind`` lock of ``asset_id`` (waiting at most ``seconds``); LockTimeout if it stays taken.

    The locks live as long as someone holds or waits for them, so memory does not grow with the assets seen.
    """
    with _locks_guard:
        holder = _locks.get((kind, asset_id))
        if holder is None:
            holder = _locks[(kind, asset_id)] = _AssetLock()
    if not holder.lock.acquire(timeout=max(seconds, 0.0)):
        raise LockTimeout(f"another event of asset {asset_id} still holds its {kind} ({seconds:.1f} s waited)")
    try:
        yield
    finally:
        holder.lock.release()


class HeldLock:
    """An :func:`asset_lock` taken in one task and released in another, exactly once.

    The plugin takes an asset's lock in the task that reads (before the rules run) and releases it in the task that
    writes (after): :meth:`take` waits for it, :meth:`release` lets it go (from any thread; twice is once). A lock
    still awaited when the event gives it up (:meth:`release` before :meth:`take` got it) is let go as soon as it is
    got, and :meth:`take` then raises LockTimeout: nothing may be done under it any more.
    """

    def __init__(self, kind: str, asset_id: str) -> None:
        self.kind = kind
        self.asset_id = asset_id
        self._guard = threading.Lock()
        self._release: Callable[[], None] | None = None
        self._given_up = False

    def take(self, seconds: float) -> None:
        """Wait at most ``seconds`` for the lock; LockTimeout if it stays taken or the event gave it up meanwhile."""
        held = asset_lock(self.kind, self.asset_id, seconds)
        held.__enter__()

        def release() -> None:
            held.__exit__(None, None, None)

        with self._guard:
            if not self._given_up:
                self._release = release
                return
        release()
        raise LockTimeout(f"the event of asset {self.asset_id} ended while waiting for its {self.kind}")

    def release(self) -> None:
        """Let the lock go (if held); later :meth:`take` calls let it go at once."""
        with self._guard:
            self._given_up = True
            release, self._release = self._release, None
        if release is not None:
            release()
