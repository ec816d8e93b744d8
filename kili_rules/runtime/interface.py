"""The project's jsonInterface as a rule reads it: the names people see in Kili, and the shape of each job.

``label.interface`` (a :class:`ProjectInterface`) is the interface of the rule set that evaluates the label: the
jobs' display names (their ``instruction``) and categories' display names (their ``name``), each job's mlTask,
tools, input type and categories, and which categories declare which child jobs. It is read-only, built from
plain data the compiled rule set carries (a trimmed jsonInterface: the jobs its rules read, every job when it has
Python rules), so a built plugin holds it as a literal and reads it exactly as ``kili-rules eval`` does. Without
an interface in the rule file it is empty, and every name is the id.

Example::

    >>> interface = ProjectInterface({"jobs": {"JOB_0": {
    ...     "mlTask": "OBJECT_DETECTION", "tools": ["rectangle"], "instruction": "Vehicles",
    ...     "content": {"categories": {"OBJECT_A": {"name": "Object A", "children": ["PLATE"]}}}}}})
    >>> interface.job_name("JOB_0"), interface.category_name("OBJECT_A", "JOB_0"), interface.job_name("OTHER")
    ('Vehicles', 'Object A', 'OTHER')
    >>> job = interface.jobs["JOB_0"]
    >>> job.ml_task, job.tools, dict(job.categories), job.children_of("OBJECT_A"), job.noun(), job.noun(1)
    ('OBJECT_DETECTION', ('rectangle',), {'OBJECT_A': 'Object A'}, ('PLATE',), 'boxes', 'box')
    >>> interface.parents("PLATE")
    [('JOB_0', 'OBJECT_A')]
    >>> as_shown("Vehicles"), as_shown("Is the image healthy?")
    ('Vehicles', '"Is the image healthy?"')

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: What a message calls one and several annotations of an object job drawn with one tool (``3 Object A boxes``).
TOOL_NOUNS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "rectangle": ("box", "boxes"),
        "polygon": ("polygon", "polygons"),
        "semantic": ("mask", "masks"),
        "marker": ("point", "points"),
        "polyline": ("line", "lines"),
        "vector": ("vector", "vectors"),
        "pose": ("pose", "poses"),
        "range": ("range", "ranges"),
    }
)
#: The same for the annotations of the other jobs that hold some, by mlTask.
TASK_NOUNS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "NAMED_ENTITIES_RECOGNITION": ("entity", "entities"),
        "NAMED_ENTITIES_RELATION": ("relation", "relations"),
        "OBJECT_RELATION": ("relation", "relations"),
        "POSE_ESTIMATION": ("pose", "poses"),
    }
)
ANNOTATION_NOUNS = ("annotation", "annotations")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Job:
    """One job of the interface (read-only).

    Attributes:
        name: the job's id, the key of ``jobs`` in the jsonInterface (``JOB_0``): what the label's jsonResponse
            and the rules name it by.
        ml_task: ``CLASSIFICATION``, ``OBJECT_DETECTION``, ``TRANSCRIPTION``... (``""`` when not given).
        tools: ``("rectangle",)``, ``("polygon", "marker")``... (empty for a job without tools).
        input_type: the ``content.input`` (``radio``, ``checkbox``, ``date``, ``number``...), or None.
        is_child: the job only occurs under a category or an annotation of another job.
        required: the interface makes the job required.
        categories: category id -> its display name (its ``name``, or the id when it has none), in order.
        children: category id -> the child jobs it declares (a pose point's included); key ``""``: the children a
            job lists at job level.
        instruction: the job's display name in Kili (``""`` when it has none).
    """

    name: str
    ml_task: str = ""
    tools: tuple[str, ...] = ()
    input_type: str | None = None
    is_child: bool = False
    required: bool = False
    categories: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    children: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)
    instruction: str = ""

    @property
    def display_name(self) -> str:
        """What Kili shows: the instruction, or the id when there is none."""
        return self.instruction or self.name

    def category_name(self, category: str) -> str:
        """The display name of one of its categories (the id itself when the job has no such category)."""
        return self.categories.get(category, category)

    def children_of(self, category: str | None = None) -> tuple[str, ...]:
        """The child jobs declared under ``category`` (with None: under any category, or at job level)."""
        if category is not None:
            return self.children.get(category, ())
        return tuple(dict.fromkeys(child for kids in self.children.values() for child in kids))

    def noun(self, count: int = 2) -> str:
        """How a message calls ``count`` of its annotations: ``box`` / ``boxes``, ``polygons``, ``entities``...
        (``annotation(s)`` when they are not one kind of shape)."""
        if len(self.tools) == 1 and self.tools[0] in TOOL_NOUNS:
            nouns = TOOL_NOUNS[self.tools[0]]
        else:
            nouns = TASK_NOUNS.get(self.ml_task, ANNOTATION_NOUNS)
        return nouns[0] if count == 1 else nouns[1]

    @property
    def describe(self) -> str:
        """``JOB_0 is an OBJECT_DETECTION job (rectangle, input radio)``."""
        details = [*self.tools, *([f"input {self.input_type}"] if self.input_type else [])]
        article = "an" if self.ml_task[:1] in "AEIOU" else "a"
        return f"{self.name} is {article} {self.ml_task or 'untyped'} job" + (
            f" ({', '.join(details)})" if details else ""
        )

    def as_data(self) -> dict[str, Any]:
        """The job as a trimmed jsonInterface entry (what the compiled rule set carries): read back by
        :func:`read_job` into an equal :class:`Job`."""
        data: dict[str, Any] = {"mlTask": self.ml_task}
        if self.instruction:
            data["instruction"] = self.instruction
        if self.tools:
            data["tools"] = list(self.tools)
        if self.is_child:
            data["isChild"] = True
        if self.required:
            data["required"] = True
        content: dict[str, Any] = {}
        if self.input_type is not None:
            content["input"] = self.input_type
        if self.categories:
            content["categories"] = {
                key: {"name": name, **({"children": list(self.children[key])} if self.children.get(key) else {})}
                for key, name in self.categories.items()
            }
        if content:
            data["content"] = content
        if "" in self.children:
            data["children"] = list(self.children[""])
        return data


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _names(value: Any) -> list[str]:
    return [str(k) for k in value] if isinstance(value, list) else []


def read_job(name: str, raw: Mapping[str, Any]) -> Job:
    """One job of a jsonInterface, read leniently (a missing or malformed key is an empty value, never an
    exception)."""
    content = _mapping(raw.get("content"))
    categories: dict[str, str] = {}
    children: dict[str, tuple[str, ...]] = {}
    for key, category in _mapping(content.get("categories")).items():
        category = _mapping(category)
        display = category.get("name")
        categories[str(key)] = display if isinstance(display, str) and display.strip() else str(key)
        kids = _names(category.get("children"))
        points = category.get("points")
        for point in points if isinstance(points, list) else ():
            kids += _names(_mapping(point).get("children"))  # a pose point's own child jobs
        children[str(key)] = tuple(dict.fromkeys(kids))
    if _names(raw.get("children")):  # children listed at job level (the SDK reads them there too)
        children[""] = tuple(_names(raw.get("children")))
    tools = raw.get("tools")
    instruction = raw.get("instruction")
    return Job(
        name=name,
        ml_task=str(raw.get("mlTask") or ""),
        tools=tuple(str(t) for t in tools) if isinstance(tools, list) else (),
        input_type=content.get("input") if isinstance(content.get("input"), str) else None,
        is_child=bool(raw.get("isChild")),
        required=bool(raw.get("required")),
        categories=MappingProxyType(categories),
        children=MappingProxyType(children),
        instruction=instruction.strip() if isinstance(instruction, str) else "",
    )


class ProjectInterface:
    """The jobs of a jsonInterface, read-only (see the module docstring): ``label.interface`` in a rule.

    Args:
        raw: a jsonInterface (``{"jobs": {...}}``), as Kili gives it or trimmed as the compiled rule set holds it;
            None or ``{}`` for none. Read leniently: what cannot be read is left out, nothing raises.
    """

    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        raw_jobs = _mapping(_mapping(raw).get("jobs"))
        jobs = {str(name): read_job(str(name), _mapping(job)) for name, job in raw_jobs.items()}
        #: job id -> :class:`Job`, in the interface's order
        self.jobs: Mapping[str, Job] = MappingProxyType(jobs)
        # category id -> the jobs that have it, in order (for a category named without its job)
        owners: dict[str, list[str]] = {}
        for job in jobs.values():
            for key in job.categories:
                owners.setdefault(key, []).append(job.name)
        self._owners = owners

    def __repr__(self) -> str:
        return f"<ProjectInterface: {len(self.jobs)} jobs>"

    def __iter__(self) -> Iterator[str]:
        return iter(self.jobs)

    def __contains__(self, job: object) -> bool:
        return job in self.jobs

    def __len__(self) -> int:
        return len(self.jobs)

    def job(self, name: str) -> Job | None:
        """The job ``name``, or None when the interface does not hold it."""
        return self.jobs.get(name)

    def noun(self, job: str, count: int = 2) -> str:
        """What a message calls ``count`` annotations of ``job`` (:meth:`Job.noun`; ``annotation(s)`` for a job
        it does not hold)."""
        found = self.jobs.get(job)
        return found.noun(count) if found is not None else ANNOTATION_NOUNS[0 if count == 1 else 1]

    def job_name(self, job: str) -> str:
        """The job's display name (its ``instruction``), or its id when it has none or is not known."""
        found = self.jobs.get(job)
        return found.display_name if found is not None else job

    def category_name(self, category: str, job: str | None = None) -> str:
        """The category's display name: the one it has in ``job``, or in the first job that has it (a category
        named without its job, or by a rule about another job); the id itself when none has it."""
        found = self.jobs.get(job) if job is not None else None
        if found is not None and category in found.categories:
            return found.categories[category]
        owners = self._owners.get(category)
        return self.jobs[owners[0]].categories[category] if owners else category

    def job_shown(self, job: str) -> str:
        """The job as a default message names it: its display name as :func:`as_shown` writes it, or its id as
        it is when it has none (so that messages without an interface stay what they were)."""
        found = self.jobs.get(job)
        return as_shown(found.instruction) if found is not None and found.instruction else job

    def category_shown(self, category: str, job: str | None = None) -> str:
        """The category as a default message names it: its display name (:meth:`category_name`) as
        :func:`as_shown` writes it, or its id as it is when it has none."""
        name = self.category_name(category, job)
        return as_shown(name) if name != category else category

    def categories(self, job: str) -> Mapping[str, str]:
        """Category id -> display name of ``job``, in order (empty when it has none or is not known)."""
        found = self.jobs.get(job)
        return found.categories if found is not None else _EMPTY

    def children(self, job: str, category: str | None = None) -> tuple[str, ...]:
        """The child jobs ``job`` declares under ``category`` (with None: under any of its categories)."""
        found = self.jobs.get(job)
        return found.children_of(category) if found is not None else ()

    def parents(self, job: str) -> list[tuple[str, str]]:
        """Where ``job`` can occur as a child: ``[(parent job, category id)]`` (category ``""``: listed at job
        level)."""
        return [
            (parent.name, category)
            for parent in self.jobs.values()
            for category, kids in parent.children.items()
            if job in kids
        ]

    def jobs_with(self, category: str) -> list[str]:
        """The jobs that have a category ``category``, in order."""
        return list(self._owners.get(category, ()))

    def data(self, jobs: Iterable[str] | None = None) -> dict[str, Any]:
        """A trimmed jsonInterface of ``jobs`` (None: every job), in the interface's order: what a compiled rule
        set carries; ``ProjectInterface(interface.data())`` reads the same jobs back."""
        wanted = None if jobs is None else set(jobs)
        return {"jobs": {n: j.as_data() for n, j in self.jobs.items() if wanted is None or n in wanted}}


#: The interface of a rule set that names none: every name is the id.
NO_INTERFACE = ProjectInterface()

_PLAIN_PUNCTUATION = frozenset(" -_'./&")


@functools.lru_cache(maxsize=4096)
def as_shown(name: str) -> str:
    """A display name as a message shows it: as it is when it reads as a plain phrase (letters, digits, spaces,
    ``-_'./&``), in double quotes otherwise (``"Is the image healthy?"``), so that it never runs into the
    sentence around it."""
    plain = name == name.strip() and bool(name) and all(c.isalnum() or c in _PLAIN_PUNCTUATION for c in name)
    return name if plain else '"' + name.replace('"', "'") + '"'


__all__ = ["NO_INTERFACE", "Job", "ProjectInterface", "as_shown", "read_job"]
