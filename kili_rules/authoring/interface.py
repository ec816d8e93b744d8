"""A project's jsonInterface as lint reads it: the jobs, what kind of answer each holds, their categories, and
where each child job can occur.

Rule-type modules call the helpers at the bottom from their ``lint`` function, so that every rule type words its
problems the same way (with "did you mean" from the interface's own names). Stdlib-only, because the build embeds
whatever a rule-type module imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.errors import did_you_mean

#: Jobs whose answers are annotations (objects, entities, relations, poses): what ``count`` counts.
ANNOTATION_JOB = "a job of annotations (objects, entities, relations or poses)"
ANNOTATION_TASKS = frozenset(
    {"OBJECT_DETECTION", "NAMED_ENTITIES_RECOGNITION", "NAMED_ENTITIES_RELATION", "OBJECT_RELATION", "POSE_ESTIMATION"}
)
#: Jobs whose answer is a text.
TEXT_TASKS = frozenset({"TRANSCRIPTION"})
#: Jobs whose answers carry categories (a classification's answer, or each annotation's category).
CATEGORY_TASKS = frozenset({"CLASSIFICATION", "OBJECT_DETECTION", "NAMED_ENTITIES_RECOGNITION", "POSE_ESTIMATION"})
#: Input types of a classification job that allow one category only.
SINGLE_CHOICE_INPUTS = frozenset({"radio", "singleDropdown"})

#: What lint returns for one problem: the option it is about, the message, and optionally its severity
#: (``error`` when the rule is wrong, ``warning`` when it can never apply or never fail).
LintProblem = tuple[str, str] | tuple[str, str, str]


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

    def all_categories(self) -> list[str]:
        """Every category key of every job, sorted and without repeats."""
        return sorted({key for job in self.jobs.values() for key in job.categories})


def lint_job(
    interface: Interface,
    key: str,
    name: str,
    tasks: Iterable[str] | None = None,
    needs: str = "",
    use_instead: Mapping[str, str] | None = None,
) -> tuple[Job | None, list[LintProblem]]:
    """The job named ``name`` and the problems of addressing it: it does not exist, its mlTask is not one of
    ``tasks`` (``needs`` says in words what the rule needs; ``use_instead`` maps an mlTask to the advice given
    then), or it is a child job that no category lists (so it never occurs)."""
    job = interface.jobs.get(name)
    if job is None:
        hint = did_you_mean(name, interface.jobs)
        known = ", ".join(interface.jobs) or "none"
        return None, [(key, f"unknown job {name!r} in the interface;{hint} jobs: {known}")]
    problems: list[LintProblem] = []
    tasks = frozenset(tasks) if tasks is not None else None
    if tasks is not None and job.ml_task not in tasks:
        wanted = needs or f"a {' or '.join(sorted(tasks))} job"
        advice = (use_instead or {}).get(job.ml_task)
        instead = f"; {advice}" if advice else ""
        problems.append((key, f"{job.describe}: this rule needs {wanted}{instead}"))
    if job.is_child and not interface.parents(name):
        problems.append(
            (key, f"{name} is a child job that no category of the interface lists: the rule can never apply", "warning")
        )
    return job, problems


def lint_category(interface: Interface, job: Job, key: str, category: str) -> list[LintProblem]:
    """The problem of naming ``category`` in ``job``: it is not one of the job's category keys."""
    if category in job.categories:
        return []
    hint = did_you_mean(category, job.categories, job.categories)
    if not job.categories:
        return [(key, f"{job.name} has no categories, so {category!r} never occurs: the rule can never apply")]
    known = ", ".join(job.categories)
    return [(key, f"unknown category {category!r} in {job.name};{hint} categories: {known}")]


__all__ = [
    "ANNOTATION_JOB",
    "ANNOTATION_TASKS",
    "CATEGORY_TASKS",
    "SINGLE_CHOICE_INPUTS",
    "TEXT_TASKS",
    "Interface",
    "Job",
    "LintProblem",
    "did_you_mean",
    "lint_category",
    "lint_job",
]
