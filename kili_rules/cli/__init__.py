"""The ``kili-rules`` command line: one module per command, each declaring its ``NAME``, ``HELP``, ``EXAMPLES``, its
arguments (``add_arguments``) next to its handler (``run``).

Every error a user can cause is a :class:`kili_rules.errors.KiliRulesError`: printed as one line per problem on
stderr, no traceback, exit code 2. A new command is a module here plus its line in ``COMMANDS``.

May import everything else in ``kili_rules``; heavy imports happen inside each ``run`` so that ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from kili_rules.cli import (
    apply,
    build,
    check,
    deploy,
    diff,
    evaluate,
    init,
    lint,
    logs,
    new_case,
    pull,
    rules,
    schema,
    test,
    validate,
)
from kili_rules.errors import FileAccessError, KiliRulesError

#: The commands, in the order ``--help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (
    init,
    validate,
    evaluate,
    lint,
    schema,
    test,
    new_case,
    check,
    rules,
    build,
    pull,
    diff,
    apply,
    deploy,
    logs,
)

EXAMPLES = """\
examples:
  kili-rules init qa/invoices                          # a new rule set, its interface placeholder, a test case
  kili-rules lint rules/document.yaml                  # every rule checked against the project's jsonInterface
  kili-rules schema rules/document.yaml --out dist/schema/document.schema.json   # editor completion
  kili-rules test                                      # the YAML test cases of every rule set under rules/
  kili-rules new-case rules/document.yaml export.json --asset ID   # a test case from a real label
  kili-rules check rules/document.yaml export.json     # what the rules say about existing labels
  kili-rules eval rules/image.yaml label.json          # each rule's outcome on a few labels
  kili-rules rules --doc                               # the installed rule types and their documentation
  kili-rules rules --python-api                        # what a Python rule reads: every name, its type
  kili-rules build rules/document.yaml                 # dist/document/main.py, for kili.upload_plugin

live project (API key in KILI_API_KEY, on-premise server in KILI_API_ENDPOINT):
  kili-rules pull --project ID rules/document.yaml     # the project's jsonInterface into the rule set's interface
  kili-rules check rules/document.yaml --project ID --latest --format html --out audit.html
  kili-rules diff old.yaml rules/document.yaml --project ID   # what a change does to existing labels
  kili-rules apply rules/document.yaml --project ID    # the plugin over existing labels: dry run, then --yes
  kili-rules deploy rules/document.yaml --project ID   # build, upload, activate, filterable score, logs
  kili-rules logs --project ID --plugin document

exit codes: 0 fine, 1 problems found (lint, test, check) or a run not complete (apply: assets failed, tried
again on the next run), 2 bad usage or a file that cannot be read
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    """The command-line interface: every command of ``COMMANDS`` with its arguments and examples."""
    main = _Parser(
        prog="kili-rules",
        description="Rule-based label QA for Kili: check rule files, evaluate labels offline, build the plugin.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subcommands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = subcommands.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.HELP,
            epilog=f"examples:\n  {command.EXAMPLES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        try:
            return args.handler(args)
        except OSError as error:  # the operating system's refusals join the family: one line, exit 2
            if isinstance(error, BrokenPipeError):  # `kili-rules check ... | head`: the reader has gone
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error when stdout is flushed
                return 141  # what a shell reports for a command ended by SIGPIPE: the output was not all read
            raise FileAccessError.from_os_error(error) from None
    except KiliRulesError as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
