"""A generated project for ``kili-rules apply`` (its tests and ``bench/bench_apply.py``): assets with 0 to 3 boxes
of ``OBJECT_A`` and of ``OBJECT_B``, in every situation ``apply`` meets, and the rule file that checks them.

The rules (:data:`RULES`): at most one ``OBJECT_A`` (an error: issue and send back) and at most two ``OBJECT_B``
(a warning: issue and review). Seeded, so the same ``seed`` gives the same project:

- statuses LABELED, TO_REVIEW, REVIEWED; one asset in 20 not labeled (TODO) and one in 25 labeled but back in
  the queue (ONGOING) when ``queued`` is set;
- metadata with other keys always (``batch``), sometimes the score already there, a send-back count (0 to 3,
  or a hand-edited string), and one asset in 40 with metadata that is not an object;
- OPEN issues of this rule set still wanted (kept) or whose finding is gone (stale: solved), another rule set's
  and a reviewer's (never touched), QUESTIONs tagged by this rule set (never read), the escalation issue, and
  SOLVED ones.

:func:`final_state` is what a run is judged by: issues (text, pin, type, status), asset statuses and metadata.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from kili_rules.testing.stand_in.data import StandInData

PROJECT = "apply-project"
NAME = "boxes"
RULES = f"""\
name: {NAME}
interface: INTERFACE
score:
  key: qa_score
  failed_key: qa_failed_rules
actions:
  error: [issue, send_back]
  warning: [issue, review]
  info: []
rules:
  - id: one-object-a
    type: count
    job: JOB_0
    category: OBJECT_A
    max: 1
    message: "There are too many BBox ({{count}}) - Only 1 BBox of Object A accepted"
  - id: two-object-b
    type: count
    job: JOB_0
    category: OBJECT_B
    max: 2
    severity: warning
    message: "At most 2 BBox of Object B, not {{count}}"
"""
A_TEXT = f"[{NAME}/one-object-a] There are too many BBox ({{}}) - Only 1 BBox of Object A accepted"
ESCALATION = f"[{NAME}/send-backs] sent back to the queue 3 times already: escalated for a person to decide"


def write_rules(folder: Path, interface: Path) -> Path:
    """Write the rule file (its interface given by absolute path) in ``folder``; returns its path."""
    path = folder / f"{NAME}.yaml"
    path.write_text(RULES.replace("INTERFACE", json.dumps(str(interface))), encoding="utf-8")
    return path


def _box(mid: str, category: str) -> dict[str, Any]:
    vertex = {"x": 0.1, "y": 0.2}
    return {
        "mid": mid,
        "type": "rectangle",
        "categories": [{"name": category}],
        "boundingPoly": [{"normalizedVertices": [vertex, vertex, vertex, vertex]}],
    }


def _issue(number: int, asset_id: str, text: str, mid: str | None, kind: str = "ISSUE", status: str = "OPEN") -> Any:
    return {
        "id": f"pre-{number}",
        "projectId": PROJECT,
        "assetId": asset_id,
        "labelId": None,
        "objectMid": mid,
        "type": kind,
        "status": status,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "comments": [{"id": f"pre-comment-{number}", "text": text, "createdAt": "2026-01-01T00:00:00.000Z"}],
        "hasBeenSeen": False,
    }


def generate(
    assets: int, interface: dict[str, Any], *, seed: int = 24, queued: bool = False, data: StandInData | None = None
) -> StandInData:
    """The project of ``assets`` assets (added to ``data`` when given)."""
    rng = random.Random(seed)
    data = data if data is not None else StandInData()
    data.add_project(PROJECT, interface, "IMAGE", "apply")
    issues = 0
    for i in range(assets):
        asset_id = f"asset-{i:06d}"
        metadata: Any = {"batch": i % 5}
        if rng.random() < 0.3:
            metadata["qa_send_backs"] = rng.choice([0, 1, 2, 3, 3, "twice"])
        if rng.random() < 0.2:
            metadata.update(qa_score=100.0, qa_failed_rules="")
        if i % 40 == 7:
            metadata = ["not", "an", "object"]
        if i % 20 == 19:
            data.add_asset(PROJECT, asset_id, status="TODO", json_metadata=metadata)
            continue
        status = "ONGOING" if queued and i % 25 == 24 else rng.choice(["LABELED", "LABELED", "TO_REVIEW", "REVIEWED"])
        data.add_asset(PROJECT, asset_id, status=status, json_metadata=metadata)
        a_boxes = [_box(f"m{i}-a{k}", "OBJECT_A") for k in range(rng.choice([0, 1, 1, 2, 3]))]
        b_boxes = [_box(f"m{i}-b{k}", "OBJECT_B") for k in range(rng.choice([0, 1, 2, 3]))]
        data.add_label(asset_id, f"label-{i:06d}", {"JOB_0": {"annotations": a_boxes + b_boxes}})
        roll = rng.random()
        wanted = [(A_TEXT.format(len(a_boxes)), box["mid"]) for box in a_boxes[1:]]
        pre: list[tuple[str, str | None, str, str]] = []
        if roll < 0.15 and wanted:
            pre.append((*wanted[-1], "ISSUE", "OPEN"))  # still wanted: kept
        elif roll < 0.3:
            pre.append((A_TEXT.format(4), f"m{i}-gone", "ISSUE", "OPEN"))  # its box is gone: solved
        elif roll < 0.4:
            pre.append((A_TEXT.format(2).replace(f"[{NAME}/", "[other/"), None, "ISSUE", "OPEN"))
            pre.append(("please double-check the boxes", f"m{i}-a0", "ISSUE", "OPEN"))
        elif roll < 0.5:
            pre.append((A_TEXT.format(5), None, "QUESTION", "OPEN"))
            pre.append((A_TEXT.format(5), None, "ISSUE", "SOLVED"))
        elif roll < 0.55:
            pre.append((ESCALATION, None, "ISSUE", "OPEN"))
        for text, mid, kind, state in pre:
            issues += 1
            data.issues.append(_issue(issues, asset_id, text, mid, kind, state))
    return data


def final_state(data: StandInData, project: str = PROJECT) -> dict[str, Any]:
    """What a run is judged by: the project's issues (the ones there before by id, the ones created by what they
    are), the assets' statuses and metadata."""
    issues = sorted(
        json.dumps(
            [
                issue["id"] if issue["id"].startswith("pre-") else "created",
                issue["assetId"],
                issue.get("labelId") if not issue["id"].startswith("pre-") else None,
                issue["objectMid"],
                issue["type"],
                issue["status"],
                [c["text"] for c in issue["comments"]],
            ]
        )
        for issue in data.issues
        if issue["projectId"] == project
    )
    assets = {
        asset_id: (asset["status"], asset["jsonMetadata"])
        for asset_id, asset in data.assets.items()
        if asset["projectId"] == project
    }
    return {"issues": issues, "assets": assets}
