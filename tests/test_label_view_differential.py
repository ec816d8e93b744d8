"""The runtime of issue 13 (the view indexes only the jobs the rules read, the built-in checks build no object per
annotation) against frozen copies of the one before it (``tests/legacy_checks``): the same reports, finding for
finding, on every fixture label and SDK example (every rule variant of ``test_fuzz`` on every job) and on 10,000
labels of the fuzz generator (3 rules each, as in ``test_fuzz``); and the same answers from the view's public API,
whatever jobs it was told the rules read.

The old side runs the frozen checks on the frozen view through the same ``Engine`` (only the rule types' ``check``
is swapped), so the reports compare whole: statuses, weights, rendered messages, mids, jobs and frames, in order.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from types import MappingProxyType

import pytest
from legacy_checks import categories as legacy_categories
from legacy_checks import count as legacy_count
from legacy_checks import label as legacy_label
from legacy_checks import required as legacy_required
from legacy_checks import text as legacy_text
from test_fuzz import FOR_EACH_JOB, GROUPS, JOBS, RESPONSES, RULE_TYPES, WHEN_JOB, _rules_of, random_label

from kili_rules.rule_types import count as count_module
from kili_rules.runtime import object_reader
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_model import mid_of
from kili_rules.runtime.label_view import LabelView

GENERATED = 10_000
SDK_EXAMPLES = [
    e["json_response"]
    for e in json.loads((Path(__file__).parent / "sdk_examples" / "examples.json").read_text(encoding="utf-8"))[
        "examples"
    ]
]
LEGACY_CHECKS = {
    "count": legacy_count.check,
    "text": legacy_text.check,
    "categories": legacy_categories.check,
    "required": legacy_required.check,
}


class _Legacy:
    """The rule types with their frozen checks, reading the frozen view of the label being evaluated."""

    def __init__(self) -> None:
        self.view: legacy_label.LabelView | None = None
        self.rule_types = {  # rule types newer than the frozen view run their own check on both sides
            name: dataclasses.replace(rule_type, check=self._frozen(LEGACY_CHECKS[name]))
            if name in LEGACY_CHECKS
            else rule_type
            for name, rule_type in RULE_TYPES.items()
        }

    def _frozen(self, check):
        def frozen(params, view):
            if check is legacy_text.check and _reads_entities(params, view):
                return RULE_TYPES["text"].check(params, view)  # text on entities is newer than the frozen view
            if check is legacy_count.check and count_module._is_classification(view, params.job):
                return RULE_TYPES["count"].check(params, view)  # counting choices is newer (issue 21)
            if check is legacy_required.check and _owners_without_mid(params, view):
                return RULE_TYPES["required"].check(params, view)  # matched by the annotation itself (issue 21)
            return check(params, self.view)

        return frozen

    def evaluate(self, engine: Engine, response) -> list[tuple]:
        self.view = legacy_label.LabelView(response)
        return _comparable(engine.evaluate(LabelView(response)))


def _reads_entities(params, view) -> bool:
    """Whether a ``text`` rule reads entity contents (a NER or object job): a path the frozen checks lack."""
    return params.category is not None or any(r.raw.get("annotations") for r in view.responses(params.job))


def _owners_without_mid(params, view) -> bool:
    """Whether a ``required`` rule's ``for_each`` annotations include one without a mid: before issue 21 another
    annotation's child answer could satisfy it (a false pass), now it is matched by itself."""
    return params.for_each is not None and any(mid_of(raw) is None for raw in view.objects(params.for_each.job))


def _comparable(report) -> list[tuple]:
    """Everything a report says but the traceback text (which names files)."""
    return [(o.rule_id, o.status, o.weight, o.findings, o.error, o.on_error) for o in report.outcomes]


def _engines(rules: list[dict]) -> tuple[Engine, Engine, _Legacy]:
    legacy = _Legacy()
    return Engine({"rules": rules}, RULE_TYPES), Engine({"rules": rules}, legacy.rule_types), legacy


#: By job: the engines of its 9 rule variants (fixtures), and those of the fuzz loop's 3 groups of 3 (generated).
ALL = [_engines(_rules_of(i, job)) for i, job in enumerate(JOBS)]
BY_GROUP = [[_engines([_rules_of(i, job)[v] for v in group]) for group in GROUPS] for i, job in enumerate(JOBS)]


def _same_reports(engines: tuple[Engine, Engine, _Legacy], index: int, response) -> None:
    new, old, legacy = engines
    expected = legacy.evaluate(old, response)
    hinted = _comparable(new.evaluate({"id": "l", "jsonResponse": response}))  # the view told the jobs read
    assert hinted == expected, index
    if index % 4 == 0:  # and a view told nothing (what a user's own LabelView is)
        assert _comparable(new.evaluate(LabelView(response))) == expected, index


def _same_view(response, hint) -> None:
    """The public API of the view, told ``hint`` (then asked for every job), against the frozen view."""
    old, new = legacy_label.LabelView(response), LabelView(response, jobs=hint)
    key = id if isinstance(response, dict) else repr  # a JSON text is parsed by each view: equal, not the same
    assert (new.unreadable, new.problems, new.is_video, new.frames) == (
        old.unreadable,
        old.problems,
        old.is_video,
        old.frames,
    )
    for job in [*sorted(hint or ()), *old.jobs]:
        olds, news = old.responses(job), new.responses(job)
        assert [(key(r.raw), r.frame, r.parent_mid) for r in news] == [
            (key(r.raw), r.frame, r.parent_mid) for r in olds
        ]
        assert [(key(a.raw), a.frame, a.parent_mid) for a in new.annotations(job)] == [
            (key(a.raw), a.frame, a.parent_mid) for a in old.annotations(job)
        ]
        assert new.categories(job) == old.categories(job) and new.texts(job) == old.texts(job)
        assert [(key(raw), frame) for raw, frame in zip(new.objects(job), new.object_frames(job), strict=True)] == [
            (key(a.raw), a.frame) for a in old.annotations(job)
        ]
        assert new.object_categories(job) == [a.categories for a in old.annotations(job)]
        for category in sorted({c for a in old.annotations(job) for c in a.categories}):
            assert [key(raw) for raw in new.objects_in(job, category)] == [
                key(a.raw) for a in old.annotations(job, category=category)
            ]
    assert new.jobs == old.jobs


@pytest.mark.heavy(1.2)
@pytest.mark.parametrize("source", ["fixtures", "sdk examples"])
def test_every_fixture_label_gets_the_same_report(source):
    responses = RESPONSES if source == "fixtures" else SDK_EXAMPLES
    assert len(responses) >= 25
    for index, response in enumerate(responses):
        for job_index in range(len(JOBS)):  # every rule variant on every job
            _same_reports(ALL[job_index], job_index, response)
        _same_view(response, frozenset(JOBS[index % len(JOBS) : index % len(JOBS) + 2]))


@pytest.mark.heavy(4)
@pytest.mark.parametrize("half", [0, 1])
def test_generated_labels_get_the_same_report(half):
    started = time.perf_counter()
    for index in range(half, GENERATED, 2):  # two halves, which the suite's workers share
        response = random_label(index)
        _same_reports(BY_GROUP[index % len(JOBS)][index // len(JOBS) % len(GROUPS)], index, response)
        if index % 8 == 0:
            _same_view(response, frozenset({JOBS[index % len(JOBS)], WHEN_JOB, FOR_EACH_JOB}))
    print(f"{GENERATED // 2} generated labels: same reports ({time.perf_counter() - started:.1f} s)")


def test_a_view_told_some_jobs_still_answers_on_the_others():
    response = {"A": {"text": "x"}, "B": {"annotations": [{"mid": "m", "children": {"C": {"text": "y"}}}]}}
    view = LabelView(response, jobs={"A"})
    assert view.texts("A") == ["x"]
    assert [(r.text, r.parent_mid) for r in view.responses("C")] == [("y", "m")]  # not told: indexed all the same
    assert view.jobs == ["A", "B", "C"]


def test_the_engine_names_the_jobs_its_rules_read():
    rules = [
        {"id": "a", "type": "count", "params": {"job": "JOB_0", "max": 1}},
        {"id": "b", "type": "required", "params": {"job": "T", "for_each": {"job": "JOB_1"}, "when": {"job": "C"}}},
    ]
    assert Engine({"rules": rules}, RULE_TYPES).jobs == {"JOB_0", "T", "JOB_1", "C"}
    python = {"id": "p", "type": "python", "params": {"module": "m", "function": "f"}}
    assert Engine({"rules": [*rules, python]}, RULE_TYPES, lambda m, f: lambda label: None).jobs is None


def _box(mid="m", **fields):
    """A box as Kili writes it (one category, empty children), with ``fields`` changed."""
    return {"mid": mid, "type": "rectangle", "categories": [{"name": "A"}], "children": {}, **fields}


class _Categories(dict):
    """A dict subclass, where JSON has a dict."""


#: One odd object each, put among Kili's usual boxes: every way out of the view's fast path (or through it).
ODD_OBJECTS = [
    _box(categories=({"name": "A"},)),  # a tuple: not a list, no category (the careful reading)
    _box(categories=[]),
    _box(categories=[{"name": "A"}, {"name": "B"}]),
    _box(categories=[{"name": 5}]),
    _box(categories=[{"name": None}]),
    _box(categories=[{}]),
    _box(categories=["A"]),
    _box(categories="A"),
    _box(categories={"name": "A"}),
    _box(categories=None),
    {"mid": "no-categories", "children": {}},
    _box(categories=[_Categories(name="B")]),
    _box(categories=[{"name": "C", "children": {"T": {"text": "under a category"}}}]),
    _box(categories=[{"name": "C", "children": {}}]),
    _box(points=[]),
    _box(points=[{"code": "P", "children": {"T": {"text": "under a point"}}}]),
    _box(points="x"),
    _box(children={"T": {"text": "FR76"}}),
    _box(children={"T": {"text": "FR76"}, "U": {"text": "EUR"}}),
    _box(children={"T": {"categories": [{"name": "C", "children": {"T": {"text": "deep"}}}]}}),
    _box(children={"U": {"children": {"T": {"text": "job-level child"}}}}),
    _box(children={"ROTATION_JOB": {"text": "ignored"}, "T": {"text": "x"}}),
    _box(children={5: {"text": "a number key"}, "T": {"text": "x"}}),
    _box(children={"T": "not a dict"}),
    _box(children={"T": 5}),
    _box(children={"T": ["children"]}),
    _box(children={"T": {"text": "x", "annotations": []}}),
    _box(children=["T"]),
    _box(children="T"),
    _box(children={"JOB_0": {"annotations": [_box("nested", children={"T": {"text": "nested"}})]}}),
    _box(mid=7, children={"T": {"text": "a number mid"}}),
    _box(mid=True, children={"T": {"text": "a boolean mid"}}),
    _box(mid=None, children={"T": {"text": "no mid"}}),
    _box(mid="", children={"T": {"text": "an empty mid"}}),
    _Categories(_box("subclass", children={"T": {"text": "a dict subclass"}})),
    MappingProxyType(_box("proxy", children={"T": {"text": "a mapping, not a dict"}})),
    ["a", "list"],
    None,
]


@pytest.mark.parametrize("odd", range(len(ODD_OBJECTS)))
@pytest.mark.parametrize("with_children", [False, True], ids=["plain boxes", "boxes with a child text"])
def test_the_fast_reading_of_kili_objects_matches_the_careful_one(odd, with_children):
    """The view reads Kili's usual objects on a fast path (one comprehension, then their child answers job by job)
    and anything else the careful way: whatever the odd object and where it sits, the same answers as the frozen
    view, told any jobs."""
    usual = [_box(f"b{i}", children={"T": {"text": f"t{i}"}} if with_children else {}) for i in range(3)]
    for position in (0, 1, 3):
        boxes = [*usual[:position], ODD_OBJECTS[odd], *usual[position:]]
        for response in ({"JOB_0": {"annotations": boxes}}, {"0": {"JOB_0": {"annotations": boxes}}, "1": {}}):
            for hint in ({"JOB_0"}, {"T"}, {"JOB_0", "T", "U"}, {"ROTATION_JOB", "T"}, None):
                _same_view(response, hint)


def test_kili_objects_take_the_fast_path():
    """What the test above compares is the fast path: Kili's usual boxes, with or without a child text, are read
    by it; an odd one sends the list the careful way."""
    assert object_reader.fast_object_names([_box("a"), _box("b")]) == (["A", "A"], False)
    assert object_reader.fast_object_names([_box("a", children={"T": {"text": "x"}})]) == (["A"], True)
    assert object_reader.fast_object_names([_box("a"), _box(categories=({"name": "A"},))]) is None
