"""What changed between the jsonInterface a rule file names and the one Kili has now, in a few phrases.

``kili-rules lint RULES --project P`` says it in one warning: the jobs and categories added and removed in Kili,
those renamed (a key gone and another come with the same display name: ``category OBJECT_A of JOB_0 is now
OBJECT_B (both shown as "Object A")``; or the same key shown under another name: ``category OBJECT_A of JOB_0
renamed "Object A" -> "Car"``), and a job whose mlTask, required, tools, input or child jobs changed. Titles,
colors and instructions other than a job's display name are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def interface_drift(local: Mapping[str, Any], live: Mapping[str, Any], most: int = 8) -> list[str]:
    """How ``live`` (Kili's jsonInterface) differs from ``local`` (the rule file's), in at most ``most`` phrases
    and one that says how many more (empty: the same jobs, with the same mlTask, categories, children, required,
    tools and display names)."""
    mine, theirs = _jobs(local), _jobs(live)
    drift = _changes(
        "job", "", {k: _job_name(v) for k, v in mine.items()}, {k: _job_name(v) for k, v in theirs.items()}
    )
    for name in (job for job in mine if job in theirs):
        a, b = _shape(mine[name]), _shape(theirs[name])
        for key in ("mlTask", "required", "tools", "input"):
            if a[key] != b[key]:
                drift.append(f"{name}.{key} is {b[key]!r} in Kili, {a[key]!r} here")
        drift += _changes("category", f" of {name}", a["names"], b["names"])
        children = [c for c in a["children"] if c in b["children"] and a["children"][c] != b["children"][c]]
        if children:
            drift.append(f"child jobs of {name} categories changed: {', '.join(children)}")
    return drift[:most] + ([f"and {len(drift) - most} more differences"] if len(drift) > most else [])


def _changes(kind: str, of: str, mine: Mapping[str, str], theirs: Mapping[str, str]) -> list[str]:
    """The ``kind`` keys (``job``, ``category``) added, removed and renamed between ``mine`` and ``theirs`` (key ->
    display name); ``of`` says whose they are (`` of JOB_0``)."""
    several = ("jobs" if kind == "job" else "categories") + of
    added = [key for key in theirs if key not in mine]
    removed = [key for key in mine if key not in theirs]
    phrases = []
    for old in list(removed):
        same_name = [new for new in added if mine[old] and theirs[new] == mine[old]]
        if len(same_name) == 1:
            phrases.append(f"{kind} {old}{of} is now {same_name[0]} (both shown as {_quoted(mine[old])})")
            removed.remove(old)
            added.remove(same_name[0])
    if added:
        phrases.append(f"{several} added in Kili: {', '.join(added)}")
    if removed:
        phrases.append(f"{several} removed in Kili: {', '.join(removed)}")
    for key in (key for key in mine if key in theirs and mine[key] != theirs[key]):
        phrases.append(f"{kind} {key}{of} renamed {_quoted(mine[key])} -> {_quoted(theirs[key])}")
    return phrases


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'


def _jobs(interface: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found = interface.get("jobs") if isinstance(interface, Mapping) else None
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, Mapping) else {}


def _job_name(job: Mapping[str, Any]) -> str:
    """What Kili shows for the job: its ``instruction`` (``""`` when it has none)."""
    return job.get("instruction") if isinstance(job.get("instruction"), str) else ""


def _shape(job: Mapping[str, Any]) -> dict[str, Any]:
    content = job.get("content") if isinstance(job.get("content"), dict) else {}
    categories = content.get("categories") if isinstance(content.get("categories"), dict) else {}
    return {
        "mlTask": job.get("mlTask"),
        "required": bool(job.get("required")),
        "tools": sorted(map(str, job.get("tools") or [])),
        "input": content.get("input"),
        "names": {
            key: (c.get("name") if isinstance(c, dict) and isinstance(c.get("name"), str) else "")
            for key, c in categories.items()
        },
        "children": {
            key: sorted(map(str, (c.get("children") if isinstance(c, dict) else None) or []))
            for key, c in categories.items()
        },
    }


__all__ = ["interface_drift"]
