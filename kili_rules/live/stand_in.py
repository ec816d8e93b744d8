"""A local stand-in of Kili's GraphQL endpoint, for tests: a real HTTP server on 127.0.0.1, answering from memory.

Shipped (not only in our tests) so that plugin authors test against it the way we do::

    with KiliStandIn(StandInData.from_fixtures()) as kili:
        client = KiliClient(api_key=kili.api_key, endpoint=kili.endpoint)
        labels = list(client.iter_labels("seed-image"))

**It does not parse GraphQL.** It finds the operation's first root field (after the operation's name and variable
definitions), answers it from ``variables`` alone, and returns whole objects whatever the selection set asks for
(extra fields are harmless to a client; a missing one would not be). One root field per operation. The answer
goes under the field's alias when there is one (``data: labels(...)``), else under its name.

Supported root fields (the shapes the ``kili`` SDK sends; see ``kili_rules.live.operations``):

- queries: ``projects`` / ``countProjects`` (where ``id``), ``labels`` / ``countLabels`` (where ``project.id``,
  ``id``, ``idIn``, ``asset.id``, ``asset.statusIn``, ``typeIn``), ``assets`` / ``countAssets`` (where
  ``project.id``, ``id``, ``idIn``, ``statusIn``, ``externalIdStrictlyIn``), ``issues`` / ``countIssues`` (where
  ``project.id``, ``asset.id``, ``assetIn``, ``status``, ``type``), ``viewer`` and ``apiKeys`` (what the SDK asks
  when a ``Kili`` client is created); pages by ``first`` / ``skip``, ``first`` capped at ``max_page_size``;
- mutations: ``createIssues``, ``updatePropertiesInIssue`` (status), ``sendAssetsBackToQueue`` (``where.idIn``),
  ``updatePropertiesInAssets`` (``jsonMetadata``, replaced whole, as Kili does); each applied one is recorded in
  :attr:`KiliStandIn.mutations`;
- ``jsonInterface``, ``jsonResponse`` and ``jsonMetadata`` are sent as JSON strings, as Kili does; a label whose
  ``jsonResponse`` is longer than ``json_response_url_over`` characters is sent as a ``jsonResponseUrl`` served by
  the stand-in (``GET /files/json-response/<label id>``, which requires the key, like Kili's own file URLs);
- ``GET /api/label/v2/version`` answers ``{"version": ...}`` as Kili's does;
- introspection (``__schema``) is answered from :data:`SCHEMA_SDL`, the subset of Kili's schema above, when
  graphql-core is installed (the kili SDK brings it): the SDK can then be created without ``KILI_SDK_SKIP_CHECKS``;
- anything else answers a GraphQL error ``Cannot query field "<name>"``, like a real server's validation.

Faults, to test a client's behaviour: a request without the right ``Authorization: X-API-Key: <key>`` gets HTTP 401;
:meth:`KiliStandIn.fail` queues answers (429 with ``Retry-After``, 500, a slow answer, a dropped connection, or a
mutation applied *then* answered 500, whose outcome the client cannot know), taken by the next matching requests.
Every request is recorded in :attr:`KiliStandIn.requests` (root field, variables, the status answered).
"""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_API_KEY = "stand-in-secret-key-0123456789"
GRAPHQL_PATH = "/api/label/v2/graphql"
#: The real Kili data of kili-rules' own tests, when kili-rules runs from a clone of its repository.
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"

_HEADER = re.compile(r"^\s*(?:(?:query|mutation|subscription)\b[^{(]*(?:\([^)]*\))?\s*)?\{", re.S)
_FIELD = re.compile(r"\s*(?:([A-Za-z_]\w*)\s*:\s*)?([A-Za-z_]\w*)")


def root_field(document: str) -> tuple[str, str, bool]:
    """``(response key, field name, is_mutation)`` of the first root field of a GraphQL document."""
    header = _HEADER.match(document)
    if header is None:
        raise ValueError("not a GraphQL operation")
    match = _FIELD.match(document, header.end())
    if match is None:
        raise ValueError("no root field")
    alias, name = match.group(1), match.group(2)
    return alias or name, name, document.lstrip().startswith("mutation")


@dataclass
class StandInData:
    """What the stand-in serves: projects, assets, labels and issues, as plain dicts (``jsonInterface``,
    ``jsonResponse`` and ``jsonMetadata`` held parsed; a ``jsonResponse`` given as a string is sent as is)."""

    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    labels: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)

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
    ) -> dict[str, Any]:
        """Add an asset to a project; returns it."""
        asset = {
            "id": asset_id,
            "projectId": project_id,
            "externalId": external_id or asset_id,
            "status": status,
            "jsonMetadata": json_metadata if json_metadata is not None else {},
            "content": f"https://storage.example.com/{asset_id}.jpg",
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
        for other in self.labels:
            if other["assetId"] == asset_id:
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
        return label

    @classmethod
    def from_fixtures(cls, root: str | Path | None = None) -> StandInData:
        """The projects of a fixtures folder laid out as kili-rules' ``tests/fixtures`` (see its README; the default,
        which exists in a clone of the repository):

        - ``seed-image``: Kili's plugin-tutorial interface (``JOB_0``, OBJECT_A / OBJECT_B), asset ``seed-asset-3``
          with the three-box label and ``seed-asset-1`` with the one-box label;
        - ``case-NN``: each ``kili-sdk/label-cases/case_NN.json``, its interface and its one label (``VIDEO`` when
          the jsonResponse is keyed by frame);
        - ``export-<name>``: the assets of each ``kili-sdk/exports/*_project_assets*.json``, with their
          ``jsonMetadata`` and their ``latestLabel`` as the project's labels (their interfaces are not in the
          fixtures: ``{"jobs": {}}``).
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


#: The subset of Kili's schema the stand-in answers, for clients that introspect it (the kili SDK does, when
#: ``KILI_SDK_SKIP_CHECKS`` is not set, and then validates every document against it locally). Only what the
#: supported operations select is declared; input types are left open (their values are not checked locally).
SCHEMA_SDL = """
scalar PageSize
scalar JSON
type Query {
  viewer: User
  projects(where: ProjectWhere!, first: PageSize!, skip: Int!): [Project!]!
  countProjects(where: ProjectWhere!): Int!
  assets(where: AssetWhere!, first: PageSize!, skip: Int!): [Asset!]!
  countAssets(where: AssetWhere!): Int!
  labels(where: LabelWhere!, first: PageSize!, skip: Int!): [Label!]!
  countLabels(where: LabelWhere!): Int!
  issues(where: IssueWhere!, first: PageSize!, skip: Int!): [Issue!]!
  countIssues(where: IssueWhere!): Int!
  apiKeys(where: ApiKeyWhere!, first: PageSize!, skip: Int!): [ApiKey!]!
}
type Mutation {
  createIssues(issues: [IssueToCreate!]!, where: AssetWhere!): [Issue!]!
  updatePropertiesInIssue(data: IssueData!, where: IssueWhere!): Issue
  sendAssetsBackToQueue(where: AssetWhere!): AssetActionOutcome!
  updatePropertiesInAssets(where: [AssetWhere!]!, data: [AssetData!]!): [Asset!]!
}
input ProjectWhere { id: ID }
input IdWhere { id: ID }
input AssetWhere { id: ID, idIn: [ID!], project: IdWhere, statusIn: [String!], externalIdStrictlyIn: [String!] }
input LabelWhere { id: ID, idIn: [ID!], project: IdWhere, asset: AssetWhere, typeIn: [String!] }
input IssueWhere { id: ID, project: IdWhere, asset: IdWhere, assetIn: [ID!], status: String, type: String }
input ApiKeyWhere { key: String }
input IssueToCreate { labelID: ID, objectMid: String, type: String, assetId: ID, text: String }
input IssueData { status: String }
input AssetData { jsonMetadata: String }
type User { id: ID!, email: String }
type ApiKey { id: ID!, name: String, expiryDate: String }
type Step { id: ID!, name: String }
type Project {
  id: ID!, title: String, inputType: String, jsonInterface: String, steps: [Step!], workflowVersion: String
}
type Resolution { width: Int, height: Int }
type PageResolution { width: Int, height: Int, pageNumber: Int, rotation: Int }
type Asset {
  id: ID!, externalId: String, status: String, content: String, jsonContent: String, jsonMetadata: String,
  project: Project, latestLabel: Label, labels: [Label!], resolution: Resolution, pageResolutions: [PageResolution!]
}
type Label {
  id: ID!, labelType: String, jsonResponse: String, jsonResponseUrl: String, createdAt: String,
  isLatestLabelForUser: Boolean, author: User, secondsToLabel: Float, assetId: ID, labelOf: Asset
}
type Comment { id: ID, text: String, createdAt: String }
type Issue {
  id: ID!, status: String, type: String, objectMid: String, assetId: ID, labelId: ID, createdAt: String,
  comments: [Comment!], hasBeenSeen: Boolean
}
type AssetRef { assetId: ID, externalId: String, details: String }
type AssetActionOutcome { succeeded: [AssetRef!]!, declined: [AssetRef!]!, failed: [AssetRef!]! }
"""


def introspection(document: str) -> dict[str, Any]:
    """Answer an introspection query from :data:`SCHEMA_SDL`, with graphql-core (which the kili SDK brings; without
    it, introspection is refused like any unknown field)."""
    try:
        import graphql
    except ImportError:
        raise _GraphQLFailure('Cannot query field "__schema" on type "Query".') from None
    result = graphql.graphql_sync(graphql.build_schema(SCHEMA_SDL), document)
    if result.errors:
        raise _GraphQLFailure(result.errors[0].message)
    return result.data or {}


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Fault:
    """One queued misbehaviour: ``status`` to answer (``None``: answer normally after ``delay``), ``retry_after``
    header, ``delay`` seconds before answering, ``drop`` the connection without answering, ``after_apply`` (a
    mutation is applied, then the fault answered), ``field`` the root field it applies to (``None``: any)."""

    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    drop: bool = False
    after_apply: bool = False
    field: str | None = None


@dataclass
class Recorded:
    """One request the stand-in received."""

    field: str
    variables: dict[str, Any]
    status: int
    mutation: bool


class KiliStandIn:
    """The server. ``start()`` / ``stop()`` or a ``with`` block; :attr:`endpoint` is its GraphQL URL.

    Args:
        data: what to serve (default: :meth:`StandInData.from_fixtures`).
        api_key: the one key it accepts.
        max_page_size: the largest ``first`` it honours (Kili's PageSize allows 500).
        json_response_url_over: a ``jsonResponse`` longer than this is sent as a ``jsonResponseUrl``.
        auth_failure: how a bad key is answered: ``"401"`` (HTTP 401) or ``"graphql"`` (HTTP 200 with an
            UNAUTHENTICATED GraphQL error).
    """

    def __init__(
        self,
        data: StandInData | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        max_page_size: int = 500,
        json_response_url_over: int | None = None,
        auth_failure: str = "401",
    ) -> None:
        self.data = data if data is not None else StandInData.from_fixtures()
        self.api_key = api_key
        self.max_page_size = max_page_size
        self.json_response_url_over = json_response_url_over
        self.auth_failure = auth_failure
        self.requests: list[Recorded] = []
        self.mutations: list[tuple[str, dict[str, Any]]] = []
        self.version = "stand-in-1"
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._issue_counter = 0

    # ------------------------------------------------------------ life cycle

    def start(self) -> KiliStandIn:
        """Listen on a free port of 127.0.0.1, in a daemon thread."""
        stand_in = self

        class Handler(_Handler):
            server_state = stand_in

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="kili-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> KiliStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "the stand-in is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def endpoint(self) -> str:
        """The GraphQL endpoint, as ``KILI_API_ENDPOINT`` would name it."""
        return self.base_url + GRAPHQL_PATH

    # ------------------------------------------------------------ faults and records

    def fail(
        self,
        status: int | None = None,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        delay: float = 0.0,
        drop: bool = False,
        after_apply: bool = False,
        field: str | None = None,
    ) -> None:
        """Queue ``times`` faults, taken in order by the next requests (to ``field`` only, when given)."""
        with self._lock:
            for _ in range(times):
                self._faults.append(
                    Fault(status, None if retry_after is None else str(retry_after), delay, drop, after_apply, field)
                )

    def _record(self, name: str, variables: dict[str, Any], status: int, mutation: bool) -> None:
        with self._lock:
            self.requests.append(Recorded(name, variables, status, mutation))

    def calls(self, field: str) -> list[Recorded]:
        """The requests received for one root field."""
        with self._lock:
            return [r for r in self.requests if r.field == field]

    def _take_fault(self, name: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.field is None or fault.field == name:
                    self._faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------ answering

    def answer(self, document: str, variables: dict[str, Any]) -> tuple[str, str, bool, Any]:
        """``(response key, field, is_mutation, value)`` for one operation (raises _GraphQLFailure)."""
        key, name, mutation = root_field(document)
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            raise _GraphQLFailure(f'Cannot query field "{name}" on type "{"Mutation" if mutation else "Query"}".')
        with self._lock:
            value = handler(variables)
            if mutation:
                self.mutations.append((name, copy.deepcopy(variables)))
        return key, name, mutation, value

    def _page(self, items: list[dict[str, Any]], variables: dict[str, Any]) -> list[dict[str, Any]]:
        first = variables.get("first")
        skip = variables.get("skip", 0)
        if not isinstance(first, int) or not isinstance(skip, int) or first < 0 or skip < 0:
            raise _GraphQLFailure('Variable "$first" of required type "PageSize!" was not provided.')
        if first > self.max_page_size:
            raise _GraphQLFailure(f"PageSize cannot be more than {self.max_page_size}")
        return items[skip : skip + first]

    # projects
    def _projects(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(self.data.projects.values())
        if where.get("id") is not None:
            found = [p for p in found if p["id"] == where["id"]]
        return found

    def _op_projects(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        page = self._page(self._projects(variables.get("where") or {}), variables)
        # steps / workflowVersion: the SDK reads them before filtering assets (a workflow-v1 project has no steps)
        return [
            {"steps": [], "workflowVersion": "V1", **p, "jsonInterface": json.dumps(p["jsonInterface"])} for p in page
        ]

    def _op_countProjects(self, variables: dict[str, Any]) -> int:
        return len(self._projects(variables.get("where") or {}))

    # assets
    def _assets(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(self.data.assets.values())
        project_id = (where.get("project") or {}).get("id")
        if project_id is not None:
            found = [a for a in found if a["projectId"] == project_id]
        if where.get("id") is not None:
            found = [a for a in found if a["id"] == where["id"]]
        for key, attribute in (("idIn", "id"), ("statusIn", "status"), ("externalIdStrictlyIn", "externalId")):
            if where.get(key) is not None:
                found = [a for a in found if a[attribute] in where[key]]
        return found

    def _asset_out(self, asset: dict[str, Any]) -> dict[str, Any]:
        labels = [label for label in self.data.labels if label["assetId"] == asset["id"]]
        return {
            "id": asset["id"],
            "externalId": asset["externalId"],
            "status": asset["status"],
            "content": asset["content"],
            "jsonContent": "",
            "jsonMetadata": json.dumps(asset["jsonMetadata"]),
            "project": {"id": asset["projectId"]},
            "latestLabel": self._label_out(labels[-1]) if labels else None,
            "labels": [self._label_out(label) for label in labels],
            "resolution": None,
            "pageResolutions": None,
        }

    def _op_assets(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._asset_out(a) for a in self._page(self._assets(variables.get("where") or {}), variables)]

    def _op_countAssets(self, variables: dict[str, Any]) -> int:
        return len(self._assets(variables.get("where") or {}))

    # labels
    def _labels(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        found = self.data.labels
        project_id = (where.get("project") or {}).get("id")
        if project_id is not None:
            found = [label for label in found if label["projectId"] == project_id]
        if where.get("id") is not None:
            found = [label for label in found if label["id"] == where["id"]]
        if where.get("idIn") is not None:
            found = [label for label in found if label["id"] in where["idIn"]]
        if where.get("typeIn") is not None:
            found = [label for label in found if label["labelType"] in where["typeIn"]]
        asset = where.get("asset") or {}
        if asset.get("id") is not None:
            found = [label for label in found if label["assetId"] == asset["id"]]
        if asset.get("statusIn") is not None:
            found = [label for label in found if self.data.assets[label["assetId"]]["status"] in asset["statusIn"]]
        return found

    def _label_out(self, label: dict[str, Any]) -> dict[str, Any]:
        asset = self.data.assets[label["assetId"]]
        response = label["jsonResponse"]
        text = response if isinstance(response, str) else json.dumps(response)
        out = {
            "id": label["id"],
            "labelType": label["labelType"],
            "jsonResponse": text,
            "jsonResponseUrl": None,
            "createdAt": label["createdAt"],
            "isLatestLabelForUser": label["isLatestLabelForUser"],
            "author": dict(label["author"]),
            "secondsToLabel": label["secondsToLabel"],
            "assetId": label["assetId"],
            "labelOf": {"id": asset["id"], "externalId": asset["externalId"]},
        }
        if self.json_response_url_over is not None and len(text) > self.json_response_url_over:
            out["jsonResponse"] = ""
            out["jsonResponseUrl"] = f"{self.base_url}/api/label/v2/files/json-response/{label['id']}"
        return out

    def _op_labels(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        return [self._label_out(label) for label in self._page(self._labels(variables.get("where") or {}), variables)]

    def _op_countLabels(self, variables: dict[str, Any]) -> int:
        return len(self._labels(variables.get("where") or {}))

    # issues
    def _issues(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        found = self.data.issues
        project_id = (where.get("project") or {}).get("id")
        if project_id is not None:
            found = [i for i in found if i["projectId"] == project_id]
        asset_id = (where.get("asset") or {}).get("id")
        if asset_id is not None:
            found = [i for i in found if i["assetId"] == asset_id]
        if where.get("assetIn") is not None:
            found = [i for i in found if i["assetId"] in where["assetIn"]]
        for key in ("status", "type"):
            if where.get(key) is not None:
                found = [i for i in found if i[key] == where[key]]
        return found

    def _op_issues(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        return [copy.deepcopy(i) for i in self._page(self._issues(variables.get("where") or {}), variables)]

    def _op_countIssues(self, variables: dict[str, Any]) -> int:
        return len(self._issues(variables.get("where") or {}))

    def _op_createIssues(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        project_id = ((variables.get("where") or {}).get("project") or {}).get("id")
        if project_id not in self.data.projects:
            raise _GraphQLFailure(f"project {project_id} not found")
        labels = {label["id"]: label for label in self.data.labels}
        created = []
        for wanted in variables.get("issues") or []:
            label = labels.get(wanted.get("labelID"))
            if label is None or label["projectId"] != project_id:
                raise _GraphQLFailure(f"label {wanted.get('labelID')} not found in project {project_id}")
            self._issue_counter += 1
            issue = {
                "id": f"issue-{self._issue_counter}",
                "projectId": project_id,
                "assetId": label["assetId"],
                "labelId": label["id"],
                "objectMid": wanted.get("objectMid"),
                "type": wanted.get("type", "ISSUE"),
                "status": "OPEN",
                "createdAt": "2026-01-02T00:00:00.000Z",
                "comments": [
                    {
                        "id": f"comment-{self._issue_counter}",
                        "text": wanted.get("text"),
                        "createdAt": "2026-01-02T00:00:00.000Z",
                    }
                ],
                "hasBeenSeen": False,
            }
            self.data.issues.append(issue)
            created.append({"id": issue["id"]})
        return created

    def _op_updatePropertiesInIssue(self, variables: dict[str, Any]) -> dict[str, str]:
        issue_id = (variables.get("where") or {}).get("id")
        status = (variables.get("data") or {}).get("status")
        for issue in self.data.issues:
            if issue["id"] == issue_id:
                if status not in ("OPEN", "SOLVED", "CANCELLED"):
                    raise _GraphQLFailure(f"invalid issue status {status!r}")
                issue["status"] = status
                return {"id": issue_id}
        raise _GraphQLFailure(f"issue {issue_id} not found")

    def _op_sendAssetsBackToQueue(self, variables: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        outcome: dict[str, list[dict[str, Any]]] = {"succeeded": [], "declined": [], "failed": []}
        for asset_id in (variables.get("where") or {}).get("idIn") or []:
            asset = self.data.assets.get(asset_id)
            if asset is None:
                outcome["failed"].append({"assetId": asset_id, "externalId": None, "details": "asset not found"})
            elif asset["status"] in ("TODO", "ONGOING"):
                outcome["declined"].append({"assetId": asset_id, "externalId": asset["externalId"]})
            else:
                asset["status"] = "ONGOING"
                outcome["succeeded"].append({"assetId": asset_id, "externalId": asset["externalId"]})
        return outcome

    def _op_updatePropertiesInAssets(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        wheres = variables.get("whereArray") or []
        datas = variables.get("dataArray") or []
        if len(wheres) != len(datas):
            raise _GraphQLFailure("whereArray and dataArray must have the same length")
        done = []
        for where, data in zip(wheres, datas, strict=True):
            asset = self.data.assets.get(where.get("id"))
            if asset is None:
                raise _GraphQLFailure(f"asset {where.get('id')} not found")
            if "jsonMetadata" in data:
                metadata = data["jsonMetadata"]
                asset["jsonMetadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
            done.append({"id": asset["id"]})
        return done

    # what the kili SDK asks when a Kili client is created
    def _op_viewer(self, variables: dict[str, Any]) -> dict[str, str]:
        return {"id": "user-stand-in", "email": "stand-in@example.com"}

    def _op_apiKeys(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        return [{"expiryDate": "2099-01-01T00:00:00.000Z", "id": "api-key-1", "name": "stand-in"}]

    def json_response_of(self, label_id: str) -> Any:
        """The jsonResponse served at a label's ``jsonResponseUrl``."""
        with self._lock:
            for label in self.data.labels:
                if label["id"] == label_id:
                    return label["jsonResponse"]
        return None


class _GraphQLFailure(Exception):
    """Answered as ``{"errors": [{"message": ...}]}`` with HTTP 200, as Kili answers a refused operation."""


class _Handler(BaseHTTPRequestHandler):
    server_state: KiliStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what a failing test needs

    def setup(self) -> None:
        super().setup()
        # Headers and body go in separate writes: without this, Nagle's algorithm and delayed ACKs add 40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a timeout test): nothing to tell it

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"X-API-Key: {self.server_state.api_key}"

    def _refuse(self) -> None:
        if self.server_state.auth_failure == "graphql":
            error = {"message": "[unauthenticated] Invalid API key", "extensions": {"code": "UNAUTHENTICATED"}}
            self._send(200, {"data": None, "errors": [error]})
        else:
            self._send(401, {"errors": [{"message": "Unauthorized"}]})

    def do_GET(self) -> None:
        state = self.server_state
        if self.path == "/api/label/v2/version":
            self._send(200, {"version": state.version})
            return
        prefix = "/api/label/v2/files/json-response/"
        if self.path.startswith(prefix):
            if not self._authorised():
                self._refuse()
                return
            fault = state._take_fault("json-response")
            if fault is not None and fault.status is not None:
                self._send(fault.status, {"error": "fault"}, {"Retry-After": fault.retry_after or "0"})
                return
            response = state.json_response_of(self.path[len(prefix) :])
            if response is None:
                self._send(404, {"error": "not found"})
            elif isinstance(response, str):
                raw = response.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            else:
                self._send(200, response)
            return
        self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        state = self.server_state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0] != GRAPHQL_PATH:
            self._send(404, {"error": "not found"})
            return
        try:
            payload = json.loads(raw)
            document = payload["query"]
            variables = payload.get("variables") or {}
            _, name, mutation = root_field(document)
        except (ValueError, KeyError, TypeError):
            self._send(400, {"errors": [{"message": "Must provide query string."}]})
            return
        if not self._authorised():
            state._record(name, variables, 401, mutation)
            self._refuse()
            return
        fault = state._take_fault(name)
        if fault is not None:
            if fault.delay or fault.drop:
                state._record(name, variables, 0, mutation)  # 0: received, answered late or never
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault.status is not None and not fault.after_apply:
                state._record(name, variables, fault.status, mutation)
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                self._send(fault.status, {"errors": [{"message": f"HTTP {fault.status}"}]}, headers)
                return
        try:
            if name == "__schema":
                state._record(name, variables, 200, mutation)
                self._send(200, {"data": introspection(document)})
                return
            key, name, mutation, value = state.answer(document, variables)
        except _GraphQLFailure as failure:
            state._record(name, variables, 200, mutation)
            self._send(200, {"data": None, "errors": [{"message": str(failure)}]})
            return
        if fault is not None and fault.after_apply and fault.status is not None:
            state._record(name, variables, fault.status, mutation)
            self._send(fault.status, {"errors": [{"message": "upstream reset"}]})
            return
        if fault is None or not fault.delay:
            state._record(name, variables, 200, mutation)
        self._send(200, {"data": {key: value}})
