"""What a Python rule is told when it reads a name the label objects do not have: the nearest real names.

A wrong guess at the API (``annotation.points``, ``response.content``, ``vertex["x"]``) would otherwise end in a bare
``AttributeError`` or ``TypeError``. :class:`AttributeHints` gives ``LabelView``, ``JobResponse``, ``Annotation`` and
``Point`` a ``__getattr__``, which Python calls only when the usual lookup missed (no cost on a read that succeeds),
and whose error names the closest public attributes (:mod:`difflib`, after reading a Kili key written in camelCase,
``beginOffset``, as ``begin_offset``, and the raw keys and usual guesses of :data:`ALIASES` as the attributes that
hold them), or lists every public name when none is close::

    >>> class Box(AttributeHints):
    ...     def __init__(self):
    ...         self.mid, self.vertices, self.point = "b", [], None
    >>> Box().points
    Traceback (most recent call last):
    AttributeError: 'Box' object has no attribute 'points'; did you mean 'vertices' or 'point'?
    >>> Box().parent
    Traceback (most recent call last):
    AttributeError: 'Box' object has no attribute 'parent'; its attributes are: mid, point, vertices
    >>> point_subscript_error("Point", "x")
    TypeError("'Point' object is not subscriptable: use point.x, not point['x']")

The full reference of these objects is ``docs/python-rules-api.md``. Stdlib-only: embedded into every built plugin.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

#: Raw ``jsonResponse`` keys and usual guesses -> the attributes that hold what they mean (offered first, when the
#: object has them).
ALIASES: Mapping[str, tuple[str, ...]] = {
    "points": ("vertices", "pose_points"),
    "vertex": ("vertices",),
    "coordinates": ("vertices", "ring_coords"),
    "coords": ("vertices", "ring_coords"),
    "normalized_vertices": ("rings", "vertices"),
    "bounding_poly": ("rings", "bbox"),
    "polygon": ("rings", "vertices"),
    "polygons": ("rings",),
    "box": ("bbox",),
    "bounding_box": ("bbox",),
    "type": ("tool",),
    "shape": ("tool",),
    "name": ("categories",),
    "category": ("categories",),
    "label": ("categories",),
    "id": ("mid", "label_id"),
    "value": ("text", "content"),
    "text": ("content",),
    "content": ("text",),
    "confidence": ("confidences", "score"),
    "start_entities": ("start_mids",),
    "start_objects": ("start_mids",),
    "end_entities": ("end_mids",),
    "end_objects": ("end_mids",),
    "page_number_array": ("pages",),
    "page": ("pages",),
}
#: At most this many names are suggested.
MAX_SUGGESTIONS = 3
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def public_names(obj: object) -> list[str]:
    """The public attributes of ``obj`` (its class's and its own), sorted."""
    return sorted(name for name in dir(obj) if not name.startswith("_"))


def nearest_names(name: str, names: list[str]) -> list[str]:
    """The names of ``names`` that ``name`` was likely meant to be, best first: its snake_case spelling and its
    aliases when they are there, then the closest by :func:`difflib.get_close_matches`."""
    snake = _CAMEL.sub(r"_\1", name).lower()
    found = [snake] if snake in names and snake != name else []
    found += [alias for alias in ALIASES.get(snake, ()) if alias in names]
    for spelling in dict.fromkeys((name, snake)):
        found += difflib.get_close_matches(spelling, names, n=MAX_SUGGESTIONS)
    return list(dict.fromkeys(found))[:MAX_SUGGESTIONS]


def attribute_error(obj: object, name: str) -> AttributeError:
    """The error for reading ``name`` that ``obj`` does not have: the nearest public names, or all of them."""
    what = f"{type(obj).__name__!r} object has no attribute {name!r}"
    if name.startswith("__") and name.endswith("__"):  # a protocol probe (copy, pickle...): no search
        return AttributeError(what, name=name)
    names = public_names(obj)
    nearest = nearest_names(name, names)
    quoted = [repr(n) for n in nearest]
    hint = (
        f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
        if len(quoted) > 1
        else f"did you mean {quoted[0]}?"
        if quoted
        else f"its attributes are: {', '.join(names)}"
    )
    # ``name`` without ``obj``: Python's own "Did you mean" (which needs both) is not appended to ours
    return AttributeError(f"{what}; {hint}", name=name)


def point_subscript_error(kind: str, key: Any) -> TypeError:
    """The error for ``point[key]``: a point's coordinates are attributes (``point.x``, ``point.y``)."""
    axis = {"x": "x", "y": "y", 0: "x", 1: "y"}.get(key) if isinstance(key, (str, int)) else None
    if axis is None:
        return TypeError(f"{kind!r} object is not subscriptable: its coordinates are point.x and point.y")
    return TypeError(f"{kind!r} object is not subscriptable: use point.{axis}, not point[{key!r}]")


class AttributeHints:
    """A base whose ``__getattr__`` (called only on a miss) raises :func:`attribute_error`.

    An ``AttributeError`` raised inside a property is not hidden behind a suggestion: the property is read again,
    so its own error propagates. Defined outside type checking, so that mypy still rejects a misspelled name."""

    __slots__ = ()

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if hasattr(type(self), name):  # a property or unset slot that raised AttributeError: its own error
                return object.__getattribute__(self, name)
            raise attribute_error(self, name)


class CoordinateHints(AttributeHints):
    """:class:`AttributeHints`, and ``point["x"]`` raises :func:`point_subscript_error`. Still not iterable."""

    __slots__ = ()

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept point["x"]

        def __getitem__(self, key: Any) -> Any:
            raise point_subscript_error(type(self).__name__, key)

        __iter__ = None  # no iteration through __getitem__: iter(point) raises TypeError as before
