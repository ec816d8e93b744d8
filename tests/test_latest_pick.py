"""`check`'s pick of each asset's latest label, streamed: the same labels, in the same order, with the same reports
as the pick that held every asset until the end (kept as ``buffered_latest_labels``), and memory that does not
grow with the assets of an export; flat lists of labels keep the buffered pick; an asset that comes again is an
error, never a wrong pick."""

from __future__ import annotations

import gc
import json
import random
import weakref
import zipfile

import pytest
from cli_runner import run_cli
from conftest import RULES, SDK
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring import label_files
from kili_rules.authoring.audit import audit, audit_records, new_summary, seen
from kili_rules.authoring.findings_file import FindingsWriter
from kili_rules.authoring.html_report import FailingLabels, audit_html
from kili_rules.authoring.insights import new_insights
from kili_rules.authoring.label_files import LabelRecord, labels_in, read_label_source
from kili_rules.authoring.latest_pick import AssetIds, buffered_latest_labels, latest_labels
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import LabelFileError

EXPORTS = sorted((SDK / "exports").glob("*.json"))
RULE_FILE = """\
name: pick
interface: {interface}
rules:
  - {{id: one-a, type: count, job: JOB_0, category: OBJECT_A, max: 1, message: "{{count}} OBJECT_A boxes"}}
  - {{id: b-max, type: count, job: JOB_0, category: OBJECT_B, max: 2, severity: warning}}
project:
  max_fail_ratio: {{one-a: 0.2}}
"""
KINDS = ["DEFAULT", "DEFAULT", "REVIEW", "AUTOSAVE"]
DATES = [
    None,
    "2026-01-05T09:00:00.000Z",
    "2026-01-05T09:00:00.000Z",
    "2026-01-12T10:00:00.000Z",
    "2026-02-02T08:00:00Z",
]
AUTHORS = ["ann@acme.test", "bob@acme.test", "carl@acme.test"]


def _box(mid, category):
    vertices = [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]
    return {
        "mid": mid,
        "type": "rectangle",
        "categories": [{"name": category}],
        "boundingPoly": [{"normalizedVertices": vertices}],
    }


def _label(rng, asset, number):
    """A label with 0-3 OBJECT_A and 0-4 OBJECT_B boxes, of a kind, a date (ties and none included), an author."""
    boxes = [_box(f"{asset}-{number}-a{k}", "OBJECT_A") for k in range(rng.choice([0, 1, 1, 2, 3]))]
    boxes += [_box(f"{asset}-{number}-b{k}", "OBJECT_B") for k in range(rng.randint(0, 4))]
    label = {
        "id": f"{asset}-l{number}",
        "labelType": rng.choice(KINDS),
        "jsonResponse": {"JOB_0": {"annotations": boxes}},
    }
    label["author"] = {"email": rng.choice(AUTHORS)}
    date = rng.choice(DATES)
    if date is not None:
        label["createdAt"] = date
    return label


def generated_assets(count, seed):
    """Assets as kili.assets() gives them: several labels of several kinds (autosaves only, equal and missing dates
    included), a latestLabel, an empty labels list, no label key."""
    rng = random.Random(seed)
    for index in range(count):
        asset = {"id": f"asset-{index}", "externalId": f"image-{index}.jpg"}
        shape = rng.random()
        if shape < 0.1:
            asset["labels"] = []
        elif shape < 0.2:
            asset["latestLabel"] = _label(rng, index, 0)
        elif shape < 0.25:
            asset["latestLabel"] = None
        else:
            asset["labels"] = [_label(rng, index, n) for n in range(rng.randint(1, 5))]
        yield asset


@pytest.fixture(scope="module")
def rule_set(tmp_path_factory):
    path = tmp_path_factory.mktemp("pick") / "rules.yaml"
    path.write_text(RULE_FILE.format(interface=RULES / "interfaces" / "image.json"))
    return load_rule_set(path)


def _records(items):
    return [record for index, item in enumerate(items) for record in labels_in(item, f"item {index}")]


def _both(records):
    """The streamed and the buffered pick of ``records``: labels (by identity) and the assets reported unlabeled."""
    streamed, buffered = [], []
    picked = [id(r) for r in latest_labels(records, streamed.append)]
    reference = [id(r) for r in buffered_latest_labels(records, buffered.append)]
    return (picked, streamed), (reference, buffered)


# -- the pick, label by label --------------------------------------------------------------------------------------

asset_labels = st.lists(
    st.fixed_dictionaries(
        {"labelType": st.sampled_from(["DEFAULT", "REVIEW", "AUTOSAVE"])},
        optional={"createdAt": st.sampled_from(["", "2026-01-01", "2026-01-02", "2026-01-02", 7])},
    ),
    max_size=5,
)
assets_strategy = st.lists(
    st.tuples(st.sampled_from(["labels", "latestLabel", "labels", "none"]), asset_labels), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(assets=assets_strategy)
def test_each_asset_gets_the_label_the_buffered_pick_gives_in_the_same_order(assets):
    items = []
    for index, (shape, labels) in enumerate(assets):
        labels = [{**label, "id": f"l{index}-{n}", "jsonResponse": {}} for n, label in enumerate(labels)]
        item = {"id": f"asset-{index}"}
        if shape == "labels":
            item["labels"] = labels
        else:
            item["latestLabel"] = labels[0] if labels and shape == "latestLabel" else None
        items.append(item)
    streamed, buffered = _both(_records(items))
    assert streamed == buffered


@settings(max_examples=100, deadline=None)
@given(assets=assets_strategy, bare=st.lists(st.integers(0, 12), max_size=3))
def test_labels_naming_no_asset_pass_in_file_order_the_same_labels_as_before(assets, bare):
    """A label that names no asset (a bare jsonResponse) passed first, before every asset's pick; it now passes
    where the file has it: the same labels and reports, in file order (the one order that changes)."""
    items = [
        {"id": f"asset-{i}", "labels": [{**label, "jsonResponse": {}} for label in labels]}
        for i, (_, labels) in enumerate(assets)
    ]
    for position in sorted(bare, reverse=True):
        items.insert(min(position, len(items)), {"JOB_0": {"categories": []}})
    records = _records(items)
    (picked, streamed), (reference, buffered) = _both(records)
    assert sorted(picked) == sorted(reference) and len(picked) == len(set(picked)) and streamed == buffered
    bare_ids = [id(r) for r in records if r.asset_id is None]
    assert [i for i in picked if i in bare_ids] == bare_ids == reference[: len(bare_ids)]
    assert [i for i in picked if i not in bare_ids] == reference[len(bare_ids) :]  # the assets' picks: same order


def _hand_pick(labels):
    """The latest non-AUTOSAVE label, written from the rule: the greatest createdAt string (none counts as ""),
    the last one read among equals."""
    best = None
    for label in labels:
        created = label.get("createdAt") if isinstance(label.get("createdAt"), str) else ""
        if label["labelType"] != "AUTOSAVE" and (best is None or created >= best[0]):
            best = (created, label)
    return None if best is None else best[1]


@settings(max_examples=200, deadline=None)
@given(assets=st.lists(asset_labels, max_size=10))
def test_the_pick_is_the_latest_non_autosave_label_of_each_asset(assets):
    items = [
        {"id": f"a{i}", "labels": [{**label, "jsonResponse": {}} for label in labels]}
        for i, labels in enumerate(assets)
    ]
    unlabeled = []
    picked = [r.label for r in latest_labels(_records(items), unlabeled.append)]
    expected = [pick for labels in items if (pick := _hand_pick(labels["labels"])) is not None]
    assert [id(label) for label in picked] == [id(label) for label in expected]
    autosaves_only = [i for i, labels in enumerate(assets) if labels and _hand_pick(labels) is None]
    assert [u.split("(asset ")[1].split(":")[0] for u in unlabeled] == [f"a{i}" for i in autosaves_only]


@settings(max_examples=200, deadline=None)
@given(
    labels=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["DEFAULT", "AUTOSAVE"]),
            st.sampled_from(["1", "2"]),
        ),
        max_size=12,
    )
)
def test_a_flat_list_of_labels_keeps_the_buffered_pick(labels):
    """kili.labels() dumps list an asset's labels anywhere: the pick holds them until the end, as before."""
    items = [{"jsonResponse": {}, "assetId": a, "labelType": kind, "createdAt": date} for a, kind, date in labels]
    streamed, buffered = _both(_records(items))
    assert streamed == buffered


def test_an_asset_that_comes_again_after_another_is_an_error_naming_it():
    items = [{"id": "a1", "labels": [{"jsonResponse": {}}]}, {"id": "a2", "latestLabel": {"jsonResponse": {}}}]
    items.append({"id": "a1", "labels": [{"jsonResponse": {}, "createdAt": "2027"}]})
    with pytest.raises(LabelFileError, match=r"item 2 label 0: asset a1 comes again after other assets.*--all-labels"):
        list(latest_labels(_records(items)))
    # the same asset twice in a row is one asset read in two parts: picked once, as before
    items = [
        {"id": "a1", "labels": [{"id": "x", "jsonResponse": {}}]},
        {"id": "a1", "latestLabel": {"id": "y", "jsonResponse": {}}},
    ]
    assert [r.label["id"] for r in latest_labels(_records(items))] == ["y"]


@pytest.mark.parametrize("flat_first", [True, False])
def test_an_asset_both_in_an_asset_and_in_a_flat_list_is_an_error(flat_first):
    asset = {"id": "a1", "labels": [{"jsonResponse": {}}]}
    flat = {"jsonResponse": {}, "assetId": "a1", "labelType": "AUTOSAVE"}
    items = [flat, {"id": "a2", "labels": []}, asset] if flat_first else [asset, flat]
    with pytest.raises(LabelFileError, match="asset a1 has labels both in an asset's own list and in a flat list"):
        list(latest_labels(_records(items)))


def test_the_command_says_so_in_one_line_exit_2(tmp_path):
    assets = list(generated_assets(30, seed=3))
    again = next(asset for asset in assets[:-1] if asset.get("labels"))
    assets.append(again)
    path = tmp_path / "twice.jsonl"
    path.write_text("".join(json.dumps(asset) + "\n" for asset in assets))
    done = run_cli("check", RULES / "image.yaml", path, "--no-progress")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}:31 label 0: asset {again['id']} comes again after other assets" in done.stderr
    assert run_cli("check", RULES / "image.yaml", path, "--all-labels", "--no-progress").returncode != 2


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(st.text(max_size=4), max_size=300))
def test_asset_ids_is_a_set(ids):
    held, reference = AssetIds(), set()
    for asset_id in ids:
        assert held.add(asset_id) == (asset_id not in reference)
        reference.add(asset_id)
        assert asset_id in held
    assert len(held) == len(reference)
    assert all((f"{i}?" in held) == (f"{i}?" in reference) for i in range(50))


# -- memory: the structural property -------------------------------------------------------------------------------


def _held_while_picking(pick, assets, labels_per_asset):
    """The most records alive at once while ``pick`` runs over a counting generator of ``assets`` assets, each
    with its ``labels`` list; the consumer drops each picked label at once."""
    alive = [0]

    def gone():
        alive[0] -= 1

    def records():
        for index in range(assets):
            for number in range(labels_per_asset):
                label = {"labelType": "DEFAULT", "createdAt": str(number), "jsonResponse": {}}
                record = LabelRecord(label, "x", f"asset-{index}", grouped=True, in_asset=True)
                alive[0] += 1
                weakref.finalize(record, gone)
                yield record

    most = picked = 0
    for record in pick(records()):
        picked += 1
        del record
        if picked % 100 == 0:
            gc.collect()
            most = max(most, alive[0])
    return picked, most


@pytest.mark.heavy(2)
def test_the_streamed_pick_holds_one_asset_at_a_time_the_buffered_one_every_asset():
    picked, most = _held_while_picking(latest_labels, 1_000, 4)
    assert picked == 1_000 and most <= 2
    picked, most = _held_while_picking(buffered_latest_labels, 1_000, 4)
    assert picked == 1_000 and most >= 950  # the measure sees what is held: the old pick held every asset


def test_each_asset_goes_on_as_soon_as_the_next_one_starts():
    read = []

    def records():
        for index in range(50):
            for number in range(3):
                read.append(index)
                yield LabelRecord({"createdAt": str(number)}, "x", f"a{index}", grouped=True, in_asset=True)

    for index, record in enumerate(latest_labels(records())):
        assert record.asset_id == f"a{index}" and read[-1] == min(index + 1, 49)


# -- the differential test: every output of check, both picks ------------------------------------------------------


def _check_outputs(rule_set, path, folder, streamed):
    """Every output of ``check`` on ``path`` (json, text, html, the findings file, exit codes), with the streamed
    pick (``audit``, what the command runs) or with the buffered one over the same reading."""
    insights = new_insights(rule_set, "submit", period="week", review=True)
    failing = FailingLabels()
    findings = FindingsWriter(folder / f"findings-{streamed}.jsonl")

    def on_report(record, report):
        insights.on_report(record, report)
        failing.add(record, report)
        findings.on_report(record, report)

    if streamed:
        summary = audit(rule_set, [path], on_report=on_report, on_record=insights.on_record)
    else:
        summary = new_summary(rule_set, "submit", [path])
        records = seen(read_label_source(path, None, summary.add_unlabeled), insights.on_record)
        audit_records(
            rule_set, buffered_latest_labels(records, summary.add_unlabeled), summary=summary, on_report=on_report
        )
    findings.close()
    summary.seconds = 0.0
    exits = {level: summary.reaches(level) for level in ("error", "warning", "info")}
    return {
        "json": {**summary.as_json(), **insights.as_json()},
        "text": summary.as_text() + insights.as_text(by_author=True, period=True),
        "html": audit_html(summary, failing, insights=insights),
        "findings": findings.path.read_text(),
        "exits": (exits, bool(summary.foreign), insights.failed()),
    }


def _write(assets, folder, kind):
    """``assets`` as a JSON array, JSON Lines, an export zip of one file per asset or of one data.json."""
    if kind == "array":
        path = folder / "assets.json"
        path.write_text(json.dumps(assets, indent=1))
    elif kind == "lines":
        path = folder / "assets.jsonl"
        path.write_text("".join(json.dumps(asset) + "\n" for asset in assets))
    else:
        path = folder / f"export-{kind}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.kili.txt", "exported")
            if kind == "zip-data":
                archive.writestr("data.json", json.dumps(assets, sort_keys=True, indent=4))
            else:  # as shutil.make_archive writes it (names in order), or out of order: the order read is by name
                ordered = sorted(assets, key=lambda asset: asset["externalId"])
                for asset in ordered if kind == "zip-assets" else reversed(ordered):
                    archive.writestr(f"labels/{asset['externalId']}.json", json.dumps(asset, indent=4))
    return path


@pytest.mark.heavy(3)
@pytest.mark.parametrize("kind", ["array", "lines", "zip-assets", "zip-assets-out-of-order", "zip-data"])
def test_check_gives_every_output_the_buffered_pick_gave_on_generated_exports(rule_set, tmp_path, kind):
    path = _write(list(generated_assets(400, seed=len(kind))), tmp_path, kind)
    streamed = _check_outputs(rule_set, path, tmp_path, True)
    assert streamed == _check_outputs(rule_set, path, tmp_path, False)
    assert 200 < streamed["json"]["labels"] < 400 and streamed["json"]["assets_without_label"] > 40
    assert streamed["findings"].count("\n") > 50 and streamed["json"]["review"]["reviews_compared"] > 0


def _object_jobs(response):
    """The object jobs of a jsonResponse, in video frames too (read with plain Python)."""
    for key, value in response.items() if isinstance(response, dict) else ():
        if isinstance(value, dict) and "annotations" in value:
            yield key
        elif key.isdigit() and isinstance(value, dict):
            yield from _object_jobs(value)


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: p.name)
def test_check_gives_every_output_the_buffered_pick_gave_on_the_sdk_exports(export, tmp_path, monkeypatch):
    """The SDK's exports hold assets with their latestLabel (a video, a PDF, geotiff, COCO...)."""
    monkeypatch.setattr(label_files, "CHUNK", 64)  # read in small chunks: items cut anywhere
    jobs = sorted(
        {job for r in read_label_source(export) for job in _object_jobs(r.label.get("jsonResponse", r.label))}
    )
    rules = "".join(f"  - {{id: one-{job}, type: count, job: {job}, max: 1}}\n" for job in jobs)
    (tmp_path / "rules.yaml").write_text("rules:\n" + rules)
    rule_set = load_rule_set(tmp_path / "rules.yaml")
    streamed = _check_outputs(rule_set, export, tmp_path, True)
    assert streamed == _check_outputs(rule_set, export, tmp_path, False)
    assert streamed["json"]["labels"] > 0


def test_a_zip_member_is_read_as_a_stream_whatever_its_size(tmp_path, monkeypatch):
    """A data.json of an export zip is read item by item like a file (it was read whole, and refused past 256 Mi
    characters): with the largest label allowed set below the member's size, it is still read."""
    assets = list(generated_assets(200, seed=5))
    path = _write(assets, tmp_path, "zip-data")
    monkeypatch.setattr(label_files, "MAX_LABEL_CHARS", 100_000)
    monkeypatch.setattr(label_files, "CHUNK", 4_096)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("data.json").file_size > 10 * 100_000
    records = list(read_label_source(path))
    expected = _records(json.loads(json.dumps(assets)))
    assert [r.label for r in records] == [r.label for r in expected]
    assert records[0].source == f"{path}!data.json[0] label 0"
