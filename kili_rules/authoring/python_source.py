"""Where a Python rule is written: the line and column of its ``@rule(...)`` decorator and of its ``when=``, so that a
problem with a Python rule points into the Python file, as a YAML rule's points into the rule file.

Found with :mod:`ast` from the module's source and the function's first line (``co_firstlineno``: the line of its
first decorator). Authoring time only.

Example::

    >>> source = "from kili_rules import rule\\n\\n@rule(id='r',\\n      when='JOB.A.count > 0')\\ndef r(label): ...\\n"
    >>> site = rule_site(source, "r", 3)
    >>> site.line, site.column, site.when
    (3, 2, (4, 12))
    >>> site.when_column(3)  # column 3 of the condition text
    (4, 15)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSite:
    """Where one Python rule is written (1-based lines and columns).

    Attributes:
        line, column: the ``@rule(...)`` decorator's call (or the ``rule(...)`` of ``rule(...)(function)``; the
            ``def``, when the rule is made otherwise).
        when: the start of the ``when=`` value, when the decorator gives one.
        when_literal: whether that value is a plain one-line string literal written as its text is (no prefix,
            escape or continuation), so that a column inside the condition is a column in the file.
    """

    line: int
    column: int
    when: tuple[int, int] | None = None
    when_literal: bool = False

    def when_column(self, column: int) -> tuple[int, int] | None:
        """The file position of ``column`` (1-based) of the condition text: inside the literal when it is a plain
        one, at the start of the ``when=`` value otherwise (None without ``when=``)."""
        if self.when is None:
            return None
        line, start = self.when
        return (line, start + column) if self.when_literal else self.when


def rule_site(source: str, function: str, first_line: int) -> RuleSite | None:
    """Where the rule function ``function`` whose code starts at ``first_line`` is written in ``source`` (None when
    the source cannot be parsed or holds no such function)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    lines = source.splitlines()
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != function:
            continue
        starts = [node.lineno, *(d.lineno for d in node.decorator_list)]
        if min(starts) != first_line and node.lineno != first_line:
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _called(decorator.func) == "rule":
                return _site(decorator, lines)
        made = _made_by_hand(tree, function)  # ``checked = rule(...)(function)``
        if made is not None:
            return _site(made, lines)
        return RuleSite(node.lineno, _column(lines, node.lineno, node.col_offset))
    return None


def _made_by_hand(tree: ast.Module, function: str) -> ast.Call | None:
    """The ``rule(...)`` call of ``rule(...)(function)``, when the module makes the rule that way."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Call)
            and _called(node.func.func) == "rule"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == function
        ):
            return node.func
    return None


def _called(func: ast.expr) -> str | None:
    """``rule`` for ``rule(...)`` and ``kili_rules.rule(...)``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _column(lines: list[str], line: int, offset: int) -> int:
    """The 1-based column (in characters) of the UTF-8 byte ``offset`` that :mod:`ast` gives on ``line``."""
    if not 1 <= line <= len(lines):
        return offset + 1
    return len(lines[line - 1].encode()[:offset].decode(errors="replace")) + 1


def _site(call: ast.Call, lines: list[str]) -> RuleSite:
    at = (call.lineno, _column(lines, call.lineno, call.col_offset))
    for keyword in call.keywords:
        if keyword.arg != "when":
            continue
        value = keyword.value
        when = (value.lineno, _column(lines, value.lineno, value.col_offset))
        return RuleSite(*at, when=when, when_literal=_plain_literal(value, lines))
    return RuleSite(*at)


def _plain_literal(value: ast.expr, lines: list[str]) -> bool:
    """Whether ``value`` is a one-line string literal whose characters are its text, between two quotes."""
    if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
        return False
    if value.end_lineno != value.lineno or value.end_col_offset is None or value.lineno > len(lines):
        return False
    # ast columns are UTF-8 byte offsets
    raw = lines[value.lineno - 1].encode()[value.col_offset : value.end_col_offset].decode(errors="replace")
    return len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[1:-1] == value.value


__all__ = ["RuleSite", "rule_site"]
