"""Message templates: ``"There are too many BBox ({count})"`` filled with a violation's values.

Only ``{name}`` placeholders are replaced (``{{`` and ``}}`` give literal braces); there is no attribute access,
indexing or format spec, so a template from a rule file can never reach into Python objects. A placeholder the
values do not hold is left as written (the rule-file loader rejects unknown placeholders before that can happen).

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(template: str) -> list[str]:
    """The placeholder names a template uses, in order of appearance."""
    return [m.group(1) for m in _TOKEN.finditer(template) if m.group(1)]


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with each ``{name}`` replaced by ``str(values[name])``."""

    def replace(match: re.Match[str]) -> str:
        name: str | None = match.group(1)
        whole: str = match.group(0)
        if name is None:
            return whole[0]
        if name in values:
            value = values[name]
            return "" if value is None else str(value)
        return whole

    return _TOKEN.sub(replace, template)
