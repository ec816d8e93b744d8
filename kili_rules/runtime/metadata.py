"""The score in the asset's ``json_metadata``: the values to write, Kili's answer checked, the merge.

Pure (no Kili call). Kili's ``update_properties_in_assets`` **replaces** the whole metadata, so the plugin reads it
(``kili.assets(..., fields=ASSET_FIELDS)``), checks the answer (:func:`checked_metadata`: the row of this very
asset), merges the score in (:func:`merged_metadata`: every other key kept) and writes the whole dict back. The
values it adds stay flat (a number, a comma-separated string) so that Kili can filter on them.

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


def merged_metadata(current: Any, updates: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's metadata with ``updates`` merged in; every other key kept.

    Metadata that is a JSON string is parsed; any other non-empty value that is not an object (Kili's own example
    plugin writes plain strings) is kept under ``"metadata"``, so nothing is lost.
    """
    if isinstance(current, str):
        try:
            parsed = json.loads(current) if current.strip() else {}
        except (ValueError, RecursionError):
            parsed = {"metadata": current}
        current = parsed if isinstance(parsed, dict) else {"metadata": current}
    elif current is None:
        current = {}
    elif not isinstance(current, dict):
        current = {"metadata": current}
    return {**current, **updates}
