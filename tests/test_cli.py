"""The `kili-rules` command: every subcommand documents itself with examples, usage errors are one line (exit 2),
and `init` gives a rule set that lints, tests and builds at once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig

import cli_runner
import pytest
from conftest import ROOT, RULES

from kili_rules.cli import main, parser

COMMANDS = sorted(parser()._subparsers._group_actions[0].choices)


def run_cli(*args, cwd=ROOT):
    """``kili-rules ARGS`` in this process (tests/cli_runner.py), in the repository's root unless told."""
    return cli_runner.run_cli(*args, cwd=cwd)


def test_every_issue_command_exists():
    assert {"init", "lint", "schema", "test", "new-case", "check", "rules", "build"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "examples:\n  kili-rules " + command in text


@pytest.mark.parametrize(
    "args",
    [[], ["nope"], ["lint"], ["check", "rules/image.yaml"], ["check", "r.yaml", "l.json", "--fail-on", "bad"],
     ["new-case", "r.yaml", "l.json", "--asset", "a", "--index", "1"], ["test", "--nope"]],
    ids=["no-command", "unknown-command", "lint-no-file", "check-no-labels", "bad-choice", "asset-and-index",
         "unknown-flag"],
)  # fmt: skip
def test_bad_usage_is_one_line_and_exit_2(args):
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "error:" in done.stderr and "--help" in done.stderr


def test_a_file_that_cannot_be_written_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run_cli("schema", "--out", blocker / "under-a-file.json")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_init_scaffolds_a_rule_set_that_lints_tests_and_builds(tmp_path):
    done = run_cli("init", "qa/invoices", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "qa" / "invoices"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "interfaces/invoices.json",
        "invoices.yaml",
        "schema/invoices.schema.json",
        "tests/invoices.yaml",
    ]
    assert run_cli("lint", folder / "invoices.yaml").returncode == 0
    tested = run_cli("test", folder)
    assert tested.returncode == 0 and "2 case(s): 2 passed, 0 failed" in tested.stdout
    built = run_cli("build", folder / "invoices.yaml", "--out", tmp_path / "dist")
    assert built.returncode == 0 and (tmp_path / "dist" / "invoices" / "main.py").is_file()
    again = run_cli("init", "qa/invoices", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    renamed = run_cli("init", "qa/invoices", "--name", "bad name", cwd=tmp_path)
    assert renamed.returncode == 2 and "--name" in renamed.stderr


def test_the_console_script_runs_the_command():
    """The ``kili-rules`` script that pip installs (``[project.scripts]``), in a process of its own."""
    script = shutil.which("kili-rules", path=sysconfig.get_path("scripts"))
    assert script, f"no kili-rules script in {sysconfig.get_path('scripts')}: pip install -e . makes it"
    done = subprocess.run([script, "validate", RULES / "image.yaml"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout == f"{RULES / 'image.yaml'}: OK, rule set 'image': 1 rules (count)\n"


def test_a_reader_that_goes_away_is_no_error(tmp_path):
    """`kili-rules eval ... | head -1` on more output than a pipe holds: no `Broken pipe` message, no traceback, and
    the shell's code for a command ended by SIGPIPE (141)."""
    labels = tmp_path / "labels.jsonl"
    line = (ROOT / "rules" / "labels" / "document_label_de_iban.json").read_text().replace("\n", " ")
    labels.write_text((line + "\n") * 400)  # about 0.5 MiB of output
    command = (
        f"{sys.executable} -m kili_rules.cli eval rules/document.yaml {labels} | head -c 1 > /dev/null; "
        "echo ${PIPESTATUS[0]}"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT)
    assert done.stderr == "" and done.stdout.strip() == "141"
