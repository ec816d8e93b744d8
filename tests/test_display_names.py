"""Default messages name jobs and categories as people see them in Kili (issue 11): the compiled rule set carries the
display names of the jobs its rules read, and every built-in rule type words its `{reason}` with them; without an
interface the ids stand. Checked offline, and through the built plugin against an autospec of the real Kili."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MEDICAL, RULES, load_json
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.loader import load_rule_set
from kili_rules.runtime.interface import ProjectInterface, as_shown
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import FakeKili, run_plugin


def _square(mid: str, category: str, x: float, size: float = 0.1, tool: str = "polygon") -> dict:
    corners = [(x, x), (x + size, x), (x + size, x + size), (x, x + size)]
    vertices = [{"x": a, "y": b} for a, b in corners]
    return {
        "mid": mid,
        "type": tool,
        "categories": [{"name": category}],
        "boundingPoly": [{"normalizedVertices": vertices}],
    }


def _box(mid: str, category: str, x: float, size: float = 0.2) -> dict:
    return _square(mid, category, x, size, "rectangle")


MEDICAL_LABEL = {
    "QUALITY": {"categories": [{"name": "YES"}]},
    "FINDINGS": {"categories": [{"name": "DAY"}, {"name": "NIGHT"}, {"name": "FOG"}]},
    "LESIONS": {"annotations": [_square("l1", "LESION", 0.1), _square("l2", "LESION", 0.5)]},
}
NER_LABEL = {
    "RECOGNITION_JOB": {
        "annotations": [
            {
                "mid": "i1",
                "beginOffset": 0,
                "endOffset": 4,
                "content": "Cras",
                "categories": [{"name": "INTERJECTION"}],
            },
            {"mid": "n1", "beginOffset": 5, "endOffset": 13, "content": "ultrices", "categories": [{"name": "NOUN"}]},
        ]
    },
    "RELATION_JOB": {
        "annotations": [
            {
                "mid": "r1",
                "categories": [{"name": "CATEGORY_RELATION_JOB"}],
                "startEntities": [{"mid": "n1"}],
                "endEntities": [{"mid": "i1"}],
            }
        ]
    },
}
VIDEO_LABEL = {
    "0": {"BBOX_JOB": {"annotations": [_box("a", "CAR", 0.1)]}, "CLASSIFICATION_JOB": {"categories": [{"name": "A"}]}},
    "1": {
        "BBOX_JOB": {"annotations": [_box("a", "TRAIN", 0.1)]},
        "CLASSIFICATION_JOB": {"categories": [{"name": "B"}]},
    },
}
DOCUMENT_LABEL = {"JOB_0": {"annotations": [{**_box("c1", "CURRENCY", 0.1), "children": {}}]}}
IMAGE_LABEL = {
    "JOB_0": {"annotations": [_box("b1", "OBJECT_B", 0.1), _box("b2", "OBJECT_B", 0.1), _box("a", "OBJECT_A", 0.7)]}
}

#: (interface, rule, label, the default message with the interface, without it): every rule type whose default
#: message names a job or a category
CASES = [
    (
        "image",
        "{type: count, job: JOB_0, category: OBJECT_B, max: 1}",
        IMAGE_LABEL,
        "2 Object B boxes in Categories, expected at most 1",
        "2 OBJECT_B annotations in JOB_0, expected at most 1",
    ),
    (
        "medical",
        "{type: count, job: LESIONS, category: LESION, max: 1}",
        MEDICAL_LABEL,
        "2 Lesion polygons in Lesions, expected at most 1",  # as the README shows it
        "2 LESION annotations in LESIONS, expected at most 1",
    ),
    (
        "medical",
        "{type: count, job: LESIONS, category: ORGAN, min: 1}",
        MEDICAL_LABEL,
        "0 Organ polygons in Lesions, expected at least 1",
        "0 ORGAN annotations in LESIONS, expected at least 1",
    ),
    (
        "image",
        "{type: count, job: JOB_0, category: OBJECT_A, min: 2}",
        IMAGE_LABEL,
        "1 Object A box in Categories, expected at least 2",
        "1 OBJECT_A annotations in JOB_0, expected at least 2",  # as it was,
    ),
    (
        "video",
        "{type: text, job: TRANSCRIPTION_JOB, starts_with: FR}",
        {"TRANSCRIPTION_JOB": {"text": "DE89"}},
        "Transcription: 'DE89' does not start with FR",
        "TRANSCRIPTION_JOB: 'DE89' does not start with FR",
    ),
    (
        "ner",
        "{type: text, job: RECOGNITION_JOB, max_length: 5}",
        NER_LABEL,
        "Noun entity 'ultrices' is longer than 5 characters",
        "NOUN entity 'ultrices' is longer than 5 characters",
    ),
    (
        "ner",
        "{type: text, job: RECOGNITION_JOB, category: INTERJECTION, one_of: [Hey]}",
        NER_LABEL,
        "Interjection entity 'Cras' is not one of Hey",
        "INTERJECTION entity 'Cras' is not one of Hey",
    ),
    (
        "medical",
        "{type: required, job: COMMENT}",
        MEDICAL_LABEL,
        '"Why is it not healthy?" is required',
        "COMMENT is required",
    ),
    (
        "medical",
        "{type: required, job: COMMENT, when: {job: QUALITY, category: YES}}",
        MEDICAL_LABEL,
        '"Why is it not healthy?" is required when Yes is chosen',
        "COMMENT is required when YES is chosen",
    ),
    (
        "medical",
        "{type: required, job: COMMENT, when: {job: QUALITY}}",
        MEDICAL_LABEL,
        '"Why is it not healthy?" is required when "Is the image healthy?" is answered',
        "COMMENT is required when QUALITY is chosen",
    ),
    (
        "document",
        "{type: required, job: TRANSCRIPTION_JOB_2, for_each: {job: JOB_0, category: CURRENCY}}",
        DOCUMENT_LABEL,
        "TRANSCRIPTION_JOB_2 is required on each Currency box",  # a job without an instruction keeps its id
        "TRANSCRIPTION_JOB_2 is required on each CURRENCY annotation",
    ),
    (
        "medical",
        "{type: categories, job: QUALITY, forbidden: [YES]}",
        MEDICAL_LABEL,
        'Yes may not be chosen in "Is the image healthy?"',
        "YES may not be chosen in QUALITY",
    ),
    (
        "medical",
        "{type: categories, job: FINDINGS, allowed: [DAY, NIGHT]}",
        MEDICAL_LABEL,
        '"Fog, dense" not allowed in Findings (allowed: Day, Night)',
        "FOG not allowed in FINDINGS (allowed: DAY, NIGHT)",
    ),
    (
        "medical",
        "{type: categories, job: FINDINGS, exclusive: [[DAY, NIGHT]]}",
        MEDICAL_LABEL,
        "Day and Night cannot be chosen together in Findings",
        "DAY and NIGHT cannot be chosen together in FINDINGS",
    ),
    (
        "medical",
        "{type: categories, job: FINDINGS, max_choices: 2}",
        MEDICAL_LABEL,
        "3 categories chosen in Findings, at most 2 allowed",
        "3 categories chosen in FINDINGS, at most 2 allowed",
    ),
    (
        "ner",
        "{type: relation, job: RELATION_JOB, category: CATEGORY_RELATION_JOB, each: {job: RECOGNITION_JOB, "
        "category: INTERJECTION}, role: start}",
        NER_LABEL,
        "Interjection 'Cras' is the start of no Category relation job relation",
        "INTERJECTION 'Cras' is the start of no CATEGORY_RELATION_JOB relation",
    ),
    (
        "ner",
        "{type: relation, job: RELATION_JOB, each: {job: RECOGNITION_JOB}, role: end}",
        NER_LABEL,
        "Categories 'ultrices' is the end of no relation of relation job",
        "RECOGNITION_JOB 'ultrices' is the end of no relation of RELATION_JOB",
    ),
    (
        "ner",
        "{type: relation, job: RELATION_JOB, start_categories: [INTERJECTION]}",
        NER_LABEL,
        "relation r1 starts on Noun, not Interjection",  # the categories of another job than the rule's
        "relation r1 starts on NOUN, not INTERJECTION",
    ),
    (
        "medical",
        "{type: geometry, job: LESIONS, category: LESION, min_area: 0.05}",
        {"LESIONS": {"annotations": [_square("l1", "LESION", 0.1)]}},
        "Lesion polygon l1: area 0.01 below min_area 0.05",
        "LESION polygon l1: area 0.01 below min_area 0.05",
    ),
    (
        "image",
        "{type: overlap, job: JOB_0, max_iou: 0.5}",
        IMAGE_LABEL,
        "Object B rectangle b2 duplicates b1 (IoU 1 above max_iou 0.5)",
        "OBJECT_B rectangle b2 duplicates b1 (IoU 1 above max_iou 0.5)",
    ),
    (
        "image",
        "{type: overlap, job: JOB_0, forbid: [[OBJECT_A, OBJECT_B]]}",
        {"JOB_0": {"annotations": [_box("b", "OBJECT_B", 0.1), _box("a", "OBJECT_A", 0.2)]}},
        "Object A rectangle a overlaps Object B rectangle b (25% of the smaller)",
        "OBJECT_A rectangle a overlaps OBJECT_B rectangle b (25% of the smaller)",
    ),
    (
        "medical",
        "{type: overlap, job: LESIONS, inside: {category: LESION, within: ORGAN}}",
        {"LESIONS": {"annotations": [_square("l1", "LESION", 0.1)]}},
        "Lesion polygon l1 is not inside any Organ",
        "LESION polygon l1 is not inside any ORGAN",
    ),
    (
        "video",
        "{type: track, job: BBOX_JOB, constant_category: true}",
        VIDEO_LABEL,
        "Car track a changes category from Car to Train on frame 1",
        "CAR track a changes category from CAR to TRAIN on frame 1",
    ),
    (
        "video",
        "{type: track, job: CLASSIFICATION_JOB, constant_category: true}",
        VIDEO_LABEL,
        "Classif job changes from A to B on frame 1",
        "CLASSIFICATION_JOB changes from A to B on frame 1",
    ),
]


def _interface(name: str) -> str:
    return json.dumps(MEDICAL) if name == "medical" else (RULES / "interfaces" / f"{name}.json").read_text()


def _rule_file(folder: Path, interface: str | None, rule: str, extra: str = "") -> Path:
    header = ""
    if interface is not None:
        (folder / "interface.json").write_text(_interface(interface), encoding="utf-8")
        header = "interface: interface.json\n"
    path = folder / ("with.yaml" if interface else "without.yaml")
    path.write_text(f"{header}{extra}rules:\n  - {{id: r, {rule[1:]}\n", encoding="utf-8")
    return path


def _messages(path: Path, response: dict) -> list[str]:
    return [f.message for f in load_rule_set(path).evaluate(LabelView(response)).findings]


@pytest.mark.parametrize(("interface", "rule", "response", "named", "ids"), CASES, ids=[c[1][:60] for c in CASES])
def test_default_messages_use_the_interfaces_names_and_the_ids_without_one(
    tmp_path, interface, rule, response, named, ids
):
    assert named in _messages(_rule_file(tmp_path, interface, rule), response)
    assert ids in _messages(_rule_file(tmp_path, None, rule), response)


def test_every_rule_type_is_covered():
    covered = {rule.split("type: ")[1].split(",")[0] for _, rule, *_ in CASES}
    assert covered == {"count", "text", "required", "categories", "relation", "geometry", "overlap", "track"}


def test_the_placeholders_resolve_a_category_of_another_job_than_the_findings(tmp_path):
    rule = "{type: required, job: TRANSCRIPTION_JOB_2, for_each: {job: JOB_0, category: CURRENCY}, "
    rule += "message: '{category_name} needs {job_name}'}"
    assert _messages(_rule_file(tmp_path, "document", rule), DOCUMENT_LABEL) == ["Currency needs TRANSCRIPTION_JOB_2"]


# -- what the compiled rule set carries -----------------------------------------------------------------------------


def _carried(path: Path) -> dict:
    return load_rule_set(path).data["interface"]["jobs"]


def test_the_rule_set_carries_only_the_jobs_its_rules_read(tmp_path):
    rule = "{type: required, job: COMMENT, when: {job: QUALITY, category: YES}}"
    carried = _carried(_rule_file(tmp_path, "medical", rule))
    assert set(carried) == {"COMMENT", "QUALITY"}
    assert carried["QUALITY"] == {
        "mlTask": "CLASSIFICATION",
        "instruction": "Is the image healthy?",
        "required": True,
        "content": {
            "input": "radio",
            "categories": {"YES": {"name": "Yes"}, "NO": {"name": "No", "children": ["COMMENT"]}},
        },
    }
    condition = "{type: count, job: LESIONS, max: 1, when: 'FINDINGS.FOG.count > 0'}"
    assert set(_carried(_rule_file(tmp_path, "medical", condition))) == {"LESIONS", "FINDINGS"}


def test_the_categories_a_rule_names_bring_their_job(tmp_path):
    rule = "{type: relation, job: RELATION_JOB, end_categories: [NOUN]}"
    assert set(_carried(_rule_file(tmp_path, "ner", rule))) == {"RELATION_JOB", "RECOGNITION_JOB"}


def test_a_rule_set_with_python_rules_carries_every_job_and_without_an_interface_none(tmp_path):
    (tmp_path / "checks.py").write_text("from kili_rules import rule\n\n@rule()\ndef anything(label):\n    pass\n")
    path = _rule_file(tmp_path, "medical", "{type: required, job: COMMENT}", extra="python: [checks.py]\n")
    assert list(_carried(path)) == list(MEDICAL["jobs"])
    assert "interface" not in load_rule_set(_rule_file(tmp_path, None, "{type: required, job: COMMENT}")).data


# -- through the built plugin ----------------------------------------------------------------------------------------


def test_the_built_plugin_opens_issues_in_the_interfaces_names(tmp_path):
    (tmp_path / "interface.json").write_text(json.dumps(MEDICAL), encoding="utf-8")
    path = tmp_path / "medical.yaml"
    path.write_text(
        "interface: interface.json\nrules:\n"
        "  - {id: one-lesion, type: count, job: LESIONS, category: LESION, max: 1}\n"
        "  - {id: healthy-or-not, type: categories, job: QUALITY, forbidden: [YES]}\n"
        "  - {id: why, type: required, job: COMMENT, when: {job: QUALITY, category: YES}, severity: warning}\n",
        encoding="utf-8",
    )
    kili = run_plugin(path, {"jsonResponse": MEDICAL_LABEL}, kili=FakeKili({"site": "lyon"}))
    assert {(i["text"], i["objectMid"]) for i in kili.issues_store} == {
        ("[medical/one-lesion] 2 Lesion polygons in Lesions, expected at most 1", "l2"),
        ('[medical/healthy-or-not] Yes may not be chosen in "Is the image healthy?"', None),
        ('[medical/why] "Why is it not healthy?" is required when Yes is chosen', None),
    }
    assert kili.metadata == {"site": "lyon", "qa_score": 0.0, "qa_send_backs": 1}


def test_the_example_rule_sets_name_things_as_kili_shows_them_in_the_plugin():
    label = load_json(RULES / "labels" / "image_label_three_boxes.json")
    rule_set = load_rule_set(RULES / "image.yaml")
    assert set(rule_set.data["interface"]["jobs"]) == {"JOB_0"}
    offline = sorted(f.message for f in rule_set.evaluate(label).findings)
    in_kili = sorted(i["text"].split("] ", 1)[1] for i in run_plugin(rule_set, label).issues_store)
    assert offline == in_kili


# -- names as messages show them ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Vehicles", "Vehicles"),
        ("Object A", "Object A"),
        ("Catégorie d'objet", "Catégorie d'objet"),
        ("JOB_0", "JOB_0"),
        ("Is the image healthy?", '"Is the image healthy?"'),
        ("Fog, dense", '"Fog, dense"'),
        ('Say "hi"', "\"Say 'hi'\""),
        (" padded", '" padded"'),
        ("", '""'),
    ],
)
def test_a_name_is_quoted_when_it_is_not_a_plain_phrase(name, shown):
    assert as_shown(name) == shown


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_name_is_shown_as_it_is_or_quoted_whole(name):
    shown = as_shown(name)
    assert shown == name or shown == '"' + name.replace('"', "'") + '"'
    assert shown != name or all(c.isalnum() or c in " -_'./&" for c in name)


# -- reading interfaces: lenient, and what the rule set carries reads back the same ------------------------------

_NAMES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _NAMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
    max_leaves=10,
)
_CATEGORY = st.fixed_dictionaries(
    {},
    optional={
        "name": _NAMES | _JSON,
        "children": st.lists(_NAMES, max_size=3) | _JSON,
        "points": st.lists(st.fixed_dictionaries({"children": st.lists(_NAMES, max_size=2)}), max_size=2),
    },
)
_JOB = st.fixed_dictionaries(
    {},
    optional={
        "mlTask": st.sampled_from(["CLASSIFICATION", "OBJECT_DETECTION", "TRANSCRIPTION"]) | _JSON,
        "instruction": _NAMES | _JSON,
        "tools": st.lists(st.sampled_from(["rectangle", "polygon", "marker"]), max_size=2) | _JSON,
        "required": st.integers(0, 1) | _JSON,
        "isChild": st.booleans() | _JSON,
        "children": st.lists(_NAMES, max_size=2) | _JSON,
        "content": st.fixed_dictionaries(
            {}, optional={"input": _NAMES | _JSON, "categories": st.dictionaries(_NAMES, _CATEGORY | _JSON, max_size=4)}
        )
        | _JSON,
    },
)
_INTERFACES = st.fixed_dictionaries({"jobs": st.dictionaries(_NAMES, _JOB | _JSON, max_size=4)}) | _JSON


@settings(max_examples=150, deadline=None)
@given(_INTERFACES)
def test_any_interface_reads_without_raising_and_its_carried_copy_reads_back_the_same(raw):
    interface = ProjectInterface(raw if isinstance(raw, dict) else None)
    carried = ProjectInterface(json.loads(json.dumps(interface.data())))
    assert carried.jobs == interface.jobs
    for name, job in interface.jobs.items():
        assert interface.job_name(name) == (job.instruction or name)
        for key, display in job.categories.items():
            assert interface.category_name(key, name) == display
            assert isinstance(as_shown(display), str)


def test_the_interface_a_rule_reads_is_read_only():
    interface = ProjectInterface(MEDICAL)
    with pytest.raises(TypeError):
        interface.jobs["NEW"] = interface.jobs["QUALITY"]  # type: ignore[index]
    with pytest.raises(TypeError):
        interface.jobs["QUALITY"].categories["MAYBE"] = "Maybe"  # type: ignore[index]
    with pytest.raises(AttributeError):
        interface.jobs["QUALITY"].instruction = "Other"  # type: ignore[misc]
