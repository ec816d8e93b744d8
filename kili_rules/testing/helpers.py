"""Test helpers for users' own Python tests: evaluate a label, and run the built plugin against a fake Kili.

The ``kili_rules`` pytest plugin exposes them as fixtures (``kili_rules_evaluate``, ``kili_rules_fake_kili``,
``kili_rules_run_plugin``); they work without pytest too::

    from kili_rules.testing import FakeKili, evaluate, run_plugin

    report = evaluate("rules/document.yaml", "rules/labels/document_label_de_iban.json")
    assert report.failed_rule_ids == ["iban-fr", "payment-after-billing"]

    kili = run_plugin("rules/document.yaml", "rules/labels/document_label_de_iban.json", asset_id="asset-1")
    assert kili.sent_back == ["asset-1"] and kili.metadata["qa_score"] == 71.43

``run_plugin`` builds the real ``main.py`` (as ``kili-rules build`` would), imports it, and calls its
``PluginHandler.on_submit`` (or ``on_review``) with a :class:`FakeKili`, wrapped, when the ``kili`` package is
installed, in ``create_autospec`` of the real ``kili.client.Kili`` so every call is checked against the real
signatures.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import itertools
import logging
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from kili_rules.authoring.label_files import LabelRecord, labels_in, pick_label, read_labels
from kili_rules.authoring.loader import load_rule_set
from kili_rules.authoring.rule_set import RuleSet
from kili_rules.runtime.model import Report

#: The Kili methods a built plugin calls.
KILI_METHODS = (
    "issues",
    "create_issues",
    "update_issue_status",
    "send_back_to_queue",
    "add_to_review",
    "assets",
    "update_properties_in_assets",
    "labels",
    "projects",
)


class FakeKili:
    """Keeps issues and asset metadata the way Kili does, and records every call.

    Attributes:
        issues_store: every issue (``id``, ``labelId``, ``assetId``, ``objectMid``, ``text``, ``status``,
            ``type``: ``ISSUE`` unless a test adds a ``QUESTION``).
        metadata: the asset's ``json_metadata``, as the plugin last wrote it.
        sent_back: the asset ids sent back to the queue, one entry per call.
        reviewed: the asset ids added to review, one entry per call.
        resolution: the asset's ``resolution`` (``{"width": ..., "height": ...}`` or ``None``), as ``assets`` gives it.
        calls: ``(method, kwargs)`` of every call, in order.
    """

    def __init__(self, metadata: Any = None, resolution: Any = None) -> None:
        self.issues_store: list[dict[str, Any]] = []
        self.metadata: Any = {} if metadata is None else metadata
        self.resolution = resolution
        self.sent_back: list[str] = []
        self.reviewed: list[str] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.asset_of: dict[str, str] = {}
        #: the labels ``labels()`` answers with, by id (a plugin built for Kili's event API reads them)
        self.labels_store: dict[str, dict[str, Any]] = {}
        #: the project's jsonInterface ``projects()`` answers with
        self.interface: Any = None
        self.writes = 0
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    @property
    def open_issues(self) -> list[str]:
        """The texts of the OPEN issues, as they were opened (``[rule-set/rule-id] message``)."""
        return [issue["text"] for issue in self.issues_store if issue["status"] == "OPEN"]

    def reply(self, issue_id: str, text: str, *, first: bool = True) -> None:
        """Add a reply to an issue (a later ``createdAt``), listed first in the comments unless ``first=False``:
        Kili promises no order."""
        with self._lock:
            number = next(self._ids)
            for issue in self.issues_store:
                if issue["id"] == issue_id:
                    comments = issue.setdefault("comments", [{"id": f"{issue_id}-c1", "text": issue["text"]}])
                    reply = {"id": f"comment-{number}", "text": text, "createdAt": _instant(number)}
                    comments.insert(0 if first else len(comments), reply)

    def _call(self, method: str, is_write: bool, **kwargs: Any) -> Any:
        """Record the call; subclasses may add latency or faults here (return ``"lose-answer"`` to apply a write
        and then fail)."""
        with self._lock:
            self.calls.append((method, kwargs))
        return None

    def issues(self, project_id, fields=("id", "createdAt", "status", "type", "assetId"), first=None, skip=0,
               disable_tqdm=None, asset_id=None, asset_id_in=None, issue_type=None, status=None, *,
               as_generator=False):  # fmt: skip
        """The matching issues with only the ``fields`` asked for, as Kili answers (``comments.text``: each comment
        with its ``text``)."""
        self._call("issues", False, project_id=project_id, asset_id=asset_id, status=status, issue_type=issue_type)
        found = [
            i
            for i in list(self.issues_store)
            if i["assetId"] == asset_id
            and (status is None or i["status"] == status)
            and (issue_type is None or i.get("type", "ISSUE") == issue_type)
        ]
        return [issue_fields(self._row(i), fields) for i in found]

    @staticmethod
    def _row(issue: dict[str, Any]) -> dict[str, Any]:
        comments = issue["comments"] if "comments" in issue else [{"id": f"{issue['id']}-c1", "text": issue["text"]}]
        return {
            "id": issue["id"],
            "status": issue["status"],
            "type": issue.get("type", "ISSUE"),
            "objectMid": issue.get("objectMid"),
            "assetId": issue["assetId"],
            "labelId": issue.get("labelId"),
            "createdAt": issue.get("createdAt"),
            "comments": [dict(c) for c in comments],
        }

    def create_issues(self, project_id, label_id_array, object_mid_array=None, text_array=None):
        fault = self._call(
            "create_issues",
            True,
            project_id=project_id,
            label_id_array=label_id_array,
            object_mid_array=object_mid_array,
            text_array=text_array,
        )
        created = []
        for label_id, mid, text in zip(label_id_array, object_mid_array, text_array, strict=True):
            number = next(self._ids)
            created_at = _instant(number)
            issue = {
                "id": f"issue-{number}",
                "labelId": label_id,
                "assetId": self.asset_of.get(label_id),
                "objectMid": mid,
                "text": text,
                "status": "OPEN",
                "type": "ISSUE",
                "createdAt": created_at,
                "comments": [{"id": f"comment-{number}", "text": text, "createdAt": created_at}],
            }
            self.issues_store.append(issue)
            created.append({"id": issue["id"]})
        if fault == "lose-answer":
            raise TimeoutError("the issues were created but the answer was lost")
        return created

    def update_issue_status(self, issue_id, status):
        fault = self._call("update_issue_status", True, issue_id=issue_id, status=status)
        for issue in self.issues_store:
            if issue["id"] == issue_id:
                issue["status"] = status
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return {"id": issue_id, "status": status}

    def send_back_to_queue(self, asset_ids=None, external_ids=None, project_id=None):
        fault = self._call("send_back_to_queue", True, asset_ids=asset_ids, project_id=project_id)
        self.sent_back.extend(asset_ids or ())
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return {"succeeded": [{"assetId": a, "externalId": a} for a in asset_ids or ()], "declined": [], "failed": []}

    def add_to_review(self, asset_ids=None, external_ids=None, project_id=None):
        fault = self._call("add_to_review", True, asset_ids=asset_ids, project_id=project_id)
        self.reviewed.extend(asset_ids or ())
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return {"succeeded": [{"assetId": a, "externalId": a} for a in asset_ids or ()], "declined": [], "failed": []}

    def assets(self, project_id=None, asset_id=None, fields=(), **kwargs):
        self._call("assets", False, project_id=project_id, asset_id=asset_id, fields=fields)
        row = {"id": asset_id, "jsonMetadata": copy.deepcopy(self.metadata)}
        if any(str(name).startswith("resolution") for name in fields):
            row["resolution"] = copy.deepcopy(self.resolution)
        return [row]

    def add_label(self, label: Mapping[str, Any], asset_id: str) -> None:
        """Keep ``label`` (with its ``id``) as a label of ``asset_id``, for ``labels()``."""
        with self._lock:
            self.labels_store[label["id"]] = {**copy.deepcopy(dict(label)), "assetId": asset_id}
            self.asset_of[label["id"]] = asset_id

    def labels(self, project_id, asset_id=None, label_id=None, fields=(), **kwargs):
        """The stored labels of that asset and id, with only the ``fields`` asked for (``author.id``: the
        author's ``id``), as Kili answers."""
        self._call("labels", False, project_id=project_id, asset_id=asset_id, label_id=label_id, fields=fields)
        found = [
            row
            for row in list(self.labels_store.values())
            if (asset_id is None or row["assetId"] == asset_id) and (label_id is None or row["id"] == label_id)
        ]
        return [issue_fields(copy.deepcopy(row), fields) for row in found]

    def projects(self, project_id=None, fields=(), **kwargs):
        """The project with its ``jsonInterface`` (``interface``)."""
        self._call("projects", False, project_id=project_id, fields=fields)
        return [issue_fields({"id": project_id, "jsonInterface": copy.deepcopy(self.interface)}, fields)]

    def update_properties_in_assets(self, asset_ids=None, json_metadatas=None, **kwargs):
        fault = self._call(
            "update_properties_in_assets", True, asset_ids=asset_ids, json_metadatas=json_metadatas, **kwargs
        )
        self.metadata = json_metadatas[0]
        self.writes += 1
        if fault == "lose-answer":
            raise TimeoutError("answer lost")
        return [{"id": a} for a in asset_ids or ()]


def _instant(number: int) -> str:
    """A creation time, later for a larger ``number`` (ISO 8601 as Kili gives it)."""
    return f"2026-01-01T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}.000Z"


def issue_fields(row: Mapping[str, Any], fields: Any) -> dict[str, Any]:
    """``row`` with only ``fields`` (``"comments.text"``: the ``text`` of each comment), as Kili answers a query."""
    projected: dict[str, Any] = {}
    for name in fields:
        head, _, rest = str(name).partition(".")
        if head not in row:
            continue
        if rest and isinstance(row[head], list):
            items = projected.setdefault(head, [{} for _ in row[head]])
            for item, source in zip(items, row[head], strict=True):
                if isinstance(source, Mapping) and rest in source:
                    item[rest] = source[rest]
        else:
            projected[head] = row[head]
    return projected


def autospec_kili(fake: FakeKili, *, into: Any = None) -> Any:
    """``create_autospec(kili.client.Kili, instance=True)`` narrowed to :data:`KILI_METHODS` (see
    :func:`plugin_kili_spec`), whose methods behave like ``fake``: a call with a wrong signature fails as it would
    against Kili, and so does a call of any other method (``AttributeError``). Needs the ``kili`` package.

    ``into``: an autospec made by an earlier call, pointed at ``fake`` instead (the calls recorded by its Kili
    methods are reset), for loops over many fakes.
    """
    from unittest.mock import create_autospec

    kili = into if into is not None else create_autospec(plugin_kili_spec(), instance=True)
    for name in KILI_METHODS:
        method = getattr(kili, name)
        method.reset_mock()
        method.side_effect = getattr(fake, name)
    return kili


@functools.cache
def plugin_kili_spec() -> type:
    """``kili.client.Kili`` as a plugin sees it: a subclass (so ``isinstance(mock, Kili)`` holds) whose ``dir()``
    lists only :data:`KILI_METHODS`, the real methods with their real signatures. ``create_autospec`` makes a child
    mock for every name ``dir()`` lists: about 200 for the whole class, 85 ms for each Kili a test makes (the test
    suite made 319); seven here, about 8 ms."""
    from kili.client import Kili

    class PluginView(type(Kili)):  # type: ignore[misc]
        def __dir__(cls) -> list[str]:
            return list(KILI_METHODS)

    return PluginView(Kili.__name__, (Kili,), {"__module__": Kili.__module__, "__doc__": Kili.__doc__})


def as_label(label: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The one label in a file, a label dict, an asset dict (its latest label) or a bare jsonResponse dict."""
    return _one_record(label).label


def _one_record(label: str | Path | Mapping[str, Any]) -> LabelRecord:
    if isinstance(label, (str, Path)):
        return pick_label(list(read_labels(label)), None, None, str(label), "a file that holds one label")
    return pick_label(list(labels_in(dict(label), "label")), None, None, "label", "one label")


def _rule_set(rule_set: RuleSet | str | Path) -> RuleSet:
    return rule_set if isinstance(rule_set, RuleSet) else load_rule_set(rule_set)


def evaluate(rule_set: RuleSet | str | Path, label: str | Path | Mapping[str, Any], event: str = "submit") -> Report:
    """What the rules say about one label (a file, a label dict, an asset dict with its ``resolution``, or a bare
    jsonResponse)."""
    record = _one_record(label)
    return _rule_set(rule_set).evaluate(record.label, event, resolution=record.resolution)


_loaded = itertools.count()


def load_plugin_module(path: str | Path) -> ModuleType:
    """Import a built ``main.py`` as a fresh module (its embedded importer is removed again afterwards)."""
    name = f"kili_rules_built_plugin_{next(_loaded)}"
    before = list(sys.meta_path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.meta_path[:] = before
    return module


def run_plugin(
    rule_set: RuleSet | str | Path,
    label: str | Path | Mapping[str, Any],
    *,
    asset_id: str = "asset-1",
    event: str = "submit",
    kili: FakeKili | None = None,
    project_id: str = "project-1",
    logger: logging.Logger | None = None,
) -> FakeKili:
    """Build the plugin of ``rule_set``, and run its handler on ``label`` against ``kili`` (a new FakeKili by
    default, autospecced on the real Kili when the ``kili`` package is installed). Returns the FakeKili."""
    from kili_rules.generator import render_plugin

    rule_set = _rule_set(rule_set)
    kili = kili if kili is not None else FakeKili()
    label = {"id": "label-1", **as_label(label)}
    kili.asset_of[label["id"]] = asset_id
    text, _, _ = render_plugin(rule_set)
    with tempfile.TemporaryDirectory(prefix="kili-rules-plugin-") as folder:
        main = Path(folder) / "main.py"
        main.write_text(text, encoding="utf-8")
        module = load_plugin_module(main)
    try:
        client = autospec_kili(kili)
    except ImportError:
        client = kili
    handler = module.PluginHandler(client, project_id, logger or logging.getLogger("kili_rules.plugin"))
    (handler.on_review if event == "review" else handler.on_submit)(label, asset_id)
    return kili


__all__ = [
    "KILI_METHODS",
    "FakeKili",
    "as_label",
    "autospec_kili",
    "evaluate",
    "load_plugin_module",
    "plugin_kili_spec",
    "run_plugin",
]
