"""``kili-rules pull``: a live project's jsonInterface (with its title and input type) into a local file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kili_rules.cli import _live
from kili_rules.errors import InputError

NAME = "pull"
HELP = "write a Kili project's jsonInterface (and title, input type) into the rule set's interface file"
EXAMPLES = (
    "kili-rules pull --project ckxyz rules/document.yaml     # into the file its `interface:` names\n"
    "  kili-rules pull --project ckxyz --out rules/interfaces/document.json"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules pull``."""
    parser.add_argument(
        "rule_file", nargs="?", metavar="RULE_FILE", help="write where its `interface:` points (or use --out)"
    )
    parser.add_argument("--out", metavar="FILE", help="where to write (default: interfaces/<project id>.json)")
    _live.add_connection_arguments(parser)


def interface_path(args: argparse.Namespace) -> Path:
    """Where to write: ``--out``, else the rule file's ``interface:``, else ``interfaces/<project>.json``."""
    if args.out:
        return Path(args.out)
    if args.rule_file:
        from kili_rules.authoring.bounded_read import read_text
        from kili_rules.authoring.yaml_source import load_yaml

        rule_file = Path(args.rule_file)
        header, _ = load_yaml(read_text(rule_file, f"rule file {rule_file}"), str(rule_file))
        target = header.get("interface") if isinstance(header, dict) else None
        if not isinstance(target, str) or not target:
            raise InputError(f"{rule_file} names no `interface:` file: pass --out FILE")
        return rule_file.parent / target
    return Path("interfaces") / f"{args.project}.json"


def run(args: argparse.Namespace) -> int:
    """Fetch the project, write ``{"id", "title", "inputType", "jsonInterface"}`` (a form every command reads)."""
    out = interface_path(args)
    with _live.connect(args) as client:
        project = client.project(args.project)
    previous = None
    if out.is_file():
        try:
            previous = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(project, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    out.write_text(text, encoding="utf-8")
    jobs = project["jsonInterface"].get("jobs") or {}
    state = "unchanged" if previous == project else ("updated" if previous is not None else "written")
    print(
        f"{out}: {state}: project {project['id']} ({project.get('title')!r}, {project.get('inputType')}), "
        f"{len(jobs)} jobs"
    )
    return 0
