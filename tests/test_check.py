"""`kili-rules check`: the offline audit over exports and big label files, streamed, with bounded memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

import pytest
from cli_runner import run_cli
from conftest import FIXTURES, ROOT, RULES, SDK
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring import label_files
from kili_rules.authoring.audit import ProgressBar, audit
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import LabelFileError

EXPORTS = sorted((SDK / "exports").glob("*.json"))


def responses_of(path):
    """The jsonResponses of an export, read with plain json (independently of kili_rules)."""
    data = json.loads(path.read_text())
    items = data if isinstance(data, list) else [data]
    found = []
    for item in items:
        label = item.get("latestLabel") if "latestLabel" in item else item
        if label is not None:
            found.append(label.get("jsonResponse", label))
    return found


def frames_of(response):
    """A video response is keyed by frame; anything else is one frame."""
    if response and all(key.isdigit() or key == "assetLevel" for key in response):
        return [v for k, v in response.items() if k != "assetLevel" and isinstance(v, dict)]
    return [response]


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: p.name)
def test_check_on_every_sdk_export_counts_what_plain_python_counts(export, tmp_path):
    responses = responses_of(export)
    jobs = sorted({job for r in responses for frame in frames_of(r) for job, v in frame.items() if "annotations" in v})
    assert jobs, "every export has object jobs"
    rules = "".join(f"  - {{id: one-{job}, type: count, job: {job}, max: 1}}\n" for job in jobs)
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text("rules:\n" + rules)
    summary = audit(load_rule_set(rule_file), [export])
    assert summary.labels == len(responses)
    for job in jobs:
        too_many = sum(
            any(len(frame.get(job, {}).get("annotations", [])) > 1 for frame in frames_of(r)) for r in responses
        )
        tally = summary.rules[f"one-{job}"]
        assert tally.statuses["fail"] == too_many, job
        assert tally.statuses["error"] == 0
    assert sum(summary.scores.values()) == len(responses)


def test_check_on_every_export_at_once_from_the_command_line():
    done = run_cli(
        "check", RULES / "image.yaml", *EXPORTS, "--format", "json", "--fail-on", "never", "--allow-unknown-jobs"
    )  # the SDK's exports are of other projects than the image rules' (issue 21): accepted here
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    report = json.loads(done.stdout)
    assert report["labels"] == sum(len(responses_of(p)) for p in EXPORTS)
    assert [r["id"] for r in report["rules"]] == ["one-object-a"]
    assert sum(report["scores"]["buckets"].values()) == report["labels"]


def run_check(*args):
    """``kili-rules check ARGS`` in this process (tests/cli_runner.py), in the repository's root."""
    return run_cli("check", *args, cwd=ROOT)


def test_fail_on_sets_the_exit_code(tmp_path):
    three = RULES / "labels" / "image_label_three_boxes.json"
    assert run_check(RULES / "image.yaml", three).returncode == 1
    assert run_check(RULES / "image.yaml", three, "--fail-on", "never").returncode == 0
    warning_rules = tmp_path / "warn.yaml"
    warning_rules.write_text("rules:\n  - {id: w, type: count, job: JOB_0, max: 1, severity: warning}\n")
    assert run_check(warning_rules, three).returncode == 0
    assert run_check(warning_rules, three, "--fail-on", "warning").returncode == 1
    assert run_check(warning_rules, three, "--fail-on", "info").returncode == 1


def test_text_summary_names_each_rule_an_example_and_the_scores():
    done = run_check(RULES / "document.yaml", *sorted((RULES / "labels").glob("document_*.json")))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("checked 2 labels from 2 file(s)")
    assert any(line.split()[:3] == ["iban-fr", "error", "1"] for line in lines)
    assert any(
        "iban-fr: " in line and "IBAN number should start by FR @ 20230801120000000-iban" in line for line in lines
    )
    assert "score: mean 88.89, median 88.89, min 77.78, max 100" in lines


def test_unreadable_input_is_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"jsonResponse": {}},\n {"jsonResponse": }]')
    done = run_check(RULES / "image.yaml", broken)
    assert done.returncode == 2 and done.stderr.strip() == f"error: {broken}:2: not valid JSON: Expecting value"
    missing = run_check(RULES / "image.yaml", tmp_path / "nope.json")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_the_progress_bar_draws_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(1000, stream)
        bar.last_drawn = -1.0
        bar.update(42, 500)
        bar.close()
    assert "[###############               ]  50%  42 labels" in terminal.getvalue()
    assert pipe.getvalue() == ""


# -- streaming: bounded memory over 100,000 labels ---------------------------------------------------------------

MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from kili_rules.authoring.audit import audit
    from kili_rules.authoring.loader import load_rule_set

    def peak_mib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    path, rules = sys.argv[1:3]
    rule_set = load_rule_set(rules)
    peaks = {"peak_before_mib": peak_mib()}  # everything imported and loaded, no label read yet

    def on_report(record, report):  # the peak after the first 10,000 labels
        peaks["labels"] = peaks.get("labels", 0) + 1
        if peaks["labels"] == 10_000:
            peaks["peak_10000_mib"] = peak_mib()

    summary = audit(rule_set, [path], on_report=on_report)
    fails = summary.rules["one-object-a"].statuses["fail"]
    print(json.dumps({**peaks, "labels": summary.labels, "fails": fails, "peak_mib": peak_mib()}))
    """
)


@pytest.mark.heavy(8.4)
def test_check_over_100000_labels_keeps_memory_flat(labels_100000, tmp_path):
    """One audit of the 100,000 labels, in a process of its own, measures its peak memory before the first label,
    after 10,000 labels and at the end: memory must not grow with the labels, and the whole run must hold less than
    a quarter of the file (``json.load`` of this file peaks at about ten times its size)."""
    (tmp_path / "measure.py").write_text(MEASURE)
    command = [sys.executable, str(tmp_path / "measure.py"), str(labels_100000), str(RULES / "image.yaml")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    checked = json.loads(done.stdout)
    assert checked["labels"] == 100_000 and 0 < checked["fails"] < 100_000
    file_mib = labels_100000.stat().st_size / 2**20
    print(
        f"check: {file_mib:.0f} MiB, 100,000 labels: peak {checked['peak_mib']:.0f} MiB (before the first label: "
        f"{checked['peak_before_mib']:.0f} MiB, after 10,000: {checked['peak_10000_mib']:.0f} MiB)"
    )
    assert file_mib > 30
    assert checked["peak_mib"] - checked["peak_10000_mib"] < 10, checked  # 10x the labels, the same memory
    assert checked["peak_mib"] - checked["peak_before_mib"] < file_mib / 4, checked  # never the whole file


# -- the stream reader ---------------------------------------------------------------------------------------------

labels = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.text(max_size=6),
            "jsonResponse": st.dictionaries(st.text(max_size=6), st.text(max_size=30), max_size=3),
        }
    ),
    max_size=12,
)


@pytest.mark.heavy(2.7)
@settings(max_examples=200, deadline=None)
@given(items=labels, indent=st.sampled_from([None, 0, 2]), chunk=st.sampled_from([1, 3, 16, 1 << 20]))
def test_a_json_array_read_as_a_stream_gives_what_json_load_gives(tmp_path_factory, items, indent, chunk):
    path = tmp_path_factory.mktemp("stream") / "labels.json"
    path.write_text(json.dumps(items, indent=indent))
    saved, label_files.CHUNK = label_files.CHUNK, chunk
    try:
        assert [r.label for r in label_files.read_labels(path)] == items
    finally:
        label_files.CHUNK = saved


@pytest.mark.heavy(1.9)
@settings(max_examples=200, deadline=None)
@given(items=labels.filter(bool), cut=st.floats(0.05, 0.95))
def test_a_cut_or_broken_array_is_a_located_error(tmp_path_factory, items, cut):
    text = json.dumps(items, indent=1)
    path = tmp_path_factory.mktemp("broken") / "labels.json"
    path.write_text(text[: max(1, int(len(text) * cut))])
    try:
        got = [r.label for r in label_files.read_labels(path)]
    except LabelFileError as error:
        assert str(error).startswith(str(path))
    else:
        raise AssertionError(f"a cut file was read whole: {got}")


@pytest.mark.parametrize("chunk", [7, 100, 1 << 20])
def test_every_export_reads_the_same_streamed_in_small_chunks_or_loaded_whole(chunk, monkeypatch):
    monkeypatch.setattr(label_files, "CHUNK", chunk)
    for export in EXPORTS:
        data = json.loads(export.read_text())
        whole = [
            r.label for item in (data if isinstance(data, list) else [data]) for r in label_files.labels_in(item, "x")
        ]
        assert [r.label for r in label_files.read_labels(export)] == whole, export.name


@pytest.mark.parametrize("shape", ["interface", "project"])
def test_an_interface_or_a_project_given_as_labels_is_refused_not_scored(tmp_path, shape):
    """An interface read as a bare jsonResponse would be a label no rule applies to, scoring 100: refused instead."""
    interface = json.loads((FIXTURES / "kili-sdk" / "interfaces" / "image_defects.json").read_text())
    document = interface if shape == "interface" else {"id": "p", "title": "t", "jsonInterface": interface}
    path = tmp_path / f"{shape}.json"
    path.write_text(json.dumps(document))
    done = run_check(RULES / "image.yaml", path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"error: {path}: a{'n' if shape == 'interface' else ''} {shape} (")
    assert "not a label; give labels: a Kili export" in done.stderr and len(done.stderr.splitlines()) == 1
    with pytest.raises(LabelFileError, match="not a label"):
        list(label_files.labels_in(document, "x"))
    assert [r.label for r in label_files.labels_in({"jobs": {"JOB_0": {"annotations": []}}}, "x")] == [
        {"jsonResponse": {"jobs": {"JOB_0": {"annotations": []}}}}
    ]  # a job named `jobs` is still a job
