"""A project's jsonInterface as lint reads it: the jobs, what kind of answer each holds, their categories, and
where each child job can occur.

:class:`Interface` is the :class:`~kili_rules.runtime.contract.InterfaceView` that rule types' ``lint`` and
``prepare`` receive: its ``check_job`` and ``check_category`` word every problem the same way, with "did you mean"
from the interface's own names. Authoring time only: never embedded in a plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.errors import did_you_mean
from kili_rules.runtime.contract import OptionProblem


@dataclass(frozen=True)
class Job:
    """One job of the interface."""

    name: str
    ml_task: str
    tools: tuple[str, ...] = ()
    input_type: str | None = None
    is_child: bool = False
    required: bool = False
    #: category key -> display name
    categories: Mapping[str, str] = field(default_factory=dict)
    #: category key -> the child jobs that may be answered under it (its pose points' included); key ``""``: the
    #: children a job lists at job level
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def describe(self) -> str:
        """``JOB_0 is an OBJECT_DETECTION job (rectangle, input radio)``."""
        details = [*self.tools, *([f"input {self.input_type}"] if self.input_type else [])]
        article = "an" if self.ml_task[:1] in "AEIOU" else "a"
        return f"{self.name} is {article} {self.ml_task or 'untyped'} job" + (
            f" ({', '.join(details)})" if details else ""
        )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _names(value: Any) -> list[str]:
    return [str(k) for k in value] if isinstance(value, list) else []


def _job(name: str, raw: Mapping[str, Any]) -> Job:
    content = _mapping(raw.get("content"))
    categories: dict[str, str] = {}
    children: dict[str, tuple[str, ...]] = {}
    for key, category in _mapping(content.get("categories")).items():
        category = _mapping(category)
        categories[str(key)] = str(category.get("name", key))
        kids = _names(category.get("children"))
        points = category.get("points")
        for point in points if isinstance(points, list) else ():
            kids += _names(_mapping(point).get("children"))  # a pose point's own child jobs
        children[str(key)] = tuple(dict.fromkeys(kids))
    if _names(raw.get("children")):  # children listed at job level (the SDK reads them there too)
        children[""] = tuple(_names(raw.get("children")))
    tools = raw.get("tools")
    return Job(
        name=name,
        ml_task=str(raw.get("mlTask", "")),
        tools=tuple(str(t) for t in tools) if isinstance(tools, list) else (),
        input_type=content.get("input") if isinstance(content.get("input"), str) else None,
        is_child=bool(raw.get("isChild")),
        required=bool(raw.get("required")),
        categories=categories,
        children=children,
    )


class Interface:
    """The jobs of a jsonInterface, read leniently (a missing key is an empty value, never an exception)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.jobs: dict[str, Job] = {
            str(name): _job(str(name), _mapping(job)) for name, job in _mapping(raw.get("jobs")).items()
        }

    def parents(self, job: str) -> list[tuple[str, str]]:
        """Where ``job`` can occur as a child: ``[(parent job, category key)]``."""
        return [
            (parent.name, category)
            for parent in self.jobs.values()
            for category, kids in parent.children.items()
            if job in kids
        ]

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
            message = f"unknown job {name!r} in the interface;{did_you_mean(name, self.jobs)} jobs: {known}"
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
        hint = did_you_mean(category, job.categories, job.categories)
        known = ", ".join(job.categories)
        return [OptionProblem(path, f"unknown category {category!r} in {job.name};{hint} categories: {known}")]

    def all_categories(self) -> list[str]:
        """Every category key of every job, sorted and without repeats."""
        return sorted({key for job in self.jobs.values() for key in job.categories})


__all__ = ["Interface", "Job"]
