"""``kili-rules deploy`` and ``kili-rules logs``: through the ``kili`` SDK (plugins are uploaded as files, which the
SDK does: a signed upload URL, then the build on Kili's side), given as a collaborator: a ``kili.client.Kili`` or
anything with its methods (tests pass ``create_autospec(Kili, instance=True)``).

Deploying a rule set is: build ``main.py``; ``upload_plugin`` (or ``update_plugin`` when a plugin of that name
exists, per ``list_plugins``); ``activate_plugin_on_project``; declare the score keys as filterable metadata
properties with ``update_properties_in_project(metadata_properties=...)``, merged into the project's current ones
(read first: the properties of other keys are kept); print the plugin's recent logs (``get_plugin_logs``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from kili_rules.errors import KiliRulesError


class DeployError(KiliRulesError):
    """A step of the deployment failed; the message names the step and what Kili said."""


class KiliSdkMissing(KiliRulesError):
    """The ``kili`` SDK is needed (deploy, logs) and not installed."""


def sdk_client(api_key: str | None = None, endpoint: str | None = None) -> Any:
    """A ``kili.client.Kili`` for the key (or ``KILI_API_KEY``) and endpoint (or ``KILI_API_ENDPOINT``, or Kili's
    cloud). KiliSdkMissing in one line when the SDK is not installed; KiliApiError when it cannot connect (the
    SDK checks the key when it is created), never quoting the key."""
    from kili_rules.live.errors import NO_KEY, KiliApiError
    from kili_rules.live.transport import resolve_endpoint

    try:
        from kili.client import Kili
    except ImportError:
        raise KiliSdkMissing(
            "this command needs the kili SDK, which is not installed: pip install 'kili-rules[kili]'"
        ) from None
    key = api_key or os.environ.get("KILI_API_KEY")
    if not key:
        raise KiliApiError(NO_KEY, "auth")
    url = resolve_endpoint(endpoint)
    try:
        return Kili(api_key=key, api_endpoint=url, disable_tqdm=True)
    except Exception as error:
        text = " ".join(str(error).replace(key, "***").split())[:300]
        raise KiliApiError(f"cannot connect to Kili at {url}: {text}", "network") from None


@dataclass
class DeployResult:
    """What ``deploy`` did."""

    plugin_name: str
    path: Path
    action: str  # "uploaded" | "updated"
    metadata_properties: dict[str, Any] = field(default_factory=dict)
    logs: list[dict[str, Any]] = field(default_factory=list)


def score_properties(rule_set_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The metadata properties the rule set's score keys need to be filtered on in Kili's explore view."""
    score = rule_set_data.get("score") or {}
    properties: dict[str, dict[str, Any]] = {}
    if score.get("key"):
        properties[score["key"]] = {"type": "number", "filterable": True}
    if score.get("failed_key"):
        properties[score["failed_key"]] = {"type": "string", "filterable": True}
    return properties


def _step(name: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except KiliRulesError:
        raise
    except Exception as error:  # the SDK's own errors: one line naming the step
        raise DeployError(f"{name} failed: {type(error).__name__}: {' '.join(str(error).split())[:300]}") from None


def read_logs(kili: Any, project_id: str, plugin_name: str, *, limit: int = 20, since: timedelta | None = None) -> list:
    """The plugin's log entries on the project (``get_plugin_logs`` answers a JSON string), oldest first."""
    start = datetime.now(timezone.utc).replace(tzinfo=None) - since if since is not None else None
    answer = _step(
        "get_plugin_logs",
        lambda: kili.get_plugin_logs(project_id=project_id, plugin_name=plugin_name, start_date=start, limit=limit),
    )
    try:
        entries = json.loads(answer) if isinstance(answer, str) else answer
    except ValueError:
        raise DeployError(f"get_plugin_logs answered something that is not JSON: {str(answer)[:80]}") from None
    if not isinstance(entries, list):
        raise DeployError(f"get_plugin_logs answered {type(entries).__name__}, not a list of log entries")
    entries = [e for e in entries if isinstance(e, dict)]
    return sorted(entries, key=lambda e: str(e.get("createdAt") or ""))


def log_line(entry: dict[str, Any]) -> str:
    """``createdAt logType content`` of one log entry."""
    content = entry.get("content") if entry.get("content") is not None else entry.get("message")
    return f"{entry.get('createdAt', '?')} {entry.get('logType', '?')}: {content}"


def deploy(
    rule_set: Any,
    kili: Any,
    project_id: str,
    *,
    plugin_name: str | None = None,
    out_dir: Path | str = "dist",
    logs: int = 20,
    since: timedelta = timedelta(hours=1),
    echo: Callable[[str], None] = print,
) -> DeployResult:
    """Build, upload or update, activate, declare the score properties, show recent logs."""
    from kili_rules.generator import build_plugin

    built = build_plugin(rule_set, out_dir)
    echo(built.summary())
    name = plugin_name or rule_set.name
    plugins = _step("list_plugins", lambda: kili.list_plugins(fields=["name"]))
    exists = any(isinstance(p, dict) and p.get("name") == name for p in plugins or [])
    path = str(built.path)
    if exists:
        _step("update_plugin", lambda: kili.update_plugin(plugin_path=path, plugin_name=name, verbose=False))
        action = "updated"
    else:
        _step("upload_plugin", lambda: kili.upload_plugin(plugin_path=path, plugin_name=name, verbose=False))
        action = "uploaded"
    echo(f"{action} plugin {name!r}")
    _step(
        "activate_plugin_on_project", lambda: kili.activate_plugin_on_project(plugin_name=name, project_id=project_id)
    )
    echo(f"active on project {project_id}")
    result = DeployResult(name, built.path, action)
    wanted = score_properties(rule_set.data)
    if wanted:
        rows = _step(
            "projects", lambda: kili.projects(project_id=project_id, fields=["id", "metadataProperties"], first=1)
        )
        rows = list(rows or [])
        current = rows[0].get("metadataProperties") if rows and isinstance(rows[0], dict) else None
        if isinstance(current, str):
            try:
                current = json.loads(current)
            except ValueError:
                current = None
        current = current if isinstance(current, dict) else {}
        merged = {**current}
        for key, wanted_property in wanted.items():
            existing = current.get(key) if isinstance(current.get(key), dict) else {}
            merged[key] = {**existing, **wanted_property}
        if merged != current:
            _step(
                "update_properties_in_project",
                lambda: kili.update_properties_in_project(project_id=project_id, metadata_properties=merged),
            )
            echo(f"filterable in Kili's explore view: {', '.join(wanted)}")
        result.metadata_properties = merged
    if logs:
        result.logs = read_logs(kili, project_id, name, limit=logs, since=since)
        echo(f"recent logs ({len(result.logs)}):" if result.logs else "no logs yet (they come with the next submit)")
        for entry in result.logs:
            echo("  " + log_line(entry))
    return result


__all__ = [
    "DeployError",
    "DeployResult",
    "KiliSdkMissing",
    "deploy",
    "log_line",
    "read_logs",
    "score_properties",
    "sdk_client",
]
