"""Each rule bounds its own work, and a rule that overruns fails closed alone.

- 10,000 stacked copies of one box under `max_iou` through the built plugin (fake Kili): the whole event in
  bounded time and memory (tracemalloc), one finding per copy naming how many it duplicates;
- a zero-size `within` box beside a box to contain: the rule ends at once with the right verdict;
- a Python rule that spins past `rule_seconds` fails closed alone: the rules after it run and judge;
- a built-in rule past its deadline stops itself (``check_time``) and leaves the collector as it was.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import tracemalloc

import pytest
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.rule_time import RuleTimeout, check_time, rule_deadline

STACK = 10_000


def _box(mid: str, category: str, x0: float, y0: float, x1: float, y1: float) -> dict:
    vertices = [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]
    return {
        "mid": mid,
        "type": "rectangle",
        "categories": [{"name": category}],
        "boundingPoly": [{"normalizedVertices": vertices}],
    }


def _plugin(tmp_path, text: str, **files: str):
    for name, content in files.items():
        (tmp_path / name.replace("__", ".")).write_text(content, encoding="utf-8")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load_plugin_module(build_plugin(load_rule_set(path), tmp_path / "dist").path)


def _submit(plugin, label):
    state = FakeKiliState(metadata={})
    state.asset_of[label["id"]] = "asset-1"
    logger, records = logger_with_records()
    handler = plugin.PluginHandler(autospec_kili(state), "project-1", logger)
    handler.on_submit(label, "asset-1")
    return state, records


@pytest.mark.heavy(3)
def test_ten_thousand_stacked_boxes_take_bounded_time_and_memory(tmp_path):
    plugin = _plugin(tmp_path, "rules:\n  - {id: dup, type: overlap, job: J, max_iou: 0.8, message: '{count}'}\n")
    label = {
        "id": "L",
        "jsonResponse": {"J": {"annotations": [_box(f"m{i}", "CAR", 0.1, 0.1, 0.3, 0.3) for i in range(STACK)]}},
    }
    tracemalloc.start()
    try:
        started = time.process_time()
        state, _ = _submit(plugin, label)
        spent = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # copy i duplicates the i copies before it: one issue each, up to max_issues (100), then one summary issue
    assert state.open_issues[:3] == ["[rules/dup] 1", "[rules/dup] 2", "[rules/dup] 3"]
    assert len(state.open_issues) == 101 and state.metadata["qa_score"] == 0.0
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert spent < 10, f"{spent:.1f} s of CPU (2 s on an idle core without tracemalloc)"  # loose: shared machine


def test_the_findings_of_a_stack_name_how_many_and_the_first_five():
    engine = Engine(
        {
            "rules": [
                {
                    "id": "dup",
                    "events": ["submit"],
                    "type": "overlap",
                    "message": "{other}|{count}|{others}|{iou}",
                    "params": {"job": "J", "max_iou": 0.5, "forbid": [["CAR", "CAR"]]},
                }
            ]
        },
        default_registry().rule_types,
    )
    boxes = [_box(f"m{i}", "CAR", 0, 0, 0.5, 0.5) for i in range(8)] + [_box("far", "CAR", 0.8, 0.8, 0.9, 0.9)]
    findings = engine.evaluate(LabelView({"J": {"annotations": boxes}}), budget=10).findings
    # each later copy: one duplicate finding and one forbidden-overlap finding, none for `m0` or `far`
    assert [f.mid for f in findings] == [f"m{i}" for i in range(1, 8) for _ in range(2)]
    assert findings[0].message == "m0|1|m0|1"
    assert findings[-2].message == "m0|7|m0, m1, m2, m3, m4|1"
    assert findings[-1].message == "m0|7|m0, m1, m2, m3, m4|"


def test_a_zero_size_container_ends_at_once_with_the_right_verdict():
    engine = Engine(
        {
            "rules": [
                {
                    "id": "in",
                    "events": ["submit"],
                    "type": "overlap",
                    "params": {"job": "J", "inside": {"category": "HEAD", "within": "PERSON"}},
                }
            ]
        },
        default_registry().rule_types,
    )
    click = _box("click", "PERSON", 0.5, 0.5, 0.5, 0.5)  # a click without a drag: it holds nothing
    person = _box("p", "PERSON", 0.3, 0.3, 0.35, 0.35)
    cases = [
        ([click, _box("h", "HEAD", 0.1, 0.1, 0.2, 0.2)], "fail"),
        ([click, _box("h", "HEAD", 0.4, 0.4, 0.6, 0.6)], "fail"),
        ([click, _box("h", "HEAD", 0.5, 0.5, 0.5, 0.5)], "fail"),
        ([click, person, _box("h", "HEAD", 0.31, 0.31, 0.32, 0.32)], "pass"),
        ([click, person, _box("h", "HEAD", 0.32, 0.32, 0.32, 0.32)], "pass"),  # a zero-size head in the person
    ]
    for shapes, status in cases:
        started = time.monotonic()
        report = engine.evaluate(LabelView({"J": {"annotations": shapes}}), budget=10)
        assert time.monotonic() - started < 1
        assert report.outcome("in").status == status, shapes[-1]


def test_a_rule_past_its_own_budget_fails_alone_and_the_rules_after_it_judge(tmp_path):
    module = (
        "import threading\nfrom kili_rules import rule\n\nSTOP = threading.Event()\n\n"
        "@rule(id='spins')\ndef spins(label):\n    while not STOP.is_set():\n        pass\n"
    )
    plugin = _plugin(
        tmp_path,
        "limits: {evaluation_seconds: 5, rule_seconds: 0.3}\npython: [checks.py]\n"
        "rules:\n  - {id: few, type: count, job: J, max: 0}\n",
        checks__py=module,
    )
    started = time.monotonic()
    try:
        state, _ = _submit(plugin, {"id": "L", "jsonResponse": {"J": {"annotations": [_box("a", "CAR", 0, 0, 1, 1)]}}})
    finally:
        for name, loaded in list(sys.modules.items()):
            if name.startswith("kili_rules_user_") and isinstance(getattr(loaded, "STOP", None), threading.Event):
                loaded.STOP.set()
    assert time.monotonic() - started < 4
    spun = [i for i in state.open_issues if i.startswith("[rules/spins]")]
    assert spun and spun[0].startswith(
        "[rules/spins] could not check this label: out of time: it ran past its 0.3 s rule"
    )
    assert any(i.startswith("[rules/few] ") and "could not check" not in i for i in state.open_issues)  # `few` judged


def test_rules_after_a_rule_that_overruns_run_in_a_fresh_thread():
    stop = threading.Event()
    seen: list[str] = []

    def spins(label):
        while not stop.is_set():
            pass

    def after(label):
        seen.append(threading.current_thread().name)
        return True

    rules = [
        {"id": "spins", "events": ["submit"], "type": "python", "params": {"module": "m", "function": "spins"}},
        {"id": "after", "events": ["submit"], "type": "python", "params": {"module": "m", "function": "after"}},
    ]
    engine = Engine({"rules": rules}, {}, resolve_python=lambda _, name: {"spins": spins, "after": after}[name])
    try:
        report = engine.evaluate(LabelView({}), budget=5, rule_budget=0.2)
    finally:
        stop.set()
    assert report.outcome("spins").status == "error" and "0.2 s rule budget" in report.outcome("spins").error
    assert report.outcome("after").status == "pass" and seen


def test_check_time_raises_only_past_the_deadline_of_its_own_thread():
    check_time()  # no deadline: never raises
    with rule_deadline(time.monotonic() + 60, "the 60 s rule budget"):
        check_time()
        other: list[BaseException] = []
        thread = threading.Thread(target=lambda: other.extend([check_time()] and []))
        thread.start()
        thread.join()
    with rule_deadline(time.monotonic() - 1, "the 1 s rule budget"), pytest.raises(RuleTimeout, match="1 s rule"):
        check_time()
    check_time()


def test_a_builtin_rule_past_its_deadline_stops_itself_and_leaves_gc_alone():
    engine = Engine(
        {"rules": [{"id": "dup", "events": ["submit"], "type": "overlap", "params": {"job": "J", "max_iou": 0.5}}]},
        default_registry().rule_types,
    )
    label = LabelView(
        {"J": {"annotations": [_box(f"m{i}", "CAR", i / 5000, 0, i / 5000 + 0.5, 1) for i in range(3000)]}}
    )
    assert gc.isenabled()
    with rule_deadline(time.monotonic() - 1, "the 1 s rule budget"):
        outcome = engine.evaluate(label).outcome("dup")
    assert outcome.status == "error" and outcome.error == "out of time: it ran past the 1 s rule budget"
    assert gc.isenabled()
