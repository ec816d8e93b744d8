"""What the plugin does in Kili for one label: issues, send back, score. Never raises, never overruns.

For one submitted (or reviewed) label, :meth:`QaPlugin.handle`:

1. evaluates the rules whose ``events`` include the event (pure, no I/O), within ``limits.evaluation_seconds``, each
   within ``limits.rule_seconds`` (a rule past its time fails closed alone, the others still run);
2. then runs three independent groups of calls side by side, each in a :class:`~kili_rules.runtime.tasks.Task`;
   each group reads what it needs, decides with a pure function and writes:

   - **issues**: read the asset's OPEN issues of type ISSUE, decide (:func:`~kili_rules.runtime.issues.
     plan_issues`), then, at the same time, create the missing ones in **one** batched ``create_issues`` call
     (each pinned to its annotation ``mid``, its text tagged ``[rule-set/rule-id] message``) and set to SOLVED this rule
     set's issues whose finding is gone (one ``update_issue_status`` each, in parallel: Kili has no batch call);
   - **send back**: ``send_back_to_queue`` once, when a finding's severity maps to ``send_back``; else
     **review**: ``add_to_review`` once, when one maps to ``review`` (:func:`~kili_rules.runtime.routing.
     decide_routing`; a decline by Kili is logged, never retried, never an error);
   - **score**: read the asset's ``json_metadata``, merge the score (and the failed rule ids) into it
     (:mod:`~kili_rules.runtime.metadata`), write the whole dict back: every other key is kept, values stay flat;

   so the critical path is two round trips whatever the number of findings or stale issues (three when a
   creation's answer is lost and the issues are read again);
3. stops waiting at the end of ``limits.event_seconds`` (50 s by default, under Kili's 60 s): a group still
   running then is abandoned and logged, and the groups that do not depend on it have run all the same.

The calls themselves, their retries and their checks are :mod:`~kili_rules.runtime.kili_calls`. Two events of the
same asset in one process never interleave their issue or metadata steps (:func:`~kili_rules.runtime.tasks.
asset_lock`).

Bounds (``limits`` of the rule file): at most ``max_issues`` issues per label (the rest summed up in one issue per
rule), issue texts cut at ``max_issue_text`` characters and log lines at ``max_log_line``.

Kili calls per event, as measured with a fake Kili: 3 with no finding and nothing to solve (issues read, metadata
read and write), 5 with findings (plus the creation and the send back), plus one per issue solved.

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime import kili_calls
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.issues import OpenIssue, plan_issues
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.metadata import merged_metadata, score_updates
from kili_rules.runtime.model import Report
from kili_rules.runtime.policy import Policy, cut
from kili_rules.runtime.retry import Deadline
from kili_rules.runtime.routing import decide_routing
from kili_rules.runtime.tasks import Task, asset_lock


@dataclass
class HandleResult:
    """What one event did (for logs and tests)."""

    report: Report | None = None
    created: list[str] = field(default_factory=list)
    kept: int = 0
    solved: list[str] = field(default_factory=list)
    sent_back: bool = False
    added_to_review: bool = False
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

    def _log(self, level: int, message: str, *args: Any) -> None:
        """Log one line, cut at ``max_log_line`` characters."""
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = f"{message} {args!r}"
        self.logger.log(level, cut(text, int(self.limits["max_log_line"])))

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
        rule_budget = float(self.limits["rule_seconds"])
        report = self.engine.evaluate(view, event, budget=budget, rule_budget=rule_budget)
        result.report = report
        self._log_report(report, asset_id, label_id, event, time.monotonic() - started)

        groups: list[tuple[str, Callable[[], None]]] = [
            ("issues", lambda: self.sync_issues(report, asset_id, label_id, deadline, result)),
        ]
        routing = decide_routing(report, self.policy)
        if routing.send_back:
            groups.append(("send back", lambda: self._send_back(routing.rules, asset_id, deadline, result)))
        elif routing.review:
            groups.append(("review", lambda: self._add_to_review(routing.rules, asset_id, deadline, result)))
        updates = score_updates(report, self.policy)
        if updates:
            groups.append(("json_metadata", lambda: self._write_score(updates, asset_id, deadline, result)))
        self._wait_for([Task(name, work) for name, work in groups], asset_id, deadline, result)

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

    # -- the three groups: read, decide (pure), write ------------------------------------------------------------

    def sync_issues(
        self, report: Report, asset_id: str, label_id: Any, deadline: Deadline, result: HandleResult
    ) -> None:
        """The issues group: read the asset's open issues, :func:`~kili_rules.runtime.issues.plan_issues`, then
        create and solve side by side, the asset's issue lock held throughout."""
        read = functools.partial(kili_calls.read_open_issues, self.kili, self.project_id, asset_id, deadline)
        with asset_lock("issues", asset_id, deadline.remaining):
            plan = plan_issues(report, read(), self.policy)
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

    def _solve(self, issue: OpenIssue, deadline: Deadline, result: HandleResult) -> None:
        kili_calls.solve_issue(self.kili, issue, deadline)
        result.solved.append(issue.id)
        self._log(logging.INFO, "kili-rules: solved issue %s (%s): its finding is gone", issue.id, issue.text)

    def _send_back(self, rules: tuple[str, ...], asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        sent, lost = kili_calls.send_back(self.kili, asset_id, deadline)
        if not sent:
            self._log(logging.WARNING, "kili-rules: Kili declined to send asset %s back to the queue", asset_id)
            return
        result.sent_back = True
        after = " (an earlier attempt had gone through)" if lost else ""
        self._log(
            logging.INFO, "kili-rules: sent asset %s back to the queue%s (rules: %s)", asset_id, after, ", ".join(rules)
        )

    def _add_to_review(self, rules: tuple[str, ...], asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        added, lost = kili_calls.add_to_review(self.kili, self.project_id, asset_id, deadline)
        if not added:
            self._log(logging.WARNING, "kili-rules: Kili declined to add asset %s to review", asset_id)
            return
        result.added_to_review = True
        after = " (an earlier attempt had gone through)" if lost else ""
        self._log(logging.INFO, "kili-rules: added asset %s to review%s (rules: %s)", asset_id, after, ", ".join(rules))

    def _write_score(self, updates: Mapping[str, Any], asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        with asset_lock("metadata", asset_id, deadline.remaining):
            current = kili_calls.read_metadata(self.kili, self.project_id, asset_id, deadline)
            metadata = merged_metadata(current, updates)
            kili_calls.write_metadata(self.kili, asset_id, metadata, deadline)
        result.metadata_written = metadata
        self._log(logging.INFO, "kili-rules: json_metadata of asset %s: %s", asset_id, dict(updates))


#: the label whose jobs the interface did not know, once logged: the warning is logged once per process
_FOREIGN_LOGGED: list[Any] = []
