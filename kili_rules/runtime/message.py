"""Message templates: ``"There are too many BBox ({count})"`` filled with a violation's values.

``{name}`` placeholders are replaced (``{{`` and ``}}`` give literal braces), optionally with a format spec of
Python's mini-language: ``{area:.3f}``, ``{count:>3}``, ``{share:.0%}``. There is no attribute access, indexing or
conversion, so a template from a rule file can never reach into Python objects. A value the spec does not fit
(``.3f`` on a text) is written as it is; a placeholder the values do not hold is left as written (the rule-file
loader rejects unknown placeholders, and specs that are not format specs, before that can happen).

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

#: A format spec: ``[[fill]align][sign][z][#][0][width][grouping][.precision][type]``.
FORMAT_SPEC = r"(?:[^{}]?[<>=^])?[+\- ]?z?#?0?\d{0,3}[,_]?(?:\.\d{1,3})?[bcdeEfFgGnosxX%]?"
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::(" + FORMAT_SPEC + r"))?\}")
#: Anything that looks like a placeholder, to tell a bad spec from literal text.
_LOOSE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(:[^{}]*)?\}")


class Measure(float):
    """A number a rule type puts in a violation's values, with the text it renders as without a spec: ``{area}``
    reads ``Measure(1234.5678, "1235")`` as ``1235``, ``{area:.2f}`` as ``1234.57`` (the spec applies to the number)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, value: float, text: str) -> Measure:
        measure = super().__new__(cls, value)
        measure.text = text
        return measure

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return self.text if not spec else float.__format__(float(self), spec)


def spec_fits(spec: str, kind: type) -> bool:
    """Whether the format ``spec`` applies to values of ``kind`` (``float``, ``int``, ``str``): ``.2f`` fits a
    number, not a text; ``d`` fits an int, not a float."""
    sample: Any = {float: 1.5, int: 3, str: "x"}.get(kind)
    if sample is None:
        return True
    try:
        format(sample, spec)
    except (ValueError, TypeError):
        return False
    return True


def placeholder_specs(template: str) -> list[tuple[str, str]]:
    """The ``(name, spec)`` of each placeholder written with a format spec, in order of appearance."""
    return [(m.group(1), m.group(2)) for m in _TOKEN.finditer(template) if m.group(1) and m.group(2)]


def placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, in order of appearance."""
    return [m.group(1) for m in _TOKEN.finditer(template) if m.group(1)]


def bad_specs(template: str) -> list[str]:
    """The placeholders written with something after ``:`` that is not a format spec (``{area:.3q}``)."""
    good = {m.span() for m in _TOKEN.finditer(template) if m.group(1)}
    return [m.group(0) for m in _LOOSE.finditer(template) if m.group(1) and m.group(2) and m.span() not in good]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by ``str(values[name])`` (``{name:spec}``: ``format(value,
    spec)``, or ``str(value)`` when the spec does not fit the value)."""

    def replace(match: re.Match[str]) -> str:
        name: str | None = match.group(1)
        whole: str = match.group(0)
        if name is None:
            return whole[0]
        if name not in values:
            return whole
        value = values[name]
        if value is None:
            return ""
        spec: str | None = match.group(2)
        if spec:
            try:
                return format(value, spec)
            except (ValueError, TypeError):
                return str(value)
        return str(value)

    return _TOKEN.sub(replace, template)


def template_pattern(template: str) -> re.Pattern[str]:
    """A pattern that every rendering of ``template`` matches whole (``fullmatch``): its literal text as written,
    each placeholder any text (a value may be anything, an absent one renders as written or empty). Used to tell
    whether a text is one a rule's message can give."""
    pieces, position = [], 0
    for match in _TOKEN.finditer(template):
        pieces.append(re.escape(template[position : match.start()]))
        position = match.end()
        pieces.append(re.escape(match.group(0)[0]) if match.group(1) is None else "(?s:.*)")
    pieces.append(re.escape(template[position:]))
    return re.compile("".join(pieces))


def compile_template(template: str) -> Callable[[Mapping[str, Any]], str]:
    """``render(template, ·)`` with the template parsed once: the engine compiles each rule's message when it binds
    the rule, so a finding costs a join rather than a regex substitution. A template without placeholders renders
    to one constant string."""
    parts: list[tuple[str, str, str | None, str]] = []  # (the text before, placeholder name, spec, as written)
    text, position = [], 0
    for match in _TOKEN.finditer(template):
        text.append(template[position : match.start()])
        position = match.end()
        name, whole = match.group(1), match.group(0)
        if name is None:  # {{ or }}
            text.append(whole[0])
        else:
            parts.append(("".join(text), name, match.group(2), whole))
            text = []
    text.append(template[position:])
    tail = "".join(text)
    if not parts:
        return lambda values: tail

    def rendered(values: Mapping[str, Any]) -> str:
        pieces = []
        for before, name, spec, whole in parts:
            pieces.append(before)
            if name not in values:
                pieces.append(whole)
                continue
            value = values[name]
            if value is None:
                continue
            if spec:
                try:
                    pieces.append(format(value, spec))
                except (ValueError, TypeError):
                    pieces.append(str(value))
            else:
                pieces.append(str(value))
        pieces.append(tail)
        return "".join(pieces)

    return rendered
