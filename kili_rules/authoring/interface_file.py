"""Reading the project's jsonInterface from a file: the jsonInterface itself, a project as ``kili.projects()``
returns it (or the one-project list it returns, or the raw GraphQL answer whose ``jsonInterface`` is a JSON string),
or a label case that carries one. Bounded like every data file; problems are placed in the rule file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kili_rules.authoring.bounded_read import MAX_DATA_FILE_BYTES, UnreadableFile, read_bounded
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, RuleFileError


def read_interface(interface_path: Path, display: str) -> dict[str, Any]:
    """The jsonInterface in the file at ``interface_path``; RuleFileError (at ``display``:1:1) when unusable."""
    problems: list[Problem] = []
    interface = load_interface(interface_path, SourceMap(display), (), problems)
    if interface is None:
        raise RuleFileError(problems)
    return interface


def load_interface(interface_path: Path, source: SourceMap, at: tuple, problems: list[Problem]) -> dict | None:
    """The jsonInterface in the file at ``interface_path``, or None and a problem at ``at`` of ``source``."""
    try:
        interface = json.loads(read_bounded(interface_path, f"interface {interface_path}", MAX_DATA_FILE_BYTES))
    except UnreadableFile as error:
        problems.append(source.problem(at, str(error)))
        return None
    except ValueError as error:
        problems.append(source.problem(at, f"the interface {interface_path} is not valid JSON: {error}"))
        return None
    except RecursionError:
        problems.append(source.problem(at, f"the interface {interface_path} nests too deeply to be a jsonInterface"))
        return None
    if (
        isinstance(interface, list)
        and interface
        and all(isinstance(p, dict) and "jsonInterface" in p for p in interface)
    ):
        if len(interface) > 1:  # kili.projects() returns a list: one project is meant
            ids = ", ".join(str(p.get("id", "?")) for p in interface[:5])
            problems.append(
                source.problem(
                    at,
                    f"{interface_path} holds {len(interface)} projects ({ids}): save the one to lint against, e.g. "
                    "kili.projects(project_id=..., fields=['jsonInterface'])",
                )
            )
            return None
        interface = interface[0]  # the list kili.projects(project_id=...) returns
    if isinstance(interface, dict) and isinstance(interface.get("jsonInterface"), str):
        try:  # the raw GraphQL answer holds the jsonInterface as a JSON string
            interface = {**interface, "jsonInterface": json.loads(interface["jsonInterface"])}
        except ValueError:
            pass
    if isinstance(interface, dict) and isinstance(interface.get("jsonInterface"), dict):
        interface = interface["jsonInterface"]  # a project as kili.projects() returns it, or a label case
    if not isinstance(interface, dict) or not isinstance(interface.get("jobs"), dict):
        problems.append(source.problem(at, f"{interface_path} is not a jsonInterface (it needs a `jobs` object)"))
        return None
    return interface
