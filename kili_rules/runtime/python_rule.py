"""Rules written in Python: the ``@rule`` decorator and what a rule function may return.

A Python rule is a function of a :class:`~kili_rules.runtime.label_view.LabelView`. It may return (or yield):

- nothing, ``None`` or ``True``: the rule passes;
- ``False``: the rule fails with its ``message``;
- a string: a finding with that message;
- a :class:`~kili_rules.runtime.model.Violation` (pinned to a ``mid``, with placeholder values);
- an iterable of strings and violations: one finding each (empty: the rule passes);
- :data:`~kili_rules.runtime.model.NOT_APPLICABLE`: nothing to check on this label.

Example (``rules/invoices_rules.py``, listed under ``python:`` in the rule file)::

    from kili_rules import Violation, rule

    @rule(id="amount-positive", message="Amount must be positive, got {value}")
    def amount_positive(label):
        for response in label.responses("TRANSCRIPTION_JOB_3"):
            if response.text and response.text.strip().startswith("-"):
                yield Violation(values={"value": response.text}, mid=response.parent_mid)

``label.interface`` is the project's interface, as the rule set carries it (a read-only
:class:`~kili_rules.runtime.interface.ProjectInterface`): display names, each job's mlTask, tools and categories,
and the child jobs each category declares; the same offline and in the built plugin::

    @rule(id="children-answered", message="Answer {child} on this {category_name} box")
    def children_answered(label):  # every box answers the child jobs its category declares
        for job in label.interface.jobs.values():
            for box in label.annotations(job.name) if job.ml_task == "OBJECT_DETECTION" else []:
                for category in box.categories:
                    for child in job.children_of(category):
                        if not any(r.is_answered and r.parent_mid == box.mid for r in label.responses(child)):
                            values = {"category": category, "child": label.interface.job_name(child)}
                            yield Violation(values, mid=box.mid, job=job.name)

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any

from kili_rules.runtime.model import DEFAULT_EVENTS, EVENTS, NOT_APPLICABLE, ON_ERROR, SEVERITIES, Violation

#: The ``type`` under which Python rules appear in a compiled rule set.
PYTHON_RULE_TYPE = "python"


class PythonRule:
    """A rule function with the keys every rule has. Made by :func:`rule`; call it like the function."""

    def __init__(
        self,
        function: Callable[[Any], Any],
        *,
        id: str,
        severity: str,
        message: str,
        events: tuple[str, ...],
        weight: float,
        enabled: bool,
        on_error: str | None = None,
        when: str | Mapping[str, str] | None = None,
    ) -> None:
        self.function = function
        self.id = id
        self.severity = severity
        self.message = message
        self.events = events
        self.weight = weight
        self.enabled = enabled
        self.on_error = on_error
        self.when = when
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__
        self.__module__ = function.__module__
        self.__wrapped__ = function

    def __call__(self, label: Any) -> Any:
        return self.function(label)

    def __repr__(self) -> str:
        return f"<PythonRule {self.id!r} ({self.__module__}.{self.__name__})>"


def rule(
    id: str | None = None,
    *,
    severity: str = "error",
    message: str | None = None,
    events: Iterable[str] = DEFAULT_EVENTS,
    weight: float = 1,
    enabled: bool = True,
    on_error: str | None = None,
    when: str | Mapping[str, str] | None = None,
) -> Callable[[Callable[[Any], Any]], PythonRule]:
    """Make a function of a label into a rule. ``id`` defaults to the function name with ``-`` for ``_``;
    ``message`` defaults to the first line of the docstring. ``weight`` is a finite number >= 0; ``on_error``
    (``fail`` or ``skip``, default: the rule set's) says whether the rule counts as failed when it cannot give a
    verdict (it raised, or ran out of time). ``when`` is a condition in the grammar of Kili's category search
    (``"JOB_0.IBAN.count > 0"``), or ``{"job": ..., "category": ...}`` (that category is chosen or drawn): when it
    is false on a label, the rule does not apply (checked when the rule file is loaded, and linted against the
    interface)."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0 or weight == math.inf:
        raise ValueError(f"weight must be a finite number >= 0, not {weight!r}")
    if on_error not in (None, *ON_ERROR):
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
    events = tuple(events)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValueError(f"events must be among {', '.join(EVENTS)}, not {', '.join(map(repr, unknown))}")

    def decorate(function: Callable[[Any], Any]) -> PythonRule:
        doc_line = (function.__doc__ or "").strip().splitlines()[:1]
        return PythonRule(
            function,
            id=id or function.__name__.replace("_", "-"),
            severity=severity,
            message=message or (doc_line[0] if doc_line else f"{function.__name__} failed"),
            events=events,
            weight=weight,
            enabled=enabled,
            on_error=on_error,
            when=when,
        )

    return decorate


def source_file(function: Any) -> str | None:
    """The file a rule function is written in (its code's ``co_filename``; a :class:`PythonRule` or any decorated
    function is unwrapped): where :func:`raised_at` looks for the rule's own frame."""
    for _ in range(10):  # a bounded unwrap: a wrapper of a wrapper...
        inner = getattr(function, "function", None) or getattr(function, "__wrapped__", None)
        if inner is None or inner is function:
            break
        function = inner
    code = getattr(function, "__code__", None)
    filename = getattr(code, "co_filename", None)
    return filename if isinstance(filename, str) else None


def raised_at(error: BaseException, filename: str | None) -> str | None:
    """Where a rule written in ``filename`` raised: the last line of that file in the traceback, as
    ``m09_python_raises.py:8`` (None when the file is unknown or not in the traceback). ``eval``, ``check`` and
    ``test`` show it before the error, so that they point at the line to fix, as the plugin's log does with the
    whole traceback."""
    line, trace = None, error.__traceback__
    while trace is not None and filename is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    if line is None or filename is None:
        return None
    return f"{filename.replace(chr(92), '/').rsplit('/', 1)[-1]}:{line}"


def violations_of(result: Any) -> list[Violation] | Any:
    """What a rule function returned, as the list of violations a check returns (or NOT_APPLICABLE).

    A generator's ``return`` value counts too: ``return NOT_APPLICABLE`` from a rule that yields nothing makes it
    not applicable (a rule that both yields findings and returns NOT_APPLICABLE says two things: TypeError)."""
    if result is NOT_APPLICABLE:
        return NOT_APPLICABLE
    if isinstance(result, Generator):
        return _generated(result)
    if result is None or result is True:
        return []
    if result is False:
        return [Violation()]
    if isinstance(result, (str, Violation)):
        result = [result]
    found: list[Violation] = []
    for item in result:
        if isinstance(item, str):
            found.append(Violation(message=item))
        elif isinstance(item, Violation):
            found.append(item)
        else:
            raise TypeError(f"a rule function may yield strings or Violation objects, not {type(item).__name__}")
    return found


def _generated(generator: Generator[Any, Any, Any]) -> list[Violation] | Any:
    """The violations a rule generator yields, and what it returns."""
    yielded: list[Any] = []
    while True:
        try:
            yielded.append(next(generator))
        except StopIteration as stop:
            returned = stop.value
            break
    found = violations_of(yielded)
    if returned is NOT_APPLICABLE:
        if found:
            raise TypeError("the rule yielded findings and returned NOT_APPLICABLE: return it only with no finding")
        return NOT_APPLICABLE
    return found + ([] if returned is None else violations_of(returned))
