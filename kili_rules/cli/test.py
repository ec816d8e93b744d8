"""``kili-rules test``: run the YAML test cases: 0 all pass, 1 a case fails, 2 a test file or rule set cannot be
loaded.
"""

from __future__ import annotations

import argparse
import sys

from kili_rules.errors import InputError, RuleFileError

NAME = "test"
HELP = "run the YAML test cases of rule sets (tests/<rule set>.yaml next to each rule file)"
EXAMPLES = (
    "kili-rules test                      # every test file under rules/\n"
    "  kili-rules test rules/document.yaml  # the cases of one rule set\n"
    "  kili-rules test rules/tests/document.yaml -k IBAN"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules test``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="test files, rule files or folders (default: rules/)")
    parser.add_argument("-k", metavar="TEXT", help="run only the cases whose name contains TEXT")


def run(args: argparse.Namespace) -> int:
    """Run the YAML test cases: 0 all pass, 1 a case fails, 2 a test file or rule set cannot be loaded."""
    from kili_rules.testing.cases import discover, load_test_file, run_case

    files = discover(args.paths)
    if not files:
        where = ", ".join(args.paths) or "rules/"
        raise InputError(
            f"no test files found in {where} (they are tests/<rule set>.yaml files with a `cases:` list); "
            "start one with: kili-rules new-case RULE_FILE LABEL_FILE"
        )
    passed = failed = 0
    broken = False
    for path in files:
        try:
            suite = load_test_file(path)
        except RuleFileError as error:
            print(str(error), file=sys.stderr)
            broken = True
            continue
        print(f"{path}  (rule set {suite.rule_set.path})")
        for case in suite.cases:
            if args.k and args.k.casefold() not in case.name.casefold():
                continue
            result = run_case(case, suite.rule_set)
            passed += result.passed
            failed += not result.passed
            print(
                f"  {'PASS' if result.passed else 'FAIL'}  {case.name}"
                + ("" if result.passed else f"  ({path}:{case.line})")
            )
            for difference in result.differences:
                print(f"        - {difference}")
    print(
        f"{passed + failed} case(s): {passed} passed, {failed} failed" + (", test files with errors" if broken else "")
    )
    return 2 if broken else 1 if failed else 0
