"""The fast reader of a job's objects: the walk over a label (:mod:`kili_rules.runtime.job_walk`) reads a list of
Kili's usual objects (dicts with one category each, no pose points) in one comprehension, keeping their category
names for :class:`~kili_rules.runtime.label_view.LabelView`; the loops run in C (``map`` of ``dict.get``) where they
can. Any other shape answers None (or True for :func:`may_nest`), and the careful visit of the walk reads it: what
the view returns is the same either way (``tests/test_label_view_differential.py``).

Stdlib-only: embedded into every built plugin.
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

from kili_rules.runtime.label_model import category_names

_IS_LIST = list.__instancecheck__
_IS_STR = str.__instancecheck__


def category_names_of(objects: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """``category_names`` of each object's ``categories``: in C (``map``, ``filter``) when every object has a list
    of dicts there, as Kili writes them; one by one otherwise."""
    categories = list(map(dict.get, objects, repeat("categories")))
    if all(map(_IS_LIST, categories)):
        try:
            # C loops; the lists were checked above, a non-dict category raises TypeError
            return [tuple(filter(_IS_STR, map(dict.get, found, repeat("name")))) for found in categories]  # type: ignore[arg-type]
        except TypeError:  # a category that is not a dict
            pass
    return [category_names(found) for found in categories]


def may_nest(annotations: list[Any]) -> bool:
    """Whether an object of ``annotations`` may hold a child job (under itself, a category or a pose point).

    The loops run in C (``map`` of ``dict.get``), so a list of plain boxes costs a few dict lookups a box and no
    Python frame; any shape but dicts and lists of dicts answers True, and the careful visit decides.
    """
    try:
        return (
            any(map(dict.get, annotations, repeat("children")))
            or any(map(dict.get, annotations, repeat("points")))
            or any(
                map(
                    dict.get,
                    chain.from_iterable(filter(None, map(dict.get, annotations, repeat("categories")))),
                    repeat("children"),
                )
            )
        )
    except Exception:  # a value that is not a dict (or a list of dicts) where one is expected
        return True


_GET = dict.get


def fast_object_names(annotations: list[Any]) -> tuple[list[Any], bool] | None:
    """The fast path of the walk over a job's objects, one comprehension: the name (any JSON value) in each
    object's one category, and whether an object may have ``children`` (False: none has), when ``annotations``
    holds Kili's usual objects only: dicts without pose ``points``, whose ``categories`` is a list of one dict
    without ``children``. None when any object is otherwise, or has no name: the careful visit then reads them.

    Such objects hold a child job under their own ``children`` only, and ``category_names`` of each is
    ``(name,)`` when the name is a string, ``()`` otherwise: what :meth:`LabelView.object_categories` and
    :meth:`LabelView.objects_in` read from these names, without another pass over the objects.
    """
    try:
        if not _GET(annotations[0], "children"):  # boxes without a child job: the children checked on the way
            names = [
                category["name"]
                for annotation in annotations
                if not _GET(annotation, "children") and "points" not in annotation  # dict.get: TypeError unless a dict
                for categories in (annotation["categories"],)
                if categories.__class__ is list
                for [category] in (categories,)  # ValueError unless exactly one
                if "children" not in category
            ]
            if len(names) == len(annotations):
                return names, False
        names = [
            category["name"]
            for annotation in annotations
            if not _GET(annotation, "points")
            for categories in (annotation["categories"],)
            if categories.__class__ is list
            for [category] in (categories,)
            if "children" not in category
        ]
    except Exception:  # no categories, not a list of one dict, no name...: anything odd goes the careful way
        return None
    return (names, True) if len(names) == len(annotations) else None
