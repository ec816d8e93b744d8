"""Loading a rule set imports (runs) its Python modules, within a time bound: a module whose top level never ends
stops ``validate`` / ``lint`` / ``build`` in one line naming it (exit 2) instead of hanging them. The bound is
``KILI_RULES_IMPORT_SECONDS`` (10 s by default).

The runaway cases run in processes of their own, ended at a timeout: unbounded, they would hang the test worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli, run_cli_process
from conftest import ROOT

LOOP = "import time\n\nx = 0\nwhile True:\n    x += 1\n"
SLEEP = "import time\n\ntime.sleep(3600)\n"
RULES = "interface: interface.json\npython: [fine.py, runaway.py]\nrules: []\n"
INTERFACE = '{"jobs": {"JOB_0": {"mlTask": "CLASSIFICATION", "content": {"input": "radio", "categories": {}}}}}'
FINE = "from kili_rules import rule\n\n\n@rule()\ndef fine(label):\n    return True\n"


def runaway_rule_set(write_rules, top_level: str) -> Path:
    return write_rules(RULES, fine__py=FINE, runaway__py=top_level, interface__json=INTERFACE)


@pytest.mark.parametrize(
    ("command", "top_level"),
    [("validate", LOOP), ("validate", SLEEP), ("lint", LOOP), ("build", SLEEP)],
    ids=["validate-python-loop", "validate-blocked-in-c", "lint-python-loop", "build-blocked-in-c"],
)
def test_a_module_that_never_ends_importing_is_one_line_exit_2(command, top_level, write_rules, monkeypatch, tmp_path):
    path = runaway_rule_set(write_rules, top_level)
    monkeypatch.setenv("KILI_RULES_IMPORT_SECONDS", "0.5")
    more = ["--out", tmp_path / "dist"] if command == "build" else []
    done = run_cli_process(command, path, *more, timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(
        f"{path}:2:19: error: importing runaway.py took more than 0.5 s: its top level runs when the rule set is "
        "loaded (an endless loop?); make it quick, or allow more time with KILI_RULES_IMPORT_SECONDS=SECONDS"
    ), done.stderr


def test_an_endless_loop_is_stopped_so_the_process_goes_on(write_rules, monkeypatch):
    """In a library call the process goes on after the refusal: a loop in Python code is stopped (the thread
    ends), and the module is not left half-imported in ``sys.modules``."""
    path = runaway_rule_set(write_rules, LOOP)
    script = (
        "import json, sys, threading, time\n"
        "from kili_rules.authoring.loader import load_rule_set\n"
        "from kili_rules.errors import RuleFileError\n"
        "start = time.perf_counter()\n"
        "try:\n    load_rule_set(sys.argv[1])\nexcept RuleFileError as error:\n    message = str(error)\n"
        "seconds = time.perf_counter() - start\n"
        "time.sleep(0.5)\n"
        "threads = [t.name for t in threading.enumerate() if t.name.startswith('import ')]\n"
        "left = [name for name in sys.modules if name.endswith('.runaway')]\n"
        "print(json.dumps([seconds, message, threads, left]))\n"
    )
    monkeypatch.setenv("KILI_RULES_IMPORT_SECONDS", "0.3")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=30)
    seconds, message, threads, left = json.loads(done.stdout)
    assert 0.3 <= seconds < 5
    assert "importing runaway.py took more than 0.3 s" in message
    assert threads == [] and left == []


def test_a_module_that_imports_in_time_is_loaded(write_rules, monkeypatch):
    path = write_rules(
        "python: [slowish.py]\nrules: []\n",
        slowish__py="import time\n\ntime.sleep(0.05)\n" + FINE.replace("fine", "slowish"),
    )
    monkeypatch.setenv("KILI_RULES_IMPORT_SECONDS", "5")
    done = run_cli("validate", path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_a_bound_that_is_not_seconds_is_one_line_exit_2(value, write_rules, monkeypatch):
    path = write_rules("python: [fine.py]\nrules: []\n", fine__py=FINE)
    monkeypatch.setenv("KILI_RULES_IMPORT_SECONDS", value)
    done = run_cli("validate", path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"error: KILI_RULES_IMPORT_SECONDS={value!r}: give the seconds a Python rule module may take to import, "
        "a number above 0 (default 10)\n"
    )


def test_the_readme_says_that_loading_runs_the_python_modules_and_how_long_it_may_take():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`validate`, `lint` and `build` import (run) the rule set's Python modules" in readme
    assert "KILI_RULES_IMPORT_SECONDS" in readme
