"""Fuzzing the runtime with generated and mutated jsonResponses (from the fixtures' shapes), through every rule type.

Property: the engine never lets an exception escape; a built-in rule type ends in ``error`` only when the label
holds, in a job it reads, what the view cannot read (an object that is not one, ``categories`` that is not a list,
a shape without a finite vertex for the rule types that read shapes: ``kili_rules.runtime.unreadable``), and then
with a finding naming the object; a label whose ``jsonResponse`` cannot be read as a whole (not JSON, nested too
deep, not an object, a video frame key that is not ASCII digits) gets exactly one outcome, ``unreadable-label``
(fail), and no rule runs on it.

What runs:

- ``test_100000_random_labels_never_break_a_rule``: 100,000 labels from a seeded pure-random generator (no
  hypothesis: its per-example overhead made 10,000 examples take two minutes). Label ``i`` is built by
  ``random_label(i)`` from ``random.Random(SEED * 1_000_003 + i)`` alone, so a failing label is rebuilt from its
  index. About half are fixture responses (every jsonResponse of tests/fixtures) with 1 to 6 random mutations
  (replace, delete, insert, wrap), a third of those turned into videos; the rest are generated JSON, generated
  labels of plausible shape (mids repeated, missing or numbers, children nested past ``MAX_DEPTH``, rectangles of
  zero size, stacks of up to 20 copies of one box), deeply nested
  responses, and raw values (JSON text, cut text, text nested 100,000 deep, lists, numbers, None). Video responses
  get odd keys (``"²"``, ``"٣"``, ``"-1"``, ``" 1"``, ``"01"``, ``"1.5"``, ``"assetLevel"``...). Every rule variant
  (every built-in rule type with every option: 2 count, 3 text, 3 required, 1 categories, 1 relation with an
  always-true condition, see ``_rules_of``) is instantiated on each of the 25 jobs of the fixtures (250 rules);
  the first nine run here, the relation one in the hypothesis properties; running all of them on every label would
  take minutes, so label ``i`` runs 3 of them: those of job ``JOBS[i % 25]`` in group ``GROUPS[i // 25 % 3]``
  (each group holds 3 rule types). So each of those variants runs on 33,333 labels and each of their rules on 1,333;
  a mutated fixture is taken among those that hold the label's job, so the rules apply. The test asserts that every
  variant ran on a third of the readable labels and passed and failed hundreds of times (the generator reaches the
  checks, not only "not applicable"), and that a label is unreadable exactly when an independent oracle
  (``readable``) says so. One label in 12 is then poisoned (``_poison``): its job gets an object the view cannot
  read (a NaN vertex first or not, an infinite one, one at 1e7, a ``boundingPoly`` without ``normalizedVertices``,
  ``categories`` as an object), and no rule reading it may pass: every rule on the job ends in ``error`` for the
  categories, the shape-reading ones (``geometry``, ``overlap``) for a shape, with a finding on the object.
- hypothesis properties with modest example counts (300 each, all 250 rules on each), kept for their shrinking: a
  failure there comes out minimal.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter

import pytest
from conftest import FIXTURES, load_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kili_rules.authoring.label_files import read_labels
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import MAX_UNREADABLE_FINDINGS, Engine
from kili_rules.runtime.job_walk import IGNORED_JOBS
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import COULD_NOT_CHECK, UNREADABLE_DATA, UNREADABLE_LABEL


def _fixture_responses() -> list:
    responses = []
    for path in sorted(FIXTURES.rglob("*.json")):
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
#: Video keys that are not plain frame numbers: a response with one of them (but "01", "007" and "assetLevel",
#: which are readable) cannot be read.
ODD_FRAME_KEYS = ["²", "٣", "-1", " 1", "1 ", "01", "007", "1.5", "1e3", "", "assetLevel", "frame", "0x1", "١٢"]


#: The jobs that ``required`` rules take as their condition (``when``) and their owners (``for_each``).
WHEN_JOB, FOR_EACH_JOB = "CLASSIFICATION_JOB", "JOB_0"


def _rules_of(index: int, job: str) -> list[dict]:
    """The rules on ``job``: every built-in rule type with every option (13 rules)."""
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
            {"job": job, "when": {"job": WHEN_JOB, "category": category}},
            {"job": job, "for_each": {"job": FOR_EACH_JOB, "category": category}},
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
        "geometry": [
            {
                "job": job,
                "category": [category, other],
                "max_area": 2000,
                "max_width": 90,
                "min_aspect_ratio": 0,
                "max_aspect_ratio": 1000,
                "inside_image": True,
                "tolerance": 0.01,
                "max_vertices": 50,
                "units": "pixels",
                "resolution": {"width": 100, "height": 50},
                "inside": [[0, 0], [2, 0], [2, 2], [0, 2]],
                "required_points": ["NOSE"],
            }
        ],
        "overlap": [
            {
                "job": job,
                "max_iou": 0.5,
                "category": [category, other],
                "across_categories": True,
                "forbid": [[category, other]],
                "min_overlap": 0.1,
                "inside": [{"category": category, "within": other, "min_fraction": 0.5}],
            }
        ],
        "track": [
            {
                "job": job,
                "category": category,
                "min_frames": 2,
                "max_gap": 1,
                "constant_category": True,
                "min_key_frames": 1,
                "max_interpolated": 3,
            }
        ],
        "relation": [
            {
                "job": job,
                "each": {"job": FOR_EACH_JOB, "category": category},
                "start_categories": [category],
                "end_categories": [other],
            }
        ],
    }
    # a condition on every relation rule, always true: the condition's counting runs on every fuzzed label
    always = {"job": WHEN_JOB, "category": category, "op": ">=", "value": 0}
    return [
        {
            "id": f"{type_}-{n}-{job}",
            "type": type_,
            "severity": "error",
            "message": "{reason}",
            "events": ["submit"],
            "weight": 1,
            "enabled": True,
            "params": params,
            **({"when": always} if type_ == "relation" else {}),
        }
        for type_, variants in params_by_type.items()
        for n, params in enumerate(variants)
    ]


RULE_TYPES = default_registry().rule_types
VARIANTS = 13
#: All 325 rules at once (the hypothesis properties).
ENGINE = Engine({"rules": [r for i, job in enumerate(JOBS) for r in _rules_of(i, job)]}, RULE_TYPES)
#: The 100,000-label loop runs 4 rules a label: the variants (indexes in ``_rules_of``) in 3 groups, each with
#: 4 rule types: (count max, text prefix, required, geometry), (count min per track, text number, required when,
#: overlap), (categories, text date, required for_each, track).
GROUPS = ((0, 2, 5, 9), (1, 3, 6, 10), (8, 4, 7, 11, 12))
ENGINES = [
    [Engine({"rules": [_rules_of(i, job)[v] for v in group]}, RULE_TYPES) for group in GROUPS]
    for i, job in enumerate(JOBS)
]


def _check_report(report, response) -> None:
    if report.unreadable:
        assert [(o.rule_id, o.status, len(o.findings)) for o in report.outcomes] == [(UNREADABLE_LABEL, "fail", 1)]
        assert report.score == 0
        return
    errors = [(o.rule_id, o.error) for o in report.outcomes if o.status == "error"]
    # an error only for what the view cannot read, with findings that name it (as "object 'mid'", "object #n", or
    # "the answer of JOB")
    errors = [(rule_id, error) for rule_id, error in errors if not error.startswith(UNREADABLE_DATA)]
    assert errors == [], (errors[:3], response)
    for outcome in report.outcomes:
        if outcome.status == "error":
            assert outcome.findings and all(
                f.message.startswith(COULD_NOT_CHECK + "object ")
                or f.message.startswith(COULD_NOT_CHECK + "the answer")
                for f in outcome.findings
            ), outcome
    assert 0 <= report.score <= 100


def _assert_no_rule_error(response):
    _check_report(ENGINE.evaluate(LabelView(response)), response)


def test_the_fuzz_rules_cover_every_builtin_rule_type():
    assert {r["type"] for r in ENGINE.rule_set["rules"]} == set(RULE_TYPES)
    assert len(ENGINE.rules) == VARIANTS * len(JOBS) == 325
    assert len(RESPONSES) >= 25


# -- 100,000 labels from a seeded random generator ---------------------------------------------------------------

SEED = 20_240_601
LABELS = 100_000
#: For each job, the fixture responses that hold it (all of them for a job no fixture holds); never changed.
RESPONSES_WITH = {job: [r for r in RESPONSES if job in _names(r, "jobs")] or RESPONSES for job in JOBS}
KEYS = [
    "annotations", "categories", "children", "name", "text", "mid", "boundingPoly", "normalizedVertices", "x", "y",
    "point", "points", "polyline", "type", "isKeyFrame", "pageNumberArray", "annotations", "startEntities",
    "endObjects", "beginOffset", "endOffset", "content", "code", *JOBS, "0", "1", "assetLevel", *ODD_FRAME_KEYS,
]  # fmt: skip
LEAVES = [
    None, True, False, 0, 1, -1, 2, 10, 0.5, -0.0, 1e308, float("nan"), float("inf"), "", " ", "FR76", "de 12",
    "2020-01-01", "31/12/2023", "1 234,50", "²", "٣", "\u0000", "a" * 300, *CATEGORIES[:6], *JOBS[:4], "rectangle",
]  # fmt: skip


def _pick(rng: random.Random, items):
    """``rng.choice(items)`` in about half its time (``random()`` is one C call; ``choice`` loops on
    ``getrandbits``): generating the labels is about a quarter of the 100,000-label run."""
    return items[int(rng.random() * len(items))]


def _int(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)`` in about 40% of its time (see ``_pick``)."""
    return low + int(rng.random() * (high - low + 1))


def _value(rng: random.Random, depth: int = 0):
    """Random JSON: containers keyed with the vocabulary of Kili responses, leaves of every JSON type."""
    roll = rng.random()
    if depth >= 4 or roll < 0.45:
        return _pick(rng, LEAVES)
    if roll < 0.7:
        return [_value(rng, depth + 1) for _ in range(_int(rng, 0, 4))]
    return {_pick(rng, KEYS): _value(rng, depth + 1) for _ in range(_int(rng, 0, 4))}


def _containers(node) -> list:
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        if isinstance(node, (dict, list)):
            found.append(node)
            stack.extend(node.values() if isinstance(node, dict) else node)
    return found


def _containers_in(node) -> list:
    """The keys (or indexes) of the dicts and lists inside ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    return [key for key, value in items if isinstance(value, (dict, list))]


def _mutate(rng: random.Random, response):
    """``response`` with 1 to 6 random mutations, each on a container reached by a random walk down. The walk copies
    each container it goes through (and only those), so the shared fixture responses are never changed: cheaper
    than parsing a fresh copy of a 27 kB video response for each label."""
    for _ in range(_int(rng, 1, 6)):
        if not isinstance(response, (dict, list)):
            break
        response = target = copy.copy(response)
        while rng.random() > 0.2:
            inner = _containers_in(target)
            if not inner:
                break
            key = _pick(rng, inner)
            target[key] = copy.copy(target[key])
            target = target[key]
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        operation = _pick(rng, ("replace", "delete", "insert", "wrap"))
        if operation == "insert" or not keys:
            value = _value(rng)
            if isinstance(target, dict):
                target[_pick(rng, ["children", "categories", "annotations", "text", "mid", *JOBS])] = value
            else:
                target.append(value)
            continue
        key = _pick(rng, keys)
        if operation == "replace":
            target[key] = _value(rng)
        elif operation == "delete":
            del target[key]
        else:
            target[key] = [target[key]] if rng.random() < 0.5 else {"0": target[key]}
    return response


def _as_video(rng: random.Random, frame) -> dict:
    """``frame`` (shared) under frame keys, sometimes with ``assetLevel`` or an odd key."""
    video = {str(i): frame for i in range(_int(rng, 1, 4))}
    if rng.random() < 0.2:
        video["assetLevel"] = frame
    if rng.random() < 0.3:
        video[_pick(rng, ODD_FRAME_KEYS)] = frame
    return dict(rng.sample(list(video.items()), len(video)))  # frame keys in any order


TEXTS = ["FR76 3000", "de 12", "GB29", "", "  ", "7", "1 234,50", "-3", "2020-01-01", "31/12/2023", "1999-01-01", "²"]


def _categories(rng: random.Random, job: str, most: int) -> list[dict]:
    """Categories, mostly those the rules on ``job`` name (``_rules_of``), so that they apply."""
    index = JOBS.index(job)
    names = [CATEGORIES[index % len(CATEGORIES)], CATEGORIES[(index + 1) % len(CATEGORIES)], *CATEGORIES[:2]]
    return [{"name": _pick(rng, names)} for _ in range(_int(rng, 0, most))]


def _shape(rng: random.Random) -> dict:
    """The shape of a generated object: a box (a third of zero size), else a marker."""
    if rng.random() < 0.85:
        return {"type": "rectangle", "boundingPoly": [{"normalizedVertices": _box(rng)}]}
    return {"type": "marker", "point": {"x": rng.random(), "y": rng.random()}}


def _box(rng: random.Random) -> list[dict]:
    """A rectangle's vertices: a third of them of zero size (a click without a drag: one point, 1 or 4 times)."""
    x, y = rng.random(), rng.random()
    if rng.random() < 0.33:
        return [{"x": x, "y": y}] * _pick(rng, (1, 4))
    x1, y1 = x + rng.random() * 0.3, y + rng.random() * 0.3
    return [{"x": x, "y": y}, {"x": x1, "y": y}, {"x": x1, "y": y1}, {"x": x, "y": y1}]


def _annotation(rng: random.Random, job: str, depth: int) -> dict:
    annotation = {"mid": _pick(rng, ["a", "b", "c", "d", None, 7, True, ""]), "categories": _categories(rng, job, 2)}
    if rng.random() < 0.6:  # objects of plausible shape: the rules that read shapes check them
        annotation.update(_shape(rng))
    if rng.random() < 0.3:
        annotation["isKeyFrame"] = rng.random() < 0.5
    if rng.random() < 0.3:
        annotation["children"] = _jobs(rng, job, depth + 1)
    if rng.random() < 0.2:
        annotation["annotations"] = [{"pageNumberArray": [_int(rng, 0, 3)]}]
    return annotation


def _jobs(rng: random.Random, job: str, depth: int = 0) -> dict:
    """A plausible response (or frame): ``job`` and maybe others, with annotations, categories or a text, and
    children nested (past ``MAX_DEPTH`` at times)."""
    jobs = {}
    # in a fixed order (a set's would change with the process's hash seed, and the label with it)
    for name in dict.fromkeys((job, *rng.sample((WHEN_JOB, FOR_EACH_JOB, *JOBS), _int(rng, 0, 2)))):
        kind = rng.random()
        if depth > 40 or kind < 0.3:
            jobs[name] = {"text": _pick(rng, TEXTS) if rng.random() < 0.9 else _pick(rng, LEAVES)}
        elif kind < 0.55:
            categories = _categories(rng, job, 3)
            if categories and rng.random() < 0.3:
                categories[0]["children"] = _jobs(rng, job, depth + 1)
            jobs[name] = {"categories": categories}
        else:
            width = _int(rng, 0, 4) if depth < 3 else 1
            annotations = [_annotation(rng, job, depth) for _ in range(width)]
            if annotations and rng.random() < 0.1:  # a stack: copies of one box (no children), same mid or another
                box = {k: v for k, v in annotations[0].items() if k != "children"}
                annotations += [{**box, "mid": _pick(rng, [box.get("mid"), "e"])} for _ in range(_int(rng, 2, 20))]
            jobs[name] = {"annotations": annotations}
    if depth == 0 and rng.random() < 0.4:  # what the `required` rules with `when` and `for_each` look at
        jobs[WHEN_JOB] = {"categories": _categories(rng, job, 2)}
    if depth == 0 and rng.random() < 0.4:
        jobs[FOR_EACH_JOB] = {"annotations": [_annotation(rng, job, 1) for _ in range(_int(rng, 1, 3))]}
    return jobs


def _deep(rng: random.Random, job: str):
    """Children nested far past ``MAX_DEPTH`` (Python objects; the rules never recurse over them)."""
    node: dict = {job: {"annotations": [{"mid": "leaf", "categories": [{"name": CATEGORIES[0]}]}]}}
    for level in range(_int(rng, 30, 120)):
        if rng.random() < 0.5:
            node = {job: {"annotations": [{"mid": f"m{level}", "children": node}]}}
        else:
            node = {job: {"categories": [{"name": CATEGORIES[0], "children": node}]}}
    return node


def _raw(rng: random.Random, job: str):
    """A jsonResponse that is not a dict: JSON text (valid, cut, nested 100,000 deep) or another JSON value."""
    roll = rng.random()
    if roll < 0.3:
        return json.dumps(_jobs(rng, job))
    if roll < 0.5:
        text = json.dumps(_jobs(rng, job))
        return text[: _int(rng, 0, len(text) - 1)]
    if roll < 0.6:
        depth = _pick(rng, (5, 100_000))
        return _pick(rng, ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth))
    if roll < 0.7:
        return json.dumps(_as_video(rng, _jobs(rng, job))).encode()
    return _pick(rng, [None, [], [{}], 3, 2.5, "", "null", "[]", '"x"', True, b"\xff", {job: None}])


def _unpoisoned(rng: random.Random, job: str):
    roll = rng.random()
    if roll < 0.5:
        response = _mutate(rng, _pick(rng, RESPONSES_WITH[job]))
        return _as_video(rng, response) if rng.random() < 0.33 else response
    if roll < 0.65:
        value = _value(rng)
        return _as_video(rng, value) if rng.random() < 0.3 else value
    if roll < 0.9:
        return _as_video(rng, _jobs(rng, job)) if rng.random() < 0.4 else _jobs(rng, job)
    if roll < 0.95:
        deep = _deep(rng, job)
        return _as_video(rng, deep) if rng.random() < 0.3 else deep
    return _raw(rng, job)


NAN, INF = float("nan"), float("inf")
SQUARE = [(0.1, 0.1), (0.2, 0.1), (0.2, 0.2), (0.1, 0.2)]
#: The poisons (``_poison``): the vertices of the poisoned box (None: a boundingPoly without them), or its categories.
POISONS = {
    "nan first": [(NAN, 0.1), *SQUARE[1:]],
    "nan later": [*SQUARE[:2], (0.2, NAN), SQUARE[3]],
    "inf": [SQUARE[0], (-INF, 0.1), *SQUARE[2:]],
    "1e7": [*SQUARE[:3], (1e7, 0.2)],
    "no vertices": None,
    "categories as an object": SQUARE,
}
POISON_MID = "poisoned"


def _poison(rng: random.Random, response, job: str):
    """``response`` with one box the view cannot read added to ``job`` at the top (of a frame, in a video), and
    which poison (a key of POISONS); None when the response is not an object or the job is ignored."""
    if not isinstance(response, dict) or job in IGNORED_JOBS:
        return response, None
    kind = _pick(rng, list(POISONS))
    vertices = POISONS[kind]
    box = {"mid": POISON_MID, "type": "rectangle", "categories": [{"name": CATEGORIES[0]}]}
    box["boundingPoly"] = [{"normalizedVertices": [{"x": x, "y": y} for x, y in vertices]} if vertices else {}]
    if kind == "categories as an object":
        box["categories"] = {"name": CATEGORIES[0]}
    response = dict(response)
    frames = [key for key, value in response.items() if key.isascii() and key.isdigit() and isinstance(value, dict)]
    top = response
    if frames:
        frame = _pick(rng, frames)
        top = response[frame] = dict(response[frame])
    answer = dict(top[job]) if isinstance(top.get(job), dict) else {}
    objects = answer.get("annotations")
    answer["annotations"] = [box, *objects] if isinstance(objects, list) else [box]
    top[job] = answer
    return response, kind


def random_label_and_poison(index: int):
    """Label ``index`` of the 100,000 from ``index`` alone: a jsonResponse, and its poison (see ``_poison``; None
    for 11 labels in 12)."""
    rng = random.Random(SEED * 1_000_003 + index)
    job = JOBS[index % len(JOBS)]
    response = _unpoisoned(rng, job)
    if rng.random() < 1 / 12:
        return _poison(rng, response, job)
    return response, None


def random_label(index: int):
    """Label ``index`` of the 100,000: a jsonResponse (``random_label_and_poison``)."""
    return random_label_and_poison(index)[0]


def _check_poisoned(report, kind: str) -> bool:
    """No rule reading the poisoned job passes (all of them for categories, those that read shapes for a shape):
    each ends in error with a finding on the poisoned box (or the most findings, naming others first)."""
    checked = False
    for outcome in report.outcomes:
        rule_type = outcome.rule_id.split("-")[0]
        if kind != "categories as an object" and not RULE_TYPES[rule_type].reads_shapes:
            continue
        assert outcome.status == "error", (kind, outcome)
        mids = [f.mid for f in outcome.findings]
        assert POISON_MID in mids or len(mids) == MAX_UNREADABLE_FINDINGS, (kind, outcome)
        checked = True
    return checked


def readable(response) -> bool:
    """The oracle, independent of LabelView: can this jsonResponse be read as a whole?"""
    if isinstance(response, (str, bytes)):
        try:
            response = json.loads(response)
        except (ValueError, RecursionError):
            return False
    if not isinstance(response, dict):
        return False
    frame_keys = [k for k in response if k == "assetLevel" or (k.isascii() and k.isdigit())]
    return not frame_keys or len(frame_keys) == len(response)


CHUNKS = 4  # the 100,000 labels in 4 runs of 25,000, which the suite's workers share


@pytest.mark.heavy(9)
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_100000_random_labels_never_break_a_rule(chunk):
    by_rule: Counter = Counter()  # (rule id, status): how often each rule ended so
    unreadable = videos = 0
    poisoned: Counter = Counter()  # poison: how many labels it made a rule fail closed on
    size = LABELS // CHUNKS
    for index in range(chunk * size, (chunk + 1) * size):
        response, poison = random_label_and_poison(index)
        engine = ENGINES[index % len(JOBS)][index // len(JOBS) % len(GROUPS)]
        label = LabelView(response) if index % 2 else {"id": f"l{index}", "jsonResponse": response}
        try:
            report = engine.evaluate(label)
            _check_report(report, response)
            was_unreadable = report.unreadable
            assert was_unreadable is not readable(response), "unreadable, or not, unlike the oracle"
            if poison is not None and not was_unreadable and _check_poisoned(report, poison):
                poisoned[poison] += 1
        except BaseException as error:
            raise AssertionError(f"random_label({index}): {error!r}") from error
        if was_unreadable:
            unreadable += 1
            continue
        videos += isinstance(response, dict) and "0" in response
        by_rule.update([(o.rule_id, o.status) for o in report.outcomes])
    statuses: Counter = Counter()  # (variant, status): how often each rule variant ended so
    for (rule_id, status), count in by_rule.items():
        statuses["-".join(rule_id.split("-")[:2]), status] += count
    print(f"{size} labels: {size - unreadable} readable ({videos} videos), {unreadable} unreadable")
    print(sorted(statuses.items()))
    print(sorted(poisoned.items()))
    assert set(poisoned) == set(POISONS) and min(poisoned.values()) > 50, poisoned
    assert 0.75 * size < size - unreadable < 0.97 * size and videos > 0.15 * size
    variants = {"-".join(_rules_of(0, JOBS[0])[v]["id"].split("-")[:2]) for group in GROUPS for v in group}
    assert len(variants) == VARIANTS
    for variant in variants:  # each ran on a fifth of the readable labels, and reached its check
        ran = sum(statuses[variant, status] for status in ("pass", "fail", "not_applicable", "error"))
        assert ran > 0.2 * (size - unreadable), (variant, ran)
        assert statuses[variant, "pass"] > 20 and statuses[variant, "fail"] > 20, (variant, statuses)


# -- hypothesis: fewer examples, minimal failures ------------------------------------------------------------------

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
                    *ODD_FRAME_KEYS,
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@st.composite
def mutated_responses(draw):
    response = copy.deepcopy(draw(st.sampled_from(RESPONSES)))
    for _ in range(draw(st.integers(1, 6))):
        containers = _containers(response)
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
    if draw(st.booleans()):  # as a video, maybe with an odd frame key
        response = {str(i): response for i in range(draw(st.integers(1, 3)))}
        if draw(st.booleans()):
            response[draw(st.sampled_from(ODD_FRAME_KEYS))] = response["0"]
    return response


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.mark.heavy(4.8)
@FUZZ
@given(mutated_responses())
def test_mutated_fixture_responses_never_break_a_rule(response):
    _assert_no_rule_error(response)


@pytest.mark.heavy(2.1)
@FUZZ
@given(json_values)
def test_generated_json_never_breaks_a_rule(response):
    _assert_no_rule_error(response)
