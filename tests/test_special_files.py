"""Only regular files are read as rule, interface, Python, test or label files: a named pipe (FIFO), a device or a
folder is refused at once in one line naming it (exit 2), never waited on; ``check``'s reader bounds the size of a
label and its nesting, in one line too."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli, run_cli_process
from conftest import RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring import label_files
from kili_rules.authoring.label_files import read_label_source, read_labels
from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import LabelFileError, RuleFileError
from kili_rules.testing.cases import load_test_file

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")

FIFO = "it is a named pipe (FIFO), not a regular file"
DEVICE = "it is a device, not a regular file"


def ends_within(seconds: float, call: Callable[[], Any]) -> Any:
    """What ``call()`` returns or raises, called in a daemon thread that must end within ``seconds`` (a read that
    waits on a FIFO for ever fails the test instead of hanging the worker; the thread stays blocked in ``open``)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(("returned", call()))
        except BaseException as error:
            outcome.append(("raised", error))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still reading after {seconds} s: it waits on the FIFO"
    kind, value = outcome[0]
    if kind == "raised":
        raise value
    return value


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_a_fifo_rule_file_is_refused_at_once(fifo):
    with pytest.raises(RuleFileError) as raised:
        ends_within(5, lambda: load_rule_set(fifo))
    assert str(raised.value) == (
        f"{fifo}:1:1: error: cannot read the rule file: {FIFO}; give the path of a file (save what it holds first)"
    )


def test_a_folder_given_as_the_rule_file_says_so(tmp_path):
    with pytest.raises(RuleFileError, match=r":1:1: error: cannot read the rule file: it is a folder, not a regular"):
        load_rule_set(tmp_path)


def test_a_fifo_interface_is_refused_at_its_line(write_rules, fifo):
    path = write_rules(f"interface: {fifo}\nrules: []\n")
    with pytest.raises(RuleFileError) as raised:
        ends_within(5, lambda: load_rule_set(path))
    assert str(raised.value).startswith(f"{path}:1:12: error: cannot read the interface {fifo}: {FIFO}")


def test_a_fifo_python_module_is_refused_at_its_entry(write_rules, tmp_path):
    os.mkfifo(tmp_path / "piped.py")
    path = write_rules("python: [piped.py]\nrules: []\n")
    with pytest.raises(RuleFileError) as raised:
        ends_within(5, lambda: load_rule_set(path))
    assert str(raised.value).startswith(f"{path}:1:10: error: cannot read the Python rule module piped.py: {FIFO}")


def test_a_fifo_test_file_is_refused_at_once(tmp_path):
    (tmp_path / "tests").mkdir()
    os.mkfifo(tmp_path / "tests" / "rules.yaml")
    with pytest.raises(RuleFileError, match=re.escape(f"cannot read the test file: {FIFO}")):
        ends_within(5, lambda: load_test_file(tmp_path / "tests" / "rules.yaml"))


@pytest.mark.parametrize("reader", [read_labels, read_label_source], ids=["read_labels", "read_label_source"])
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_fifo_or_a_device_is_not_a_file_of_labels(reader, special, fifo):
    path = fifo if special == "fifo" else Path(special)
    with pytest.raises(LabelFileError) as raised:
        ends_within(5, lambda: list(reader(path)))
    assert str(raised.value).startswith(
        f"{path}: cannot read the file of labels: {FIFO if special == 'fifo' else DEVICE}"
    )


@pytest.mark.parametrize(
    ("command", "special", "expected"),
    [
        (("validate", "{fifo}"), "fifo", f"{{fifo}}:1:1: error: cannot read the rule file: {FIFO}"),
        (("check", RULES / "image.yaml", "{fifo}"), "fifo", f"error: {{fifo}}: cannot read the file of labels: {FIFO}"),
        (
            ("check", RULES / "image.yaml", "/dev/zero"),
            "dev",
            f"error: /dev/zero: cannot read the file of labels: {DEVICE}",
        ),
    ],
    ids=["validate-fifo", "check-fifo", "check-dev-zero"],
)
def test_the_cli_refuses_a_special_file_in_one_line_at_once(command, special, expected, fifo):
    """In a process of its own, ended at its timeout: unrefused, a FIFO blocks for ever and /dev/zero takes all the
    memory there is (a MemoryError at best)."""
    done = run_cli_process(*(str(arg).format(fifo=fifo) for arg in command), timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(expected.format(fifo=fifo)), done.stderr


DEEP = 100_000


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("array.json", "[" * DEEP + "]" * DEEP, "array.json:1: "),
        ("object.json", '{"jsonResponse": ' + "[" * DEEP + "]" * DEEP + "}", "object.json: "),
        ("lines.jsonl", '{"a": 1}\n{"jsonResponse": ' + "[" * DEEP + "]" * DEEP + "}\n", "lines.jsonl:2: "),
        ("labels.json", '[{"jsonResponse": {}},\n ' + "[" * DEEP + "]" * DEEP + "]", "labels.json:2: "),
    ],
    ids=["array", "object", "json-lines", "second-item"],
)
def test_check_on_deeply_nested_json_is_one_line(name, text, where, tmp_path):
    """100,000 nested lists raised RecursionError out of ``check`` (a traceback)."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    done = run_cli("check", RULES / "image.yaml", tmp_path / name)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"error: {tmp_path / where}lists and objects nest too deeply to be a label")


def test_a_json_lines_line_longer_than_a_label_is_refused_unread(tmp_path, monkeypatch):
    """A line longer than a label may be is refused at its number, after reading no more than the bound (a file
    without a newline is not read whole); shorter ones are read."""
    monkeypatch.setattr(label_files, "MAX_LABEL_CHARS", 200)
    short = json.dumps({"jsonResponse": {"T": {"text": "x" * 100}}})
    long = json.dumps({"jsonResponse": {"T": {"text": "x" * 300}}})
    path = tmp_path / "labels.jsonl"
    path.write_text(f"{short}\n{long}\n{short}\n", encoding="utf-8")
    read = []
    with pytest.raises(LabelFileError) as raised:
        for record in read_labels(path):
            read.append(record.label)
    assert read == [json.loads(short)]
    assert str(raised.value).startswith(f"{path}:2: a line of more than 200 characters is not a label")


def test_a_json_object_larger_than_a_label_is_read_as_json_lines(tmp_path, monkeypatch):
    """A file that starts with ``{`` and is larger than one label may be is JSON Lines, each line bounded."""
    monkeypatch.setattr(label_files, "MAX_LABEL_CHARS", 200)
    lines = [json.dumps({"jsonResponse": {"T": {"text": str(i)}}}) for i in range(20)]
    path = tmp_path / "labels.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [record.label for record in read_labels(path)] == [json.loads(line) for line in lines]


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(1, 3000), lines=st.booleans())
def test_any_nesting_is_read_or_refused_in_one_line(depth, lines, tmp_path_factory):
    """Whatever the depth, a label is read as written or refused as too deep, never a RecursionError."""
    label = {"jsonResponse": {"T": {"value": "[" * depth + "]" * depth}}}
    text = json.dumps(label).replace('"' + "[" * depth + "]" * depth + '"', "[" * depth + "]" * depth)
    path = tmp_path_factory.mktemp("deep") / ("labels.jsonl" if lines else "labels.json")
    path.write_text(text + "\n" if lines else f"[{text}]", encoding="utf-8")
    try:
        records = list(read_labels(path))
    except LabelFileError as error:
        assert "nest too deeply to be a label" in str(error) and depth > 100
    else:
        assert [record.label for record in records] == [json.loads(text)]
