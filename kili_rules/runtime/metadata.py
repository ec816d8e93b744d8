"""The score in the asset's ``json_metadata``: the values to write, Kili's answer checked, the merge.

Pure (no Kili call). Kili's ``update_properties_in_assets`` **replaces** the whole metadata, so the plugin reads it
(``kili.assets(..., fields=ASSET_FIELDS)``), checks the answer (:func:`checked_metadata`: the row of this very
asset; :func:`metadata_object`: an object, or Kili's empty value), merges the score in (:func:`merged_metadata`:
every other key kept) and writes the whole dict back; a read it does not understand writes nothing. The values it
adds stay flat (a number, a comma-separated string) so that Kili can filter on them.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy
from kili_rules.runtime.retry import KiliAnswerError

#: The fields of ``kili.assets(...)`` the plugin reads.
ASSET_FIELDS = ["id", "jsonMetadata"]


def score_updates(report: Report, policy: Policy) -> dict[str, Any]:
    """The flat values the report writes: the score under ``score.key`` and, with ``score.failed_key``, the ids of
    the failed rules, comma-separated. Empty when the rule set writes no score."""
    if not policy.score_key:
        return {}
    updates: dict[str, Any] = {policy.score_key: report.score}
    if policy.failed_key:
        updates[policy.failed_key] = ",".join(report.failed_rule_ids)
    return updates


def checked_metadata(answer: Any, asset_id: str) -> Any:
    """The ``jsonMetadata`` of ``asset_id`` in ``kili.assets(...)``'s answer; KiliAnswerError unless exactly one
    row of that id holds the key (another asset's row, or a row without it, would overwrite the metadata)."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"assets: expected a list of assets, got {type(answer).__name__}")
    rows = [row for row in answer if isinstance(row, Mapping) and row.get("id") == asset_id]
    if len(rows) != 1 or "jsonMetadata" not in rows[0]:
        raise KiliAnswerError(f"assets: no single row of asset {asset_id} with its jsonMetadata: not written")
    return rows[0]["jsonMetadata"]


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


def merged_metadata(current: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's metadata (as :func:`metadata_object` reads it) with ``updates`` merged in; every other key
    kept."""
    return {**current, **updates}
