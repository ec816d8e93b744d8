"""The contract every rule type follows, built-in or third-party: what a rule-type module declares as ``RULE_TYPE``.

A rule type is one module (its docstring is its documentation page) that declares:

- its **options** as a frozen stdlib dataclass whose fields are made with :func:`option`: each carries its
  documentation, its default and its constraints. From these declarations kili-rules generates the options table of
  the documentation, the descriptions of the editor schema and the validation of rule files (at authoring time);
  nested options are dataclasses too, and :func:`build_params` turns compiled data back into them;
- a pure ``check(params, label) -> list[Violation] | NOT_APPLICABLE``;
- optionally ``validate(params)`` (load-time checks beyond types: ``min`` above ``max``), ``prepare(params,
  interface)`` (completes the options from the project's jsonInterface) and ``lint(params, interface)`` (checks
  against it), the last two given an :class:`InterfaceView`; problems are :class:`OptionProblem` objects naming
  the option they are about.

Example (a whole rule type; a plugin registers ``RULE_TYPE`` through the ``kili_rules`` entry point group)::

    >>> from dataclasses import dataclass
    >>> from kili_rules.runtime.contract import OptionProblem, RuleType, build_params, option
    >>> from kili_rules.runtime.model import NOT_APPLICABLE, Violation
    >>> @dataclass(frozen=True)
    ... class MaxBoxesParams:
    ...     job: str = option(doc="the object job", job=True)
    ...     max: int = option(1, doc="more boxes is a finding", ge=0)
    >>> def check(params, label):
    ...     boxes = label.annotations(params.job)
    ...     if not label.responses(params.job):
    ...         return NOT_APPLICABLE
    ...     return [Violation({"count": len(boxes)})] if len(boxes) > params.max else []
    >>> def validate(params):
    ...     return [OptionProblem("max", "a max of 0 forbids the job: use a `required` rule")] if not params.max else []
    >>> MAX_BOXES = RuleType("max_boxes", MaxBoxesParams, check, ("count",), "{count} boxes", validate=validate)
    >>> params = build_params(MaxBoxesParams, {"job": "JOB_0", "max": 1})
    >>> from kili_rules.runtime.label_view import LabelView
    >>> MAX_BOXES.check(params, LabelView({"JOB_0": {"annotations": [{"mid": "a"}, {"mid": "b"}]}}))
    [Violation(values={'count': 2}, mid=None, job=None, frame=None, message=None)]

Stdlib-only: embedded verbatim into every built plugin (the runtime binds rules with :func:`build_params`).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from kili_rules.runtime.label_view import LabelView

P = TypeVar("P")
#: Marks an option without a default (required).
REQUIRED: Any = dataclasses.MISSING


def option(
    default: Any = REQUIRED,
    *,
    doc: str,
    ge: float | None = None,
    le: float | None = None,
    job: bool = False,
    category: bool = False,
    default_text: str | None = None,
) -> Any:
    """A rule-type option: a dataclass field that carries its documentation and constraints.

    Args:
        default: the value when the rule file does not give one (omit it: the option is required). A list or a
            dict default is copied for each rule.
        doc: what the option means, one sentence: the documentation's options table and the editor's tooltip.
        ge, le: bounds of a number (checked when the rule file is loaded).
        job: the option names a job of the interface (the editor schema offers the project's job names; the engine
            knows which jobs a rule reads).
        category: the option names a category, or a list of them (the editor offers the project's categories).
        default_text: how the documentation shows the default, when its value does not say it well.
    """
    metadata = {"doc": doc, "ge": ge, "le": le, "job": job, "category": category, "default_text": default_text}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=functools.partial(copy.deepcopy, default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class OptionInfo:
    """One option of a rule type, as its declaration says."""

    name: str
    annotation: Any
    doc: str
    required: bool
    default: Any
    ge: float | None = None
    le: float | None = None
    job: bool = False
    category: bool = False
    default_text: str | None = None
    #: the options of a nested option (a dataclass), else None
    nested: type | None = None


def options_of(params: type) -> list[OptionInfo]:
    """The options a params dataclass declares, in order (TypeError when a field was not made with
    :func:`option`: every option must say what it means). Read once per class."""
    return list(_options(params))


@functools.cache
def _options(params: type) -> tuple[OptionInfo, ...]:
    hints = _hints(params)
    found = []
    for field in dataclasses.fields(params):
        if "doc" not in field.metadata:
            raise TypeError(f"{params.__name__}.{field.name} has no documentation: declare it with option(doc=...)")
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None if required else field.default
        meta = field.metadata
        found.append(
            OptionInfo(
                name=field.name,
                annotation=hints[field.name],
                doc=meta["doc"],
                required=required,
                default=default,
                ge=meta.get("ge"),
                le=meta.get("le"),
                job=meta.get("job", False),
                category=meta.get("category", False),
                default_text=meta.get("default_text"),
                nested=nested_params(hints[field.name]),
            )
        )
    return tuple(found)


def nested_params(annotation: Any) -> type | None:
    """The dataclass inside ``annotation`` (``X``, ``X | None``, ``list[X]``), if there is one."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return annotation
    for argument in typing.get_args(annotation):
        found = nested_params(argument)
        if found is not None:
            return found
    return None


def build_params(params: type[P], data: Mapping[str, Any]) -> P:
    """The options object of ``params`` from compiled data (plain dicts and lists): nested options (dataclasses,
    lists of them) are built recursively. The one way compiled rules become options objects."""
    built: P = _build(params, data)
    return built


def _build(annotation: Any, value: Any) -> Any:
    if value is None:
        return None
    target = nested_params(annotation)
    if target is None:
        return value
    if isinstance(value, Mapping):
        hints = _hints(target)
        return target(**{key: _build(hints.get(key), item) for key, item in value.items()})
    if isinstance(value, list):
        return [_build(annotation_of_items(annotation), item) for item in value]
    return value


def annotation_of_items(annotation: Any) -> Any:
    """``X`` for ``list[X]`` (or ``list[X] | None``)."""
    for argument in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(argument) is list:
            return typing.get_args(argument)[0]
    return annotation


@functools.cache
def _hints(params: type) -> dict[str, Any]:
    return typing.get_type_hints(params)


def jobs_read(params: Any) -> set[str]:
    """The jobs a rule's options name (options declared with ``job=True``, nested ones included)."""
    found: set[str] = set()
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        return found
    for info in options_of(type(params)):
        value = getattr(params, info.name)
        if info.job and isinstance(value, str):
            found.add(value)
        elif info.job and isinstance(value, list):
            found.update(v for v in value if isinstance(v, str))
        for item in value if isinstance(value, list) else [value]:
            found |= jobs_read(item)
    return found


@dataclass(frozen=True)
class OptionProblem:
    """A problem with one option of a rule.

    Attributes:
        path: the option, dotted for nested ones (``for_each.job``, ``allowed.2``).
        message: what is wrong and what to do.
        severity: ``error`` (the rule names what is not there, or can never pass) or ``warning`` (it can never
            apply, or never fail).
    """

    path: str
    message: str
    severity: str = "error"


class JobView(Protocol):
    """One job of the project's interface, as ``lint`` and ``prepare`` see it."""

    name: str
    ml_task: str
    tools: tuple[str, ...]
    input_type: str | None
    is_child: bool
    required: bool
    #: category key -> display name
    categories: Mapping[str, str]
    #: category key -> the child jobs that may be answered under it (``""``: listed at job level)
    children: Mapping[str, tuple[str, ...]]

    @property
    def describe(self) -> str:
        """``JOB_0 is an OBJECT_DETECTION job (rectangle)``."""
        ...


class InterfaceView(Protocol):
    """The project's jsonInterface, as ``lint`` and ``prepare`` see it (``kili_rules.authoring.interface``
    provides it): every problem is worded the same way, with "did you mean" from the interface's own names."""

    jobs: Mapping[str, JobView]

    def parents(self, job: str) -> list[tuple[str, str]]:
        """Where ``job`` can occur as a child: ``[(parent job, category key)]``."""
        ...

    def check_job(
        self,
        path: str,
        name: str,
        tasks: Iterable[str] | None = None,
        needs: str = "",
        use_instead: Mapping[str, str] | None = None,
    ) -> tuple[JobView | None, list[OptionProblem]]:
        """The job called ``name`` and the problems of naming it in option ``path``: unknown (with "did you
        mean"), not one of ``tasks`` (``needs`` says in words what the rule needs, ``use_instead`` maps an mlTask
        to advice), or a child job that no category lists."""
        ...

    def check_category(self, job: JobView, path: str, category: str) -> list[OptionProblem]:
        """The problems of naming ``category`` of ``job`` in option ``path``."""
        ...


@dataclass(frozen=True)
class RuleType(Generic[P]):
    """A kind of rule (``count``, ``text``...): what a rule-type module declares as ``RULE_TYPE``.

    Attributes:
        name: the ``type:`` of a rule in a rule file.
        params: the options dataclass (fields made with :func:`option`).
        check: ``check(params, label) -> list[Violation] | NOT_APPLICABLE``; pure, no I/O.
        placeholders: the names a rule's ``message`` template may use (besides ``id``, ``job``, ``frame``).
        default_message: the message used when a rule has none.
        validate: ``validate(params) -> Iterable[OptionProblem]``: load-time checks beyond types.
        prepare: ``prepare(params, interface) -> params``: completes the options from the jsonInterface at load.
        lint: ``lint(params, interface) -> Iterable[OptionProblem]``: checks against the jsonInterface, run by
            ``kili-rules lint``.
        reads_shapes: whether ``check`` reads the shapes (vertices) of its jobs' objects: the engine then also fails
            it closed on a shape the view cannot read (a NaN vertex, none at all...; see
            :mod:`kili_rules.runtime.unreadable`). Unreadable answers and categories fail every rule type closed.
        placeholder_types: the type (``float``, ``int``, ``str``) of placeholders' values: a format spec that
            cannot apply to it (``{category:.2f}``, ``{area:d}``) is refused when the rule file loads.
    """

    name: str
    params: type[P]
    check: Callable[[P, LabelView], Any]
    placeholders: tuple[str, ...]
    default_message: str
    validate: Callable[[P], Iterable[OptionProblem]] | None = None
    prepare: Callable[[P, InterfaceView], P] | None = None
    lint: Callable[[P, InterfaceView], Iterable[OptionProblem]] | None = None
    reads_shapes: bool = False
    placeholder_types: Mapping[str, type] = dataclasses.field(default_factory=dict)

    @property
    def module(self) -> str:
        """The module that defines the check (the build embeds it)."""
        return self.check.__module__

    @property
    def options(self) -> list[OptionInfo]:
        """Its options, as declared."""
        return options_of(self.params)
