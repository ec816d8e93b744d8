"""What the plugin does in Kili for one label: issues, send back, score. Never raises.

For one submitted (or reviewed) label, :meth:`QaPlugin.handle`:

1. evaluates the rules whose ``events`` include the event (pure, no I/O);
2. reads the asset's OPEN issues (one call), creates the missing ones in **one** batched ``create_issues`` call
   (each pinned to its annotation ``mid``, its text tagged ``[rule-id] message``), and sets to SOLVED the OPEN
   issues of this rule set whose finding is gone (one ``update_issue_status`` each: Kili has no batch call);
3. calls ``send_back_to_queue`` once when a finding's severity maps to ``send_back``;
4. reads the asset's ``json_metadata``, merges the score (and the failed rule ids) into it and writes the whole
   dict back: every other key is kept, values stay flat;
5. retries every call on transient errors within one deadline, and logs everything through the logger.

Matching findings with open issues is by their tagged text, counted: three findings "[iban-fr] IBAN ..." against
one open issue with that text create two issues. When a creation fails, the open issues are read again before
any new attempt, so a call that succeeded but whose answer was lost never gives a duplicate.

Kili calls per event, whatever the number of findings: the issue read, the creation, the send back, the metadata
read and write (5), plus one per issue solved.

Stdlib-only (it only calls the ``kili`` client it is given): embedded verbatim into every built plugin.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label import LabelView
from kili_rules.runtime.model import Finding, Report
from kili_rules.runtime.retry import PERMANENT_ERRORS, Deadline, DeadlineExceeded

ISSUE_FIELDS = ["id", "status", "comments.text"]


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
    calls: int = 0
    seconds: float = 0.0


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


def merged_metadata(current: Any, updates: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's metadata with ``updates`` merged in; every other key kept.

    Metadata that is a JSON string is parsed; any other non-empty value that is not an object (Kili's own example
    plugin writes plain strings) is kept under ``"metadata"``, so nothing is lost.
    """
    if isinstance(current, str):
        try:
            parsed = json.loads(current) if current.strip() else {}
        except ValueError:
            parsed = {"metadata": current}
        current = parsed if isinstance(parsed, dict) else {"metadata": current}
    elif current is None:
        current = {}
    elif not isinstance(current, dict):
        current = {"metadata": current}
    return {**current, **updates}


class QaPlugin:
    """Runs a rule set on the labels Kili sends, and acts on Kili.

    Args:
        engine: the rule engine.
        kili: a ``kili.client.Kili`` (or anything with the same methods).
        project_id: the Kili project.
        logger: where everything is logged (in Kili, the plugin's logger: the only log kept on-premise).
        deadline_seconds: the budget of all Kili calls of one event.
        clock, sleep: injected for tests.
    """

    def __init__(
        self,
        engine: Engine,
        kili: Any,
        project_id: str,
        logger: logging.Logger,
        *,
        deadline_seconds: float = 45.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.kili = kili
        self.project_id = project_id
        self.logger = logger
        self.deadline_seconds = deadline_seconds
        self.clock = clock
        self.sleep = sleep
        rule_set = engine.rule_set
        self.rule_ids = {rule["id"] for rule in rule_set.get("rules", [])}
        self.actions: Mapping[str, list[str]] = rule_set.get("actions", {})
        self.score_config: Mapping[str, Any] = rule_set.get("score", {})

    def handle(self, label: Any, asset_id: str, event: str) -> HandleResult:
        """Evaluate ``label`` and act on Kili. Never raises: every failure is logged."""
        deadline = Deadline(self.deadline_seconds, clock=self.clock, sleep=self.sleep)
        result = HandleResult()
        try:
            self._handle(label, asset_id, event, deadline, result)
        except Exception as error:  # the handler never raises into Kili
            result.failures.append(f"{type(error).__name__}: {error}")
            self.logger.exception("kili-rules: unexpected error on asset %s: %s", asset_id, error)
        result.calls = deadline.calls
        result.seconds = deadline.elapsed
        self.logger.info(
            "kili-rules: %s of asset %s done in %.2f s (%d Kili calls%s)",
            event,
            asset_id,
            result.seconds,
            result.calls,
            f", {len(result.failures)} failures" if result.failures else "",
        )
        return result

    def _handle(self, label: Any, asset_id: str, event: str, deadline: Deadline, result: HandleResult) -> None:
        started = self.clock()
        label_id = label.get("id") if isinstance(label, Mapping) else None
        view = LabelView.from_label(label)
        for problem in view.problems:
            self.logger.warning("kili-rules: label %s of asset %s: %s (read as empty)", label_id, asset_id, problem)
        report = self.engine.evaluate(view, event)
        result.report = report
        self._log_report(report, asset_id, label_id, event, self.clock() - started)

        steps: list[tuple[str, Callable[[], None]]] = [
            ("issues", lambda: self._sync_issues(report, asset_id, label_id, deadline, result)),
            ("send back", lambda: self._send_back(report, asset_id, deadline, result)),
            ("json_metadata", lambda: self._write_score(report, asset_id, deadline, result)),
        ]
        for name, step in steps:
            try:
                step()
            except DeadlineExceeded as error:
                result.failures.append(str(error))
                self.logger.error("kili-rules: %s skipped, deadline reached: %s", name, error)
            except Exception as error:
                result.failures.append(f"{name}: {type(error).__name__}: {error}")
                self.logger.error(
                    "kili-rules: %s failed on asset %s: %s: %s", name, asset_id, type(error).__name__, error
                )
        for failure in deadline.failures:
            self.logger.warning("kili-rules: retried after a transient error: %s", failure)

    def _log_report(self, report: Report, asset_id: str, label_id: Any, event: str, seconds: float) -> None:
        counts = Counter(o.status for o in report.outcomes)
        self.logger.info(
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
        for outcome in report.outcomes:
            if outcome.status == "error":
                self.logger.error(
                    "kili-rules: rule %s raised %s\n%s", outcome.rule_id, outcome.error, outcome.traceback
                )
            for finding in outcome.findings:
                pin = f" on {finding.mid}" if finding.mid else ""
                self.logger.info("kili-rules: %s %s%s", finding.severity, finding.issue_text, pin)

    def _findings_for(self, report: Report, action: str) -> list[Finding]:
        return [f for f in report.findings if action in self.actions.get(f.severity, ())]

    # -- issues ------------------------------------------------------------------------------------------------

    def _open_issues(self, asset_id: str, deadline: Deadline) -> list[Mapping[str, Any]]:
        issues = deadline.call(
            "issues",
            self.kili.issues,
            project_id=self.project_id,
            asset_id=asset_id,
            status="OPEN",
            fields=ISSUE_FIELDS,
        )
        return [i for i in issues or [] if isinstance(i, Mapping)]

    def _sync_issues(
        self, report: Report, asset_id: str, label_id: Any, deadline: Deadline, result: HandleResult
    ) -> None:
        wanted = self._findings_for(report, "issue")
        judged = {o.rule_id for o in report.outcomes if o.status in ("pass", "fail", "not_applicable")}
        if not wanted and not judged:
            return
        open_issues = self._open_issues(asset_id, deadline)
        missing = self._missing(wanted, open_issues)
        result.kept = len(wanted) - len(missing)
        if missing and not isinstance(label_id, str):
            self.logger.error("kili-rules: the label has no id: %d issues cannot be created", len(missing))
        elif missing:
            self._create(missing, label_id, asset_id, deadline, result)
        self._solve_gone(wanted, open_issues, judged, deadline, result)

    @staticmethod
    def _missing(wanted: list[Finding], open_issues: list[Mapping[str, Any]]) -> list[Finding]:
        available = Counter(issue_text(i) for i in open_issues)
        missing = []
        for finding in wanted:
            if available[finding.issue_text] > 0:
                available[finding.issue_text] -= 1
            else:
                missing.append(finding)
        return missing

    def _create(
        self, missing: list[Finding], label_id: str, asset_id: str, deadline: Deadline, result: HandleResult
    ) -> None:
        for attempt in range(1, deadline.max_attempts + 1):
            if attempt > 1:
                # The failed creation may have happened all the same: look again before creating anything.
                deadline.wait(attempt - 1)
                missing = self._missing(missing, self._open_issues(asset_id, deadline))
                if not missing:
                    self.logger.info("kili-rules: the issues of a failed creation were there after all")
                    return
            try:
                deadline.call(
                    "create_issues",
                    self.kili.create_issues,
                    attempts=1,
                    project_id=self.project_id,
                    label_id_array=[label_id] * len(missing),
                    object_mid_array=[f.mid for f in missing],
                    text_array=[f.issue_text for f in missing],
                )
            except (*PERMANENT_ERRORS, DeadlineExceeded):
                raise
            except Exception:
                if attempt == deadline.max_attempts:
                    raise
                continue
            result.created.extend(f.issue_text for f in missing)
            self.logger.info("kili-rules: created %d issues on asset %s", len(missing), asset_id)
            return

    def _solve_gone(
        self,
        wanted: list[Finding],
        open_issues: list[Mapping[str, Any]],
        judged: set[str],
        deadline: Deadline,
        result: HandleResult,
    ) -> None:
        still_wanted = Counter(f.issue_text for f in wanted)
        for issue in open_issues:
            text = issue_text(issue)
            rule_id = rule_id_of(text or "")
            if rule_id not in self.rule_ids or rule_id not in judged or not isinstance(issue.get("id"), str):
                continue  # not ours, or a rule that did not run (other event, error): leave it
            if still_wanted[text] > 0:
                still_wanted[text] -= 1
                continue
            deadline.call("update_issue_status", self.kili.update_issue_status, issue_id=issue["id"], status="SOLVED")
            result.solved.append(issue["id"])
            self.logger.info("kili-rules: solved issue %s (%s): its finding is gone", issue["id"], text)

    # -- send back ---------------------------------------------------------------------------------------------

    def _send_back(self, report: Report, asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        findings = self._findings_for(report, "send_back")
        if not findings:
            return

        def send() -> Any:
            outcome = self.kili.send_back_to_queue(asset_ids=[asset_id])
            failed = outcome.get("failed") if isinstance(outcome, Mapping) else None
            if failed:  # kili >= 26.2.1: the write threw on Kili's side, worth retrying as is
                raise RuntimeError(f"send_back_to_queue failed: {failed}")
            return outcome

        outcome = deadline.call("send_back_to_queue", send)
        declined = outcome.get("declined") if isinstance(outcome, Mapping) else None
        if declined:
            self.logger.warning("kili-rules: Kili declined to send asset %s back to the queue: %s", asset_id, declined)
            return
        result.sent_back = True
        rules = sorted({f.rule_id for f in findings})
        self.logger.info("kili-rules: sent asset %s back to the queue (rules: %s)", asset_id, ", ".join(rules))

    # -- score -------------------------------------------------------------------------------------------------

    def _write_score(self, report: Report, asset_id: str, deadline: Deadline, result: HandleResult) -> None:
        key = self.score_config.get("key")
        if not key:
            return
        updates: dict[str, Any] = {key: report.score}
        failed_key = self.score_config.get("failed_key")
        if failed_key:
            updates[failed_key] = ",".join(report.failed_rule_ids)
        assets = deadline.call(
            "assets", self.kili.assets, project_id=self.project_id, asset_id=asset_id, fields=["jsonMetadata"]
        )
        assets = list(assets or [])
        if not assets or not isinstance(assets[0], Mapping):
            raise LookupError(f"asset {asset_id} not found: json_metadata not written")
        metadata = merged_metadata(assets[0].get("jsonMetadata"), updates)
        deadline.call(
            "update_properties_in_assets",
            self.kili.update_properties_in_assets,
            asset_ids=[asset_id],
            json_metadatas=[metadata],
        )
        result.metadata_written = metadata
        self.logger.info("kili-rules: json_metadata of asset %s: %s", asset_id, updates)
