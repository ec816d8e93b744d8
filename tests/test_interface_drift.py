"""The interface moved under the rules: the events build's ``project.interface.updated`` check, and the changes
``kili-rules lint --project`` lists."""

from __future__ import annotations

import copy
import logging

import pytest
from conftest import ROOT, load_json
from kili_events import ProjectInterfaceUpdatedEvent
from kili_fakes import FakeKiliState, autospec_kili, load_plugin_module, logger_with_records

from kili_rules.authoring.interface_diff import interface_drift
from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin
from kili_rules.runtime.interface_drift import DriftProblem, rule_set_drift

DOCUMENT = load_rule_set(ROOT / "rules" / "document.yaml")
IMAGE_INTERFACE = load_json(ROOT / "rules" / "interfaces" / "image.json")


@pytest.fixture(scope="module")
def document_interface():
    return load_json(ROOT / "rules" / "interfaces" / "document.json")


def drift(interface):
    return rule_set_drift(DOCUMENT.data, DOCUMENT.rule_types, interface)


def test_the_interface_the_rules_were_built_on_fits_them(document_interface):
    assert drift(document_interface) == []


def test_a_removed_category_names_the_rule_and_its_job(document_interface):
    changed = copy.deepcopy(document_interface)
    del changed["jobs"]["JOB_0"]["content"]["categories"]["AMOUNT"]
    found = drift(changed)
    # amount-with-currency counts AMOUNT boxes of JOB_0; amount-number reads TRANSCRIPTION_JOB_3, which only AMOUNT
    # lists as a child job (rules/document.yaml, rules/interfaces/document.json)
    assert [(p.rule_id, p.job, p.severity) for p in found] == [
        ("amount-with-currency", "JOB_0", "error"),
        ("amount-number", "TRANSCRIPTION_JOB_3", "warning"),
    ]
    assert "unknown category 'AMOUNT' in JOB_0" in found[0].message
    assert "no category of the interface lists" in found[1].message


def test_a_removed_job_names_every_rule_on_it(document_interface):
    changed = copy.deepcopy(document_interface)
    del changed["jobs"]["TRANSCRIPTION_JOB"]
    found = drift(changed)
    on_it = ["iban-fr", "iban-check-digits", "iban-transcribed"]  # the rules of rules/document.yaml on that job
    assert [(p.rule_id, p.job) for p in found] == [(rule, "TRANSCRIPTION_JOB") for rule in on_it]
    assert all("unknown job 'TRANSCRIPTION_JOB'" in p.message for p in found)


def test_a_job_whose_mltask_changed_no_longer_fits_its_rule_type(document_interface):
    changed = copy.deepcopy(document_interface)
    changed["jobs"]["JOB_0"]["mlTask"] = "TRANSCRIPTION"
    found = [p for p in drift(changed) if p.rule_id == "amount-with-currency"]
    assert found and all(p.job == "JOB_0" and p.severity == "error" for p in found)
    assert "this rule needs" in found[0].message and "TRANSCRIPTION" in found[0].message


def test_a_removed_category_of_a_condition_names_the_condition(document_interface):
    changed = copy.deepcopy(document_interface)
    del changed["jobs"]["JOB_0"]["content"]["categories"]["CURRENCY"]
    found = drift(changed)
    # amount-with-currency applies `when: JOB_0.CURRENCY.count > 0`
    when = [p for p in found if p.message.startswith("`when`: ")]
    assert when == [DriftProblem("amount-with-currency", "JOB_0", when[0].message, "error")]
    assert "unknown category 'CURRENCY' in JOB_0" in when[0].message


def test_a_rule_type_that_is_not_embedded_is_said_not_checked(document_interface):
    found = rule_set_drift(DOCUMENT.data, {}, document_interface)
    assert {p.rule_id for p in found} == {r["id"] for r in DOCUMENT.data["rules"] if r["type"] != "python"}
    assert all("cannot check the rule" in p.message for p in found if "`when`" not in p.message)


# -- in the plugin built for Kili's event API --------------------------------------------------------------------


@pytest.fixture(scope="module")
def image_events_plugin(tmp_path_factory):
    rule_set = load_rule_set(ROOT / "rules" / "image.yaml")
    return load_plugin_module(build_plugin(rule_set, tmp_path_factory.mktemp("e"), "events").path)


def interface_updated() -> dict:
    event = ProjectInterfaceUpdatedEvent(
        event="project.interface.updated", organization_id="org-1", project_id="project-1", user_id="user-1"
    )
    return event.model_dump(by_alias=True)


def run_interface_event(plugin, interface):
    state = FakeKiliState()
    state.interface = interface
    kili = autospec_kili(state)
    logger, records = logger_with_records("drift")
    plugin.PluginHandler(kili, "project-1", logger).on_event(interface_updated())
    return kili, records


def test_an_interface_update_that_renames_a_category_is_logged_at_error(image_events_plugin):
    changed = copy.deepcopy(IMAGE_INTERFACE)
    categories = changed["jobs"]["JOB_0"]["content"]["categories"]
    categories["CAR"] = categories.pop("OBJECT_A")
    kili, records = run_interface_event(image_events_plugin, changed)
    kili.projects.assert_called_once_with(project_id="project-1", fields=["id", "jsonInterface"], disable_tqdm=True)
    errors = [r.getMessage() for r in records.records if r.levelno == logging.ERROR]
    assert any("rule one-object-a (job JOB_0)" in e and "unknown category 'OBJECT_A'" in e for e in errors), errors
    assert any("1 rules of image no longer fit the interface" in e for e in errors)
    for name in ("create_issues", "send_back_to_queue", "update_properties_in_assets"):
        getattr(kili, name).assert_not_called()


def test_an_interface_update_that_keeps_the_rules_fitting_is_logged_at_info(image_events_plugin):
    changed = copy.deepcopy(IMAGE_INTERFACE)
    changed["jobs"]["JOB_0"]["content"]["categories"]["OBJECT_C"] = {"name": "Object C", "children": []}
    kili, records = run_interface_event(image_events_plugin, changed)
    kili.projects.assert_called_once()
    assert [r for r in records.records if r.levelno >= logging.WARNING] == []
    assert "the rules of image still fit it" in records.text()


@pytest.mark.parametrize("answer", [{}, "not json", {"jobs": []}, None])
def test_an_interface_that_cannot_be_read_is_an_error_not_a_pass(image_events_plugin, answer):
    kili, records = run_interface_event(image_events_plugin, answer)
    kili.projects.assert_called_once()
    errors = [r.getMessage() for r in records.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "could not be read" in errors[0] and "KiliAnswerError" in errors[0]


# -- what lint --project lists ------------------------------------------------------------------------------------


def test_lint_lists_categories_added_removed_and_renamed():
    live = copy.deepcopy(IMAGE_INTERFACE)
    categories = live["jobs"]["JOB_0"]["content"]["categories"]
    categories["OBJECT_A2"] = categories.pop("OBJECT_A")  # same display name "Object A": a key renamed
    categories["OBJECT_B"]["name"] = "Bicycle"  # same key, shown under another name
    categories["OBJECT_C"] = {"name": "Object C", "children": []}
    assert interface_drift(IMAGE_INTERFACE, live) == [
        'category OBJECT_A of JOB_0 is now OBJECT_A2 (both shown as "Object A")',
        "categories of JOB_0 added in Kili: OBJECT_C",
        'category OBJECT_B of JOB_0 renamed "Object B" -> "Bicycle"',
    ]


def test_lint_lists_jobs_added_removed_renamed_and_retasked():
    local = {
        "jobs": {
            "A": {"mlTask": "CLASSIFICATION", "instruction": "Kind"},
            "B": {"mlTask": "TRANSCRIPTION", "instruction": "Note"},
            "C": {"mlTask": "OBJECT_DETECTION", "instruction": "Boxes", "tools": ["rectangle"]},
        }
    }
    live = {
        "jobs": {
            "A": {"mlTask": "CLASSIFICATION", "instruction": "Type"},
            "B2": {"mlTask": "TRANSCRIPTION", "instruction": "Note"},
            "C": {"mlTask": "OBJECT_DETECTION", "instruction": "Boxes", "tools": ["polygon"]},
            "D": {"mlTask": "CLASSIFICATION", "instruction": "New"},
        }
    }
    assert interface_drift(local, live) == [
        'job B is now B2 (both shown as "Note")',
        "jobs added in Kili: D",
        'job A renamed "Kind" -> "Type"',
        "C.tools is ['polygon'] in Kili, ['rectangle'] here",
    ]
    assert interface_drift(local, copy.deepcopy(local)) == []
    assert interface_drift(local, {"jobs": {}}) == ["jobs removed in Kili: A, B, C"]
