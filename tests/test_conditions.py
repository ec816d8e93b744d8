"""Conditions (`when:` in the grammar of Kili's category search): parsed at load, linted, evaluated by the runtime."""

from __future__ import annotations

import doctest
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.lint import lint_rule_file
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RuleFileError
from kili_rules.runtime import condition
from kili_rules.runtime.condition import ConditionError, holds, parse, to_text
from kili_rules.runtime.label_view import LabelView

MEDICAL = {
    "jobs": {
        "CLASSIFICATION_JOB": {
            "mlTask": "CLASSIFICATION",
            "content": {"categories": {"YES": {"name": "Healthy"}, "NO": {"name": "Not healthy"}}, "input": "radio"},
        },
        "JOB_0": {
            "mlTask": "OBJECT_DETECTION",
            "tools": ["polygon"],
            "content": {"categories": {"LUNG": {"name": "Lung"}, "LESION": {"name": "Lesion"}}, "input": "radio"},
        },
    }
}


def _classified(answer, *lesions):
    return {
        "CLASSIFICATION_JOB": {"categories": [{"name": answer}]},
        "JOB_0": {"annotations": [{"mid": mid, "categories": [{"name": "LESION"}]} for mid in lesions]},
    }


def test_the_module_examples_hold():
    failed, attempted = doctest.testmod(condition, optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    assert attempted and not failed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A.B.count > 0", {"job": "A", "category": "B", "op": ">", "value": 0}),
        ("A . B . count>=2.5", {"job": "A", "category": "B", "op": ">=", "value": 2.5}),
        ("((A.B.count == 1))", {"job": "A", "category": "B", "op": "==", "value": 1}),
        (
            "A.B.count < 1 OR C.D.count <= 2 AND E.F.count > 0",
            {
                "any": [
                    {"job": "A", "category": "B", "op": "<", "value": 1},
                    {
                        "all": [
                            {"job": "C", "category": "D", "op": "<=", "value": 2},
                            {"job": "E", "category": "F", "op": ">", "value": 0},
                        ]
                    },
                ]
            },
        ),
        ("JOB.1ST.count > 0", {"job": "JOB", "category": "1ST", "op": ">", "value": 0}),
    ],
)
def test_parse_follows_kilis_grammar_and_precedence(text, expected):
    assert parse(text) == expected
    assert parse(to_text(parse(text))) == expected


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("A.B.count > 1 and C.D.count > 0", 15, "capitals"),
        ("A.B.count != 1", 11, "unknown operator"),
        ("A.B.count", 10, "expected a comparison"),
        ("(A.B.count > 1", 15, "expected ')'"),
        ("A.B.size > 1", 5, "expected 'count'"),
        ("A.B.count > X", 13, "expected a number"),
        ("", 1, "empty"),
        ("A.B.count > 1e999", 13, "finite"),
        ("(" * 40 + "A.B.count > 1" + ")" * 40, 34, "nest deeper"),
    ],
)
def test_a_bad_condition_says_what_and_where(text, column, words):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert caught.value.column == column and words in str(caught.value)


_FIRST = "ABCNOYZabz019_"
_PLAIN_NAME = st.builds(str.__add__, st.sampled_from(_FIRST), st.text(_FIRST + "-DR", max_size=6)).filter(
    lambda n: n not in ("AND", "OR")
)
#: keys that Kili allows and its grammar cannot write: spaces (COCO's `dining table`), punctuation, accents, AND / OR
_QUOTED_NAME = st.one_of(
    st.sampled_from(["dining table", "traffic light", "IS_THE OBJECT OCCLUDED?", "AND", "OR", "é", "a.b", "(x)"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\n'), min_size=1, max_size=8),
)
_NAME = st.one_of(_PLAIN_NAME, _QUOTED_NAME)
_VALUE = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32))
_COMPARISON = st.builds(
    lambda job, category, op, value: {"job": job, "category": category, "op": op, "value": value},
    _NAME,
    _NAME,
    st.sampled_from(sorted(condition.OPERATORS)),
    _VALUE,
)


def _joined(kind):
    """An AND / OR of parts, flattened the way the parser writes it (never an `all` directly in an `all`)."""
    return lambda parts: {kind: [p for part in parts for p in (part[kind] if kind in part else [part])]}


_TREES = st.recursive(
    _COMPARISON,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(_joined("all")),
        st.lists(inner, min_size=2, max_size=3).map(_joined("any")),
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(_TREES)
def test_every_tree_round_trips_through_its_text(tree):
    assert parse(to_text(tree)) == tree


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(
                ["A", ".", "B", "count", ">", ">=", "==", "<", "1", "-2.5", "(", ")", "AND", "OR", " ", '"', '"a b"']
            ),
            max_size=25,
        ).map("".join),
    )
)
def test_any_text_parses_or_gives_a_located_error(text):
    try:
        tree = parse(text)
    except ConditionError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    assert parse(to_text(tree)) == tree
    json.dumps(tree)  # plain data: it goes into the plugin as a literal


def test_count_reads_classifications_objects_children_and_video_tracks():
    label = LabelView(
        {
            "C": {"categories": [{"name": "YES"}]},
            "OD": {
                "annotations": [
                    {"mid": "a", "categories": [{"name": "CAR"}], "children": {"K": {"categories": [{"name": "RED"}]}}},
                    {"mid": "b", "categories": [{"name": "CAR"}], "children": {"K": {"categories": [{"name": "RED"}]}}},
                ]
            },
        }
    )
    assert condition.count(label, "C", "YES") == 1 and condition.count(label, "C", "NO") == 0
    assert condition.count(label, "OD", "CAR") == 2 and condition.count(label, "K", "RED") == 2
    video = LabelView(
        {
            "0": {"OD": {"annotations": [{"mid": "a", "categories": [{"name": "CAR"}]}]}},
            "1": {"OD": {"annotations": [{"mid": "a", "categories": [{"name": "CAR"}]}]}},
        }
    )
    assert condition.count(video, "OD", "CAR") == 1


def _medical_rules(write_rules, rules: str):
    return write_rules(f"interface: interface.json\nrules:\n{rules}", interface__json=json.dumps(MEDICAL))


def test_cross_job_consistency_is_a_rule_with_a_condition(write_rules):
    path = _medical_rules(
        write_rules,
        """
  - id: no-lesion-when-healthy
    type: count
    job: JOB_0
    category: LESION
    max: 0
    when: "CLASSIFICATION_JOB.YES.count > 0"
    message: "A healthy image has no lesion"
""",
    )
    rule_set = load_rule_set(path)
    assert rule_set.data["rules"][0]["when"] == {"job": "CLASSIFICATION_JOB", "category": "YES", "op": ">", "value": 0}
    healthy_with_lesion = rule_set.evaluate(LabelView(_classified("YES", "l1")))
    assert healthy_with_lesion.outcome("no-lesion-when-healthy").status == "fail"
    assert [f.mid for f in healthy_with_lesion.findings] == ["l1"]
    assert rule_set.evaluate(LabelView(_classified("YES"))).outcome("no-lesion-when-healthy").status == "pass"
    sick = rule_set.evaluate(LabelView(_classified("NO", "l1")))
    assert sick.outcome("no-lesion-when-healthy").status == "not_applicable" and sick.score == 100


def test_yes_and_no_unquoted_are_category_names(write_rules):
    path = _medical_rules(
        write_rules,
        """
  - id: comment
    type: count
    job: JOB_0
    category: LESION
    min: 1
    when: CLASSIFICATION_JOB.NO.count > 0
  - id: answer
    type: categories
    job: CLASSIFICATION_JOB
    allowed: [YES, NO]
""",
    )
    assert [p for p in lint_rule_file(path) if p.severity == "error"] == []
    rule_set = load_rule_set(path)
    assert rule_set.data["rules"][1]["params"]["allowed"] == ["YES", "NO"]


def test_the_old_when_of_required_keeps_working_beside_the_string_form(write_rules):
    interface = {
        "jobs": {
            "QUALITY": {"mlTask": "CLASSIFICATION", "content": {"categories": {"REJECTED": {}, "OK": {}}}},
            "COMMENT": {"mlTask": "TRANSCRIPTION", "content": {"input": "textField"}},
        }
    }
    path = write_rules(
        """
interface: interface.json
rules:
  - {id: old, type: required, job: COMMENT, when: {job: QUALITY, category: REJECTED}}
  - {id: new, type: required, job: COMMENT, when: "QUALITY.REJECTED.count > 0"}
""",
        interface__json=json.dumps(interface),
    )
    assert lint_rule_file(path) == []
    rule_set = load_rule_set(path)
    old, new = rule_set.data["rules"]
    assert old["params"]["when"] == {"job": "QUALITY", "category": "REJECTED"} and "when" not in old
    assert new["params"]["when"] is None and new["when"]["category"] == "REJECTED"
    for response, status in (
        ({"QUALITY": {"categories": [{"name": "REJECTED"}]}}, "fail"),
        ({"QUALITY": {"categories": [{"name": "REJECTED"}]}, "COMMENT": {"text": "blurry"}}, "pass"),
        ({"QUALITY": {"categories": [{"name": "OK"}]}}, "not_applicable"),
    ):
        report = rule_set.evaluate(LabelView(response))
        assert report.outcome("old").status == report.outcome("new").status == status


def test_a_mapping_when_on_a_rule_type_without_one_says_how_to_write_a_condition(write_rules):
    path = write_rules("rules:\n  - {id: r, type: count, job: JOB_0, max: 1, when: {job: C, category: YES}}\n")
    with pytest.raises(RuleFileError, match=r'write `when: "C.YES.count > 0"`'):
        load_rule_set(path)


def test_a_bad_condition_is_placed_in_the_file(write_rules):
    path = write_rules("rules:\n  - id: r\n    type: count\n    job: JOB_0\n    max: 1\n    when: JOB_0.A.count >\n")
    with pytest.raises(RuleFileError) as caught:
        load_rule_set(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (6, 11)
    assert "expected a number after '>', at column 16" in problem.message and problem.rule_id == "r"


def test_lint_checks_the_names_of_a_condition_and_what_can_never_change(write_rules):
    path = _medical_rules(
        write_rules,
        """
  - id: r
    type: count
    job: JOB_0
    max: 3
    when: "CLASIFICATION_JOB.YES.count > 0 OR JOB_0.LESON.count >= 0"
""",
    )
    messages = [(p.severity, p.message) for p in lint_rule_file(path)]
    assert any(
        s == "error" and "unknown job 'CLASIFICATION_JOB'" in m and "CLASSIFICATION_JOB" in m for s, m in messages
    )
    assert any(s == "error" and "unknown category 'LESON'" in m and "did you mean 'LESION'" in m for s, m in messages)
    assert any(s == "warning" and "always true" in m for s, m in messages)


def test_a_python_rule_takes_a_condition(write_rules):
    path = write_rules(
        "python: [checks.py]\n",
        checks__py=(
            "from kili_rules import rule\n\n"
            "@rule(id='always', when='C.YES.count > 0')\n"
            "def always(label):\n    return False\n"
        ),
    )
    rule_set = load_rule_set(path)
    assert rule_set.evaluate(LabelView({"C": {"categories": [{"name": "YES"}]}})).outcome("always").status == "fail"
    assert rule_set.evaluate(LabelView({})).outcome("always").status == "not_applicable"


def test_holds_with_and_or():
    tree = parse("C.YES.count > 0 AND (OD.A.count >= 2 OR OD.B.count == 1)")
    assert holds(
        tree,
        LabelView({"C": {"categories": [{"name": "YES"}]}, "OD": {"annotations": [{"categories": [{"name": "B"}]}]}}),
    )
    assert not holds(tree, LabelView({"C": {"categories": [{"name": "YES"}]}}))


def test_the_editor_schema_offers_when_on_every_rule_and_both_forms_on_required():
    import jsonschema

    from kili_rules.authoring.schema import rule_file_schema

    schema = rule_file_schema()
    validator = jsonschema.Draft7Validator(schema)
    good = {
        "rules": [
            {"id": "a", "type": "count", "job": "J", "max": 1, "when": "C.YES.count > 0"},
            {"id": "b", "type": "required", "job": "J", "when": "C.YES.count > 0"},
            {"id": "c", "type": "required", "job": "J", "when": {"job": "C", "category": "YES"}},
        ]
    }
    assert list(validator.iter_errors(good)) == []
    bad = {"rules": [{"id": "a", "type": "count", "job": "J", "max": 1, "when": {"job": "C"}}]}
    assert list(validator.iter_errors(bad))


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_any_when_in_a_rule_file_loads_or_gives_located_problems(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("when") / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": [{"id": "r", "type": "count", "job": "J", "max": 1, "when": text}]}))
    try:
        rule_set = load_rule_set(path)
    except RuleFileError as error:
        assert error.problems and all(p.line >= 1 and p.column >= 1 for p in error.problems)
        return
    assert parse(text) == rule_set.data["rules"][0]["when"]


# -- names in double quotes (issue 21, item 11): Kili's grammar cannot write COCO's `dining table` ---------------


def test_a_quoted_name_reads_spaces_and_counts_on_the_label():
    tree = parse('COCO."dining table".count > 0 AND "my job".YES.count == 1')
    assert tree == {
        "all": [
            {"job": "COCO", "category": "dining table", "op": ">", "value": 0},
            {"job": "my job", "category": "YES", "op": "==", "value": 1},
        ]
    }
    label = LabelView(
        {
            "COCO": {"annotations": [{"mid": "t", "categories": [{"name": "dining table"}]}]},
            "my job": {"categories": [{"name": "YES"}]},
        }
    )
    assert condition.holds(tree, label)


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("COCO.dining table.count > 0", 13, 'a name with spaces goes in double quotes: "dining table"'),
        ('COCO."dining table.count > 0', 6, "a quote that is not closed"),
        ('COCO."".count > 0', 6, "an empty name in quotes"),
    ],
)
def test_a_name_with_spaces_unquoted_or_a_bad_quote_says_how_to_write_it(text, column, words):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert caught.value.column == column and words in str(caught.value)


def test_lint_checks_quoted_names_like_the_rest(write_rules):
    coco = {
        "jobs": {
            "COCO": {
                "mlTask": "OBJECT_DETECTION",
                "tools": ["rectangle"],
                "instruction": "Objects",
                "content": {
                    "input": "radio",
                    "categories": {
                        "dining table": {"name": "dining table"},
                        "traffic light": {"name": "traffic light"},
                    },
                },
            }
        }
    }
    path = write_rules(
        "interface: coco.json\n"
        "rules:\n"
        "  - {id: a, type: count, job: COCO, max: 3, when: 'COCO.\"dining table\".count > 0'}\n"
        "  - {id: b, type: count, job: COCO, max: 3, when: 'COCO.\"dining tabel\".count > 0'}\n",
        coco__json=json.dumps(coco),
    )
    messages = [p.message for p in lint_rule_file(path)]
    assert len(messages) == 1
    assert "unknown category 'dining tabel'" in messages[0] and "did you mean 'dining table'" in messages[0]
