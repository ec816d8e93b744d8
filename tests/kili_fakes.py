"""A stateful fake of the Kili client behind an autospec of the real ``kili.client.Kili``.

Every call the plugin makes goes first through ``create_autospec(Kili, instance=True)``, which checks it against
the real signatures, then to :class:`FakeKiliState`, which keeps issues and metadata like Kili would.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import random
import sys
from pathlib import Path
from unittest.mock import create_autospec

from kili.client import Kili


class FakeKiliState:
    """Issues and asset metadata, as Kili keeps them; optional seeded faults and a fake clock."""

    def __init__(
        self, metadata=None, *, send_back_shape="new", faults: random.Random | None = None, fault_rate=0.0, clock=None
    ):
        self.issues_store: list[dict] = []
        self.metadata = {} if metadata is None else metadata
        self.sent_back: list[str] = []
        self.send_back_shape = send_back_shape
        self.faults = faults
        self.fault_rate = fault_rate
        self.clock = clock
        self._ids = itertools.count(1)
        self.asset_of: dict[str, str] = {}
        self.writes = 0

    def _latency_and_faults(self, applies_then_fails_ok: bool):
        """Advance the fake clock; maybe raise before (or, for writes, after) the effect."""
        if self.clock is not None:
            self.clock.advance(self.faults.uniform(0.05, 1.5) if self.faults else 0.1)
        if self.faults and self.faults.random() < self.fault_rate:
            kind = self.faults.choice(["error", "timeout", "lost-answer" if applies_then_fails_ok else "error"])
            if kind == "timeout":
                if self.clock is not None:
                    self.clock.advance(5.0)
                raise TimeoutError("read timed out")
            if kind == "error":
                raise ConnectionError("502 Bad Gateway")
            return "lose-answer"
        return None

    def issues(
        self,
        project_id,
        fields=("id",),
        first=None,
        skip=0,
        disable_tqdm=None,
        asset_id=None,
        asset_id_in=None,
        issue_type=None,
        status=None,
        *,
        as_generator=False,
    ):
        self._latency_and_faults(False)
        found = [i for i in self.issues_store if i["assetId"] == asset_id and (status is None or i["status"] == status)]
        return [{"id": i["id"], "status": i["status"], "comments": [{"text": i["text"]}]} for i in found]

    def create_issues(self, project_id, label_id_array, object_mid_array=None, text_array=None):
        fault = self._latency_and_faults(True)
        assert len(label_id_array) == len(object_mid_array) == len(text_array)
        created = []
        for label_id, mid, text in zip(label_id_array, object_mid_array, text_array, strict=True):
            issue = {
                "id": f"issue-{next(self._ids)}",
                "labelId": label_id,
                "assetId": self.asset_of[label_id],
                "objectMid": mid,
                "text": text,
                "status": "OPEN",
            }
            self.issues_store.append(issue)
            created.append({"id": issue["id"]})
        if fault == "lose-answer":
            raise TimeoutError("the issues were created but the answer was lost")
        return created

    def update_issue_status(self, issue_id, status):
        fault = self._latency_and_faults(True)
        for issue in self.issues_store:
            if issue["id"] == issue_id:
                issue["status"] = status
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return {"id": issue_id, "status": status}

    def send_back_to_queue(self, asset_ids=None, external_ids=None, project_id=None):
        fault = self._latency_and_faults(True)
        self.sent_back.extend(asset_ids)
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        if self.send_back_shape == "old":
            return {"id": project_id, "asset_ids": asset_ids}
        return {"succeeded": [{"assetId": a, "externalId": a} for a in asset_ids], "declined": [], "failed": []}

    def assets(self, project_id=None, asset_id=None, fields=(), **kwargs):
        self._latency_and_faults(False)
        return [{"id": asset_id, "jsonMetadata": self.metadata}]

    def update_properties_in_assets(self, asset_ids=None, json_metadatas=None, **kwargs):
        fault = self._latency_and_faults(True)
        self.metadata = json_metadatas[0]
        self.writes += 1
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return [{"id": a} for a in asset_ids]


METHODS = (
    "issues",
    "create_issues",
    "update_issue_status",
    "send_back_to_queue",
    "assets",
    "update_properties_in_assets",
)


def autospec_kili(state: FakeKiliState):
    """An autospec of the real Kili whose methods behave like ``state``."""
    kili = create_autospec(Kili, instance=True)
    for name in METHODS:
        getattr(kili, name).side_effect = getattr(state, name)
    return kili


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


_loaded = itertools.count()


def load_plugin_module(path: Path):
    """Import a built main.py as a fresh module (its embedded importer is removed again afterwards)."""
    name = f"built_plugin_{next(_loaded)}"
    before = list(sys.meta_path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.meta_path[:] = before
    return module


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
