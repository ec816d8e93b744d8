"""YAML loading that remembers where every key and value stands, so errors can name file:line:col."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kili_rules.errors import Problem, RuleFileError

Path_ = tuple[Any, ...]


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


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path``; RuleFileError ``path:1:1: error: cannot read the <what>: <why>`` otherwise."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise RuleFileError([Problem(str(path), 1, 1, f"cannot read the {what}: {reason}")]) from None


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_yaml(text: str, path: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and its source map. Raises RuleFileError on bad YAML."""
    source = SourceMap(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = getattr(error, "problem", None) or str(error)
        raise RuleFileError(
            [Problem(path, line, column, f"invalid YAML: {what}; fix the syntax at this position")]
        ) from None
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
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            problems.append(Problem(path, *_position(node), f"invalid value: {getattr(error, 'problem', error)}"))
            return None

    data = build(node, ())
    if problems:
        raise RuleFileError(problems)
    return data, source
