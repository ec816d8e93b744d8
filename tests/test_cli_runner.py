"""The command run in the test process (tests/cli_runner.py) reads as it does from a process of its own: the same
text and exit code, a traceback when an exception escapes, and nothing left behind for the next test."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings

import pytest
from cli_runner import MAIN_MODULE, run_cli, run_cli_process
from conftest import ROOT

from kili_rules.cli import validate


@pytest.mark.parametrize(
    "args", [["check", "rules/image.yaml"], ["check", "--help"]], ids=["usage-error", "subcommand-help"]
)
def test_usage_and_help_read_as_the_process_prints_them(args):
    """The program's name in the usage lines and argparse's width (a process writing to a pipe: 80 columns)."""
    here, there = run_cli(*args, cwd=ROOT), run_cli_process(*args, cwd=ROOT)
    assert (here.returncode, here.stdout, here.stderr) == (there.returncode, there.stdout, there.stderr)
    assert "kili-rules check" in here.stdout + here.stderr  # as argparse names the subcommand


def fake_validate(monkeypatch, behaviour):
    """``kili-rules validate`` does ``behaviour(args)`` instead."""
    monkeypatch.setattr(validate, "run", behaviour)


def test_an_exception_that_escapes_is_a_traceback_on_stderr_and_exit_1(monkeypatch):
    def fails(args: argparse.Namespace) -> int:
        print("before")
        raise ValueError("boom")

    fake_validate(monkeypatch, fails)
    done = run_cli("validate", "x.yaml")
    assert done.returncode == 1 and done.stdout == "before\n"
    assert done.stderr.startswith("Traceback (most recent call last):\n") and done.stderr.endswith("ValueError: boom\n")
    assert "cli_runner.py" not in done.stderr.splitlines()[1], "the traceback starts at the command, not the runner"


@pytest.mark.parametrize(
    ("outcome", "returncode", "stderr"),
    [(None, 0, ""), (3, 3, ""), (256 + 2, 2, ""), (SystemExit(None), 0, ""), (SystemExit(4), 4, ""),
     (SystemExit("bye"), 1, "bye\n")],
    ids=["none", "int", "int-past-255", "exit-none", "exit-int", "exit-text"],
)  # fmt: skip
def test_the_exit_code_is_what_the_interpreter_makes_of_the_outcome(outcome, returncode, stderr, monkeypatch):
    def ends(args: argparse.Namespace) -> object:
        if isinstance(outcome, SystemExit):
            raise outcome
        return outcome

    fake_validate(monkeypatch, ends)
    done = run_cli("validate", "x.yaml")
    assert (done.returncode, done.stderr) == (returncode, stderr)


def test_logging_and_warnings_write_to_stderr_and_leave_nothing_behind(monkeypatch):
    def logs(args: argparse.Namespace) -> int:
        logger = logging.getLogger("kili_rules.runner_test")
        logger.addHandler(logging.StreamHandler(sys.stderr))  # as `apply --verbose` does
        logger.propagate = False
        logger.warning("from a handler")
        logging.getLogger("runner_test_unconfigured").warning("from the last resort")
        warnings.warn("careful", UserWarning, stacklevel=1)
        warnings.warn("ignored as in a fresh interpreter", DeprecationWarning, stacklevel=1)
        return 0

    fake_validate(monkeypatch, logs)
    root_handlers = logging.root.handlers[:]
    done = run_cli("validate", "x.yaml")
    assert done.returncode == 0 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[:2] == ["from a handler", "from the last resort"] and "UserWarning: careful" in lines[2]
    assert "ignored" not in done.stderr
    logger = logging.getLogger("kili_rules.runner_test")
    assert (logger.handlers, logger.propagate) == ([], True)
    assert logging.root.handlers == root_handlers


def test_cwd_and_argv_are_the_commands_during_the_run_only(monkeypatch, tmp_path):
    seen = {}

    def looks(args: argparse.Namespace) -> int:
        seen.update(cwd=os.getcwd(), argv=sys.argv[:])
        raise RuntimeError("after looking")

    fake_validate(monkeypatch, looks)
    before = os.getcwd(), sys.argv[:]
    assert run_cli("validate", tmp_path / "x.yaml", cwd=tmp_path).returncode == 1
    assert seen == {"cwd": str(tmp_path), "argv": [MAIN_MODULE, "validate", str(tmp_path / "x.yaml")]}
    assert (os.getcwd(), sys.argv) == before
