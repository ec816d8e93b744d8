"""A stateful fake of the Kili client behind an autospec of the real ``kili.client.Kili``.

Every call the plugin makes goes first through ``create_autospec`` of the real ``Kili`` (narrowed to the methods a
plugin calls: ``kili_rules.testing.helpers.plugin_kili_spec``), which checks it against the real signatures, then to
:class:`FakeKiliState`, which keeps issues and metadata like Kili would.
"""

from __future__ import annotations

import logging
import random

from kili_rules.testing import FakeKili, autospec_kili, load_plugin_module

__all__ = ["FakeClock", "FakeKiliState", "autospec_kili", "load_plugin_module", "logger_with_records"]


class FakeKiliState(FakeKili):
    """The shipped FakeKili, plus the old send-back answer shape, seeded faults and a fake clock."""

    def __init__(
        self,
        metadata=None,
        *,
        send_back_shape="new",
        faults: random.Random | None = None,
        fault_rate=0.0,
        clock=None,
        resolution=None,
    ):
        super().__init__(metadata, resolution)
        self.send_back_shape = send_back_shape
        self.faults = faults
        self.fault_rate = fault_rate
        self.clock = clock

    def _call(self, method, is_write, **kwargs):
        """Advance the fake clock; maybe raise before (or, for writes, after) the effect."""
        super()._call(method, is_write, **kwargs)
        if self.clock is not None:
            self.clock.advance(self.faults.uniform(0.05, 1.5) if self.faults else 0.1)
        if self.faults and self.faults.random() < self.fault_rate:
            kind = self.faults.choice(["error", "timeout", "lost-answer" if is_write else "error"])
            if kind == "timeout":
                if self.clock is not None:
                    self.clock.advance(5.0)
                raise TimeoutError("read timed out")
            if kind == "error":
                raise ConnectionError("502 Bad Gateway")
            return "lose-answer"
        return None

    def send_back_to_queue(self, asset_ids=None, external_ids=None, project_id=None):
        answer = super().send_back_to_queue(asset_ids, external_ids, project_id)
        return {"id": project_id, "asset_ids": asset_ids} if self.send_back_shape == "old" else answer


class FakeClock:
    """A monotonic clock that only moves when told (sleeping moves it too)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds

    def sleep(self, seconds):
        self.now += seconds


class ListHandler(logging.Handler):
    """Keeps the log records (the plugin logs everything through its logger)."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def text(self):
        return "\n".join(r.getMessage() for r in self.records)


def logger_with_records(name="plugin-test"):
    logger = logging.getLogger(name)
    logger.handlers[:] = []
    handler = ListHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, handler
