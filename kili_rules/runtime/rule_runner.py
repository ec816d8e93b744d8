"""Running the bound rules of one label within their budgets: each rule under its own deadline, all within the
evaluation's, a rule past its time abandoned alone and the rest run on in a fresh worker thread.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import RuleOutcome
from kili_rules.runtime.rule_time import rule_deadline
from kili_rules.runtime.tasks import Task

__all__ = ["run_within"]


def run_within(
    rules: Sequence[Any],
    view: LabelView,
    run: Callable[[Any, LabelView], RuleOutcome],
    error_outcome: Callable[[Mapping[str, Any], str], RuleOutcome],
    budget: float,
    rule_budget: float,
) -> list[RuleOutcome]:
    """The rules' outcomes, run in a worker thread, each within ``rule_budget`` seconds and all within ``budget``.

    A rule that overruns its time is abandoned and ends in ``error`` (out of time) alone: the rules after it go on
    in a fresh worker thread. Those not started by the end of ``budget`` end in error too. The abandoned thread may
    go on (a Python rule in a pure-Python loop), but nothing it produces is used; the built-in rule types stop
    themselves at the rule's deadline (:func:`~kili_rules.runtime.rule_time.check_time`)."""
    started = time.monotonic()
    end = started + budget
    done: list[RuleOutcome] = []
    while len(done) < len(rules) and time.monotonic() < end:
        worker = _Worker(rules[len(done) :], view, run, end, budget, rule_budget)
        with worker.condition:
            while not worker.ended:
                at = worker.deadline if worker.deadline is not None else end
                if time.monotonic() >= at:
                    break
                worker.condition.wait(at - time.monotonic())
            worker.abandoned = True
            done += worker.outcomes
            overrun = not worker.ended and worker.deadline is not None
            why = worker.why
        if overrun:
            spent = time.monotonic() - started
            done.append(error_outcome(rules[len(done)].data, f"out of time: it ran past {why} ({spent:.1f} s)"))
    spent = time.monotonic() - started
    for bound in rules[len(done) :]:
        reason = f"out of time: not started before the end of the {budget:g} s evaluation budget ({spent:.1f} s)"
        done.append(error_outcome(bound.data, reason))
    return done


class _Worker:
    """Runs ``rules`` one after the other in a :class:`Task`, each under its deadline (published in ``deadline``
    while it runs, with ``why``: the budget it names), until they end or the waiting thread abandons it."""

    def __init__(
        self,
        rules: Sequence[Any],
        view: LabelView,
        run: Callable[[Any, LabelView], RuleOutcome],
        end: float,
        budget: float,
        rule_budget: float,
    ) -> None:
        self.condition = threading.Condition()
        self.outcomes: list[RuleOutcome] = []
        self.deadline: float | None = None
        self.why = ""
        self.ended = self.abandoned = False
        self._rules, self._view, self._run = rules, view, run
        self._end, self._budget, self._rule_budget = end, budget, rule_budget
        Task("evaluation", self._work)

    def _work(self) -> None:
        for bound in self._rules:
            own = time.monotonic() + self._rule_budget
            with self.condition:
                if self.abandoned:
                    return
                if own < self._end:
                    self.deadline, self.why = own, f"its {self._rule_budget:g} s rule budget"
                else:
                    self.deadline, self.why = self._end, f"the {self._budget:g} s evaluation budget"
                deadline, why = self.deadline, self.why
                self.condition.notify_all()  # the waiting thread now waits until this deadline
            with rule_deadline(deadline, why):
                outcome = self._run(bound, self._view)
            with self.condition:
                if self.abandoned:
                    return
                self.outcomes.append(outcome)
                self.deadline = None
                self.condition.notify_all()
        with self.condition:
            self.ended = True
            self.condition.notify_all()
