"""The plugin's log of one label's report.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from kili_rules.runtime.model import Report


def log_report(
    log: Callable[..., None],
    report: Report,
    asset_id: str,
    label_id: Any,
    event: str,
    seconds: float,
    limits: Mapping[str, float],
) -> None:
    """Log what the rules said of one label through ``log(level, message, *args)``: the counts and the score, a
    label of another project (once per process), each rule that could not check (with its traceback), and the
    findings (at most ``max_issues``)."""
    counts = Counter(o.status for o in report.outcomes)
    log(
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
        log(
            logging.WARNING,
            "kili-rules: label %s answers none of the jobs of the rule set's interface (its jobs: %s): no rule "
            "can check it. Is the plugin activated on the wrong project, or built with another interface?",
            label_id,
            ", ".join(report.foreign_jobs),
        )
    for outcome in report.outcomes:
        if outcome.status == "error":
            log(
                logging.ERROR,
                "kili-rules: rule %s could not check the label (%s): %s\n%s",
                outcome.rule_id,
                "counted as failed" if outcome.counts_as_failed else "skipped",
                outcome.error,
                outcome.traceback or "",
            )
    most = int(limits["max_issues"])
    for finding in report.findings[:most]:
        pin = f" on {finding.mid}" if finding.mid else ""
        log(logging.INFO, "kili-rules: %s %s%s", finding.severity, finding.issue_text, pin)
    if len(report.findings) > most:
        log(logging.INFO, "kili-rules: and %d more findings", len(report.findings) - most)


#: the label whose jobs the interface did not know, once logged: the warning is logged once per process
_FOREIGN_LOGGED: list[Any] = []
