"""What the stand-in serves: :class:`StandInData`, projects, assets, labels and issues as plain dicts, built by hand
or read from a fixtures folder laid out as kili-rules' ``tests/fixtures``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The real Kili data of kili-rules' own tests, when kili-rules runs from a clone of its repository.
FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"


@dataclass
class StandInData:
    """What the stand-in serves: projects, assets, labels and issues, as plain dicts (``jsonInterface``,
    ``jsonResponse`` and ``jsonMetadata`` held parsed; a ``jsonResponse`` given as a string is sent as is)."""

    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    _by_asset: dict[str, list[dict[str, Any]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=-1, init=False, repr=False, compare=False)
    _issues_by_asset: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _issues_indexed: int = field(default=-1, init=False, repr=False, compare=False)
    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def add_project(
        self, project_id: str, json_interface: dict[str, Any], input_type: str = "IMAGE", title: str | None = None
    ) -> dict[str, Any]:
        """Add a project; returns it."""
        project = {
            "id": project_id,
            "title": title or project_id,
            "inputType": input_type,
            "jsonInterface": json_interface,
        }
        self.projects[project_id] = project
        return project

    def add_asset(
        self,
        project_id: str,
        asset_id: str,
        *,
        external_id: str | None = None,
        status: str = "LABELED",
        json_metadata: dict[str, Any] | None = None,
        resolution: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Add an asset to a project (``resolution``: its ``{width, height}`` in pixels, or None); returns it."""
        asset = {
            "id": asset_id,
            "projectId": project_id,
            "externalId": external_id or asset_id,
            "status": status,
            "jsonMetadata": json_metadata if json_metadata is not None else {},
            "content": f"https://storage.example.com/{asset_id}.jpg",
            "resolution": resolution,
        }
        self.assets[asset_id] = asset
        return asset

    def add_label(
        self,
        asset_id: str,
        label_id: str,
        json_response: Any,
        *,
        label_type: str = "DEFAULT",
        created_at: str | None = None,
        author_id: str = "user-1",
    ) -> dict[str, Any]:
        """Add a label to an asset (it becomes the asset's latest label); returns it."""
        asset = self.assets[asset_id]
        for other in self.labels_of(asset_id):
            other["isLatestLabelForUser"] = other["isLatestLabelForUser"] and other["author"]["id"] != author_id
        label = {
            "id": label_id,
            "assetId": asset_id,
            "projectId": asset["projectId"],
            "labelType": label_type,
            "jsonResponse": json_response,
            "createdAt": created_at or f"2026-01-01T00:00:{len(self.labels) % 60:02d}.000Z",
            "isLatestLabelForUser": True,
            "author": {"id": author_id, "email": f"{author_id}@example.com"},
            "secondsToLabel": 10,
        }
        self.labels.append(label)
        if self._indexed == len(self.labels) - 1:
            self._by_asset.setdefault(asset_id, []).append(label)
            self._indexed += 1
        return label

    def asset_position(self, asset: dict[str, Any]) -> int:
        """Where an asset comes in the project's listing (the order it was added)."""
        if len(self._positions) != len(self.assets):
            self._positions = {asset_id: n for n, asset_id in enumerate(self.assets)}
        return self._positions.get(asset["id"], len(self._positions))

    def issues_of(self, asset_ids: list[str]) -> list[dict[str, Any]]:
        """The issues of some assets, in the order of :attr:`issues` (from an index brought up to date whenever
        :attr:`issues` grew, rebuilt when it shrank)."""
        if self._issues_indexed > len(self.issues):
            self._issues_by_asset, self._issues_indexed = {}, 0
        for position in range(max(self._issues_indexed, 0), len(self.issues)):
            issue = self.issues[position]
            self._issues_by_asset.setdefault(issue["assetId"], []).append((position, issue))
        self._issues_indexed = len(self.issues)
        found = [item for asset_id in dict.fromkeys(asset_ids) for item in self._issues_by_asset.get(asset_id, [])]
        return [issue for _, issue in sorted(found, key=lambda item: item[0])]

    def labels_of(self, asset_id: str) -> list[dict[str, Any]]:
        """The labels of an asset, oldest first (from an index rebuilt whenever :attr:`labels` grew or shrank, so
        that a project of many assets is served without a scan of every label for each asset)."""
        if self._indexed != len(self.labels):
            self._by_asset = {}
            for label in self.labels:
                self._by_asset.setdefault(label["assetId"], []).append(label)
            self._indexed = len(self.labels)
        return self._by_asset.get(asset_id, [])

    @classmethod
    def from_fixtures(cls, root: str | Path | None = None) -> StandInData:
        """The projects of a fixtures folder laid out as kili-rules' ``tests/fixtures`` (see its README; the default,
        which exists in a clone of the repository):

        - ``seed-image``: Kili's plugin-tutorial interface (``JOB_0``, OBJECT_A / OBJECT_B), asset ``seed-asset-3``
          with the three-box label and ``seed-asset-1`` with the one-box label;
        - ``case-NN``: each ``kili-sdk/label-cases/case_NN.json``, its interface and its one label (``VIDEO`` when
          the jsonResponse is keyed by frame);
        - ``export-<name>``: the assets of each ``kili-sdk/exports/*_project_assets*.json``, with their
          ``jsonMetadata``, their ``resolution`` and their ``latestLabel`` as the project's labels (their interfaces
          are not in the fixtures: ``{"jobs": {}}``).
        """
        root = Path(root) if root is not None else FIXTURES
        if not (root / "seed-examples").is_dir():
            raise FileNotFoundError(
                f"{root}: no fixtures folder here (it needs seed-examples/ and kili-sdk/, "
                "as kili-rules' tests/fixtures has)"
            )
        data = cls()
        seed = root / "seed-examples"
        data.add_project("seed-image", _read(seed / "image_interface.json"), "IMAGE", "Seed example")
        for asset_id, name in (("seed-asset-3", "image_label_three_boxes"), ("seed-asset-1", "image_label_one_box")):
            label = _read(seed / f"{name}.json")
            data.add_asset("seed-image", asset_id, external_id=f"{name}.jpg", json_metadata={"source": "seed"})
            data.add_label(asset_id, label["id"], label["jsonResponse"], label_type=label.get("labelType", "DEFAULT"))
        for path in sorted((root / "kili-sdk" / "label-cases").glob("case_*.json")):
            case = _read(path)
            project_id = f"case-{path.stem.split('_')[1]}"
            response = case["jsonResponse"]
            video = isinstance(response, dict) and any(key.isdigit() for key in response)
            data.add_project(project_id, case["jsonInterface"], "VIDEO" if video else "IMAGE", path.stem)
            data.add_asset(project_id, f"{project_id}-asset")
            data.add_label(f"{project_id}-asset", f"{project_id}-label", response)
        for path in sorted((root / "kili-sdk" / "exports").glob("*_project_assets*.json")):
            project_id = "export-" + path.stem.replace("_project_assets", "")
            input_type = path.stem.split("_")[0].upper()
            data.add_project(project_id, {"jobs": {}}, {"GEOTIFF": "IMAGE"}.get(input_type, input_type), path.stem)
            for asset in _read(path):
                data.add_asset(
                    project_id,
                    asset["id"],
                    external_id=asset.get("externalId"),
                    status=asset.get("status") or "LABELED",
                    json_metadata=asset.get("jsonMetadata") or {},
                    resolution=asset.get("resolution"),
                )
                latest = asset.get("latestLabel")
                if isinstance(latest, dict):
                    data.add_label(
                        asset["id"],
                        f"{asset['id']}-label",
                        latest["jsonResponse"],
                        label_type=latest.get("labelType", "DEFAULT"),
                        created_at=latest.get("createdAt"),
                    )
        return data


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
