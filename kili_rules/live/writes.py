"""What ``apply`` writes to Kili: issues created and solved, assets sent back to the queue, metadata replaced.

Each is sent in batches of 100 (the SDK's), and its answer is checked: ids that do not match what was sent are a
malformed answer, never a success. A mutation is resent only when Kili certainly did not run it
(:mod:`kili_rules.live.retry`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kili_rules.live import operations as ops
from kili_rules.live.errors import KiliApiError
from kili_rules.live.transport import KiliTransport

#: Kili's batch size for mutations.
MUTATION_BATCH_SIZE = 100


class KiliWrites(KiliTransport):
    """The typed writes (the same constructor as :class:`~kili_rules.live.transport.KiliTransport`)."""

    def create_issues(
        self, project_id: str, issues: Sequence[tuple[str, str | None, str]], *, issue_type: str = "ISSUE"
    ) -> list[str]:
        """Create issues, given as ``(label_id, object_mid or None, text)``, in batches of 100 (the SDK's
        ``createIssues`` payload); returns the new ids in order. A batch whose outcome is unknown stops everything
        with KiliApiError(kind="unknown_outcome") naming how many were created before it."""
        created: list[str] = []
        for start in range(0, len(issues), MUTATION_BATCH_SIZE):
            batch = [
                {"labelID": label_id, "objectMid": mid, "type": issue_type, "assetId": None, "text": text}
                for label_id, mid, text in issues[start : start + MUTATION_BATCH_SIZE]
            ]
            batch = [{k: v for k, v in item.items() if v is not None} for item in batch]
            try:
                answer = self.mutate(ops.CREATE_ISSUES, {"issues": batch, "where": {"project": {"id": project_id}}})
            except KiliApiError as error:
                if error.kind == "unknown_outcome" and created:
                    raise KiliApiError(f"{error} ({len(created)} issues were created before)", error.kind) from None
                raise
            ids = _ids(answer, "createIssues", len(batch))
            created += ids
        return created

    def update_issue_status(self, issue_id: str, status: str) -> None:
        """Set one issue's status (``OPEN | SOLVED | CANCELLED``); Kili has no batch call for it."""
        answer = self.mutate(ops.UPDATE_ISSUE, {"data": {"status": status}, "where": {"id": issue_id}})
        if not isinstance(answer, dict) or answer.get("id") != issue_id:
            raise KiliApiError(f"Kili sent an unexpected answer to updatePropertiesInIssue for {issue_id}", "malformed")

    def send_back_to_queue(self, asset_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Send assets back to the queue, 100 a call; ``{"succeeded", "declined", "failed"}`` lists merged."""
        return self._move(ops.SEND_ASSETS_BACK_TO_QUEUE, "sendAssetsBackToQueue", asset_ids)

    def add_to_review(self, asset_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Move assets on to review (``addAssetsToReview``), 100 a call; ``{"succeeded", "declined", "failed"}``."""
        return self._move(ops.ADD_ASSETS_TO_REVIEW, "addAssetsToReview", asset_ids)

    def _move(self, document: str, name: str, asset_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        outcome: dict[str, list[dict[str, Any]]] = {"succeeded": [], "declined": [], "failed": []}
        for start in range(0, len(asset_ids), MUTATION_BATCH_SIZE):
            chunk = list(asset_ids[start : start + MUTATION_BATCH_SIZE])
            answer = self.mutate(document, {"where": {"idIn": chunk}})
            if not isinstance(answer, dict) or not all(isinstance(answer.get(k), list) for k in outcome):
                raise KiliApiError(f"Kili sent an unexpected answer to {name}", "malformed")
            for key in outcome:
                outcome[key] += answer[key]
        return outcome

    def update_json_metadata(self, asset_ids: Sequence[str], json_metadatas: Sequence[dict[str, Any]]) -> list[str]:
        """Write each asset's whole ``jsonMetadata`` (Kili **replaces** it: read, merge, then write), 100 a call,
        through ``updatePropertiesInAssets``; returns the ids Kili confirms."""
        if len(asset_ids) != len(json_metadatas):
            raise ValueError("asset_ids and json_metadatas must have the same length")
        written: list[str] = []
        for start in range(0, len(asset_ids), MUTATION_BATCH_SIZE):
            ids = list(asset_ids[start : start + MUTATION_BATCH_SIZE])
            metadatas = json_metadatas[start : start + MUTATION_BATCH_SIZE]
            answer = self.mutate(
                ops.UPDATE_PROPERTIES_IN_ASSETS,
                {
                    "whereArray": [{"id": asset_id} for asset_id in ids],
                    "dataArray": [{"jsonMetadata": json.dumps(m)} for m in metadatas],
                },
            )
            written += _ids(answer, "updatePropertiesInAssets", len(ids))
        return written


def _ids(answer: Any, name: str, expected: int) -> list[str]:
    if (
        not isinstance(answer, list)
        or len(answer) != expected
        or not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in answer)
    ):
        raise KiliApiError(f"Kili sent an unexpected answer to {name}: expected {expected} ids", "malformed")
    return [item["id"] for item in answer]
