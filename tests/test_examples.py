"""The bundled example rule sets on the seed labels and on the document labels."""

from __future__ import annotations

from conftest import RULES, SEED, load_json

from kili_rules import load_rule_set


def test_seed_rule_fails_on_three_boxes_and_passes_on_one():
    rules = load_rule_set(RULES / "image.yaml")
    three = rules.evaluate(load_json(SEED / "image_label_three_boxes.json"))
    one = rules.evaluate(load_json(SEED / "image_label_one_box.json"))
    outcome = three.outcome("one-object-a")
    assert outcome.status == "fail"
    message = "There are too many BBox (3) - Only 1 BBox of Object A accepted"
    assert [(f.message, f.mid) for f in outcome.findings] == [  # pinned on the 2nd and the 3rd box
        (message, "20221124161456406-47055"),
        (message, "20221124161459298-45160"),
    ]
    assert three.score == 0
    assert one.outcome("one-object-a").status == "pass" and one.score == 100


def test_document_rules_pin_the_de_iban_to_its_box():
    rules = load_rule_set(RULES / "document.yaml")
    report = rules.evaluate(load_json(RULES / "labels" / "document_label_de_iban.json"))
    iban = report.outcome("iban-fr")
    assert iban.status == "fail"
    assert [(f.message, f.mid, f.job) for f in iban.findings] == [
        ("IBAN number should start by FR", "20230801120000000-iban", "TRANSCRIPTION_JOB")
    ]
    assert report.outcome("currency").status == "pass"
    assert report.outcome("amount-number").status == "pass"  # "1 250,00" read as a number
    assert report.outcome("payment-after-billing").status == "fail"  # the Python rule
    assert report.failed_rule_ids == ["iban-fr", "payment-after-billing"]
    # score: weights 1 each, 9 rules judged, 7 passed (the IBAN's check digits hold: DE89... is a valid IBAN)
    assert report.outcome("iban-check-digits").status == "pass"
    assert report.score == round(100 * 7 / 9, 2)


def test_document_rules_pass_on_the_fr_label():
    rules = load_rule_set(RULES / "document.yaml")
    report = rules.evaluate(load_json(RULES / "labels" / "document_label_fr_iban.json"))
    assert report.failed_rule_ids == [] and report.score == 100


def test_the_interface_sets_the_kind_of_a_transcription():
    rules = load_rule_set(RULES / "document.yaml")
    by_id = {r["id"]: r for r in rules.data["rules"]}
    assert by_id["amount-number"]["params"]["kind"] == "number"
    assert by_id["dates-readable"]["params"]["kind"] == "date"
    assert by_id["iban-fr"]["params"]["kind"] == "auto"
