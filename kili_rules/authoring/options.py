"""Rule-type options as data: the validation of rule files and the options table of the documentation, both
generated from the declarations of :func:`kili_rules.runtime.contract.option`.

A params dataclass becomes a pydantic model (unknown keys refused, each field with its description, bounds and
default; nested options become nested models), so a rule file is checked against exactly what the rule type
declares, and the documentation can never disagree with it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from kili_rules.runtime.contract import OptionInfo, options_of


@functools.cache
def options_model(params: type) -> type[BaseModel]:
    """The pydantic model that validates the options of ``params`` (built once per class and process)."""
    fields: dict[str, Any] = {}
    for info in options_of(params):
        constraints = {key: value for key, value in (("ge", info.ge), ("le", info.le)) if value is not None}
        default = ... if info.required else info.default
        note = "required" if info.required else f"default: {default_text(info).strip('`')}"
        names = {"x-names": "job"} if info.job else {"x-names": "category"} if info.category else None
        field = Field(default, description=f"{info.doc} ({note})", json_schema_extra=names, **constraints)
        fields[info.name] = (_with_models(info.annotation), field)
    return pydantic.create_model(  # type: ignore[call-overload, no-any-return]
        params.__name__, __config__=ConfigDict(extra="forbid"), __doc__=params.__doc__, **fields
    )


def _with_models(annotation: Any) -> Any:
    """``annotation`` with each options dataclass in it replaced by its generated model."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return options_model(annotation)
    arguments = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if not arguments or origin is typing.Literal:
        return annotation
    replaced = tuple(_with_models(argument) for argument in arguments)
    if replaced == arguments:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(lambda a, b: a | b, replaced)
    return origin[replaced] if len(replaced) > 1 else origin[replaced[0]]


def option_rows(params: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """``(key, default, meaning)`` of every option, nested ones as ``for_each.job``: the documentation's table."""
    rows = []
    for info in options_of(params):
        key = prefix + info.name
        rows.append((key, default_text(info), info.doc))
        if info.nested is not None:
            rows += option_rows(info.nested, key + ".")
    return rows


def default_text(info: OptionInfo) -> str:
    """How the documentation shows an option's default: ``required``, ``none`` or the value as YAML would."""
    if info.default_text is not None:
        return info.default_text
    if info.required:
        return "required"
    if info.default is None:
        return "none"
    return f"`{json.dumps(info.default)}`"


def options_table(params: type) -> str:
    """The Markdown options table of a rule type."""
    lines = ["| key | default | meaning |", "|---|---|---|"]
    lines += [f"| `{key}` | {default} | {meaning} |" for key, default, meaning in option_rows(params)]
    return "\n".join(lines)


def option_meanings(params: type) -> dict[str, str]:
    """``{option: meaning}`` of the top-level options (the editor schema's descriptions)."""
    return {info.name: info.doc for info in options_of(params)}
