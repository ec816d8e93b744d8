"""What the commands read from Kili: a project, its labels, assets and issues, each parsed into plain objects.

``jsonInterface`` and ``jsonResponse`` arrive as JSON strings and are parsed; a large ``jsonResponse`` comes as
``jsonResponseUrl`` and is fetched. The page sizes are the SDK's: fewer labels / assets a page when they carry a
``jsonResponse`` (and fewer still for video).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kili_rules.live import operations as ops
from kili_rules.live.errors import KiliApiError
from kili_rules.live.paging import KiliPaging, Page

LABEL_PAGE_SIZE_VIDEO = 20
ASSET_PAGE_SIZE_WITH_LABEL = 50
ASSET_PAGE_SIZE_WITH_LABEL_VIDEO = 10

LABEL_FIELDS = (
    "id",
    "labelType",
    "jsonResponse",
    "jsonResponseUrl",
    "createdAt",
    "isLatestLabelForUser",
    "author.id",
    "author.email",
    "labelOf.id",
    "labelOf.externalId",
    "labelOf.resolution.width",
    "labelOf.resolution.height",
)
#: The asset's size in pixels, which rules in `units: pixels` measure with (None for a PDF: one a page).
RESOLUTION_FIELDS = ("resolution.width", "resolution.height")
ASSET_FIELDS = ("id", "externalId", "status", "jsonMetadata", *RESOLUTION_FIELDS)
LATEST_LABEL_FIELDS = tuple(f"latestLabel.{f}" for f in LABEL_FIELDS if not f.startswith("labelOf."))
ISSUE_FIELDS = ("id", "status", "type", "objectMid", "assetId", "createdAt", "comments.text")


class KiliReads(KiliPaging):
    """The typed reads (the same constructor as :class:`~kili_rules.live.transport.KiliTransport`)."""

    def project(self, project_id: str) -> dict[str, Any]:
        """``{"id", "title", "inputType", "jsonInterface"}`` of a project, ``jsonInterface`` parsed from its JSON
        string. Raises KiliApiError(kind="not_found") when the project does not exist or the key cannot see it."""
        fields = ops.fragment(["id", "title", "inputType", "jsonInterface"])
        found = self.query(ops.projects_query(fields), {"where": {"id": project_id}, "first": 1, "skip": 0})
        if not isinstance(found, list):
            raise KiliApiError("Kili sent an unexpected answer to projects", "malformed")
        if not found:
            raise KiliApiError(
                f"project {project_id!r} not found (it does not exist, or this API key cannot see it)", "not_found"
            )
        project = found[0]
        if not isinstance(project, dict) or project.get("id") != project_id:
            raise KiliApiError(f"Kili sent an unexpected answer for project {project_id!r}", "malformed")
        interface = project.get("jsonInterface")
        if isinstance(interface, str):
            try:
                interface = json.loads(interface)
            except ValueError:
                raise KiliApiError(f"the jsonInterface of project {project_id!r} is not JSON", "malformed") from None
        if not isinstance(interface, dict):
            raise KiliApiError(f"the jsonInterface of project {project_id!r} is not an object", "malformed")
        return {
            "id": project_id,
            "title": project.get("title"),
            "inputType": project.get("inputType"),
            "jsonInterface": interface,
        }

    def count_labels(
        self, project_id: str, *, asset_status_in: Sequence[str] | None = None, type_in: Sequence[str] | None = None
    ) -> int:
        """How many labels :meth:`iter_labels` would give (without ``latest``)."""
        return self.count(ops.COUNT_LABELS, _label_where(project_id, asset_status_in, type_in))

    def iter_labels(
        self,
        project_id: str,
        *,
        asset_status_in: Sequence[str] | None = None,
        type_in: Sequence[str] | None = None,
        latest: bool = False,
        fields: Sequence[str] = LABEL_FIELDS,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The labels of a project, streamed page by page in constant memory, each with ``jsonResponse`` parsed
        (fetched from ``jsonResponseUrl`` when Kili gives one; a string that is not JSON is kept as it came, so the
        runtime reports the label as unreadable) and ``labelOf: {id, externalId, resolution}`` (``resolution``:
        ``{width, height}`` of the asset, or None).

        ``asset_status_in`` keeps the labels of assets in those statuses (TODO, ONGOING, LABELED, TO_REVIEW,
        REVIEWED: workflow-v1 projects); ``type_in`` the labels of those types (DEFAULT, REVIEW, AUTOSAVE, ...);
        ``latest`` only each asset's latest label (read through ``assets { latestLabel }``, as Kili defines it).
        Raises KiliApiError(kind="not_found") for an unknown project."""
        project = self.project(project_id)
        video = project["inputType"] == "VIDEO"
        if latest:
            for asset in self.iter_assets(
                project_id, asset_status_in=asset_status_in, with_latest_label=True, on_progress=on_progress
            ):
                label = asset.get("latestLabel")
                if label is None:
                    continue
                if type_in and label.get("labelType") not in type_in:
                    continue
                label.setdefault(
                    "labelOf",
                    {
                        "id": asset.get("id"),
                        "externalId": asset.get("externalId"),
                        "resolution": asset.get("resolution"),
                    },
                )
                yield label
            return
        fields = list(fields)
        if "jsonResponse" in fields and "jsonResponseUrl" not in fields:
            fields.append("jsonResponseUrl")
        yield from self.paginate(
            ops.labels_query(ops.fragment(fields)),
            ops.COUNT_LABELS,
            _label_where(project_id, asset_status_in, type_in),
            page_size=LABEL_PAGE_SIZE_VIDEO if video else None,
            transform=self._load_label,
            on_progress=on_progress,
        )

    def iter_assets(
        self,
        project_id: str,
        *,
        asset_status_in: Sequence[str] | None = None,
        asset_ids: Sequence[str] | None = None,
        with_latest_label: bool = False,
        fields: Sequence[str] = ASSET_FIELDS,
        on_progress: Callable[[int, int], None] | None = None,
        on_bad_page: Callable[[int, int, KiliApiError], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The assets of a project, streamed, ``jsonMetadata`` parsed to a dict (``{}`` when empty); with
        ``with_latest_label``, each with ``latestLabel`` (``None`` for an asset not labeled yet, else a label as
        :meth:`iter_labels` gives it). ``asset_ids`` restricts to those assets. ``on_bad_page``: a page whose answer
        is malformed twice is skipped and passed to it (see :meth:`~kili_rules.live.paging.KiliPaging.paginate`)."""
        pages = self.iter_asset_pages(
            project_id,
            asset_status_in=asset_status_in,
            asset_ids=asset_ids,
            with_latest_label=with_latest_label,
            fields=fields,
            on_progress=on_progress,
            on_bad_page=on_bad_page,
        )
        for page in pages:
            yield from page.items

    def iter_asset_pages(
        self,
        project_id: str,
        *,
        asset_status_in: Sequence[str] | None = None,
        asset_ids: Sequence[str] | None = None,
        with_latest_label: bool = False,
        fields: Sequence[str] = ASSET_FIELDS,
        page_size: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_bad_page: Callable[[int, int, KiliApiError], None] | None = None,
    ) -> Iterator[Page]:
        """The pages of :meth:`iter_assets` (the one reader of assets: ``check --project``, ``diff --project`` and
        ``apply`` all read through it), each a :class:`~kili_rules.live.paging.Page` of at most ``page_size``
        assets (default: the SDK's, fewer with a ``latestLabel``, fewer still for video; never more than the
        client's ``page_size``)."""
        fields = list(fields)
        if with_latest_label:
            fields += [f for f in LATEST_LABEL_FIELDS if f not in fields]
            if page_size is None:
                video = self.project(project_id)["inputType"] == "VIDEO"
                page_size = ASSET_PAGE_SIZE_WITH_LABEL_VIDEO if video else ASSET_PAGE_SIZE_WITH_LABEL
        where: dict[str, Any] = {"project": {"id": project_id}}
        if asset_status_in:
            where["statusIn"] = list(asset_status_in)
        if asset_ids is not None:
            where["idIn"] = list(asset_ids)
        yield from self.paginate_pages(
            ops.assets_query(ops.fragment(fields)),
            ops.COUNT_ASSETS,
            where,
            page_size=page_size,
            transform=self._load_asset,
            on_progress=on_progress,
            on_bad_page=on_bad_page,
        )

    def iter_issues(
        self,
        project_id: str,
        *,
        asset_id: str | None = None,
        asset_ids: Sequence[str] | None = None,
        status: str | None = None,
        issue_type: str | None = None,
        fields: Sequence[str] = ISSUE_FIELDS,
    ) -> Iterator[dict[str, Any]]:
        """The issues of a project (of one asset, of some assets, of one status ``OPEN | SOLVED | CANCELLED``, of
        one type ``ISSUE | QUESTION``), streamed."""
        where: dict[str, Any] = {"project": {"id": project_id}}
        if asset_id is not None:
            where["asset"] = {"id": asset_id}
        if asset_ids is not None:
            where["assetIn"] = list(asset_ids)
        if status is not None:
            where["status"] = status
        if issue_type is not None:
            where["type"] = issue_type
        yield from self.paginate(ops.issues_query(ops.fragment(list(fields))), ops.COUNT_ISSUES, where)

    def open_issues_of(
        self, project_id: str, asset_ids: Sequence[str], fields: Sequence[str] = ISSUE_FIELDS
    ) -> list[dict[str, Any]]:
        """The OPEN issues of type ISSUE of many assets (``assetIn``), read without a count: one request when they
        fit in a page."""
        where = {"project": {"id": project_id}, "assetIn": list(asset_ids), "status": "OPEN", "type": "ISSUE"}
        return self.read_all(ops.issues_query(ops.fragment(list(fields))), where)

    # ---------------------------------------------------------------- answers to objects

    def _load_label(self, label: dict[str, Any]) -> dict[str, Any]:
        url = label.pop("jsonResponseUrl", None)
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            label["jsonResponse"] = self.get_json(url, f"the jsonResponse of label {label.get('id')}")
        elif isinstance(label.get("jsonResponse"), str):
            try:
                label["jsonResponse"] = json.loads(label["jsonResponse"])
            except ValueError:
                pass  # kept as it came: the runtime reports an unreadable jsonResponse as a finding
        return label

    def _load_asset(self, asset: dict[str, Any]) -> dict[str, Any]:
        metadata = asset.get("jsonMetadata")
        if isinstance(metadata, str):
            try:
                asset["jsonMetadata"] = json.loads(metadata) if metadata.strip() else {}
            except ValueError:
                pass  # not JSON (Kili's example plugin writes such strings): kept, the caller decides
        elif metadata is None and "jsonMetadata" in asset:
            asset["jsonMetadata"] = {}
        if isinstance(asset.get("latestLabel"), dict):
            asset["latestLabel"] = self._load_label(asset["latestLabel"])
        return asset


def _label_where(
    project_id: str, asset_status_in: Sequence[str] | None, type_in: Sequence[str] | None
) -> dict[str, Any]:
    where: dict[str, Any] = {"project": {"id": project_id}}
    if asset_status_in:
        where["asset"] = {"statusIn": list(asset_status_in)}
    if type_in:
        where["typeIn"] = list(type_in)
    return where
