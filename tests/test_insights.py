"""What ``check`` adds for a manager: per labeler (a planted bad labeler is found, one label never marks anyone),
the trend (a planted improvement shows), the review delta (counted by hand on a small export, from files and from
a live project) and the ``project:`` assertions (pass / fail as planted, exit code, lint, schema)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from cli_runner import run_cli
from conftest import RULES, SDK
from hypothesis import given
from hypothesis import strategies as st

from kili_rules.authoring.schema import rule_file_schema
from kili_rules.authoring.tallies import apart, wilson_interval
from kili_rules.authoring.trend import period_of
from kili_rules.testing.planted import RULES as PLANTED_RULES
from kili_rules.testing.planted import planted_assets

BAD = "carl@acme.test"
RATES = {"ann@acme.test": 0.04, "bob@acme.test": 0.04, BAD: 0.4, "dee@acme.test": 0.04}
INTERFACE = RULES / "interfaces" / "image.json"


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    """2,000 assets by four labelers (one bad), improving over four weeks, every 5th reviewed: written once."""
    folder = tmp_path_factory.mktemp("planted")
    export = folder / "export.json"
    export.write_text(json.dumps(list(planted_assets(2000, RATES, improving=True, review_every=5))))
    rules = folder / "rules.yaml"
    rules.write_text(PLANTED_RULES.format(interface=INTERFACE))
    return rules, export


def check_json(*args):
    done = run_cli("check", *args, "--format", "json", "--fail-on", "never")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


# ---------------------------------------------------------------- the statistical test


def test_the_wilson_interval_matches_hand_computed_values():
    # 3 of 3: centre (1 + z²/6) / (1 + z²/3), half z·sqrt(z²/36) / (1 + z²/3) with z = 1.96 -> [0.4385, 1]
    low, high = wilson_interval(3, 3)
    assert low == pytest.approx(0.4385, abs=1e-4) and high == pytest.approx(1.0)
    low, high = wilson_interval(10, 100)  # the textbook case: [0.0552, 0.1744]
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    assert wilson_interval(0, 0) == (0.0, 1.0)


@given(st.integers(0, 1), st.floats(0.001, 0.999), st.integers(1, 19))
def test_one_label_or_a_few_never_mark_an_author(failed, project_rate, applied):
    assert apart(min(failed, applied), applied, project_rate, min_count=20) is None


def test_a_large_clear_gap_is_marked_on_its_side():
    assert apart(40, 100, 0.1, 20) == "worse" and apart(0, 200, 0.1, 20) == "better" and apart(11, 100, 0.1, 20) is None


# ---------------------------------------------------------------- labelers


def test_the_planted_bad_labeler_comes_first_marked_on_the_rule_they_fail(planted):
    rules, export = planted
    _, report = check_json(rules, export, "--all-labels")
    authors = report["labelers"]["authors"]
    assert authors[0]["author"] == BAD
    assert authors[0]["marked"] == {"one-object-a": "worse"}  # b-max is planted at the same 5 % for everyone
    for other in authors[1:]:
        assert "worse" not in other["marked"].values(), other["author"]
    bad = authors[0]
    assert bad["labels"] == 500 and bad["rules"]["one-object-a"]["applied"] == 500
    assert 0.15 < bad["rules"]["one-object-a"]["fail_rate"] < 0.35  # 40 % falling to 8 %: a mean about 24 %
    assert [row["score"] for row in bad["worst_labels"]] == sorted(row["score"] for row in bad["worst_labels"])


def test_labelers_of_the_real_exports_are_their_authors_emails():
    exports = sorted((SDK / "exports").glob("*_assets*.json"))
    _, report = check_json(RULES / "image.yaml", *exports)
    emails = {}
    for path in exports:
        for asset in json.loads(path.read_text()):
            email = asset["latestLabel"]["author"]["email"]
            emails[email] = emails.get(email, 0) + 1
    found = {a["author"]: a["labels"] for a in report["labelers"]["authors"]}
    assert found == emails
    assert all(a["marked"] == {} for a in report["labelers"]["authors"])  # a handful of labels marks nobody


def test_by_author_prints_the_table_worst_first(planted):
    rules, export = planted
    done = run_cli("check", rules, export, "--by", "author", "--fail-on", "never")
    table = done.stdout.split("labelers (worst first):\n", 1)[1].splitlines()
    assert table[1].startswith(BAD) and "one-object-a worse" in table[1]


# ---------------------------------------------------------------- trend


def test_periods_are_utc_days_iso_weeks_and_months():
    assert period_of("2026-03-02T10:40:52.065Z", "day") == "2026-03-02"
    assert period_of("2026-03-02T10:40:52.065Z", "month") == "2026-03"
    assert period_of("2021-01-03T23:00:00Z", "week") == "2020-W53"  # a Sunday: the last ISO week of 2020
    assert period_of("2026-01-05T00:00:00Z", "week") == "2026-W02"  # a Monday
    assert period_of(None, "week") == period_of("yesterday", "day") == "unknown"


def test_the_trend_shows_the_planted_improvement(planted):
    rules, export = planted
    _, report = check_json(rules, export, "--all-labels")
    periods = [p for p in report["trend"]["periods"] if p["labels"] >= 400]  # the four full weeks
    assert [p["period"] for p in periods] == ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    rates = [p["rules"]["one-object-a"]["fail_rate"] for p in periods]
    assert rates[0] > 2 * rates[-1]
    assert periods[0]["mean_score"] < periods[-1]["mean_score"]
    done = run_cli("check", rules, export, "--period", "month", "--fail-on", "never")
    assert "trend per month:\nmonth" in done.stdout and "2026-01 " in done.stdout


# ---------------------------------------------------------------- review delta (counted by hand)

REVIEW_RULES = """\
rules:
  - {id: one-a, type: count, job: JOB_0, category: OBJECT_A, max: 1, message: "{count} A"}
  - {id: b-max, type: count, job: JOB_0, category: OBJECT_B, max: 2, message: "{count} B"}
"""


def box(mid, category="OBJECT_A"):
    return {"mid": mid, "type": "rectangle", "categories": [{"name": category}],
            "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}]}  # fmt: skip


def label(label_id, kind, author, minute, mids, category="OBJECT_A"):
    boxes = [box(mid, category) for mid in mids]
    return {
        "id": label_id,
        "labelType": kind,
        "createdAt": f"2026-02-02T10:{minute:02d}:00.000Z",
        "author": {"id": author, "email": f"{author}@acme.test"},
        "jsonResponse": {"JOB_0": {"annotations": boxes}},
    }


#: asset -> its labels in time order. Findings of count are pinned on the boxes beyond max, message "{count} A".
REVIEWED = {
    # one-a on a2 ("2 A") -> review removes a2: fixed 1
    "as1": [label("d1", "DEFAULT", "lab", 0, ["a1", "a2"]), label("r1", "REVIEW", "rev1", 5, ["a1"])],
    # unchanged: kept 1
    "as2": [label("d2", "DEFAULT", "lab", 0, ["a1", "a2"]), label("r2", "REVIEW", "rev1", 5, ["a1", "a2"])],
    # the reviewer adds a9: introduced 1
    "as3": [label("d3", "DEFAULT", "lab", 0, ["a1"]), label("r3", "REVIEW", "rev1", 5, ["a1", "a9"])],
    # (a2,"3 A"), (a3,"3 A") -> (a2,"2 A"): fixed 2, introduced 1 (the message changed)
    "as4": [label("d4", "DEFAULT", "lab", 0, ["a1", "a2", "a3"]), label("r4", "REVIEW", "rev2", 5, ["a1", "a2"])],
    # a review with no labeler's label before it: unpaired
    "as5": [label("r5", "REVIEW", "rev2", 5, ["a1", "a2"])],
    # b-max on b3 on both: kept 1 (b-max); an autosave in between changes nothing
    "as6": [label("d6", "DEFAULT", "lab", 0, ["b1", "b2", "b3"], "OBJECT_B"),
            label("s6", "AUTOSAVE", "rev2", 3, ["b1"], "OBJECT_B"),
            label("r6", "REVIEW", "rev2", 5, ["b1", "b2", "b3"], "OBJECT_B")],
    # sent back and labeled again: the review is compared with the second DEFAULT ([a1]): introduced 1
    "as7": [label("d7", "DEFAULT", "lab", 0, ["a1", "a2"]), label("d7b", "DEFAULT", "lab", 2, ["a1"]),
            label("r7", "REVIEW", "rev2", 5, ["a1", "a2"])],
}  # fmt: skip
EXPECTED_RULES = {"one-a": {"fixed": 3, "introduced": 3, "kept": 1}, "b-max": {"fixed": 0, "introduced": 0, "kept": 1}}
EXPECTED_REVIEWERS = {
    "rev2@acme.test": {"reviews": 3, "fixed": 2, "introduced": 2, "kept": 1},  # as4, as6 (kept), as7
    "rev1@acme.test": {"reviews": 3, "fixed": 1, "introduced": 1, "kept": 1},
}


def assert_review(review):
    assert review["reviews_compared"] == 6 and review["reviews_unpaired"] == 1
    assert review["rules"] == EXPECTED_RULES
    found = {r["reviewer"]: {k: r[k] for k in ("reviews", "fixed", "introduced", "kept")} for r in review["reviewers"]}
    assert found == EXPECTED_REVIEWERS
    assert [r["reviewer"] for r in review["reviewers"]] == ["rev2@acme.test", "rev1@acme.test"]  # most fixed first


def test_the_review_delta_of_an_export_counts_what_was_counted_by_hand(write_rules, tmp_path):
    rules = write_rules(REVIEW_RULES)
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": asset, "labels": labels} for asset, labels in REVIEWED.items()]))
    _, report = check_json(rules, export, "--review")
    assert_review(report["review"])
    assert report["labels"] == 7  # the audit still checks the latest non-AUTOSAVE label of each asset
    _, report = check_json(rules, export, "--review", "--all-labels")  # the review delta takes the audit's reports
    assert_review(report["review"])
    assert report["labels"] == 15  # 2 + 2 + 2 + 2 + 1 + 3 + 3, the autosave too
    done = run_cli("check", rules, export, "--review", "--fail-on", "never")
    assert "6 reviews compared with the labeler's label, 1 unpaired" in done.stdout


def test_the_review_delta_of_a_live_project_counts_the_same(kili_stand_in, write_rules, monkeypatch):
    data = kili_stand_in.data
    data.add_project("reviewed", json.loads(INTERFACE.read_text()), "IMAGE", "reviewed")
    for asset, labels in REVIEWED.items():
        data.add_asset("reviewed", asset)
        for one in labels:
            data.add_label(asset, one["id"], one["jsonResponse"], label_type=one["labelType"],
                           created_at=one["createdAt"], author_id=one["author"]["id"])  # fmt: skip
    monkeypatch.setenv("KILI_API_KEY", kili_stand_in.api_key)
    monkeypatch.setenv("KILI_API_ENDPOINT", kili_stand_in.endpoint)
    _, report = check_json(write_rules(REVIEW_RULES), "--project", "reviewed", "--review")
    review = report["review"]
    review["reviewers"] = [
        {**r, "reviewer": r["reviewer"].replace("@example.com", "@acme.test")} for r in review["reviewers"]
    ]  # fmt: skip  (the stand-in's emails)
    assert_review(review)
    assert report["labels"] == 7


# ---------------------------------------------------------------- project assertions

PROJECT = """\
project:
  max_fail_ratio: {{one-object-a: {ratio}, b-max: 0.2}}
  min_mean_score: {score}
  min_labels_per_category: {{JOB_0.OBJECT_A: 2000, JOB_0.OBJECT_B: {b_labels}}}
  max_category_share: {share}
"""


@pytest.mark.parametrize(
    ("values", "failed"),
    [
        ({"ratio": 0.5, "score": 80, "b_labels": 2000, "share": 1}, []),
        ({"ratio": 0.05, "score": 99, "b_labels": 2001, "share": {"JOB_0": 0.6}},
         ["max_fail_ratio one-object-a", "min_mean_score", "min_labels_per_category JOB_0.OBJECT_B",
          "max_category_share JOB_0.OBJECT_B"]),
    ],
    ids=["all-pass", "four-fail"],
)  # fmt: skip
def test_assertions_pass_and_fail_as_planted_with_the_exit_code(planted, tmp_path, values, failed):
    rules, export = planted
    with_project = tmp_path / "rules.yaml"
    with_project.write_text(rules.read_text() + PROJECT.format(**values))
    code, report = check_json(with_project, export)  # the latest label of each of the 2,000 assets
    verdicts = {v["assertion"]: v for v in report["project_assertions"]}
    assert sorted(name for name, v in verdicts.items() if not v["passed"]) == sorted(failed)
    assert code == (1 if failed else 0)
    # every label has one OBJECT_A box or more and one OBJECT_B box or more: both categories in 100 % of them
    assert verdicts["min_labels_per_category JOB_0.OBJECT_A"]["figure"] == 2000
    assert verdicts["max_category_share JOB_0.OBJECT_B"]["figure"] == 1
    text = run_cli("check", with_project, export, "--fail-on", "never").stdout
    assert ("FAIL  min_mean_score" in text) == ("min_mean_score" in failed)


def test_an_assertion_with_nothing_to_measure_fails(write_rules, tmp_path):
    rules = write_rules(REVIEW_RULES + "project: {max_fail_ratio: {b-max: 0.5}}\n")
    export = tmp_path / "labels.json"
    export.write_text(json.dumps([{"id": "d1", "jsonResponse": {}}]))  # no JOB_0: b-max does not apply
    code, report = check_json(rules, export)
    assert report["project_assertions"] == [
        {"assertion": "max_fail_ratio b-max", "figure": None, "threshold": 0.5, "passed": False}
    ]
    assert code == 1


def test_the_project_section_is_linted_at_file_line_column(write_rules):
    rules = write_rules(
        f"interface: {INTERFACE}\n" + REVIEW_RULES + "project:\n  max_fail_ratio: {one_a: 0.1}\n"
        "  min_labels_per_category:\n    JOB_0.OBJECT_C: 5\n    JOB_1.OBJECT_A: 5\n    OBJECT_A: 5\n"
        "  max_category_share: {JOB_0: 1.5}\n"
    )
    done = run_cli("lint", rules)
    assert done.returncode == 1
    assert f"{rules}:11:31: error:" in done.stdout and "less than or equal to 1" in done.stdout
    rules.write_text(rules.read_text().replace("{JOB_0: 1.5}", "{JOB_0: 0.5}"))
    lines = run_cli("lint", rules).stdout
    assert f"{rules}:6:20: error: unknown rule id 'one_a' in project.max_fail_ratio; did you mean 'one-a'?" in lines
    assert f"{rules}:8:5: error: unknown category 'OBJECT_C' of JOB_0; did you mean 'OBJECT_" in lines
    assert f"{rules}:9:5: error: unknown job 'JOB_1' in the interface; did you mean 'JOB_0'?" in lines
    assert f"{rules}:10:5: error: 'OBJECT_A': write JOB.CATEGORY" in lines


def test_the_editor_schema_accepts_the_project_section():
    validator = jsonschema.Draft7Validator(rule_file_schema())
    project = {"max_fail_ratio": {"x": 0.05}, "min_mean_score": 90, "min_labels_per_category": {"JOB_0.A": 50}}
    good = {"rules": [], "project": {**project, "max_category_share": 0.6}}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({"project": {"max_fail_ratio": {"x": 2}}}))
    assert list(validator.iter_errors({"project": {"min_score": 90}}))


def test_the_review_delta_holds_at_most_one_pending_label_when_assets_come_with_their_labels(write_rules, tmp_path):
    from kili_rules.authoring.label_files import read_labels
    from kili_rules.authoring.loader import load_rule_set
    from kili_rules.authoring.review_delta import ReviewDelta

    export = tmp_path / "export.json"
    export.write_text(json.dumps(list(planted_assets(300, RATES, review_every=3))))  # 200 assets never reviewed
    rule_set = load_rule_set(write_rules(PLANTED_RULES.format(interface=INTERFACE)))
    delta = ReviewDelta(rule_set.engine, ["one-object-a", "b-max"])
    most = 0
    for record in read_labels(export):
        delta.add(record)
        most = max(most, len(delta.pending))
    assert most == 1 and delta.pairs == 100 and delta.unpaired == 0
    flat = tmp_path / "flat.jsonl"  # the same labels as a flat list: one pending entry per asset not reviewed
    flat.write_text("".join(json.dumps({**label, "assetId": asset["id"]}) + "\n"
                            for asset in json.loads(export.read_text()) for label in asset["labels"]))  # fmt: skip
    delta = ReviewDelta(rule_set.engine, ["one-object-a", "b-max"])
    for record in read_labels(flat):
        delta.add(record)
    assert delta.pairs == 100 and len(delta.pending) == 200
