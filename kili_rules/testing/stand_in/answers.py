"""The stand-in's answers to each GraphQL root field it supports, from :class:`~.data.StandInData` and the
variables alone (whole objects, whatever the selection set asks for)."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

from kili_rules.testing.stand_in.data import StandInData
from kili_rules.testing.stand_in.schema import GraphQLFailure, root_field


class StandInAnswers:
    """The answering half of :class:`~kili_rules.testing.stand_in.server.KiliStandIn`: one ``_op_<field>`` method a
    root field, under the server's lock. Mutations applied are recorded in :attr:`mutations`."""

    data: StandInData
    max_page_size: int
    json_response_url_over: int | None
    mutations: list[tuple[str, dict[str, Any]]]
    _lock: threading.RLock
    _issue_counter: int

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server (for ``jsonResponseUrl``)."""
        raise NotImplementedError

    def answer(self, document: str, variables: dict[str, Any]) -> tuple[str, str, bool, Any]:
        """``(response key, field, is_mutation, value)`` for one operation (raises GraphQLFailure)."""
        key, name, mutation = root_field(document)
        handler = getattr(self, f"_op_{name}", None)
        if handler is None:
            raise GraphQLFailure(f'Cannot query field "{name}" on type "{"Mutation" if mutation else "Query"}".')
        with self._lock:
            value = handler(variables)
            if mutation:
                self.mutations.append((name, copy.deepcopy(variables)))
        return key, name, mutation, value

    def _page(self, items: list[dict[str, Any]], variables: dict[str, Any]) -> list[dict[str, Any]]:
        first = variables.get("first")
        skip = variables.get("skip", 0)
        if not isinstance(first, int) or not isinstance(skip, int) or first < 0 or skip < 0:
            raise GraphQLFailure('Variable "$first" of required type "PageSize!" was not provided.')
        if first > self.max_page_size:
            raise GraphQLFailure(f"PageSize cannot be more than {self.max_page_size}")
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
        if where.get("idIn") is not None:  # looked up by id (not a scan of every asset), in the project's order
            wanted = {i for i in where["idIn"] if isinstance(i, str)}
            found = sorted(
                (a for i in wanted if (a := self.data.assets.get(i)) is not None), key=self.data.asset_position
            )
        else:
            found = list(self.data.assets.values())
        project_id = (where.get("project") or {}).get("id")
        if project_id is not None:
            found = [a for a in found if a["projectId"] == project_id]
        if where.get("id") is not None:
            found = [a for a in found if a["id"] == where["id"]]
        for key, attribute in (("statusIn", "status"), ("externalIdStrictlyIn", "externalId")):
            if where.get(key) is not None:
                allowed = set(where[key])
                found = [a for a in found if a[attribute] in allowed]
        return found

    def _asset_out(self, asset: dict[str, Any]) -> dict[str, Any]:
        labels = self.data.labels_of(asset["id"])
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
            "resolution": asset.get("resolution"),
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
            "labelOf": {"id": asset["id"], "externalId": asset["externalId"], "resolution": asset.get("resolution")},
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
        asset_id = (where.get("asset") or {}).get("id")
        if asset_id is not None or where.get("assetIn") is not None:  # looked up by asset, not a scan of every issue
            assets = [asset_id] if asset_id is not None else list(dict.fromkeys(where["assetIn"]))
            if asset_id is not None and where.get("assetIn") is not None:
                assets = [a for a in assets if a in where["assetIn"]]
            found = self.data.issues_of([a for a in assets if isinstance(a, str)])
        else:
            found = self.data.issues
        project_id = (where.get("project") or {}).get("id")
        if project_id is not None:
            found = [i for i in found if i["projectId"] == project_id]
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
            raise GraphQLFailure(f"project {project_id} not found")
        labels = {label["id"]: label for label in self.data.labels}
        created = []
        for wanted in variables.get("issues") or []:
            label = labels.get(wanted.get("labelID"))
            if label is None or label["projectId"] != project_id:
                raise GraphQLFailure(f"label {wanted.get('labelID')} not found in project {project_id}")
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
                    raise GraphQLFailure(f"invalid issue status {status!r}")
                issue["status"] = status
                return {"id": issue_id}
        raise GraphQLFailure(f"issue {issue_id} not found")

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

    def _op_addAssetsToReview(self, variables: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """Workflow v1: a labeled asset goes TO_REVIEW; one in the queue (TODO, ONGOING) or already there is
        declined."""
        outcome: dict[str, list[dict[str, Any]]] = {"succeeded": [], "declined": [], "failed": []}
        for asset_id in (variables.get("where") or {}).get("idIn") or []:
            asset = self.data.assets.get(asset_id)
            if asset is None:
                outcome["failed"].append({"assetId": asset_id, "externalId": None, "details": "asset not found"})
            elif asset["status"] in ("TODO", "ONGOING", "TO_REVIEW"):
                outcome["declined"].append({"assetId": asset_id, "externalId": asset["externalId"]})
            else:
                asset["status"] = "TO_REVIEW"
                outcome["succeeded"].append({"assetId": asset_id, "externalId": asset["externalId"]})
        return outcome

    def _op_updatePropertiesInAssets(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        wheres = variables.get("whereArray") or []
        datas = variables.get("dataArray") or []
        if len(wheres) != len(datas):
            raise GraphQLFailure("whereArray and dataArray must have the same length")
        done = []
        for where, data in zip(wheres, datas, strict=True):
            asset = self.data.assets.get(where.get("id"))
            if asset is None:
                raise GraphQLFailure(f"asset {where.get('id')} not found")
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
