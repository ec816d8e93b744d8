"""Pydantic validation whose errors are placed in the file: each error of a model becomes a :class:`Problem` at the
line and column of the key or value it is about, an unknown key with "did you mean" and the keys known there."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic import BaseModel, TypeAdapter

from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.errors import Problem, RuleFileError, did_you_mean


def validate_model(model: Any, data: Any, source: SourceMap, at: tuple, what: str) -> Any:
    """``model`` (a pydantic model or a TypeAdapter) validated from ``data``, or RuleFileError with each pydantic
    error placed in the file."""
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(data)
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        root = getattr(model, "_type", model) if isinstance(model, TypeAdapter) else model
        raise RuleFileError(
            [_pydantic_problem(e, source, at, what, _field_names(root, e["loc"][:-1])) for e in error.errors()]
        ) from None


def _field_names(model: Any, loc: tuple) -> list[str]:
    """The keys of the (nested) model or dataclass at ``loc`` inside ``model``: what an unknown key there could
    have been."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = _fields_of(current)
        if part not in fields:
            break
        current = _model_in(fields[part])
        if current is None:
            return []
    return list(_fields_of(current))


def _fields_of(model: Any) -> dict[str, Any]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return {name: field.annotation for name, field in model.model_fields.items()}
    if dataclasses.is_dataclass(model):
        hints = typing.get_type_hints(model)
        return {f.name: hints.get(f.name) for f in dataclasses.fields(model)}
    return {}


def _model_in(annotation: Any) -> Any:
    """The model or dataclass inside ``annotation`` (``X | None``, ``list[X]``...), if there is one."""
    if _fields_of(annotation):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _pydantic_problem(error: Mapping[str, Any], source: SourceMap, at: tuple, what: str, fields: list[str]) -> Problem:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and "[" in part))
    location = (*at, *loc)
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        key = loc[-1] if loc else "?"
        known = ", ".join(fields)
        hint = did_you_mean(str(key), fields)
        return source.problem(location, f"unknown key {key!r} in {what};{hint} known keys: {known}", key=True)
    if kind == "missing" or kind == "missing_argument":
        key = loc[-1] if loc else "?"
        return source.problem(location[:-1], f"{what} needs the key {key!r}")
    field_name = ".".join(str(p) for p in loc) or "value"
    message = str(error["ctx"]["error"]) if kind == "value_error" else error["msg"]
    return source.problem(location, f"{field_name}: {message} (in {what})")
