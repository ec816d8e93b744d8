"""What a Python rule is told when it reads a name the label objects do not have: the nearest real names.

A wrong guess at the API (``annotation.points``, ``response.content``, ``vertex["x"]``) would otherwise end in a bare
``AttributeError`` or ``TypeError``. When a rule raises an ``AttributeError`` on an object of the runtime (the label
view, its answers, objects and points, ``label.interface``, a ``Violation``), the engine adds
:func:`attribute_hint` to the error that ``eval``, ``test``, ``check`` and the plugin's log show: the closest public
names (:mod:`difflib`, after reading a Kili key written in camelCase, ``beginOffset``, as ``begin_offset``, and the
raw keys and usual guesses of :data:`ALIASES` as the attributes that hold them), or every public name when none is
close. It reads the ``name`` and ``obj`` that Python (3.10+) sets on the error, so the objects need no
``__getattr__``: on CPython 3.11+ a class with one loses its specialized attribute reads, and every read of a
label object would cost about twice as much. A :class:`~kili_rules.runtime.label_model.Point` is subscripted only
by mistake, so ``point["x"]`` raises :func:`point_subscript_error` (:class:`CoordinateHints`) at no cost::

    >>> class Box:
    ...     __module__ = "kili_rules.runtime.example"
    ...     def __init__(self):
    ...         self.mid, self.vertices, self.point = "b", [], None
    >>> def hint(name):
    ...     try:
    ...         getattr(Box(), name)
    ...     except AttributeError as error:
    ...         return attribute_hint(error)
    >>> hint("points"), hint("parent")
    ("did you mean 'vertices' or 'point'?", 'its attributes are: mid, point, vertices')
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
#: The objects whose misses get a hint: those of the modules of the runtime (the plugin embeds them by these names).
HINTED_MODULES = "kili_rules.runtime."
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


def attribute_hint(error: BaseException) -> str | None:
    """What ``error`` missed, when it is an ``AttributeError`` on an object of the runtime: the nearest public
    names (``did you mean 'vertices'?``), or all of them; None for any other error, or when Python did not say
    which name on which object (a rule's own ``raise AttributeError(...)``)."""
    if not isinstance(error, AttributeError):
        return None
    name, obj = getattr(error, "name", None), getattr(error, "obj", None)
    if not isinstance(name, str) or not type(obj).__module__.startswith(HINTED_MODULES):
        return None
    names = public_names(obj)
    if name.startswith("__") or name in names:  # a protocol probe, or an attribute that exists (a slot never set)
        return None
    quoted = [repr(n) for n in nearest_names(name, names)]
    if not quoted:
        return f"its attributes are: {', '.join(names)}"
    return (
        f"did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?" if len(quoted) > 1 else f"did you mean {quoted[0]}?"
    )


def point_subscript_error(kind: str, key: Any) -> TypeError:
    """The error for ``point[key]``: a point's coordinates are attributes (``point.x``, ``point.y``)."""
    axis = {"x": "x", "y": "y", 0: "x", 1: "y"}.get(key) if isinstance(key, (str, int)) else None
    if axis is None:
        return TypeError(f"{kind!r} object is not subscriptable: its coordinates are point.x and point.y")
    return TypeError(f"{kind!r} object is not subscriptable: use point.{axis}, not point[{key!r}]")


class CoordinateHints:
    """A base whose ``point["x"]`` raises :func:`point_subscript_error`; still not iterable. Subscription and
    iteration are type slots: defining them costs nothing to attribute reads."""

    __slots__ = ()

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept point["x"]

        def __getitem__(self, key: Any) -> Any:
            raise point_subscript_error(type(self).__name__, key)

        __iter__ = None  # no iteration through __getitem__: iter(point) raises TypeError as before
