"""Errors in user input, each printed as one line ``file:line:col: error: what is wrong; what to do``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"
    rule_id: str | None = None

    def __str__(self) -> str:
        tag = f" [{self.rule_id}]" if self.rule_id is not None else ""
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}{tag}"


class RuleFileError(Exception):
    """A rule file (or a file it names) cannot be loaded. ``str()`` gives one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class LabelFileError(Exception):
    """A file of labels cannot be read; the message names the file and what to do."""


class BuildError(Exception):
    """A rule set cannot be built into a plugin; the message names the module and line when there is one."""
