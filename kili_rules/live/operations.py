"""The GraphQL documents the live client sends, in the shapes the ``kili`` SDK (26.2.4) sends them.

Each is copied from the SDK module named beside it, so that what works for the SDK works for us, and the local
stand-in (``kili_rules.testing.stand_in``) can recognise them by their root field. Queries alias their root field as
``data``, take ``where`` / ``first`` / ``skip``, and are paired with a ``count…`` query of the same ``where``.
"""

from __future__ import annotations


def projects_query(fragment: str) -> str:
    """kili/adapters/kili_api_gateway/project/operations.py: get_projects_query."""
    return f"""
        query projects($where: ProjectWhere!, $first: PageSize!, $skip: Int!) {{
            data: projects(where: $where, first: $first, skip: $skip) {{
                {fragment}
            }}
        }}
        """


def labels_query(fragment: str) -> str:
    """kili/adapters/kili_api_gateway/label/operations.py: get_labels_query."""
    return f"""
    query labels($where: LabelWhere!, $first: PageSize!, $skip: Int!) {{
        data: labels(where: $where, first: $first, skip: $skip) {{
            {fragment}
        }}
    }}
    """


COUNT_LABELS = """
query countLabels($where: LabelWhere!) {
    data: countLabels(where: $where)
}
"""


def assets_query(fragment: str) -> str:
    """kili/adapters/kili_api_gateway/asset/operations.py: get_assets_query."""
    return f"""
        query assets($where: AssetWhere!, $first: PageSize!, $skip: Int!) {{
            data: assets(where: $where, skip: $skip, first: $first) {{
                {fragment}
            }}
        }}
        """


COUNT_ASSETS = """
query countAssets($where: AssetWhere!) {
    data: countAssets(where: $where)
}
"""


def issues_query(fragment: str) -> str:
    """kili/adapters/kili_api_gateway/issue/operations.py: get_issues_query."""
    return f"""
    query issues($where: IssueWhere!, $first: PageSize!, $skip: Int!) {{
        data: issues(where: $where, first: $first, skip: $skip) {{
            {fragment}
        }}
    }}
    """


COUNT_ISSUES = """
query countIssues($where: IssueWhere!) {
    data: countIssues(where: $where)
}
"""

# kili/adapters/kili_api_gateway/issue/operations.py: GQL_CREATE_ISSUES
CREATE_ISSUES = """
mutation createIssues(
    $issues: [IssueToCreate!]!
    $where: AssetWhere!
) {
  data: createIssues(
    issues: $issues
    where: $where
  ) {
    id
  }
}
"""

# kili/adapters/kili_api_gateway/issue/operations.py: GQL_UPDATE_ISSUE (no alias: the answer is under its name)
UPDATE_ISSUE = """
mutation UpdatePropertiesInIssue($data: IssueData!, $where: IssueWhere!) {
  updatePropertiesInIssue(data: $data, where: $where) {
    id
  }
}
"""

# kili/entrypoints/mutations/asset/queries.py: GQL_SEND_ASSETS_BACK_TO_QUEUE
SEND_ASSETS_BACK_TO_QUEUE = """
mutation($where: AssetWhere!) {
  data: sendAssetsBackToQueue(where: $where) {
    succeeded {
      assetId
      externalId
    }
    declined {
      assetId
      externalId
    }
    failed {
      assetId
      externalId
      details
    }
  }
}
"""

# kili/entrypoints/mutations/asset/queries.py: GQL_ADD_ASSETS_TO_REVIEW
ADD_ASSETS_TO_REVIEW = SEND_ASSETS_BACK_TO_QUEUE.replace("sendAssetsBackToQueue", "addAssetsToReview")

# kili/entrypoints/mutations/asset/queries.py: GQL_UPDATE_PROPERTIES_IN_ASSETS
UPDATE_PROPERTIES_IN_ASSETS = """
mutation(
    $whereArray: [AssetWhere!]!
    $dataArray: [AssetData!]!
) {
  data: updatePropertiesInAssets(
    where: $whereArray,
    data: $dataArray
  ) {
    id
  }
}
"""


def fragment(fields: list[str] | tuple[str, ...]) -> str:
    """A selection set from dotted field names, as the SDK's ``fragment_builder``: ``["id", "author.id",
    "author.email"]`` gives ``id author{id email}`` (fields keep their order; nested ones follow their parent's
    first appearance)."""
    nested: dict[str, list[str]] = {}
    parts: list[str] = []
    for field in fields:
        head, _, rest = field.partition(".")
        if rest:
            if head not in nested:
                nested[head] = []
                parts.append(head)
            nested[head].append(rest)
        elif field not in nested:
            parts.append(field)
    return " ".join(f"{p}{{{fragment(nested[p])}}}" if p in nested else p for p in parts)
