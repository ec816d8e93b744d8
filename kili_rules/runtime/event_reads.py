"""What a plugin built for Kili's event API reads first: the label of an event, the project's jsonInterface.

Kili's events carry ids only (``label.workflow.created.default``: ``asset_id``, ``label_id``), so the plugin reads
what the legacy handlers were given: :func:`read_label` reads one label by its id with the fields the rules read
(``kili.labels``), :func:`read_interface` the project's ``jsonInterface`` (``kili.projects``), each in **one**
call through the event's :class:`~kili_rules.runtime.retry.Deadline` (counted and budgeted like every other call;
a query is never resent: the SDK resends it itself). No answer is trusted before its shape and ids are checked:
anything else than exactly one row of the id asked for is a :class:`~kili_rules.runtime.retry.KiliAnswerError`,
never "nothing there".

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from kili_rules.runtime.retry import Deadline, KiliAnswerError

#: The fields of ``kili.labels(...)`` the plugin reads: what Kili gives ``on_submit`` that the rules read (the
#: label view: ``jsonResponse``, ``labelType``, the author), and ``assetId`` to check the row.
LABEL_FIELDS = ["id", "assetId", "jsonResponse", "labelType", "author.id"]
#: The fields of ``kili.projects(...)`` the interface check reads.
PROJECT_FIELDS = ["id", "jsonInterface"]


def read_label(kili: Any, project_id: str, asset_id: str, label_id: str, deadline: Deadline) -> dict[str, Any]:
    """The label ``label_id`` of ``asset_id`` (``kili.labels``, one call), checked by :func:`checked_label`."""
    answer = deadline.call(
        "labels",
        kili.labels,
        project_id=project_id,
        asset_id=asset_id,
        label_id=label_id,
        fields=LABEL_FIELDS,
        disable_tqdm=True,
    )
    return checked_label(answer, label_id, asset_id)


def checked_label(answer: Any, label_id: str, asset_id: str) -> dict[str, Any]:
    """The one row of ``label_id`` in ``kili.labels(...)``'s answer, with its ``jsonResponse``; KiliAnswerError
    for anything else: not a list, no row or several rows of that id, a row of another asset, no
    ``jsonResponse`` key (a label evaluated without its answer would pass what it never checked)."""
    rows = _rows(answer, "labels", "labels")
    mine = [row for row in rows if row.get("id") == label_id]
    if len(mine) != 1:
        raise KiliAnswerError(f"labels: {len(mine)} rows of label {label_id}, expected exactly one")
    row = mine[0]
    if "assetId" in row and row["assetId"] != asset_id:
        raise KiliAnswerError(f"labels: label {label_id} is of asset {row['assetId']!r}, not {asset_id}")
    if "jsonResponse" not in row:
        raise KiliAnswerError(f"labels: label {label_id} came without its jsonResponse")
    return dict(row)


def read_interface(kili: Any, project_id: str, deadline: Deadline) -> dict[str, Any]:
    """The project's ``jsonInterface`` (``kili.projects``, one call), checked by :func:`checked_interface`."""
    answer = deadline.call("projects", kili.projects, project_id=project_id, fields=PROJECT_FIELDS, disable_tqdm=True)
    return checked_interface(answer, project_id)


def checked_interface(answer: Any, project_id: str) -> dict[str, Any]:
    """The ``jsonInterface`` of ``project_id`` in ``kili.projects(...)``'s answer, as an object with a ``jobs``
    object; KiliAnswerError for anything else. A string is parsed as JSON; an interface without jobs is an answer
    not understood (the SDK answers ``{}`` for one it cannot parse), never "every job was removed"."""
    rows = [row for row in _rows(answer, "projects", "projects") if row.get("id") == project_id]
    if len(rows) != 1 or "jsonInterface" not in rows[0]:
        raise KiliAnswerError(f"projects: no single row of project {project_id} with its jsonInterface")
    interface = rows[0]["jsonInterface"]
    if isinstance(interface, str):
        try:
            interface = json.loads(interface)
        except (ValueError, RecursionError):
            raise KiliAnswerError("projects: the jsonInterface is a string that is not JSON") from None
    if not isinstance(interface, dict) or not isinstance(interface.get("jobs"), dict) or not interface["jobs"]:
        raise KiliAnswerError("projects: the jsonInterface has no jobs object (an interface Kili could not give)")
    return interface


def _rows(answer: Any, call: str, what: str) -> list[Mapping[str, Any]]:
    """The rows of a list answer; KiliAnswerError when it is not a list of objects."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"{call}: expected a list of {what}, got {type(answer).__name__}")
    rows = list(answer)
    if not all(isinstance(row, Mapping) for row in rows):
        raise KiliAnswerError(f"{call}: expected {what} objects")
    return rows
