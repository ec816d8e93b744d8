"""What the commands that talk to a live Kili project share: ``--project``, ``--api-key``, ``--endpoint``, the
httpx client, the ``kili`` SDK client, labels as records, the progress bar. Not a command (no ``NAME``).

The key comes from ``--api-key`` or ``KILI_API_KEY`` and is never printed: errors name the variable, not the value.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from kili_rules.errors import InputError

LABEL_STATUSES = ("TODO", "ONGOING", "LABELED", "TO_REVIEW", "REVIEWED")


def add_connection_arguments(parser: argparse.ArgumentParser, *, project_required: bool = True) -> None:
    """``--project``, ``--api-key``, ``--endpoint``."""
    parser.add_argument(
        "--project", required=project_required, metavar="PROJECT_ID", help="the Kili project id (from its URL)"
    )
    parser.add_argument(
        "--api-key", metavar="KEY", help="Kili API key (default: $KILI_API_KEY; prefer the variable: never printed)"
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="Kili's GraphQL endpoint or an on-premise server's base URL (default: $KILI_API_ENDPOINT, else Kili's "
        "cloud)",
    )


def add_label_selection(parser: argparse.ArgumentParser) -> None:
    """``--status`` and ``--latest``: which labels of the project."""
    add_status_selection(parser)
    parser.add_argument("--latest", action="store_true", help="only each asset's latest label")


def add_status_selection(parser: argparse.ArgumentParser) -> None:
    """``--status``: the labels of the project's assets in these statuses."""
    parser.add_argument(
        "--status",
        action="append",
        choices=LABEL_STATUSES,
        metavar="STATUS",
        help=f"only the labels of assets in this status (repeatable: {', '.join(LABEL_STATUSES)})",
    )


def connect(args: argparse.Namespace) -> Any:
    """The httpx client of Kili's API (``kili_rules.live.KiliClient``) for ``--api-key`` / ``--endpoint``."""
    from kili_rules.live.client import KiliClient

    return KiliClient(api_key=args.api_key, endpoint=args.endpoint)


def sdk_client(args: argparse.Namespace) -> Any:
    """A ``kili.client.Kili`` for ``--api-key`` / ``--endpoint``; ``args.kili`` when a caller (a test) set one."""
    if getattr(args, "kili", None) is not None:
        return args.kili
    from kili_rules.live.deploy import sdk_client as create

    return create(args.api_key, args.endpoint)


def live_records(client: Any, args: argparse.Namespace, on_progress: Any = None) -> Iterator[Any]:
    """The project's labels as :class:`~kili_rules.authoring.label_files.LabelRecord` (source: the project,
    asset: the label's asset, resolution: the asset's), streamed."""
    from kili_rules.authoring.label_files import LabelRecord

    for label in client.iter_labels(
        args.project, asset_status_in=args.status, latest=args.latest, on_progress=on_progress
    ):
        asset = label.get("labelOf") or {}
        yield LabelRecord(label, f"project {args.project}", asset.get("id"), resolution=asset.get("resolution"))


class LiveProgress:
    """A progress bar fed by page counts (``on_progress(done, total)``): the audit's bar, in labels."""

    def __init__(self, enabled: bool) -> None:
        from kili_rules.authoring.audit import ProgressBar

        self.bar = ProgressBar(1) if enabled else None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.total = max(total, 1)
            self.bar.update(done, done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def require_labels_or_project(args: argparse.Namespace, files: list[str], command: str) -> None:
    """Files of labels or ``--project``, not both, not neither (a usage error)."""
    if files and args.project:
        raise InputError(f"give files of labels or --project, not both (see kili-rules {command} --help)")
    if not files and not args.project:
        raise InputError(
            f"give files of labels, or --project PROJECT_ID to read them from Kili (see kili-rules {command} --help)"
        )
