"""Conditions: when a rule applies, written in the grammar of Kili's ``category_search``.

A rule's ``when:`` is a string such as ``CLASSIFICATION_JOB.NO.count > 0 AND JOB_0.LUNG.count >= 1``: comparisons
``JOB.CATEGORY.count OP N`` (``OP`` one of ``>= <= > < ==``, ``N`` a number), joined with ``AND`` and ``OR``
(``AND`` binds tighter) and grouped with parentheses, exactly what Kili's project search and the SDK's
``label_category_search`` accept. Kili's grammar has no quoting, so a job or category key with spaces (COCO's
``dining table``, ``traffic light``) or other characters cannot be written there: here it goes in double quotes,
``JOB_0."dining table".count > 0`` (a key with a double quote in it cannot be written).

The loader parses it once into a small tree of plain data, stored in the compiled rule (a built plugin holds it as a
literal, never as code); the engine evaluates that tree on each label, and a rule whose condition is false is
``not_applicable``.

``JOB.CATEGORY.count`` is the number of times ``CATEGORY`` occurs in ``JOB``, wherever the job occurs (as a child
job too): the annotations of that category for an object, entity or pose job (a PDF annotation spread over several
pages counts once), the occurrences where it is chosen for a classification. In a video an object counts once
however many frames it spans (by its ``mid``), and a classification counts once per object it is nested under.

Example::

    >>> tree = parse("CLASSIFICATION_JOB.NO.count > 0 AND (JOB_0.LUNG.count >= 1 OR JOB_0.HEART.count == 2)")
    >>> to_text(tree)
    'CLASSIFICATION_JOB.NO.count > 0 AND (JOB_0.LUNG.count >= 1 OR JOB_0.HEART.count == 2)'
    >>> names(tree)
    [('CLASSIFICATION_JOB', 'NO'), ('JOB_0', 'LUNG'), ('JOB_0', 'HEART')]
    >>> from kili_rules.runtime.label_view import LabelView
    >>> label = LabelView({"CLASSIFICATION_JOB": {"categories": [{"name": "NO"}]},
    ...                    "JOB_0": {"annotations": [{"mid": "a", "categories": [{"name": "LUNG"}]}]}})
    >>> holds(tree, label)
    True
    >>> parse('COCO."traffic light".count >= 1')["category"]
    'traffic light'
    >>> parse("JOB_0.LUNG.count >")
    Traceback (most recent call last):
    ...
    kili_rules.runtime.condition.ConditionError: column 19: expected a number after '>'

The tree: a comparison is ``{"job", "category", "op", "value"}``; ``{"all": [...]}`` (AND) and ``{"any": [...]}``
(OR) hold two or more others, never one of their own kind directly (``A AND B AND C`` is one ``all``).

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from kili_rules.runtime.label_view import LabelView

#: The comparison operators of Kili's category search.
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
#: The longest condition accepted, in characters, and the deepest nesting of parentheses.
MAX_LENGTH = 4000
MAX_DEPTH = 32

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![A-Za-z0-9_."-])
      | (?P<name>[A-Za-z0-9_][A-Za-z0-9_-]*)
      | (?P<quoted>"[^"\n]*")
      | (?P<op>>=|<=|==|>|<)
      | (?P<punct>[().])
      | (?P<other>\S)
    )""",
    re.VERBOSE | re.ASCII,
)


class ConditionError(ValueError):
    """A condition that cannot be read: ``message`` says why, ``column`` (1-based) where in the condition."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.reason = message
        self.column = column


class _Token:
    __slots__ = ("column", "kind", "text")

    def __init__(self, kind: str, text: str, column: int) -> None:
        self.kind = kind
        self.text = text
        self.column = column


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only white space is left
            break
        kind = match.lastgroup or "other"
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "quoted":
            if len(value) == 2:
                raise ConditionError('an empty name in quotes: write JOB."dining table".count', column)
            value = value[1:-1]  # a job or category key with spaces or other characters, never AND / OR
        elif kind == "other":
            if value == '"':
                raise ConditionError('a quote that is not closed: write JOB."dining table".count', column)
            if value in "!=":
                raise ConditionError(f"unknown operator near {value!r}: use one of {' '.join(OPERATORS)}", column)
            raise ConditionError(
                f"unexpected {value!r}: a condition is `JOB.CATEGORY.count > N` joined by AND/OR", column
            )
        found.append(_Token(kind, value, column))
        position = match.end()
    found.append(_Token("end", "", len(text.rstrip()) + 1))
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.position = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        if token.kind != "end":
            self.position += 1
        return token

    def expression(self, depth: int) -> dict[str, Any]:
        """``term (OR term)*``."""
        if depth > MAX_DEPTH:
            raise ConditionError(f"parentheses nest deeper than {MAX_DEPTH}", self.current.column)
        parts = [self.term(depth)]
        while self.current.kind == "name" and self.current.text == "OR":
            self.take()
            parts.append(self.term(depth))
        return _joined("any", parts)

    def term(self, depth: int) -> dict[str, Any]:
        """``factor (AND factor)*``."""
        parts = [self.factor(depth)]
        while self.current.kind == "name" and self.current.text == "AND":
            self.take()
            parts.append(self.factor(depth))
        return _joined("all", parts)

    def factor(self, depth: int) -> dict[str, Any]:
        """``( expression ) | JOB . CATEGORY . count OP NUMBER``."""
        token = self.current
        if token.kind == "punct" and token.text == "(":
            self.take()
            inner = self.expression(depth + 1)
            closing = self.take()
            if closing.text != ")" or closing.kind != "punct":
                raise ConditionError(f"expected ')' to close the '(' of column {token.column}", closing.column)
            return inner
        return self.comparison()

    def comparison(self) -> dict[str, Any]:
        job = self.name("a job name (JOB.CATEGORY.count > N)")
        self.dot(job.text)
        category = self.name(f"a category of {job.text} after '{job.text}.'")
        self.dot(category.text)
        count = self.take()
        if count.kind != "name" or count.text != "count":
            raise ConditionError(
                f"expected 'count' after '{job.text}.{category.text}.', got {_shown(count)}", count.column
            )
        op = self.take()
        if op.kind != "op":
            raise ConditionError(
                f"expected a comparison ({' '.join(OPERATORS)}) after '.count', got {_shown(op)}", op.column
            )
        number = self.take()
        if number.kind != "number":
            raise ConditionError(f"expected a number after {op.text!r}", number.column)
        value = _number(number)
        return {"job": job.text, "category": category.text, "op": op.text, "value": value}

    def name(self, what: str) -> _Token:
        token = self.take()
        if (token.kind == "name" and token.text not in ("AND", "OR")) or token.kind == "quoted":
            return token
        raise ConditionError(f"expected {what}, got {_shown(token)}", token.column)

    def dot(self, after: str) -> None:
        token = self.take()
        if token.kind != "punct" or token.text != ".":
            hint = ""
            if token.kind == "name" and token.text not in ("AND", "OR"):
                hint = f'; a name with spaces goes in double quotes: "{after} {token.text}"'
            raise ConditionError(
                f"expected '.' after {after!r} (JOB.CATEGORY.count), got {_shown(token)}{hint}", token.column
            )


def _shown(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the condition"
    if token.kind == "quoted":
        return f'"{token.text}"'
    if token.kind == "name" and token.text.lower() in ("and", "or") and token.text not in ("AND", "OR"):
        return f"{token.text!r} (write AND / OR in capitals)"
    return repr(token.text)


def _number(token: _Token) -> int | float:
    text = token.text
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ConditionError(f"{text} is not a finite number", token.column)
    return value


def _joined(kind: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``all`` / ``any`` of ``parts``, those of the same kind flattened into it (or the part alone)."""
    if len(parts) == 1:
        return parts[0]
    flat: list[dict[str, Any]] = []
    for part in parts:
        flat.extend(part[kind] if kind in part else [part])
    return {kind: flat}


def parse(text: str) -> dict[str, Any]:
    """The tree of condition ``text``; :class:`ConditionError` (with its column) when it cannot be read."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition is a string, not {type(text).__name__}", 1)
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"a condition is at most {MAX_LENGTH} characters long, this one is {len(text)}", 1)
    if not text.strip():
        raise ConditionError("the condition is empty: write `JOB.CATEGORY.count > 0`, or remove `when`", 1)
    parser = _Parser(text)
    tree = parser.expression(0)
    rest = parser.current
    if rest.kind != "end":
        hint = " (write AND / OR in capitals)" if rest.text.lower() in ("and", "or") else ""
        raise ConditionError(f"expected AND, OR or the end of the condition, got {rest.text!r}{hint}", rest.column)
    return tree


def to_text(tree: Mapping[str, Any], _inside: str | None = None) -> str:
    """The condition written back in Kili's grammar (``parse(to_text(tree)) == tree``)."""
    for kind, word in (("all", " AND "), ("any", " OR ")):
        if kind in tree:
            text = word.join(to_text(part, kind) for part in tree[kind])
            return f"({text})" if _inside == "all" and kind == "any" else text
    value = tree["value"]
    return f"{_written(tree['job'])}.{_written(tree['category'])}.count {tree['op']} {value!r}"


_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*", re.ASCII)


def _written(name: str) -> str:
    """A job or category key as a condition writes it: as it is when it reads as one name, in double quotes
    otherwise (``"dining table"``, and ``"AND"`` / ``"OR"``, which would read as the words)."""
    plain = _PLAIN_NAME.fullmatch(name) is not None and name not in ("AND", "OR")
    return name if plain else f'"{name}"'


def names(tree: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The ``(job, category)`` of every comparison, in order of appearance, without repeats (none for None)."""
    found: dict[tuple[str, str], None] = {}
    if tree is None:
        return []
    for comparison in comparisons(tree):
        found[(comparison["job"], comparison["category"])] = None
    return list(found)


def comparisons(tree: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every comparison of the tree, in order of appearance."""
    for kind in ("all", "any"):
        if kind in tree:
            return [c for part in tree[kind] for c in comparisons(part)]
    return [tree]


def count(label: LabelView, job: str, category: str) -> int:
    """``JOB.CATEGORY.count`` on ``label`` (see the module docstring)."""
    seen: set[Any] = set()
    total = 0
    video = label.is_video
    for response in label.responses(job):
        if category in response.categories:
            key: Any = ("chosen", response.parent_mid) if video and response.parent_mid is not None else None
            if key is None:
                total += 1
            elif key not in seen:
                seen.add(key)
                total += 1
        for annotation in response.annotations:
            if category not in annotation.categories:
                continue
            mid = annotation.mid
            if video and mid is not None:
                if ("object", mid) in seen:
                    continue
                seen.add(("object", mid))
            total += 1
    return total


def holds(tree: Mapping[str, Any], label: LabelView) -> bool:
    """Whether the condition is true of ``label``."""
    if "all" in tree:
        return all(holds(part, label) for part in tree["all"])
    if "any" in tree:
        return any(holds(part, label) for part in tree["any"])
    return OPERATORS[tree["op"]](count(label, tree["job"], tree["category"]), tree["value"])
