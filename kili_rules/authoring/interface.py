"""A project's jsonInterface as lint reads it: the jobs, what kind of answer each holds, their categories, and
where each child job can occur.

:class:`Interface` is the :class:`~kili_rules.runtime.contract.InterfaceView` that rule types' ``lint`` and
``prepare`` receive: the checks of :class:`~kili_rules.runtime.interface_checks.CheckedInterface` (the ones a
plugin built for Kili's event API runs when the interface changes), whose problems say "did you mean" from the
interface's own names. Authoring time only: never embedded in a plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kili_rules.errors import did_you_mean
from kili_rules.runtime.interface import Job
from kili_rules.runtime.interface_checks import CheckedInterface


class Interface(CheckedInterface):
    """The jobs of a jsonInterface, read leniently (a missing key is an empty value, never an exception), as the
    runtime reads them (:class:`~kili_rules.runtime.interface.ProjectInterface`), with the checks lint words its
    problems with."""

    def hint(self, name: str, choices: Iterable[str], display: Mapping[str, str] | None = None) -> str:
        """`` did you mean 'JOB_0'?`` (:func:`kili_rules.errors.did_you_mean`)."""
        return did_you_mean(name, choices, display)


__all__ = ["Interface", "Job"]
