"""What the plugin does in Kili for one label: issues, send back, score. Never raises, never overruns.

For one submitted (or reviewed) label, :meth:`QaPlugin.handle`:

1. evaluates the rules whose ``events`` include the event (pure, no I/O), within ``limits.evaluation_seconds``;
2. then runs three independent groups of calls side by side, each in a :class:`~kili_rules.runtime.tasks.Task`:

   - **issues**: read the asset's OPEN issues of type ISSUE, then, at the same time, create the missing ones in
     **one** batched ``create_issues`` call (each pinned to its annotation ``mid``, its text tagged
     ``[rule-id] message``) and set to SOLVED this rule set's issues whose finding is gone (one
     ``update_issue_status`` each, in parallel: Kili has no batch call);
   - **send back**: ``send_back_to_queue`` once, when a finding's severity maps to ``send_back``;
   - **score**: read the asset's ``json_metadata``, merge the score (and the failed rule ids) into it, write the
     whole dict back: every other key is kept, values stay flat;

   so the critical path is two round trips whatever the number of findings or stale issues (three when a
   creation's answer is lost and the issues are read again);
3. stops waiting at the end of ``limits.event_seconds`` (50 s by default, under Kili's 60 s): a group still
   running then is abandoned and logged, and the groups that do not depend on it have run all the same.

An issue is identified by its tagged text and its ``objectMid``: a finding that moves from one box to another
solves the first box's issue and opens one on the second. Only OPEN issues of type ISSUE tagged with a rule of this
rule set are ever solved; QUESTIONs and other issues are never touched. No Kili answer is trusted before its shape
is checked: an issues answer that is not a list of issue objects is a failed read (nothing is created or solved
from it), and ``json_metadata`` is written only from the row of this very asset. Two events of the same asset in one
process never interleave their issue or metadata steps (:func:`~kili_rules.runtime.tasks.asset_lock`).

Bounds (``limits`` of the rule file): at most ``max_issues`` issues per label (the rest summed up in one issue per
rule), issue texts cut at ``max_issue_text`` characters and log lines at ``max_log_line``.

Kili calls per event, as measured with a fake Kili: 3 with no finding and nothing to solve (issues read, metadata
read and write), 5 with findings (plus the creation and the send back), plus one per issue solved.

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label import LabelView
from kili_rules.runtime.model import COULD_NOT_CHECK, UNREADABLE_LABEL, Finding, Report
from kili_rules.runtime.retry import Deadline, DeadlineExceeded, is_refusal
from kili_rules.runtime.tasks import Task, asset_lock

ISSUE_FIELDS = ["id", "status", "type", "objectMid", "comments.text"]
ASSET_FIELDS = ["id", "jsonMetadata"]
#: What ``limits:`` of a rule file holds when it says nothing.
DEFAULT_LIMITS: dict[str, float] = {
    "event_seconds": 50.0,
    "evaluation_seconds": 20.0,
    "max_issues": 100,
    "max_issue_text": 1000,
    "max_log_line": 4000,
}
#: Calls started at once by one group (the issues solved in parallel).
MAX_PARALLEL_CALLS = 16


class KiliAnswerError(Exception):
    """Kili answered something of another shape than the SDK documents: the call counts as failed."""


@dataclass
class HandleResult:
    """What one event did (for logs and tests)."""

    report: Report | None = None
    created: list[str] = field(default_factory=list)
    kept: int = 0
    solved: list[str] = field(default_factory=list)
    sent_back: bool = False
    metadata_written: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class OpenIssue:
    """An OPEN issue of the asset, as checked from Kili's answer."""

    id: str
    text: str | None
    mid: str | None
    type: str

    @property
    def key(self) -> tuple[str | None, str | None]:
        """What identifies the issue: its text and the annotation it is pinned on."""
        return self.text, self.mid


def issue_text(issue: Mapping[str, Any]) -> str | None:
    """The text of a Kili issue as ``kili.issues(fields=[..., "comments.text"])`` returns it (first comment)."""
    comments = issue.get("comments")
    if isinstance(comments, list) and comments and isinstance(comments[0], Mapping):
        text = comments[0].get("text")
        return text if isinstance(text, str) else None
    text = issue.get("text")
    return text if isinstance(text, str) else None


def rule_id_of(text: str) -> str | None:
    """The rule id an issue text is tagged with (``[iban-fr] ...`` gives ``iban-fr``)."""
    if text.startswith("[") and "] " in text:
        return text[1 : text.index("] ")]
    return None


def checked_issues(answer: Any) -> list[OpenIssue]:
    """The open issues in ``kili.issues(...)``'s answer; KiliAnswerError when it is not a list of issue objects
    with an id, an OPEN status, a type, a comments list and a string (or no) ``objectMid``."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"issues: expected a list of issues, got {type(answer).__name__}")
    issues = []
    for row in answer:
        if not isinstance(row, Mapping) or not isinstance(row.get("id"), str) or not row["id"]:
            raise KiliAnswerError(f"issues: expected issue objects with an id, got {str(row)[:80]}")
        issue_id, status, kind, mid = row["id"], row.get("status"), row.get("type"), row.get("objectMid")
        if status != "OPEN" or kind not in ("ISSUE", "QUESTION"):
            raise KiliAnswerError(f"issues: issue {issue_id} has status {status!r} and type {kind!r}")
        if not isinstance(row.get("comments"), list):
            raise KiliAnswerError(f"issues: issue {issue_id} has no comments list")
        if mid is not None and not isinstance(mid, str):
            raise KiliAnswerError(f"issues: issue {issue_id} has an objectMid of type {type(mid).__name__}")
        issues.append(OpenIssue(issue_id, issue_text(row), mid or None, kind))
    return issues


def checked_metadata(answer: Any, asset_id: str) -> Any:
    """The ``jsonMetadata`` of ``asset_id`` in ``kili.assets(...)``'s answer; KiliAnswerError unless exactly one
    row of that id holds the key (another asset's row, or a row without it, would overwrite the metadata)."""
    if answer is None or isinstance(answer, (str, bytes, Mapping)) or not isinstance(answer, Iterable):
        raise KiliAnswerError(f"assets: expected a list of assets, got {type(answer).__name__}")
    rows = [row for row in answer if isinstance(row, Mapping) and row.get("id") == asset_id]
    if len(rows) != 1 or "jsonMetadata" not in rows[0]:
        raise KiliAnswerError(f"assets: no single row of asset {asset_id} with its jsonMetadata: not written")
    return rows[0]["jsonMetadata"]


def merged_metadata(current: Any, updates: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's metadata with ``updates`` merged in; every other key kept.

    Metadata that is a JSON string is parsed; any other non-empty value that is not an object (Kili's own example
    plugin writes plain strings) is kept under ``"metadata"``, so nothing is lost.
    """
    if isinstance(current, str):
        try:
            parsed = json.loads(current) if current.strip() else {}
        except (ValueError, RecursionError):
            parsed = {"metadata": current}
        current = parsed if isinstance(parsed, dict) else {"metadata": current}
    elif current is None:
        current = {}
    elif not isinstance(current, dict):
        current = {"metadata": current}
    return {**current, **updates}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


class QaPlugin:
    """Runs a rule set on the labels Kili sends, and acts on Kili.

    Args:
        engine: the rule engine.
        kili: a ``kili.client.Kili`` (or anything with the same methods).
        project_id: the Kili project.
        logger: where everything is logged (in Kili, the plugin's logger: the only log kept on-premise).
        limits: overrides of the rule set's ``limits`` (``event_seconds``, ``evaluation_seconds``, ``max_issues``,
            ``max_issue_text``, ``max_log_line``).
        clock, sleep: injected for tests (the deadline's clock, the wait between attempts).
        first_backoff, min_call_seconds: the retry pacing (tests with small budgets make them small).
    """

    def __init__(
        self,
        engine: Engine,
        kili: Any,
        project_id: str,
        logger: logging.Logger,
        *,
        limits: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        first_backoff: float = 0.5,
        min_call_seconds: float = 1.0,
    ) -> None:
        self.engine = engine
        self.kili = kili
        self.project_id = project_id
        self.logger = logger
        self.clock = clock
        self.sleep = sleep
        self.first_backoff = first_backoff
        self.min_call_seconds = min_call_seconds
        rule_set = engine.rule_set
        self.limits = {**DEFAULT_LIMITS, **(rule_set.get("limits") or {}), **(limits or {})}
        self.rule_ids = {rule["id"] for rule in rule_set.get("rules", [])} | {UNREADABLE_LABEL}
        self.actions: Mapping[str, list[str]] = rule_set.get("actions", {})
        self.score_config: Mapping[str, Any] = rule_set.get("score", {})

    def _log(self, level: int, message: str, *args: Any) -> None:
        """Log one line, cut at ``max_log_line`` characters."""
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = f"{message} {args!r}"
        self.logger.log(level, _cut(text, int(self.limits["max_log_line"])))

    def handle(self, label: Any, asset_id: str, event: str) -> HandleResult:
        """Evaluate ``label`` and act on Kili within the event's budget. Never raises: every failure is logged."""
        deadline = Deadline(
            float(self.limits["event_seconds"]),
            clock=self.clock,
            sleep=self.sleep,
            first_backoff=self.first_backoff,
            min_call_seconds=self.min_call_seconds,
        )
        result = HandleResult()
        try:
            self._handle(label, asset_id, event, deadline, result)
        except BaseException as error:  # the handler never raises into Kili
            result.failures.append(f"{type(error).__name__}: {error}")
            self._log(logging.ERROR, "kili-rules: unexpected error on asset %s: %s: %s", asset_id, type(error), error)
        result.calls = deadline.calls
        result.seconds = deadline.elapsed
        failures = f", {len(result.failures)} failures" if result.failures else ""
        self._log(
            logging.INFO,
            "kili-rules: %s of asset %s done in %.2f s (%d Kili calls%s)",
            event,
            asset_id,
            result.seconds,
            result.calls,
            failures,
        )
        return result

    def _handle(self, label: Any, asset_id: str, event: str, deadline: Deadline, result: HandleResult) -> None:
        started = time.monotonic()
        label_id = label.get("id") if isinstance(label, Mapping) else None
        view = LabelView.from_label(label, jobs=self.engine.jobs)
        for problem in view.problems:
            self._log(logging.WARNING, "kili-rules: label %s of asset %s: %s", label_id, asset_id, problem)
        budget = min(float(self.limits["evaluation_seconds"]), deadline.remaining)
        report = self.engine.evaluate(view, event, budget=budget)
        result.report = report
        self._log_report(report, asset_id, label_id, event, time.monotonic() - started)

        groups: list[tuple[str, Callable[[], None]]] = [
            ("issues", lambda: self._sync_issues(report, asset_id, label_id, deadline, result)),
        ]
        if self._findings_for(report, "send_back"):
            groups.append(("send back", lambda: self._send_back(report, asset_id, deadline, result)))
        if self.score_config.get("key"):
            groups.append(("json_metadata", lambda: self._write_score(report, asset_id, deadline, result)))
        tasks = [Task(name, work) for name, work in groups]
        for task in tasks:
            if not task.wait(deadline.remaining):
                result.abandoned.append(task.name)
                result.failures.append(f"{task.name}: abandoned at the deadline")
                self._log(
                    logging.ERROR,
                    "kili-rules: %s abandoned: still waiting for Kili at the end of the %g s budget",
                    task.name,
                    self.limits["event_seconds"],
                )
            elif task.error is not None:
                error = task.error
                result.failures.append(f"{task.name}: {type(error).__name__}: {error}")
                self._log(
                    logging.ERROR,
                    "kili-rules: %s failed on asset %s: %s: %s",
                    task.name,
                    asset_id,
                    type(error).__name__,
                    error,
                )
        for failure in list(deadline.failures):
            self._log(logging.WARNING, "kili-rules: retried after an error: %s", failure)

    def _log_report(self, report: Report, asset_id: str, label_id: Any, event: str, seconds: float) -> None:
        counts = Counter(o.status for o in report.outcomes)
        self._log(
            logging.INFO,
            "kili-rules: %s label %s of asset %s: %d rules, %d pass, %d fail, %d not applicable, %d errors; "
            "score %s (%.1f ms)",
            event,
            label_id,
            asset_id,
            len(report.outcomes),
            counts["pass"],
            counts["fail"],
            counts["not_applicable"],
            counts["error"],
            report.score,
            seconds * 1000,
        )
        if report.foreign_jobs and not _FOREIGN_LOGGED:  # once per process: every label of that project says it
            _FOREIGN_LOGGED.append(label_id)
            self._log(
                logging.WARNING,
                "kili-rules: label %s answers none of the jobs of the rule set's interface (its jobs: %s): no rule "
                "can check it. Is the plugin activated on the wrong project, or built with another interface?",
                label_id,
                ", ".join(report.foreign_jobs),
            )
        for outcome in report.outcomes:
            if outcome.status == "error":
                self._log(
                    logging.ERROR,
                    "kili-rules: rule %s could not check the label (%s): %s\n%s",
                    outcome.rule_id,
                    "counted as failed" if outcome.counts_as_failed else "skipped",
                    outcome.error,
                    outcome.traceback or "",
                )
        most = int(self.limits["max_issues"])
        for finding in report.findings[:most]:
            pin = f" on {finding.mid}" if finding.mid else ""
            self._log(logging.INFO, "kili-rules: %s %s%s", finding.severity, finding.issue_text, pin)
        if len(report.findings) > most:
            self._log(logging.INFO, "kili-rules: and %d more findings", len(report.findings) - most)

    def _findings_for(self, report: Report, action: str) -> list[Finding]:
        return [f for f in report.findings if action in self.actions.get(f.severity, ())]

    # -- issues ------------------------------------------------------------------------------------------------

    def _wanted_issues(self, report: Report) -> list[tuple[str, str | None]]:
        """``(text, mid)`` of every issue the findings want: at most ``max_issues``, the rest summed up in one
        unpinned issue per rule; texts cut at ``max_issue_text``."""
        findings = self._findings_for(report, "issue")
        most, longest = int(self.limits["max_issues"]), int(self.limits["max_issue_text"])
        wanted = [(_cut(f.issue_text, longest), f.mid) for f in findings[:most]]
        for rule_id, more in Counter(f.rule_id for f in findings[most:]).items():
            summary = f"[{rule_id}] and {more} more findings of this rule (a label gets at most {most} issues)"
            wanted.append((_cut(summary, longest), None))
        return wanted

    def _judged(self, report: Report) -> Callable[[OpenIssue], bool]:
        """Whether an open issue belongs to a rule that judged this label, so that it may be solved when its
        finding is gone (a rule that could not check only has its own ``could not check`` issues solved)."""
        judged = {o.rule_id for o in report.outcomes if o.status in ("pass", "fail", "not_applicable")}
        if not report.unreadable:
            judged.add(UNREADABLE_LABEL)
        errored = {o.rule_id for o in report.outcomes if o.status == "error"}

        def is_judged(issue: OpenIssue) -> bool:
            rule_id = rule_id_of(issue.text or "")
            if issue.type != "ISSUE" or rule_id not in self.rule_ids:
                return False
            if rule_id in judged:
                return True
            return rule_id in errored and (issue.text or "").startswith(f"[{rule_id}] {COULD_NOT_CHECK}")

        return is_judged

    def _read_issues(self, asset_id: str, deadline: Deadline) -> list[OpenIssue]:
        answer = deadline.call(
            "issues",
            self.kili.issues,
            project_id=self.project_id,
            asset_id=asset_id,
            status="OPEN",
            issue_type="ISSUE",
            fields=ISSUE_FIELDS,
        )
        return checked_issues(answer)

    def _sync_issues(
        self, report: Report, asset_id: str, label_id: Any, deadline: Deadline, result: HandleResult
    ) -> None:
        wanted = self._wanted_issues(report)
        with asset_lock("issues", asset_id, deadline.remaining):
            open_issues = self._read_issues(asset_id, deadline)
            missing = _missing(wanted, open_issues)
            result.kept = len(wanted) - len(missing)
            is_judged = self._judged(report)
            still_wanted: Counter[tuple[str | None, str | None]] = Counter(wanted)
            stale = []
            for issue in open_issues:
                if still_wanted[issue.key] > 0:
                    still_wanted[issue.key] -= 1
                elif is_judged(issue):
                    stale.append(issue)
            work: list[tuple[str, Callable[[], None]]] = []
            if missing and not isinstance(label_id, str):
                self._log(logging.ERROR, "kili-rules: the label has no id: %d issues cannot be created", len(missing))
            elif missing:
                create = functools.partial(self._create, missing, label_id, asset_id, deadline, result)
                work.append(("create issues", create))
            work += [(f"solve {i.id}", functools.partial(self._solve, i, deadline, result)) for i in stale]
            _run_all(work, deadline)

    def _create(
        self,
        missing: list[tuple[str, str | None]],
        label_id: str,
        asset_id: str,
        deadline: Deadline,
        result: HandleResult,
    ) -> None:
        for attempt in range(1, deadline.max_attempts + 1):
            if attempt > 1:
                # The failed creation may have happened all the same: look again before creating anything.
                deadline.wait(attempt - 1)
                missing = _missing(missing, self._read_issues(asset_id, deadline))
                if not missing:
                    self._log(logging.INFO, "kili-rules: the issues of a failed creation were there after all")
                    return
            try:
                deadline.call(
                    "create_issues",
                    self.kili.create_issues,
                    project_id=self.project_id,
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
            result.created.extend(text for text, _ in missing)
            self._log(logging.INFO, "kili-rules: created %d issues on asset %s", len(missing), asset_id)
            return

    def _solve(self, issue: OpenIssue, deadline: Deadline, result: HandleResult) -> None:
        deadline.call(
            "update_issue_status", self.kili.update_issue_status, retry=True, issue_id=issue.id, status="SOLVED"
        )
        result.solved.append(issue.id)
        self._log(logging.INFO, "kili-rules: solved issue %s (%s): its finding is gone", issue.id, issue.text)

    # -- send back ---------------------------------------------------------------------------------------------

    def _send_back(self, report: Report, asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        rules = ", ".join(sorted({f.rule_id for f in self._findings_for(report, "send_back")}))
        outcome_unknown = False
        for attempt in range(1, deadline.max_attempts + 1):
            if attempt > 1:
                deadline.wait(attempt - 1)
            try:
                outcome = deadline.call("send_back_to_queue", self.kili.send_back_to_queue, asset_ids=[asset_id])
            except DeadlineExceeded:
                raise
            except Exception as error:
                if is_refusal(error) or attempt == deadline.max_attempts:
                    raise
                outcome_unknown = True
                deadline.failures.append(f"send_back_to_queue attempt {attempt}: {type(error).__name__}: {error}")
                continue
            if not isinstance(outcome, Mapping):
                raise KiliAnswerError(f"send_back_to_queue: expected an object, got {type(outcome).__name__}")
            if outcome.get("failed"):  # kili >= 26.2.1: the write threw on Kili's side; nothing was done
                if attempt == deadline.max_attempts:
                    raise KiliAnswerError(f"send_back_to_queue failed: {str(outcome['failed'])[:200]}")
                continue
            if outcome.get("declined") and not outcome_unknown:
                self._log(logging.WARNING, "kili-rules: Kili declined to send asset %s back to the queue", asset_id)
                return
            result.sent_back = True
            lost = " (an earlier attempt had gone through)" if outcome.get("declined") else ""
            self._log(logging.INFO, "kili-rules: sent asset %s back to the queue%s (rules: %s)", asset_id, lost, rules)
            return

    # -- score -------------------------------------------------------------------------------------------------

    def _write_score(self, report: Report, asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        updates: dict[str, Any] = {self.score_config["key"]: report.score}
        failed_key = self.score_config.get("failed_key")
        if failed_key:
            updates[failed_key] = ",".join(report.failed_rule_ids)
        with asset_lock("metadata", asset_id, deadline.remaining):
            answer = deadline.call(
                "assets", self.kili.assets, project_id=self.project_id, asset_id=asset_id, fields=ASSET_FIELDS
            )
            metadata = merged_metadata(checked_metadata(answer, asset_id), updates)
            deadline.call(
                "update_properties_in_assets",
                self.kili.update_properties_in_assets,
                retry=True,
                asset_ids=[asset_id],
                json_metadatas=[metadata],
            )
        result.metadata_written = metadata
        self._log(logging.INFO, "kili-rules: json_metadata of asset %s: %s", asset_id, updates)


#: the label whose jobs the interface did not know, once logged: the warning is logged once per process
_FOREIGN_LOGGED: list[Any] = []


def _missing(wanted: list[tuple[str, str | None]], open_issues: Iterable[Any]) -> list[tuple[str, str | None]]:
    """The wanted ``(text, mid)`` that no open issue covers (counted: two wanted, one open: one missing)."""
    available = Counter(issue if isinstance(issue, tuple) else issue.key for issue in open_issues)
    missing = []
    for key in wanted:
        if available[key] > 0:
            available[key] -= 1
        else:
            missing.append(key)
    return missing


def _run_all(work: list[tuple[str, Callable[[], None]]], deadline: Deadline) -> None:
    """Run ``work`` side by side (``MAX_PARALLEL_CALLS`` at a time) until the deadline; raise the first error, or
    DeadlineExceeded if some did not end in time."""
    if len(work) == 1:
        work[0][1]()
        return
    errors: list[BaseException] = []
    for start in range(0, len(work), MAX_PARALLEL_CALLS):
        tasks = [Task(name, function) for name, function in work[start : start + MAX_PARALLEL_CALLS]]
        for task in tasks:
            if not task.wait(deadline.remaining):
                raise DeadlineExceeded(f"{task.name}: still running at the deadline")
            if task.error is not None:
                errors.append(task.error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        first = errors[0]
        raise RuntimeError(f"{len(errors)} of {len(work)} calls failed; the first: {type(first).__name__}: {first}")
