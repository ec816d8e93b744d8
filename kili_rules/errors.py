"""The errors kili-rules reports to its users: one family, one line per problem, an exit code.

Every error a user can cause (a rule file, a file of labels, a build, a plugin, a Kili API call) is a
:class:`KiliRulesError`; the command line catches that base class only, prints :meth:`KiliRulesError.lines` on
stderr (no traceback) and exits with its ``exit_code`` (2: the input cannot be used). Problems in files are
structured :class:`Problem` objects (file, line, column, code, message, hint, severity, rule id), printed
``file:line:col: severity: message; hint [rule-id]``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, at a 1-based line and column.

    Attributes:
        path, line, column: where.
        message: what is wrong (and, in words, what to do).
        severity: ``error`` or ``warning``.
        rule_id: the rule it is about, when there is one.
        code: a stable short name of the kind of problem (``unknown-key``, ``unknown-job``...), when given.
        hint: a suggestion printed after the message (``did you mean 'max'?``).
    """

    path: str
    line: int
    column: int
    message: str
    severity: str = "error"
    rule_id: str | None = None
    code: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        tag = f" [{self.rule_id}]" if self.rule_id is not None else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}{hint}{tag}"


def did_you_mean(name: str, choices: Iterable[str], display: Mapping[str, str] | None = None) -> str:
    """`` did you mean 'JOB_0'?`` (with a leading space), or ``""`` when nothing is close.

    The one "did you mean" of kili-rules: the same name in another case first, then the closest spelling.
    ``display`` maps each choice to another name it is known by (a category's display name), so that
    ``Object A`` finds ``OBJECT_A``.
    """
    choices = [str(choice) for choice in choices]
    for choice in choices:
        if name.casefold() in (choice.casefold(), (display or {}).get(choice, "").casefold()):
            return f" did you mean {choice!r}?"
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f" did you mean {close[0]!r}?"
    by_display = {v: k for k, v in (display or {}).items()}
    close = difflib.get_close_matches(name, list(by_display), n=1, cutoff=0.6)
    return f" did you mean {by_display[close[0]]!r}?" if close else ""


class KiliRulesError(Exception):
    """The base of every error reported to a user. ``lines()`` is what the command line prints."""

    #: what the command line exits with
    exit_code = 2

    def lines(self) -> list[str]:
        """The lines to print on stderr (one per problem)."""
        return [f"error: {self}"]


class RuleFileError(KiliRulesError):
    """A rule file (or a file it names: interface, Python module, test file) cannot be loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems

    def lines(self) -> list[str]:
        return [str(problem) for problem in self.problems]


class InputError(KiliRulesError):
    """An input given on the command line cannot be used (a folder, a name, a file that is not there)."""


class LabelFileError(InputError):
    """A file of labels cannot be read; the message names the file and what to do."""


class BuildError(KiliRulesError):
    """A rule set cannot be built into a plugin; the message names the module and line when there is one."""


class RegistryError(KiliRulesError):
    """The installed rule types cannot be gathered: two plugins provide the same rule type, a plugin returns
    something that is not a rule type, or a plugin cannot be loaded."""


class PluginLoadError(RegistryError):
    """A third-party plugin cannot be loaded (its entry point fails to import, or it implements a hook that does
    not exist); the message names the entry point and its package."""


class FileAccessError(InputError):
    """The operating system refused to read or write a file."""

    @classmethod
    def from_os_error(cls, error: OSError) -> FileAccessError:
        """``path: why`` from an OSError."""
        where = f"{error.filename}: " if error.filename else ""
        return cls(f"{where}{error.strerror or error}")
