"""YAML loading that remembers where every key and value stands, so errors can name file:line:col.

Documents are read within bounds (the file itself is read by ``bounded_read.py``: a regular file, within its size
cap): a document whose aliases would expand to more than :data:`MAX_ALIAS_EXPANSION` values (a "billion laughs"
document is a few hundred bytes) or that nests deeper than :data:`MAX_DEPTH` is refused at the place it crosses.

A syntax error keeps its file:line:col, in plain words where PyYAML's are parser jargon: a line indented unlike
its siblings (``expected <block end>, but found '<block mapping start>'``) reads ``the indentation of this line (3
spaces) does not match its siblings (4 spaces, line 4)``; a line indented more than the ``key: value`` above it,
that it is read as part of that value; a ``: `` inside a plain value, that the value must be quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from kili_rules.errors import Problem, RuleFileError

Path_ = tuple[Any, ...]

#: The most values (scalars, lists, mappings) that the aliases of one YAML document may add once expanded.
MAX_ALIAS_EXPANSION = 10_000
#: The deepest nesting of lists and mappings read in a YAML or JSON document.
MAX_DEPTH = 200


@dataclass
class SourceMap:
    """Positions (1-based line, column) of the values and keys of a loaded document, by path."""

    path: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, location: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of ``location``, or of its nearest parent that has one (1, 1 at worst)."""
        location = tuple(location)
        while location:
            table = self.keys if key and location in self.keys else self.values
            if location in table:
                return table[location]
            location = location[:-1]
            key = False
        return self.values.get((), (1, 1))

    def problem(
        self,
        location: Path_,
        message: str,
        *,
        key: bool = False,
        severity: str = "error",
        rule_id: str | None = None,
    ) -> Problem:
        """A problem at ``location`` (at its key rather than its value with ``key=True``)."""
        line, column = self.where(location, key=key)
        return Problem(self.path, line, column, message, severity, rule_id)


class Refused(yaml.YAMLError):
    """A document that :class:`BoundedLoader` refuses, at a mark, for a reason."""

    def __init__(self, mark: yaml.Mark, reason: str) -> None:
        super().__init__(reason)
        self.mark = mark
        self.reason = reason


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing documents whose aliases expand to more than :data:`MAX_ALIAS_EXPANSION`
    values, aliases of a node from inside itself (recursive data), and nesting deeper than :data:`MAX_DEPTH`.

    Composing keeps, for each node, how many values it holds once its aliases are expanded; each alias adds the
    size of its node to the document's expansion, so an alias bomb is refused at the alias that crosses the limit,
    after composing only its few hundred bytes.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}
        self._expanded = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise Refused(mark, "this alias is inside the value it names (recursive data): write it out")
            self._expanded += size
            if self._expanded > MAX_ALIAS_EXPANSION:
                raise Refused(
                    mark,
                    f"the aliases of this document expand to more than {MAX_ALIAS_EXPANSION} values "
                    "(an alias bomb?): write the values out or use fewer aliases",
                )
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise Refused(mark, f"lists and mappings nest deeper than {MAX_DEPTH} levels here: flatten them")
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


_BOOL_TAG = "tag:yaml.org,2002:bool"


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _indent(line: str) -> int:
    """Where the keys of ``line`` start: its leading spaces, past a list's ``- `` (``  - id: a`` -> 4)."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    while stripped.startswith("- "):
        indent += 2 + len(stripped[2:]) - len(stripped[2:].lstrip(" "))
        stripped = stripped[2:].lstrip(" ")
    return indent


def _indentation_problem(what: str, text: str, line: int) -> str | None:
    """PyYAML's words for a line indented unlike its siblings, in plain words (None for other errors).

    ``expected <block end>, but found ...`` is a line indented less than the block it is in, or between two
    blocks; ``mapping values are not allowed here`` on a line indented more than the ``key: value`` above it is a
    line that YAML reads as the continuation of that value."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    here = _indent(lines[line - 1])
    above = next(
        (
            (number, row)
            for number, row in reversed(list(enumerate(lines[: line - 1], 1)))
            if row.strip()[:1] not in "#"
        ),
        None,
    )
    if above is None:
        return None
    number, row = above
    siblings = _indent(row)
    spaces = f"{here} space{'s' if here != 1 else ''}"
    if what.startswith("expected <block end>") and here != siblings:
        return (
            f"invalid YAML: the indentation of this line ({spaces}) does not match its siblings ({siblings} spaces, "
            f"line {number}): indent it like the keys beside it"
        )
    if what.startswith("mapping values are not allowed") and here > siblings and not row.rstrip().endswith(":"):
        return (
            f"invalid YAML: this line is indented more ({spaces}) than its sibling on line {number} ({siblings} "
            "spaces), so YAML reads it as part of that line's value: indent it like its siblings"
        )
    if what.startswith("mapping values are not allowed"):
        return "invalid YAML: a value that holds ': ' must be quoted (key: \"a: b\"); fix the syntax at this position"
    return None


def load_yaml(text: str, path: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and its source map. Raises RuleFileError on bad YAML.

    Booleans are YAML 1.2's: only ``true`` and ``false`` (any case); ``YES``, ``NO``, ``On``, ``Off`` stay strings,
    as category names in Kili projects often are (an option that wants a boolean still reads ``yes`` as true)."""
    source = SourceMap(path)
    try:
        node = yaml.compose(text, Loader=BoundedLoader)
    except Refused as refused:
        raise RuleFileError([Problem(path, refused.mark.line + 1, refused.mark.column + 1, refused.reason)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = getattr(error, "problem", None) or str(error)
        message = _indentation_problem(what, text, line) or f"invalid YAML: {what}; fix the syntax at this position"
        raise RuleFileError([Problem(path, line, column, message)]) from None
    if node is None:
        return None, source
    constructor = yaml.SafeLoader("")
    problems: list[Problem] = []

    def build(node: yaml.Node, location: Path_) -> Any:
        source.values[location] = _position(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = build(key_node, (*location, "<key>"))
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    problems.append(Problem(path, *_position(key_node), "a key must be a plain value"))
                    continue
                if key in result:
                    problems.append(
                        Problem(path, *_position(key_node), f"duplicate key {key!r}: keep only one of them")
                    )
                source.keys[(*location, key)] = _position(key_node)
                result[key] = build(value_node, (*location, key))
            source.values.pop((*location, "<key>"), None)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*location, index)) for index, item in enumerate(node.value)]
        if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
            return node.value  # YAML 1.2: YES, NO, On, Off are strings (category names in Kili projects)
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            problems.append(Problem(path, *_position(node), f"invalid value: {getattr(error, 'problem', error)}"))
            return None

    data = build(node, ())
    if problems:
        raise RuleFileError(problems)
    return data, source
