"""The GraphQL the stand-in understands: the first root field of a document (it parses no more), the refusal it
answers, and the subset of Kili's schema it serves to a client that introspects it."""

from __future__ import annotations

import re
from typing import Any

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


class GraphQLFailure(Exception):
    """Answered as ``{"errors": [{"message": ...}]}`` with HTTP 200, as Kili answers a refused operation."""


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
  addAssetsToReview(where: AssetWhere!): AssetActionOutcome!
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
        raise GraphQLFailure('Cannot query field "__schema" on type "Query".') from None
    result = graphql.graphql_sync(graphql.build_schema(SCHEMA_SDL), document)
    if result.errors:
        raise GraphQLFailure(result.errors[0].message)
    return result.data or {}
