"""What the plugin does in Kili for one label: issues, routing, score. Never raises, never overruns.

For one submitted (or reviewed, or clicked) label, :meth:`QaPlugin.handle`:

1. starts reading, side by side, the asset's OPEN issues of type ISSUE and the asset itself (``json_metadata``,
   ``resolution``), each under the asset's lock (:class:`~kili_rules.runtime.tasks.HeldLock`), and the label when
   Kili's event API gave ids only (``label_reader``);
2. evaluates the rules whose ``events`` include the event (pure), within ``limits.evaluation_seconds``, each within
   ``limits.rule_seconds`` (a rule past its time fails closed alone);
3. decides with the pure functions of :mod:`~kili_rules.runtime.decision` (the ones ``kili-rules apply`` runs too)
   and runs the writes as independent groups, each in a :class:`~kili_rules.runtime.tasks.Task`:

   - **issues**: create the missing ones in **one** ``create_issues`` call (pinned on their annotation, their text
     tagged ``[rule-set/rule-id] message``) and set to SOLVED this rule set's issues whose finding is gone (one
     ``update_issue_status`` each, in parallel: Kili has no batch call);
   - **send back** (``send_back_to_queue``), or **review** (``add_to_review``), or the escalation after
     ``limits.max_send_backs`` send backs (:mod:`~kili_rules.runtime.routing`); a decline by Kili is logged, never
     retried, never an error;
   - **json_metadata**: the metadata read, with the score and the send-back count merged in (every other key kept),
     written back whole, unless nothing changed;

   so the critical path is two round trips (the reads, then the writes) whatever the number of findings;
4. stops waiting at the end of ``limits.event_seconds`` (50 s by default, under Kili's 60 s): a group still running
   then is abandoned and logged; a hung asset read is waited for half the time left, then the others go on without
   it (the asset is sent back uncounted, the score not written).

A ``click`` (a labeler's "check my label" button) only opens and solves issues. The calls themselves, their retries
and their checks are :mod:`~kili_rules.runtime.kili_calls`. Bounds (``limits``): at most ``max_issues`` issues per
label, issue texts cut at ``max_issue_text`` characters, log lines at ``max_log_line``.

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime import kili_calls
from kili_rules.runtime.asset_reads import Reads, needs_resolution, start_reads
from kili_rules.runtime.decision import issue_plan, metadata_to_write, routing_of
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.issues import OpenIssue
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.metadata import AssetRead
from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy, cut
from kili_rules.runtime.report_log import log_report
from kili_rules.runtime.retry import Deadline
from kili_rules.runtime.routing import ROUTING_EVENTS, SEND_BACKS_KEY, Routing, decide_routing
from kili_rules.runtime.tasks import HeldLock, Task


@dataclass
class HandleResult:
    """What one event did (for logs and tests)."""

    report: Report | None = None
    created: list[str] = field(default_factory=list)
    kept: int = 0
    solved: list[str] = field(default_factory=list)
    sent_back: bool = False
    added_to_review: bool = False
    escalated: bool = False
    metadata_written: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0


class QaPlugin:
    """Runs a rule set on the labels Kili sends, and acts on Kili.

    Args:
        engine: the rule engine.
        kili: a ``kili.client.Kili`` (or anything with the same methods).
        project_id: the Kili project.
        logger: where everything is logged (in Kili, the plugin's logger: the only log kept on-premise).
        limits: overrides of the rule set's ``limits`` (``event_seconds``, ``evaluation_seconds``, ``rule_seconds``,
            ``max_issues``, ``max_issue_text``, ``max_log_line``).
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
        self.policy = Policy.from_rule_set(engine.rule_set, limits)
        self.limits = self.policy.limits
        self.needs_resolution = needs_resolution(engine.rule_set)

    def _log(self, level: int, message: str, *args: Any) -> None:
        """Log one line, cut at ``max_log_line`` characters."""
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = f"{message} {args!r}"
        self.logger.log(level, cut(text, int(self.limits["max_log_line"])))

    def handle(
        self, label: Any, asset_id: str, event: str, *, label_reader: Callable[[Deadline], Any] | None = None
    ) -> HandleResult:
        """Evaluate ``label`` and act on Kili within the event's budget. Never raises: every failure is logged.

        ``event``: ``submit``, ``review`` or ``click`` (issues only: no routing, no metadata). ``label`` ``None``:
        ``label_reader(deadline)`` reads it first, within the same budget and call count (Kili's event API gives
        ids only), side by side with the asset's reads.
        """
        deadline = Deadline(
            float(self.limits["event_seconds"]),
            clock=self.clock,
            sleep=self.sleep,
            first_backoff=self.first_backoff,
            min_call_seconds=self.min_call_seconds,
        )
        result = HandleResult()
        try:
            self._handle(label, asset_id, event, deadline, result, label_reader)
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

    def _handle(
        self,
        label: Any,
        asset_id: str,
        event: str,
        deadline: Deadline,
        result: HandleResult,
        label_reader: Callable[[Deadline], Any] | None,
    ) -> None:
        """Read (issues, asset; the label if need be) side by side, evaluate, then run the groups of writes; the
        asset's locks are taken by the reads and let go by the groups (or here, for a group that never started)."""
        locks = {"issues": HeldLock("issues", asset_id), "metadata": HeldLock("metadata", asset_id)}
        started: set[str] = set()
        try:
            reads = self._start_reads(asset_id, event, deadline, locks)
            if label is None and label_reader is not None:
                label = label_reader(deadline)
            report, label_id = self._evaluate(label, asset_id, event, deadline, reads, result)
            sync = functools.partial(self.sync_issues, report, asset_id, label_id, event, reads, deadline, result)
            groups = [Task("issues", functools.partial(sync, locks["issues"]))]
            started.add("issues")
            asset = self._asset(reads, asset_id, deadline, result) if event in ROUTING_EVENTS else None
            routing = routing_of(report, self.policy, event, asset)
            result.escalated = routing.escalated
            if routing.escalated:
                times, to = self.limits["max_send_backs"], " on to review" if routing.review else ""
                rules = ", ".join(routing.rules)
                self._log(
                    logging.WARNING,
                    f"kili-rules: asset {asset_id} was sent back {times:g} times already: "
                    f"escalated{to} (rules: {rules})",
                )
            if routing.send_back or routing.review:
                move = functools.partial(self._move, routing.review, routing.rules, asset_id, deadline, result)
                groups.append(Task("review" if routing.review else "send back", move))
            metadata = metadata_to_write(report, self.policy, event, routing, asset.metadata if asset else None)
            if metadata is not None:
                write = functools.partial(self._write_metadata, metadata, asset_id, deadline, result)
                groups.append(Task("json_metadata", functools.partial(write, locks["metadata"])))
                started.add("metadata")
            self._wait_for(groups, asset_id, deadline, result)
        finally:
            for kind, lock in locks.items():
                if kind not in started:
                    lock.release()

    def _start_reads(self, asset_id: str, event: str, deadline: Deadline, locks: Mapping[str, HeldLock]) -> Reads:
        """Start the reads: the open issues, and the asset when the event writes metadata or a rule needs its
        resolution (under its lock only when the metadata may be written)."""
        routes = event in ROUTING_EVENTS and (bool(self.policy.score_key) or self.policy.counts_send_backs)
        asset = routes or self.needs_resolution
        return start_reads(self.kili, self.project_id, asset_id, deadline, locks, asset=asset, lock_asset=routes)

    def _evaluate(
        self, label: Any, asset_id: str, event: str, deadline: Deadline, reads: Reads, result: HandleResult
    ) -> tuple[Report, Any]:
        """The report on ``label`` (with the asset's resolution when a rule needs it) and the label's id."""
        started = time.monotonic()
        label_id = label.get("id") if isinstance(label, Mapping) else None
        view = LabelView.from_label(label, jobs=self.engine.jobs, resolution=self._resolution(reads, deadline))
        for problem in view.problems:
            self._log(logging.WARNING, "kili-rules: label %s of asset %s: %s", label_id, asset_id, problem)
        budget = min(float(self.limits["evaluation_seconds"]), deadline.remaining)
        rule_budget = float(self.limits["rule_seconds"])
        report = self.engine.evaluate(view, event, budget=budget, rule_budget=rule_budget)
        result.report = report
        log_report(self._log, report, asset_id, label_id, event, time.monotonic() - started, self.limits)
        return report, label_id

    def _resolution(self, reads: Reads, deadline: Deadline) -> Any:
        """The asset's ``resolution`` when a rule measures in pixels (waiting for the read half the time left at
        most); ``None`` otherwise, or when it could not be read: such rules then end in error, closed."""
        asset = reads.asset_read(deadline) if self.needs_resolution else None
        return asset.resolution if asset is not None else None

    def _asset(self, reads: Reads, asset_id: str, deadline: Deadline, result: HandleResult) -> AssetRead | None:
        """What was read of the asset (:meth:`~kili_rules.runtime.asset_reads.Reads.asset_read`: a hung read must not
        hold the send back up); ``None`` when it was not read, or could not be (logged: the score is not written, and
        the asset is sent back as the rules say, uncounted)."""
        task, asset = reads.asset, reads.asset_read(deadline)
        if task is None or (asset is not None and asset.metadata is not None):
            return asset
        if not task.done:
            budget = self.limits["event_seconds"]
            problem = f"abandoned: still waiting for Kili at {deadline.elapsed:.1f} s of the {budget:g} s budget"
        elif task.error is not None:
            problem = f"{type(task.error).__name__}: {task.error}"
        else:
            problem = f"KiliAnswerError: {task.result.problem}"
        result.failures.append(f"json_metadata: {problem}")
        self._log(
            logging.ERROR,
            "kili-rules: json_metadata failed on asset %s: %s (nothing written; send backs not counted)",
            asset_id,
            problem,
        )
        return asset

    def _wait_for(self, tasks: list[Task], asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        """Wait for the groups until the deadline; log what failed or was abandoned."""
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

    # -- the three groups: read, decide (pure), write ------------------------------------------------------------

    def sync_issues(
        self,
        report: Report,
        asset_id: str,
        label_id: Any,
        event: str,
        reads: Reads,
        deadline: Deadline,
        result: HandleResult,
        lock: HeldLock,
    ) -> None:
        """The issues group: wait for the asset's open issues, :func:`~kili_rules.runtime.decision.issue_plan`,
        then create and solve side by side; the asset's issue lock (taken by the read) is let go at the end."""
        read = functools.partial(kili_calls.read_open_issues, self.kili, self.project_id, asset_id, deadline)
        try:
            reads.issues.join()  # this group is abandoned at the deadline; a late answer starts no call (Deadline)
            if reads.issues.error is not None:
                raise reads.issues.error
            plan = issue_plan(
                report, self.policy, reads.issues.result, self._known_routing(report, event, reads, deadline)
            )
            result.kept = plan.kept
            for issue in plan.unreadable:
                self._log(
                    logging.WARNING,
                    "kili-rules: issue %s: the text it was opened with cannot be told: left alone",
                    issue.id,
                )
            work: list[tuple[str, Callable[[], None]]] = []
            if plan.create and not isinstance(label_id, str):
                self._log(
                    logging.ERROR, "kili-rules: the label has no id: %d issues cannot be created", len(plan.create)
                )
            elif plan.create:

                def create() -> None:
                    created = kili_calls.create_issues(
                        self.kili, self.project_id, label_id, plan.create, deadline, read_again=read
                    )
                    if not created:
                        self._log(logging.INFO, "kili-rules: the issues of a failed creation were there after all")
                        return
                    result.created.extend(text for text, _ in created if text is not None)
                    self._log(logging.INFO, "kili-rules: created %d issues on asset %s", len(created), asset_id)

                work.append(("create issues", create))
            work += [(f"solve {i.id}", functools.partial(self._solve, i, deadline, result)) for i in plan.solve]
            kili_calls.run_all(work, deadline)
        finally:
            lock.release()

    def _known_routing(self, report: Report, event: str, reads: Reads, deadline: Deadline) -> Routing | None:
        """The routing as far as the issues need it (the escalation issue): known without the asset when the rules
        send nothing back; else from the send backs read (waiting for them half the time left at most); ``None``
        when they could not be read (an escalation issue is then neither opened nor solved)."""
        routing = decide_routing(report, self.policy, event)
        if not routing.send_back:
            return routing
        asset = reads.asset_read(deadline)
        return None if asset is None or asset.metadata is None else routing_of(report, self.policy, event, asset)

    def _solve(self, issue: OpenIssue, deadline: Deadline, result: HandleResult) -> None:
        kili_calls.solve_issue(self.kili, issue, deadline)
        result.solved.append(issue.id)
        self._log(logging.INFO, "kili-rules: solved issue %s (%s): its finding is gone", issue.id, issue.text)

    def _move(
        self, review: bool, rules: tuple[str, ...], asset_id: str, deadline: Deadline, result: HandleResult
    ) -> None:
        """Send the asset back to the queue, or (``review``) add it to review; a decline is logged, not an error."""
        where = "to review" if review else "back to the queue"
        if review:
            moved, lost = kili_calls.add_to_review(self.kili, self.project_id, asset_id, deadline)
        else:
            moved, lost = kili_calls.send_back(self.kili, asset_id, deadline)
        if not moved:
            what = "add asset %s to review" if review else "send asset %s back to the queue"
            self._log(logging.WARNING, f"kili-rules: Kili declined to {what}", asset_id)
            return
        result.added_to_review, result.sent_back = review, not review
        after = " (an earlier attempt had gone through)" if lost else ""
        verb = "added" if review else "sent"
        self._log(logging.INFO, f"kili-rules: {verb} asset %s {where}%s (rules: %s)", asset_id, after, ", ".join(rules))

    def _write_metadata(
        self, metadata: dict[str, Any], asset_id: str, deadline: Deadline, result: HandleResult, lock: HeldLock
    ) -> None:
        """Write the asset's whole ``json_metadata`` (the lock, taken by the read, let go after)."""
        try:
            kili_calls.write_metadata(self.kili, asset_id, metadata, deadline)
        finally:
            lock.release()
        result.metadata_written = metadata
        updates = {
            k: v for k, v in metadata.items() if k in (self.policy.score_key, self.policy.failed_key, SEND_BACKS_KEY)
        }
        self._log(logging.INFO, "kili-rules: json_metadata of asset %s: %s", asset_id, updates)
