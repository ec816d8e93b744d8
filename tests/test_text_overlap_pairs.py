"""``text`` on a NER job, ``overlap`` by pair of categories (issue 21, point 15): a subject and a complement may
share a span while two verbs may not.

Real data first: the SDK's import-predictions notebook (``tests/sdk_examples/examples.json``, sdk-127 and sdk-129:
grammatical categories, entities with ``beginOffset`` and ``content`` only, as predictions are written), each
expectation worked out by hand from the offsets below before the tool ran. Then load-time problems, PDF entities
spread over pages, 10,000 entities on one span, and hypothesis against a brute-force O(n²) check written here.
"""

from __future__ import annotations

import json
import re
import time
from itertools import combinations_with_replacement
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules import load_rule_set
from kili_rules.authoring.lint import lint_rule_file
from kili_rules.errors import RuleFileError
from kili_rules.plugins.registry import default_registry
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.testing import run_plugin

EXAMPLES = {
    e["id"]: e
    for e in json.loads((Path(__file__).parent / "sdk_examples" / "examples.json").read_text(encoding="utf-8"))[
        "examples"
    ]
}
RULE_TYPES = default_registry().rule_types
#: sdk-129, "Jordan peered down at the hefty Krause ... was wearing a blue sweater tucked into high-rise pants". Its
#: entities, with end = beginOffset + len(content) (no endOffset given), in offset order:
#:   Jordan SUBJECT 0..6 · peered VERB 47..58 · "Krause complement" COMPLEMENT 62..78 · "Krause subject" SUBJECT
#:   62..78 (the same span, later in the label) · wearing VERB 84..95 · "blue sweater complement" COMPLEMENT 96..138
#:   · "tucked verb" VERB 111..117 (inside the complement).
#: So two overlaps: the subject starts inside the complement (same span, later in the label), and the verb "tucked"
#: starts inside the complement "a blue sweater tucked into high-rise pants".
GRAMMAR = EXAMPLES["sdk-129"]
GRAMMAR_JOB = "NAMED_ENTITIES_RECOGNITION_JOB"


def _findings(response, interface=None, **params):
    """``(mid, reason)`` of each finding of a ``text`` rule with ``params`` on ``response`` (the rule must judge),
    the categories named as ``interface`` shows them (by their keys without one)."""
    rule = {"id": "r", "type": "text", "message": "{reason}", "events": ["submit"], "params": params}
    report = Engine({"rules": [rule], "interface": interface}, RULE_TYPES).evaluate(LabelView(response))
    (outcome,) = report.outcomes
    assert outcome.status != "error", outcome.error
    return [(f.mid, f.message) for f in report.findings]


def _grammar(overlap):
    return _findings(GRAMMAR["json_response"], GRAMMAR["json_interface"], job=GRAMMAR_JOB, overlap=overlap)


def test_real_predictions_overlap_forbid_flags_both_overlaps_on_the_later_entity():
    assert [mid for mid, _ in _grammar("forbid")] == ["Krause subject", "tucked verb"]


def test_real_predictions_verb_pairs_forbidden_pass_a_subject_on_a_complement():
    # neither overlap is VERB-VERB nor VERB-SUBJECT (the verb lies inside a complement)
    assert _grammar({"forbid": [["VERB", "VERB"], ["VERB", "SUBJECT"]]}) == []


def test_real_predictions_subject_and_complement_allowed_leaves_the_verb_inside_a_complement():
    assert _grammar({"allow": [["SUBJECT", "COMPLEMENT"]]}) == [
        (
            "tucked verb",
            "Verb entity 'tucked' overlaps Complement entity 'a blue sweater tucked into high-rise pants' "
            "(mid blue sweater complement): Verb and Complement may not overlap",
        )
    ]


def test_real_predictions_pairs_in_either_order_and_both_lists():
    assert [mid for mid, _ in _grammar({"forbid": [["COMPLEMENT", "VERB"]]})] == ["tucked verb"]
    # both overlaps allowed: nothing; SUBJECT-COMPLEMENT forbidden and VERB-COMPLEMENT allowed: the subject only
    assert _grammar({"allow": [["COMPLEMENT", "SUBJECT"], ["VERB", "COMPLEMENT"]]}) == []
    both = _grammar({"allow": [["VERB", "COMPLEMENT"]], "forbid": [["SUBJECT", "COMPLEMENT"]]})
    assert [mid for mid, _ in both] == ["Krause subject"]
    assert "Subject and Complement may not overlap" in both[0][1]


def test_real_predictions_without_overlaps_pass_every_mode():
    # sdk-127: twelve entities, none overlapping (Chicago Bulls 0..13, General 14..21, Manager 22..29, ...)
    response = EXAMPLES["sdk-127"]["json_response"]
    for overlap in ("forbid", {"allow": [["NAME", "NOUN"]]}, {"forbid": [["VERB", "VERB"]]}):
        assert _findings(response, job="JOB", overlap=overlap) == []


def test_a_yaml_rule_file_with_the_real_interface(write_rules):
    interface = json.dumps(GRAMMAR["json_interface"])
    path = write_rules(
        "interface: grammar.json\n"
        "rules:\n"
        "  - id: grammar\n"
        "    type: text\n"
        f"    job: {GRAMMAR_JOB}\n"
        "    overlap: {allow: [[SUBJECT, COMPLEMENT]], forbid: [[VERB, VERB]]}\n",
        grammar__json=interface,
    )
    report = load_rule_set(path).evaluate({"jsonResponse": GRAMMAR["json_response"]})
    assert [f.mid for f in report.findings] == ["tucked verb"]
    # the built plugin: the issue pinned on the verb, naming the complement it starts inside
    kili = run_plugin(path, {"jsonResponse": GRAMMAR["json_response"]})
    assert [(i["objectMid"], i["text"]) for i in kili.issues_store] == [
        (
            "tucked verb",
            "[rules/grammar] Verb entity 'tucked' overlaps Complement entity 'a blue sweater tucked into high-rise "
            "pants' (mid blue sweater complement): Verb and Complement may not overlap",
        )
    ]
    # a second verb on "was wearing": one finding more, on the later of the two verbs
    response = json.loads(json.dumps(GRAMMAR["json_response"]))
    entities = response[GRAMMAR_JOB]["annotations"]
    entities.insert(0, {"mid": "was", "beginOffset": 84, "content": "was", "categories": [{"name": "VERB"}]})
    report = load_rule_set(path).evaluate({"jsonResponse": response})
    assert sorted(f.mid for f in report.findings) == ["tucked verb", "wearing"]
    assert "two Verb entities may not overlap" in next(f.message for f in report.findings if f.mid == "wearing")


@pytest.mark.parametrize(
    ("overlap", "message"),
    [
        ("{}", "`overlap` by pair of categories lists `forbid` pairs, `allow` pairs or both"),
        ("{forbid: [[A, B]], allow: [[B, A]]}", "[A, B] is listed in both `allow` and `forbid`: keep one"),
        ("{allow: [[A]]}", "a pair of categories has two names, not 1: [A]"),
        ("{forbid: []}", "`forbid` lists no pair (and there is no `allow`): overlaps would never fail"),
        ("maybe", "overlap"),
    ],
)
def test_load_refuses_wrong_pairs_at_their_place(write_rules, overlap, message):
    path = write_rules(f"rules:\n  - id: r\n    type: text\n    job: NER\n    overlap: {overlap}\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert f"{path}:5:" in str(raised.value) and message in str(raised.value)


def test_pairs_are_for_ner_jobs(write_rules):
    interface = json.dumps({"jobs": {"T": {"mlTask": "TRANSCRIPTION", "content": {"input": "textField"}}}})
    path = write_rules(
        "interface: i.json\nrules:\n  - {id: r, type: text, job: T, overlap: {forbid: [[A, A]]}}\n", i__json=interface
    )
    (problem,) = lint_rule_file(path)
    assert str(problem).startswith(f"{path}:3:42: error: `overlap` is for named-entity jobs; T is a TRANSCRIPTION job")


def _entity(mid, begin, content, category, **extra):
    return {"mid": mid, "beginOffset": begin, "endOffset": begin + len(content), "content": content,
            "categories": [{"name": category}], **extra}  # fmt: skip


def test_a_pdf_entity_spread_over_two_pages_is_one_entity():
    # "Krause" is a subject written over pages 1 and 2; a verb and a complement start inside it
    pages = {"annotations": [{"pageNumberArray": [1], "polys": []}, {"pageNumberArray": [2], "polys": []}]}
    response = {
        "NER": {
            "annotations": [
                _entity("s", 10, "the hefty Krause", "SUBJECT", **pages),
                _entity("c", 10, "the hefty Krause", "COMPLEMENT", annotations=[{"pageNumberArray": [1]}]),
                _entity("v", 20, "Krause", "VERB", annotations=[{"pageNumberArray": [2]}]),
            ]
        }
    }
    found = _findings(response, job="NER", overlap={"allow": [["SUBJECT", "COMPLEMENT"]]})
    assert [mid for mid, _ in found] == ["v"]  # once, not once per page; the complement may lie on the subject
    assert "VERB entity 'Krause' overlaps SUBJECT entity 'the hefty Krause' (mid s)" in found[0][1]


def test_an_entity_of_several_categories_is_forbidden_by_any_of_them():
    response = {"NER": {"annotations": [
        _entity("c", 0, "the hefty Krause", "COMPLEMENT"),
        {**_entity("sv", 10, "Krause", "SUBJECT"), "categories": [{"name": "SUBJECT"}, {"name": "VERB"}]},
    ]}}  # fmt: skip
    assert [m for m, _ in _findings(response, job="NER", overlap={"allow": [["SUBJECT", "COMPLEMENT"]]})] == ["sv"]
    assert _findings(response, job="NER", overlap={"forbid": [["SUBJECT", "SUBJECT"]]}) == []


@pytest.mark.heavy(1)
def test_ten_thousand_entities_on_one_span_in_one_sweep():
    # entity i is SUBJECT, COMPLEMENT, VERB in turn, all on 0..10: each starts inside every earlier one
    categories = ("SUBJECT", "COMPLEMENT", "VERB")
    entities = [_entity(f"e{i}", 0, "0123456789", categories[i % 3]) for i in range(10_000)]
    response = {"NER": {"annotations": entities}}
    start = time.perf_counter()
    allowed = _findings(response, job="NER", overlap={"allow": [["SUBJECT", "COMPLEMENT"]]})
    verbs = _findings(response, job="NER", overlap={"forbid": [["VERB", "VERB"]]})
    elapsed = time.perf_counter() - start
    # allow: e0 has nothing before it, e1 (a complement) only a subject; from e2 on each meets a forbidden pair
    assert [mid for mid, _ in allowed] == [f"e{i}" for i in range(2, 10_000)]
    # forbid VERB-VERB: every verb (e2, e5, ..., e9998) but the first
    assert [mid for mid, _ in verbs] == [f"e{i}" for i in range(5, 10_000, 3)]
    assert elapsed < 5, f"{elapsed:.2f} s: not one sweep"


# -- hypothesis: the sweep against every pair --------------------------------------------------------------------

CATEGORIES = ("A", "B", "C")
PAIRS = [list(pair) for pair in combinations_with_replacement(CATEGORIES, 2)]
entity_lists = st.lists(
    st.tuples(
        st.integers(0, 40),  # begin
        st.integers(0, 8),  # length
        st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True),  # categories (none, one or two)
    ),
    max_size=25,
)


def _response(spans):
    annotations = [
        {"mid": f"m{i}", "beginOffset": begin, "endOffset": begin + length, "content": "x" * length,
         "categories": [{"name": c} for c in categories]}
        for i, (begin, length, categories) in enumerate(spans)
    ]  # fmt: skip
    return {"NER": {"annotations": annotations}}


def _brute_force(spans, forbids):
    """``{later index: {earlier indexes it may not overlap}}``: every pair compared. j starts inside i when i comes
    first in (begin, end, label order) and j begins before i ends."""
    found: dict[int, set[int]] = {}
    for j, (begin_j, length_j, categories_j) in enumerate(spans):
        for i, (begin_i, length_i, categories_i) in enumerate(spans):
            first = (begin_i, begin_i + length_i, i) < (begin_j, begin_j + length_j, j)
            if first and begin_j < begin_i + length_i:
                mine, theirs = categories_j or [""], categories_i or [""]
                if any(forbids(a, b) for a in mine for b in theirs):
                    found.setdefault(j, set()).add(i)
    return found


def _pair_forbids(overlap):
    def listed(key):
        pairs = {tuple(p) for p in overlap.get(key) or ()}
        return pairs | {(b, a) for a, b in pairs}

    forbidden, allowed = listed("forbid"), listed("allow")
    return lambda a, b: (a, b) in forbidden or ("allow" in overlap and (a, b) not in allowed)


def _named_mid(reason):
    return re.search(r"\(mid (m\d+)\)", reason).group(1)


@settings(max_examples=300, deadline=None)
@given(spans=entity_lists, forbid=st.lists(st.sampled_from(PAIRS), max_size=3),
       allow=st.none() | st.lists(st.sampled_from(PAIRS), max_size=3))  # fmt: skip
def test_pairs_find_what_comparing_every_pair_finds(spans, forbid, allow):
    if allow is None:
        overlap = {"forbid": forbid}
    else:  # a pair may not be in both lists
        overlap = {"allow": allow, "forbid": [p for p in forbid if p not in allow and p[::-1] not in allow]}
    if not overlap["forbid"] and allow is None:
        overlap["forbid"] = [["A", "B"]]
    expected = _brute_force(spans, _pair_forbids(overlap))
    found = _findings(_response(spans), job="NER", overlap=overlap)
    assert sorted(mid for mid, _ in found) == sorted(f"m{j}" for j in expected)
    for mid, reason in found:  # the other entity named is one it may not overlap
        assert int(_named_mid(reason)[1:]) in expected[int(mid[1:])]


@settings(max_examples=300, deadline=None)
@given(spans=entity_lists)
def test_overlap_forbid_finds_what_comparing_every_pair_finds(spans):
    expected = _brute_force(spans, lambda a, b: True)
    found = _findings(_response(spans), job="NER", overlap="forbid")
    assert sorted(mid for mid, _ in found) == sorted(f"m{j}" for j in expected)


@settings(max_examples=300, deadline=None)
@given(spans=entity_lists)
def test_a_pair_in_allow_never_yields_a_finding(spans):
    # allow exactly the pairs of categories that meet in this label: nothing is left to find
    every = _brute_force(spans, lambda a, b: True)
    met = {tuple(sorted((a, b))) for j, earlier in every.items() for i in earlier
           for a in spans[j][2] or [""] for b in spans[i][2] or [""]}  # fmt: skip
    if any("" in pair for pair in met):  # an entity without a category pairs with none: allow cannot name it
        spans = [(begin, length, categories or ["A"]) for begin, length, categories in spans]
        every = _brute_force(spans, lambda a, b: True)
        met = {tuple(sorted((a, b))) for j, earlier in every.items() for i in earlier
               for a in spans[j][2] for b in spans[i][2]}  # fmt: skip
    assert _findings(_response(spans), job="NER", overlap={"allow": [list(pair) for pair in met]}) == []
    if met:  # and taking any one pair out of allow finds again
        dropped = sorted(met)[0]
        rest = [list(pair) for pair in met if pair != dropped]
        assert _findings(_response(spans), job="NER", overlap={"allow": rest})
