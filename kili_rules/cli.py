"""The ``kili-rules`` command. Every error is one line on stderr, no traceback; exit code 2 for bad input."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from kili_rules.errors import BuildError, LabelFileError, RuleFileError
from kili_rules.registry import RegistryError

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
  kili-rules build rules/document.yaml                 # dist/document/main.py, for kili.upload_plugin

exit codes: 0 fine, 1 problems found (lint, test, check), 2 bad usage or a file that cannot be read
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _load(path: str):
    from kili_rules.loader import load_rule_set

    return load_rule_set(path)


def cmd_validate(args: argparse.Namespace) -> int:
    """Load each rule file and say what it holds."""
    for path in args.rule_files:
        rule_set = _load(path)
        types = ", ".join(sorted({r["type"] for r in rule_set.data["rules"]})) or "none"
        print(f"{path}: OK, rule set {rule_set.name!r}: {len(rule_set.data['rules'])} rules ({types})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate labels and print each rule's outcome, the findings and the score."""
    from kili_rules.label_files import read_labels

    rule_set = _load(args.rule_file)
    failed = False
    for label_file in args.label_files:
        for record in read_labels(label_file):
            report = rule_set.evaluate(record.label, args.event)
            failed = failed or bool(report.failed_rule_ids)
            if args.format == "json":
                print(json.dumps(_report_json(record, report), ensure_ascii=False))
                continue
            label_id = record.label.get("id") or "-"
            print(f"{record.source} (label {label_id}): score {report.score:g}")
            for outcome in report.outcomes:
                print(f"  {outcome.status:<14} {outcome.rule_id}" + (f": {outcome.error}" if outcome.error else ""))
                for finding in outcome.findings:
                    pin = f" @ {finding.mid}" if finding.mid else ""
                    print(f"    {finding.severity}: {finding.message}{pin}")
    return 1 if failed and args.strict else 0


def _report_json(record, report) -> dict:
    return {
        "source": record.source,
        "label_id": record.label.get("id"),
        "asset_id": record.asset_id,
        "score": report.score,
        "failed_rules": report.failed_rule_ids,
        "outcomes": [{"rule_id": o.rule_id, "status": o.status, "error": o.error} for o in report.outcomes],
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "mid": f.mid,
                "job": f.job,
                "frame": f.frame,
            }
            for f in report.findings
        ],
    }


def cmd_lint(args: argparse.Namespace) -> int:
    """Check rule files against the project's jsonInterface: 0 clean, 1 problems, 2 a file could not be read."""
    from kili_rules.lint import lint_rule_file

    exit_code = 0
    for path in args.rule_files:
        try:
            problems = lint_rule_file(path, interface_path=args.interface)
        except RuleFileError as error:
            print(str(error), file=sys.stderr)
            exit_code = 2
            continue
        for problem in problems:
            print(problem)
        if problems:
            exit_code = max(exit_code, 1)
            errors = sum(p.severity == "error" for p in problems)
            print(f"{path}: {errors} error(s), {len(problems) - errors} warning(s)", file=sys.stderr)
        else:
            print(f"{path}: clean", file=sys.stderr)
    return exit_code


def cmd_schema(args: argparse.Namespace) -> int:
    """Write the JSON Schema of rule files, narrowed to a project's job and category names when one is known."""
    from kili_rules.schema import write_schema

    target = write_schema(args.rule_file, interface_path=args.interface, out=args.out)
    if target is not None:
        print(f"wrote {target}", file=sys.stderr)
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    """Run the YAML test cases: 0 all pass, 1 a case fails, 2 a test file or rule set cannot be loaded."""
    from kili_rules.rule_tests import discover, load_test_file, run_case

    files = discover(args.paths)
    if not files:
        where = ", ".join(args.paths) or "rules/"
        raise LabelFileError(
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


def cmd_new_case(args: argparse.Namespace) -> int:
    """Append a test case made from a real label, expecting what the rules say about it today."""
    from kili_rules.rule_tests import new_case

    target, case, report = new_case(
        args.rule_file,
        args.label_file,
        test_file=args.tests,
        name=args.name,
        asset=args.asset,
        index=args.index,
        event=args.event,
    )
    failed = ", ".join(report.failed_rule_ids) or "no rule"
    print(f"added case {case['name']!r} to {target}: {failed} failing, score {report.score:g}")
    print("  it records what the rules say today: check that is what they should say, and edit `expect:` if not")
    for outcome in report.errors:
        print(
            f"  warning: rule {outcome.rule_id!r} raised on this label ({outcome.error}): fix the rule", file=sys.stderr
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Audit existing labels: per-rule summary and score distribution; exit 1 at --fail-on severity."""
    from kili_rules.audit import ProgressBar, audit

    rule_set = _load(args.rule_file)
    missing = [f for f in args.label_files if not Path(f).is_file()]
    if missing:
        raise LabelFileError(f"{missing[0]}: no such file")
    progress = None
    if not args.no_progress:
        progress = ProgressBar(sum(Path(f).stat().st_size for f in args.label_files))
    summary = audit(rule_set, args.label_files, args.event, progress)
    if args.format == "json":
        print(json.dumps(summary.as_json(), ensure_ascii=False, indent=2))
    else:
        print(summary.as_text())
    return 1 if summary.reaches(args.fail_on) else 0


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a rule set: rule file, placeholder interface, test cases, editor schema."""
    from kili_rules.scaffold import init

    files = init(args.folder, args.name)
    for path in files:
        print(f"wrote {path}")
    rule_file = files[0]
    print(
        f"next: replace {files[1]} with your project's jsonInterface, then\n"
        f"  kili-rules lint {rule_file}\n  kili-rules test {args.folder}\n  kili-rules build {rule_file}"
    )
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    """List the installed rule types with the first line of their documentation (all of it with --doc)."""
    from kili_rules.docs import rule_type_doc
    from kili_rules.registry import default_registry

    registry = default_registry()
    for name, rule_type in registry.rule_types.items():
        doc = rule_type_doc(rule_type)
        if args.doc:
            print(f"# {name}  (from {registry.providers[name]})\n\n{doc}\n")
        else:
            print(f"{name:<12} {doc.splitlines()[0] if doc else ''}  [{registry.providers[name]}]")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build each rule file into dist/<name>/main.py."""
    from kili_rules.build import build_plugin

    for path in args.rule_files:
        result = build_plugin(_load(path), Path(args.out))
        print(result.summary())
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    main = _Parser(
        prog="kili-rules",
        description="Rule-based label QA for Kili: check rule files, evaluate labels offline, build the plugin.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_: str, example: str):
        sub = commands.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=f"examples:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    init = add(
        "init",
        cmd_init,
        "start a rule set in a folder: rule file, placeholder interface, test cases and editor schema",
        "kili-rules init qa/invoices && kili-rules test qa/invoices",
    )
    init.add_argument("folder", metavar="DIR")
    init.add_argument("--name", help="the rule set (and plugin) name (default: the folder's name)")

    validate = add(
        "validate", cmd_validate, "load rule files and report any problem", "kili-rules validate rules/*.yaml"
    )
    validate.add_argument("rule_files", nargs="+", metavar="RULE_FILE")

    evaluate = add(
        "eval",
        cmd_eval,
        "evaluate labels (Kili exports, labels, bare jsonResponses) and print the outcomes",
        "kili-rules eval rules/image.yaml labels.json",
    )
    evaluate.add_argument("rule_file", metavar="RULE_FILE")
    evaluate.add_argument("label_files", nargs="+", metavar="LABEL_FILE")
    evaluate.add_argument("--event", choices=("submit", "review"), default="submit")
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--strict", action="store_true", help="exit 1 when any rule fails")

    lint = add(
        "lint",
        cmd_lint,
        "check rule files against the project's jsonInterface (exit 0 clean, 1 problems, 2 unreadable)",
        "kili-rules lint rules/document.yaml\n  kili-rules lint rules/*.yaml --interface project_interface.json",
    )
    lint.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    lint.add_argument(
        "--interface",
        metavar="FILE",
        help="the jsonInterface to check against, instead of the rule file's `interface:` (a jsonInterface, or "
        "a JSON object holding one under `jsonInterface`, like a project from kili.projects())",
    )

    schema = add(
        "schema",
        cmd_schema,
        "print the JSON Schema of rule files (for editor completion), narrowed to the project's job and "
        "category names when a rule file or an interface is given",
        "kili-rules schema rules/document.yaml --out dist/schema/document.schema.json\n"
        "  kili-rules schema --interface project_interface.json > rules.schema.json\n"
        "then start the rule file with:  # yaml-language-server: $schema=../dist/schema/document.schema.json",
    )
    schema.add_argument("rule_file", nargs="?", metavar="RULE_FILE", help="narrow to the interface it names")
    schema.add_argument("--interface", metavar="FILE", help="narrow to this jsonInterface instead")
    schema.add_argument("--out", metavar="FILE", help="write there instead of printing")

    test = add(
        "test",
        cmd_test,
        "run the YAML test cases of rule sets (tests/<rule set>.yaml next to each rule file)",
        "kili-rules test                      # every test file under rules/\n"
        "  kili-rules test rules/document.yaml  # the cases of one rule set\n"
        "  kili-rules test rules/tests/document.yaml -k IBAN",
    )
    test.add_argument("paths", nargs="*", metavar="PATH", help="test files, rule files or folders (default: rules/)")
    test.add_argument("-k", metavar="TEXT", help="run only the cases whose name contains TEXT")

    new = add(
        "new-case",
        cmd_new_case,
        "append a test case made from a real label (a Kili export, a label or a jsonResponse file) to the rule "
        "set's tests/<name>.yaml, expecting what the rules say about it today",
        "kili-rules new-case rules/document.yaml export.json --asset ckq2... --name 'German IBAN'",
    )
    new.add_argument("rule_file", metavar="RULE_FILE")
    new.add_argument("label_file", metavar="LABEL_FILE")
    new.add_argument("--name", help="the case name (default: the label file's name)")
    pick = new.add_mutually_exclusive_group()
    pick.add_argument("--asset", metavar="ID", help="the asset (or label) id, when the file holds several labels")
    pick.add_argument("--index", type=int, metavar="N", help="the N-th label of the file (0-based)")
    new.add_argument("--event", choices=("submit", "review"), default="submit")
    new.add_argument("--tests", metavar="FILE", help="the test file (default: tests/<rule set>.yaml beside it)")

    check = add(
        "check",
        cmd_check,
        "audit existing labels offline: what the rules say about a Kili export, kili.labels() / kili.assets() "
        "dumps or JSON Lines, per rule and as a score distribution (read as a stream: any size)",
        "kili-rules check rules/document.yaml export.json\n"
        "  kili-rules check rules/document.yaml labels.jsonl --format json --fail-on warning",
    )
    check.add_argument("rule_file", metavar="RULE_FILE")
    check.add_argument("label_files", nargs="+", metavar="LABEL_FILE")
    check.add_argument("--event", choices=("submit", "review"), default="submit")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        default="error",
        help="exit 1 when a finding of this severity or worse occurs, or a rule raises (default: error)",
    )
    check.add_argument("--no-progress", action="store_true", help="no progress bar (it only shows on a terminal)")

    rules = add("rules", cmd_rules, "list the installed rule types", "kili-rules rules --doc")
    rules.add_argument("--doc", action="store_true", help="print each rule type's whole documentation")

    build = add("build", cmd_build, "build rule files into uploadable plugins", "kili-rules build rules/document.yaml")
    build.add_argument("rule_files", nargs="+", metavar="RULE_FILE")
    build.add_argument("--out", default="dist", help="output folder (default: dist)")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit code."""
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except RuleFileError as error:
        print(str(error), file=sys.stderr)
        return 2
    except (LabelFileError, RegistryError, BuildError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
