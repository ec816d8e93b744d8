"""A generated image project with planted facts, to try ``check``'s manager report on (tests, bench, docs).

Interface ``JOB_0`` (rectangles, ``OBJECT_A`` / ``OBJECT_B``); two rules: at most one OBJECT_A box
(``one-object-a``), at most two OBJECT_B boxes (``b-max``). Each asset has one DEFAULT label by a labeler, in turn,
dated evenly over ``weeks`` weeks from Monday 2026-01-05; a labeler's label breaks ``one-object-a`` with the
probability ``error_rates[labeler]`` (``b-max`` with a fixed 5 %). With ``improving``, every labeler's rate falls
linearly to a fifth of it by the last week. Every ``review_every``-th asset also has a REVIEW label an hour later by
``reviewer@acme.test`` that removes the extra OBJECT_A boxes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping
from typing import Any

RULES = """\
name: planted
interface: {interface}
rules:
  - {{id: one-object-a, type: count, job: JOB_0, category: OBJECT_A, max: 1, message: "{{count}} OBJECT_A boxes"}}
  - {{id: b-max, type: count, job: JOB_0, category: OBJECT_B, max: 2, message: "{{count}} OBJECT_B boxes"}}
"""
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)  # a Monday
B_RATE = 0.05
REVIEWER = "reviewer@acme.test"


def _box(mid: str, category: str) -> dict[str, Any]:
    return {
        "mid": mid,
        "type": "rectangle",
        "categories": [{"name": category, "confidence": 100}],
        "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}],
    }


def _label(label_id: str, kind: str, author: str, created: dt.datetime, boxes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": label_id,
        "labelType": kind,
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "author": {"id": author.split("@")[0], "email": author},
        "jsonResponse": {"JOB_0": {"annotations": boxes}},
    }


def planted_assets(
    assets: int,
    error_rates: Mapping[str, float],
    *,
    weeks: int = 4,
    improving: bool = False,
    review_every: int = 0,
    seed: int = 7,
) -> Iterator[dict[str, Any]]:
    """Assets as ``kili.assets(fields=[..., "labels.*"])`` gives them: ``{id, labels: [DEFAULT, (REVIEW)]}``."""
    rng = random.Random(seed)
    labelers = list(error_rates)
    span = dt.timedelta(weeks=weeks)
    for index in range(assets):
        author = labelers[index % len(labelers)]
        created = START + span * (index / max(assets, 1))
        progress = (created - START) / span  # 0 .. 1
        rate = error_rates[author] * ((1 - 0.8 * progress) if improving else 1)
        extra_a = rng.random() < rate
        extra_b = rng.random() < B_RATE
        boxes = [_box(f"a{index}", "OBJECT_A")]
        if extra_a:
            boxes.append(_box(f"a{index}x", "OBJECT_A"))
        boxes += [_box(f"b{index}-{k}", "OBJECT_B") for k in range(3 if extra_b else 1)]
        labels = [_label(f"label-{index}", "DEFAULT", author, created, boxes)]
        if review_every and index % review_every == 0:
            fixed = [box for box in boxes if box["mid"] != f"a{index}x"]
            labels.append(_label(f"review-{index}", "REVIEW", REVIEWER, created + dt.timedelta(hours=1), fixed))
        yield {"id": f"asset-{index}", "externalId": f"image-{index}.jpg", "labels": labels}


__all__ = ["RULES", "START", "planted_assets"]
