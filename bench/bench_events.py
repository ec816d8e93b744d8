"""Benchmark: the plugin's wall time per event against a Kili whose every call takes 50 ms.

    python bench/bench_events.py            # prints a Markdown table (best of 3 per row)

The built ``dist``-style plugin of ``rules/document.yaml`` handles one submit through ``PluginHandler.on_submit``,
against :class:`kili_rules.testing.FakeKili` slowed down to 50 ms per call, for 0, 1 and 100 findings and 0 or 10
stale issues (OPEN issues of the rule set whose finding is gone, to be solved). Two Kilis, in the same run:

- **overlapping**: calls may run side by side (what the plugin's three independent groups of calls are built for);
- **serialised**: one call at a time, as the ``kili`` SDK 26.2.4 does in one process (its GraphQL client holds a
  module-level lock around every request): the baseline, and what a real Kili gets today.

"round trips" is the wall time over 50 ms: the length of the critical path in calls.
"""

from __future__ import annotations

import copy
import json
import logging
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


def load_plugin(out: Path):
    return load_plugin_module(build_plugin(load_rule_set(ROOT / "rules" / "document.yaml"), out).path)


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


def one_event(plugin, label: dict, stale: int, serialised: bool) -> tuple[float, int]:
    kili = SlowKili(serialised, metadata={"batch": 1})
    kili.asset_of[label["id"]] = "asset-1"
    for i in range(stale):
        text = "[iban-fr] IBAN number should start by FR"
        issue = {"id": f"old-{i}", "assetId": "asset-1", "objectMid": f"gone-{i}", "status": "OPEN", "text": text}
        kili.issues_store.append({**issue, "type": "ISSUE", "labelId": label["id"]})
    logger = logging.getLogger("bench-events")
    logger.disabled = True
    handler = plugin.PluginHandler(kili, "project-1", logger)
    started = time.perf_counter()
    handler.on_submit(label, "asset-1")
    return time.perf_counter() - started, len(kili.calls)


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        plugin = load_plugin(Path(out))
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


if __name__ == "__main__":
    main()
