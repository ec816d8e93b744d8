"""Hypothesis: generated and mutated jsonResponses (from the fixtures' shapes) through every rule type.

Property: the engine never lets an exception escape, and no built-in rule type ends in ``error`` on malformed
data (it skips what it cannot read). 10,000 mutated fixture responses plus 2,000 generated ones.
"""

from __future__ import annotations

import copy

from conftest import SHARED_FIXTURES, load_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kili_rules.label_files import read_labels
from kili_rules.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label import LabelView


def _fixture_responses() -> list:
    responses = []
    for path in sorted(SHARED_FIXTURES.rglob("*.json")):
        data = load_json(path)
        if isinstance(data, dict) and "jobs" in data and "jsonResponse" not in data:
            continue
        if isinstance(data, dict) and "jsonResponse" in data and "jsonInterface" in data:
            responses.append(data["jsonResponse"])
        else:
            responses.extend(r.label["jsonResponse"] for r in read_labels(path))
    return responses


RESPONSES = _fixture_responses()


def _names(response, key: str) -> set[str]:
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if key == "jobs" and isinstance(v, dict) and k.isupper():
                    found.add(k)
                if key == "name" and k == "name" and isinstance(v, str):
                    found.add(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(response)
    return found


JOBS = sorted(set().union(*(_names(r, "jobs") for r in RESPONSES)) | {"J"})
CATEGORIES = sorted(set().union(*(_names(r, "name") for r in RESPONSES)) | {"A"})


def _rules() -> list[dict]:
    """Rules of every built-in type, with every option, on every job of the fixtures."""
    rules = []
    for index, job in enumerate(JOBS):
        category = CATEGORIES[index % len(CATEGORIES)]
        other = CATEGORIES[(index + 1) % len(CATEGORIES)]
        params_by_type = {
            "count": [{"job": job, "max": 1}, {"job": job, "category": category, "min": 1, "per": "track"}],
            "text": [
                {
                    "job": job,
                    "starts_with": ["FR", "DE"],
                    "regex": r"\w+",
                    "min_length": 1,
                    "case": "upper",
                    "remove_spaces": True,
                },
                {"job": job, "kind": "number", "min": 0, "max": 10},
                {"job": job, "kind": "date", "after": "2000-01-01", "one_of": ["2020-01-01"]},
            ],
            "required": [
                {"job": job},
                {"job": job, "when": {"job": JOBS[0], "category": category}},
                {"job": job, "for_each": {"job": JOBS[-1], "category": category}},
            ],
            "categories": [
                {
                    "job": job,
                    "allowed": [category],
                    "forbidden": [other],
                    "exclusive": [[category, other]],
                    "min_choices": 1,
                    "max_choices": 1,
                }
            ],
        }
        for type_, variants in params_by_type.items():
            for n, params in enumerate(variants):
                rules.append(
                    {
                        "id": f"{type_}-{job}-{n}",
                        "type": type_,
                        "severity": "error",
                        "message": "{reason}",
                        "events": ["submit"],
                        "weight": 1,
                        "enabled": True,
                        "params": params,
                    }
                )
    return rules


ENGINE = Engine({"rules": _rules()}, default_registry().rule_types)

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(JOBS + CATEGORIES + ["0", "assetLevel", "mid", "text", "categories", "annotations"]),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "annotations",
                    "categories",
                    "children",
                    "name",
                    "text",
                    "mid",
                    "boundingPoly",
                    "normalizedVertices",
                    "x",
                    "y",
                    "point",
                    "points",
                    "polyline",
                    "type",
                    "isKeyFrame",
                    "pageNumberArray",
                    "startEntities",
                    "endObjects",
                    *JOBS,
                    "0",
                    "1",
                    "assetLevel",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _containers(node, found):
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


@st.composite
def mutated_responses(draw):
    response = copy.deepcopy(draw(st.sampled_from(RESPONSES)))
    for _ in range(draw(st.integers(1, 6))):
        containers = _containers(response, [])
        if not containers:
            break
        target = draw(st.sampled_from(containers))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        operation = draw(st.sampled_from(["replace", "delete", "insert", "wrap"]))
        if operation == "insert" or not keys:
            value = draw(json_values)
            if isinstance(target, dict):
                target[draw(st.sampled_from(["children", "categories", "annotations", "text", *JOBS]))] = value
            else:
                target.append(value)
            continue
        key = draw(st.sampled_from(keys))
        if operation == "replace":
            target[key] = draw(json_values)
        elif operation == "delete":
            del target[key]
        else:
            target[key] = [target[key]] if draw(st.booleans()) else {"0": target[key]}
    if draw(st.booleans()):
        response = {str(i): response for i in range(draw(st.integers(1, 3)))}  # as a video
    return response


def _assert_no_rule_error(response):
    report = ENGINE.evaluate(LabelView(response))
    errors = [(o.rule_id, o.error) for o in report.outcomes if o.status == "error"]
    assert errors == [], errors[:3]
    assert 0 <= report.score <= 100


def test_the_fuzz_rules_cover_every_builtin_rule_type():
    assert {r["type"] for r in ENGINE.rule_set["rules"]} == set(default_registry().rule_types)
    assert len(RESPONSES) >= 25


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(mutated_responses())
def test_mutated_fixture_responses_never_break_a_rule(response):
    _assert_no_rule_error(response)


@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(json_values)
def test_generated_json_never_breaks_a_rule(response):
    _assert_no_rule_error(response)
