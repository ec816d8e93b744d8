"""The Kili calls of one asset, within the event's budget: each read checked, each write sent as safely as it can be.

This is the I/O half of the plugin's actions (the decisions are pure: :mod:`~kili_rules.runtime.issues`,
:mod:`~kili_rules.runtime.routing`, :mod:`~kili_rules.runtime.metadata`). Every call goes through the event's
:class:`~kili_rules.runtime.retry.Deadline`, which refuses to start one without time for it and retries only what
may be sent again:

- reads (:func:`read_open_issues`, :func:`read_asset`) once (the SDK resends queries itself), their answer
  checked before anything is done with it;
- :func:`create_issues` in **one** batched call; never resent blindly: after a failure the open issues are read
  again and only what is still missing is created;
- :func:`solve_issue`, :func:`write_metadata` resent when their outcome is unknown (they are idempotent);
- :func:`send_back`, :func:`add_to_review` resent only when their outcome is unknown or Kili says the write failed;
- :func:`run_all` runs independent calls side by side (``MAX_PARALLEL_CALLS`` at a time: Kili has no batch call to
  solve issues).

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kili_rules.runtime.issues import ISSUE_FIELDS, IssueKey, OpenIssue, checked_issues, missing_issues
from kili_rules.runtime.metadata import ASSET_FIELDS, AssetRead, checked_asset
from kili_rules.runtime.retry import Deadline, DeadlineExceeded, KiliAnswerError, is_refusal
from kili_rules.runtime.routing import DECLINED, FAILED, move_outcome
from kili_rules.runtime.tasks import Task

#: Calls started at once by one group (the issues solved in parallel).
MAX_PARALLEL_CALLS = 16


def read_open_issues(kili: Any, project_id: str, asset_id: str, deadline: Deadline) -> list[OpenIssue]:
    """The OPEN issues of type ISSUE of the asset (``kili.issues``), checked (:func:`~kili_rules.runtime.issues.
    checked_issues`: rows of this asset only, each once)."""
    answer = deadline.call(
        "issues",
        kili.issues,
        project_id=project_id,
        asset_id=asset_id,
        status="OPEN",
        issue_type="ISSUE",
        fields=ISSUE_FIELDS,
    )
    return checked_issues(answer, asset_id)


def create_issues(
    kili: Any,
    project_id: str,
    label_id: str,
    missing: list[IssueKey],
    deadline: Deadline,
    read_again: Callable[[], list[OpenIssue]],
) -> list[IssueKey]:
    """Create the ``missing`` issues on the label in one ``create_issues`` call; what it created (empty when a
    failed attempt had created them all after all).

    A failed attempt may have created the issues all the same: before the next one, ``read_again()`` reads the
    open issues and only those still missing are created. A refusal is not tried again.
    """
    for attempt in range(1, deadline.max_attempts + 1):
        if attempt > 1:
            deadline.wait(attempt - 1)
            missing = missing_issues(missing, read_again())
            if not missing:
                return []
        try:
            deadline.call(
                "create_issues",
                kili.create_issues,
                project_id=project_id,
                label_id_array=[label_id] * len(missing),
                object_mid_array=[mid for _, mid in missing],
                text_array=[text for text, _ in missing],
            )
        except DeadlineExceeded:
            raise
        except Exception as error:
            if is_refusal(error) or attempt == deadline.max_attempts:
                raise
            deadline.failures.append(f"create_issues attempt {attempt}: {type(error).__name__}: {error}")
            continue
        return missing
    raise AssertionError("unreachable")  # pragma: no cover


def solve_issue(kili: Any, issue: OpenIssue, deadline: Deadline) -> None:
    """Set the issue to SOLVED (``update_issue_status``; resent when its outcome is unknown)."""
    deadline.call("update_issue_status", kili.update_issue_status, retry=True, issue_id=issue.id, status="SOLVED")


def send_back(kili: Any, asset_id: str, deadline: Deadline) -> tuple[bool, bool]:
    """Send the asset back to the queue (``send_back_to_queue``): :func:`move_asset`."""
    return move_asset("send_back_to_queue", functools.partial(kili.send_back_to_queue, asset_ids=[asset_id]), deadline)


def add_to_review(kili: Any, project_id: str, asset_id: str, deadline: Deadline) -> tuple[bool, bool]:
    """Move the asset on to review (``add_to_review``): :func:`move_asset`."""
    call = functools.partial(kili.add_to_review, asset_ids=[asset_id], project_id=project_id)
    return move_asset("add_to_review", call, deadline)


def move_asset(method: str, call: Callable[[], Any], deadline: Deadline) -> tuple[bool, bool]:
    """Move the asset with ``call`` (Kili's ``method``): ``(moved, lost)``, where ``moved`` is False when Kili
    declined and ``lost`` True when Kili declined an attempt after one whose answer was lost (which had gone
    through).

    Sent again only when the outcome of an attempt is unknown (an error that is not a refusal) or when Kili says the
    write failed on its side; never after a decline; KiliAnswerError when the last attempt failed or the answer is
    not an object.
    """
    outcome_unknown = False
    for attempt in range(1, deadline.max_attempts + 1):
        if attempt > 1:
            deadline.wait(attempt - 1)
        try:
            answer = deadline.call(method, call)
        except DeadlineExceeded:
            raise
        except Exception as error:
            if is_refusal(error) or attempt == deadline.max_attempts:
                raise
            outcome_unknown = True
            deadline.failures.append(f"{method} attempt {attempt}: {type(error).__name__}: {error}")
            continue
        outcome = move_outcome(answer, method)
        if outcome == FAILED:
            if attempt == deadline.max_attempts:
                raise KiliAnswerError(f"{method} failed: {str(answer['failed'])[:200]}")
            continue
        if outcome == DECLINED and not outcome_unknown:
            return False, False
        return True, outcome == DECLINED
    raise AssertionError("unreachable")  # pragma: no cover


def read_asset(kili: Any, project_id: str, asset_id: str, deadline: Deadline) -> AssetRead:
    """The asset's ``jsonMetadata`` and ``resolution`` (``kili.assets``), from the row of this very asset
    (:func:`~kili_rules.runtime.metadata.checked_asset`: KiliAnswerError for any other answer)."""
    answer = deadline.call("assets", kili.assets, project_id=project_id, asset_id=asset_id, fields=ASSET_FIELDS)
    return checked_asset(answer, asset_id)


def write_metadata(kili: Any, asset_id: str, metadata: Mapping[str, Any], deadline: Deadline) -> None:
    """Write the asset's whole ``json_metadata`` (``update_properties_in_assets``; resent when its outcome is
    unknown: the same dict again)."""
    deadline.call(
        "update_properties_in_assets",
        kili.update_properties_in_assets,
        retry=True,
        asset_ids=[asset_id],
        json_metadatas=[metadata],
    )


def run_all(work: Sequence[tuple[str, Callable[[], None]]], deadline: Deadline) -> None:
    """Run ``work`` side by side (``MAX_PARALLEL_CALLS`` at a time) until the deadline; raise the first error, or
    DeadlineExceeded if some did not end in time.

    Whatever was started is waited for until it returns, deadline or not, before this returns or raises: the
    caller holds the asset's lock (:func:`~kili_rules.runtime.tasks.asset_lock`) around it, and a call that lands
    after the lock is released could race the next event of that asset (an abandoned creation would make
    duplicates). The event does not wait for it: it abandons the whole group at its deadline.
    """
    if len(work) == 1:
        work[0][1]()
        return
    errors: list[BaseException] = []
    for start in range(0, len(work), MAX_PARALLEL_CALLS):
        tasks = [Task(name, function) for name, function in work[start : start + MAX_PARALLEL_CALLS]]
        late = [task for task in tasks if not task.wait(deadline.remaining)]
        for task in late:
            task.join()
        if late:
            raise DeadlineExceeded(f"{late[0].name}: still running at the deadline")
        errors += [task.error for task in tasks if task.error is not None]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        first = errors[0]
        raise RuntimeError(f"{len(errors)} of {len(work)} calls failed; the first: {type(first).__name__}: {first}")
