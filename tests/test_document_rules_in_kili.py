"""Conditions, checksums, NER and relation rules through the built plugin, against an autospec of the real Kili."""

from __future__ import annotations

import copy

from conftest import RULES, load_json

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import render_plugin
from kili_rules.testing import FakeKili, run_plugin

NER_LABEL = load_json(RULES / "labels" / "ner_label.json")


def test_the_plugin_holds_conditions_as_data_never_as_code():
    text = render_plugin(load_rule_set(RULES / "ner.yaml"))[0]
    assert "'when': {'all': [{'job': 'RECOGNITION_JOB', 'category': 'NOUN', 'op': '>', 'value': 0}," in text
    assert "RECOGNITION_JOB.NOUN.count" not in text  # the condition's text is parsed at load, not pasted
    assert "kili_rules/runtime/condition.py" in text and "kili_rules/rule_types/relation.py" in text


def test_a_ner_label_without_its_relation_opens_issues_pinned_on_the_entity():
    label = copy.deepcopy(NER_LABEL)
    label["jsonResponse"]["RELATION_JOB"]["annotations"] = []
    kili = run_plugin(RULES / "ner.yaml", label, kili=FakeKili({"batch": 3}))
    interjection = label["jsonResponse"]["RECOGNITION_JOB"]["annotations"][0]["mid"]
    pinned = {i["text"]: i["objectMid"] for i in kili.issues_store}
    assert pinned == {
        "[ner/interjection-related] Interjection 'Cras' is the start of no Category relation job "
        "relation": interjection,
        "[ner/relation-when-nouns] Link the interjections to their nouns (relation job)": None,
    }
    assert kili.sent_back == ["asset-1"]
    assert kili.metadata == {"batch": 3, "qa_score": 50.0, "qa_send_backs": 1}


def test_the_real_ner_label_passes_in_kili():
    kili = run_plugin(RULES / "ner.yaml", NER_LABEL)
    assert kili.issues_store == [] and kili.sent_back == [] and kili.metadata["qa_score"] == 100


def test_an_iban_with_wrong_check_digits_is_an_issue_on_its_box_and_the_condition_holds():
    label = load_json(RULES / "labels" / "document_label_fr_iban.json")
    box = label["jsonResponse"]["JOB_0"]["annotations"][0]
    box["children"]["TRANSCRIPTION_JOB"]["text"] = "FR76 3000 6000 0112 3456 7890 198"
    kili = run_plugin(RULES / "document.yaml", label)
    assert [(i["text"], i["objectMid"]) for i in kili.issues_store] == [
        (
            "[document/iban-check-digits] IBAN FR76 3000 6000 0112 3456 7890 198: its check digits are wrong, check "
            "each character",
            box["mid"],
        )
    ]
