"""Benchmark: the plugin's wall time per event against a Kili whose every call takes 50 ms.

    python bench/bench_events.py            # prints a Markdown table (best of 3 per row)

The built ``dist``-style plugin of ``rules/document.yaml`` handles one submit through ``PluginHandler.on_submit``,
against :class:`kili_rules.testing.FakeKili` slowed down to 50 ms per call, for 0, 1 and 100 findings and 0 or 10
stale issues (OPEN issues of the rule set whose finding is gone, to be solved). Two Kilis, in the same run:

- **overlapping**: calls may run side by side (what the plugin's three independent groups of calls are built for);
- **serialised**: one call at a time, as the ``kili`` SDK 26.2.4 does in one process (its GraphQL client holds a
  module-level lock around every request): the baseline, and what a real Kili gets today.

"round trips" is the wall time over 50 ms: the length of the critical path in calls.

A second table compares, in the same run and on the same label (1 finding), the ways Kili calls the plugin: the
legacy ``on_submit`` (the baseline), Kili's event API (``kili-rules build --handlers events``: the event, as Kili
sends it, goes through the SDK's ``PluginCore.on_event`` to ``on_label_submitted``, which reads the label by id,
then runs the same path), and the action ``review`` (``error: [issue, review]``: ``add_to_review`` instead of the
send back).
"""

from __future__ import annotations

import copy
import json
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALL_SECONDS = 0.05

from kili_rules.authoring.loader import load_rule_set  # noqa: E402
from kili_rules.generator import build_plugin  # noqa: E402
from kili_rules.testing import FakeKili, load_plugin_module  # noqa: E402


class SlowKili(FakeKili):
    """A FakeKili whose every call takes ``CALL_SECONDS``; ``serialised``: one call at a time."""

    def __init__(self, serialised: bool, **kwargs):
        super().__init__(**kwargs)
        self.wire = threading.Lock() if serialised else None

    def _call(self, method, is_write, **kwargs):
        if self.wire is None:
            time.sleep(CALL_SECONDS)
        else:
            with self.wire:
                time.sleep(CALL_SECONDS)
        return super()._call(method, is_write, **kwargs)


def load_plugin(out: Path, handlers: str = "legacy", rules: Path = ROOT / "rules"):
    return load_plugin_module(build_plugin(load_rule_set(rules / "document.yaml"), out, handlers).path)


def review_rules(folder: Path) -> Path:
    """A copy of rules/ whose document rule set moves failing assets on to review instead of sending them back."""
    copied = Path(shutil.copytree(ROOT / "rules", folder / "rules", ignore=shutil.ignore_patterns("__pycache__")))
    document = copied / "document.yaml"
    text = document.read_text(encoding="utf-8")
    document.write_text(text.replace("error: [issue, send_back]", "error: [issue, review]"), encoding="utf-8")
    return copied


def label_with(findings: int) -> dict:
    """The French-IBAN document label (no finding) with ``findings`` extra boxes whose IBAN is German."""
    label = json.loads((ROOT / "rules" / "labels" / "document_label_fr_iban.json").read_text())
    annotations = label["jsonResponse"]["JOB_0"]["annotations"]
    iban_box = next(a for a in annotations if a["categories"][0]["name"] == "IBAN")
    for i in range(findings):
        box = copy.deepcopy(iban_box)
        box["mid"] = f"extra-{i}"
        box["children"]["TRANSCRIPTION_JOB"]["text"] = f"DE{i:02d} 3704"
        annotations.append(box)
    return label


def one_event(plugin, label: dict, stale: int, serialised: bool, via: str = "on_submit") -> tuple[float, int]:
    """One event of ``label`` (``via``: ``on_submit``, or ``event`` for Kili's event API): seconds, calls."""
    kili = SlowKili(serialised, metadata={"batch": 1})
    kili.add_label(label, "asset-1")
    for i in range(stale):
        text = "[iban-fr] IBAN number should start by FR"
        issue = {"id": f"old-{i}", "assetId": "asset-1", "objectMid": f"gone-{i}", "status": "OPEN", "text": text}
        kili.issues_store.append({**issue, "type": "ISSUE", "labelId": label["id"]})
    logger = logging.getLogger("bench-events")
    logger.disabled = True
    handler = plugin.PluginHandler(kili, "project-1", logger)
    started = time.perf_counter()
    if via == "event":
        handler.on_event(
            {
                "event": "label.workflow.created.default",
                "organizationId": "org-1",
                "projectId": "project-1",
                "userId": "user-1",
                "payload": {"assetId": "asset-1", "labelId": label["id"], "externalId": "invoice-1.pdf"},
            }
        )
    else:
        handler.on_submit(label, "asset-1")
    return time.perf_counter() - started, len(kili.calls)


def handlers_table(folder: Path) -> list[str]:
    """The legacy submit, the event API and the review action on one label with one finding."""
    label = label_with(1)
    kinds = [
        ("on_submit (legacy), send back", load_plugin(folder / "legacy"), "on_submit"),
        ("event API: label read + the same path", load_plugin(folder / "events", "events"), "event"),
        ("on_submit, action review", load_plugin(folder / "review", rules=review_rules(folder)), "on_submit"),
    ]
    rows = ["| event | calls | serialised Kili (s) | overlapping Kili (s) | round trips | serialised / legacy |"]
    rows.append("|---|---:|---:|---:|---:|---:|")
    baseline = None
    for name, plugin, via in kinds:
        serial = min(one_event(plugin, label, 0, True, via) for _ in range(3))
        overlap = min(one_event(plugin, label, 0, False, via) for _ in range(3))
        baseline = baseline or serial[0]
        trips, ratio = overlap[0] / CALL_SECONDS, serial[0] / baseline
        rows.append(f"| {name} | {overlap[1]} | {serial[0]:.3f} | {overlap[0]:.3f} | {trips:.1f} | {ratio:.2f}× |")
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        plugin = load_plugin(Path(out))
        handler_rows = handlers_table(Path(out))
    rows = ["| findings | stale issues | calls | serialised Kili (s) | overlapping Kili (s) | round trips | speed-up |"]
    rows.append("|---:|---:|---:|---:|---:|---:|---:|")
    for findings in (0, 1, 100):
        label = label_with(findings)
        for stale in (0, 10):
            serial = min(one_event(plugin, label, stale, True) for _ in range(3))
            overlap = min(one_event(plugin, label, stale, False) for _ in range(3))
            trips = overlap[0] / CALL_SECONDS
            rows.append(
                f"| {findings} | {stale} | {overlap[1]} | {serial[0]:.3f} | {overlap[0]:.3f} | {trips:.1f} | "
                f"{serial[0] / overlap[0]:.1f}× |"
            )
    print("\n".join(rows))
    print()
    print("\n".join(handler_rows))


if __name__ == "__main__":
    main()
