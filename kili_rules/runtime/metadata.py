"""The asset as the plugin reads it, and the score in its ``json_metadata``: the values to write, the merge.

Pure (no Kili call). Kili's ``update_properties_in_assets`` **replaces** the whole metadata, so the plugin reads it
(``kili.assets(..., fields=ASSET_FIELDS)``, before the rules run: the same read gives the asset's ``resolution`` for
rules in pixels), checks the answer (:func:`checked_asset`: the row of this very asset; :func:`metadata_object`: an
object, or Kili's empty value), merges the score and the send-back count in (:func:`merged_metadata`: every other key
kept) and writes the whole dict back, unless it equals what was read; a read it does not understand writes nothing.
The values it adds stay flat (a number, a comma-separated string) so that Kili can filter on them.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.retry import KiliAnswerError
from kili_rules.runtime.routing import SEND_BACKS_KEY

#: The fields of ``kili.assets(...)`` the plugin reads.
ASSET_FIELDS = ["id", "jsonMetadata", "resolution.width", "resolution.height"]


@dataclass(frozen=True)
class AssetRead:
    """What the plugin read of the asset.

    Attributes:
        metadata: its ``json_metadata`` as an object; ``None`` when the read was not understood (nothing is written).
        resolution: its ``resolution`` as Kili gives it (``{"width": ..., "height": ...}``), or ``None``.
        problem: why ``metadata`` is ``None``.
    """

    metadata: dict[str, Any] | None
    resolution: Any = None
    problem: str | None = None


def score_updates(report: Report, policy: Policy) -> dict[str, Any]:
    """The flat values the report writes: the score under ``score.key`` and, with ``score.failed_key``, the ids of
    the failed rules, comma-separated. Empty when the rule set writes no score."""
    if not policy.score_key:
        return {}
    updates: dict[str, Any] = {policy.score_key: report.score}
    if policy.failed_key:
        updates[policy.failed_key] = ",".join(report.failed_rule_ids)
    return updates


def _row(answer: Any, asset_id: str) -> Mapping[str, Any]:
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"assets: expected a list of assets, got {type(answer).__name__}")
    rows = [row for row in answer if isinstance(row, Mapping) and row.get("id") == asset_id]
    if len(rows) != 1 or "jsonMetadata" not in rows[0]:  # another asset's row would overwrite its metadata
        raise KiliAnswerError(f"assets: no single row of asset {asset_id} with its jsonMetadata: not written")
    return rows[0]


def checked_asset(answer: Any, asset_id: str) -> AssetRead:
    """The asset of ``asset_id`` in ``kili.assets(...)``'s answer; KiliAnswerError unless exactly one row of that
    id holds its ``jsonMetadata``; a metadata that is not an object gives ``metadata=None`` (and its resolution
    all the same)."""
    row = _row(answer, asset_id)
    resolution = row.get("resolution")
    try:
        return AssetRead(metadata_object(row["jsonMetadata"]), resolution)
    except KiliAnswerError as error:
        return AssetRead(None, resolution, str(error))


def metadata_object(current: Any) -> dict[str, Any]:
    """The metadata read, as an object; KiliAnswerError (nothing is written) when it is not one.

    Kili's own empty value counts as ``{}``: the SDK gives ``{}`` for an empty ``jsonMetadata`` (and, alas, for
    one that is not JSON: ``load_asset_json_fields`` parses the string and answers ``{}`` when it cannot, so such
    metadata cannot be told from none through the SDK), other clients ``""`` or ``None``. A JSON string holding an
    object is parsed. Anything else (a list, a number, a string that is not JSON or not an object: Kili's own
    example plugin writes plain strings) is a read not understood: writing the score would replace it.
    """
    if current is None:
        return {}
    if isinstance(current, str):
        if not current.strip():
            return {}
        try:
            current = json.loads(current)
        except (ValueError, RecursionError):
            raise KiliAnswerError("assets: jsonMetadata is a string that is not JSON: not written") from None
    if not isinstance(current, dict):
        raise KiliAnswerError(f"assets: jsonMetadata is a {type(current).__name__}, not an object: not written")
    return current


def metadata_updates(report: Report, policy: Policy, send_backs: int | None) -> dict[str, Any]:
    """Everything the plugin writes in ``json_metadata`` for one label: :func:`score_updates` and, when the asset is
    sent back, the new send-back count (``send_backs``, under ``qa_send_backs``)."""
    updates = score_updates(report, policy)
    if send_backs is not None:
        updates[SEND_BACKS_KEY] = send_backs
    return updates


def merged_metadata(current: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's metadata (as :func:`metadata_object` reads it) with ``updates`` merged in; every other key
    kept."""
    return {**current, **updates}
