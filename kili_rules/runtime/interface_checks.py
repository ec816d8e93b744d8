"""The checks rule types' ``lint`` words its problems with: a job named by a rule, a category of that job.

:class:`CheckedInterface` is the :class:`~kili_rules.runtime.contract.InterfaceView` that rule types' ``lint``
and ``prepare`` receive: a :class:`~kili_rules.runtime.interface.ProjectInterface` (read leniently: a missing key is
an empty value, never an exception) with :meth:`~CheckedInterface.check_job` and
:meth:`~CheckedInterface.check_category`. ``kili-rules lint`` uses it with a "did you mean" hint
(``kili_rules.authoring.interface``); a plugin built for Kili's event API uses it bare to check its rules against
the interface Kili has now (:mod:`~kili_rules.runtime.interface_drift`), with the very same wording.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kili_rules.runtime.contract import OptionProblem
from kili_rules.runtime.interface import Job, ProjectInterface


class CheckedInterface(ProjectInterface):
    """The jobs of a jsonInterface, with the checks of a rule's job and category.

    ``hint(name, choices, display)`` gives the text added after a problem with an unknown name (``" did you mean
    'JOB_0'?"``, or ``""``); none by default.
    """

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
        super().__init__(raw)
        self.raw = raw

    def hint(self, name: str, choices: Iterable[str], display: Mapping[str, str] | None = None) -> str:
        """What to add to a problem with the unknown ``name`` (here: nothing)."""
        return ""

    def check_job(
        self,
        path: str,
        name: str,
        tasks: Iterable[str] | None = None,
        needs: str = "",
        use_instead: Mapping[str, str] | None = None,
    ) -> tuple[Job | None, list[OptionProblem]]:
        """The job named ``name`` and the problems of naming it in option ``path``: it does not exist, its mlTask
        is not one of ``tasks`` (``needs`` says in words what the rule needs; ``use_instead`` maps an mlTask to
        the advice given then), or it is a child job that no category lists (so it never occurs)."""
        job = self.jobs.get(name)
        if job is None:
            known = ", ".join(self.jobs) or "none"
            message = f"unknown job {name!r} in the interface;{self.hint(name, self.jobs)} jobs: {known}"
            return None, [OptionProblem(path, message)]
        problems: list[OptionProblem] = []
        wanted_tasks = frozenset(tasks) if tasks is not None else None
        if wanted_tasks is not None and job.ml_task not in wanted_tasks:
            wanted = needs or f"a {' or '.join(sorted(wanted_tasks))} job"
            advice = (use_instead or {}).get(job.ml_task)
            instead = f"; {advice}" if advice else ""
            problems.append(OptionProblem(path, f"{job.describe}: this rule needs {wanted}{instead}"))
        if job.is_child and not self.parents(name):
            message = f"{name} is a child job that no category of the interface lists: the rule can never apply"
            problems.append(OptionProblem(path, message, "warning"))
        return job, problems

    def check_category(self, job: Job, path: str, category: str) -> list[OptionProblem]:
        """The problem of naming ``category`` of ``job`` in option ``path``: it is not one of the job's keys."""
        if category in job.categories:
            return []
        if not job.categories:
            message = f"{job.name} has no categories, so {category!r} never occurs: the rule can never apply"
            return [OptionProblem(path, message)]
        hint = self.hint(category, job.categories, job.categories)
        known = ", ".join(job.categories)
        return [OptionProblem(path, f"unknown category {category!r} in {job.name};{hint} categories: {known}")]

    def all_categories(self) -> list[str]:
        """Every category key of every job, sorted and without repeats."""
        return sorted({key for job in self.jobs.values() for key in job.categories})
