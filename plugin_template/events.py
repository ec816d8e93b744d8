"""The PluginHandler of a plugin built for Kili's event API: ``kili-rules build --handlers events`` (kili >= 26.2.4).

The build copies what follows the line ``# kili-rules: handlers`` in place of the same part of main.py (its legacy
``on_submit`` / ``on_review`` handler); the lines above it are for editors and linters only, and are dropped.

Kili's event API calls the methods decorated with ``@on_kili_event``: the annotation of the event parameter (a
``kili_events`` model) is the subscription, which Kili's upload reads from this file without running it, so each
method is annotated with one model imported by name from ``kili_events``. A PluginHandler has either these methods
or ``on_submit`` / ``on_review`` / ``on_custom_interface_click``, never both: the "check my label" button needs
the legacy build. The events carry ids only: the label is read first (one ``kili.labels`` call, counted in the
event's budget), then the label goes through the very same ``QaPlugin`` path as in the legacy build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what main.py defines before this part
    from kili.plugins import PluginCore
    from kili_rules.plugin_template.main import ENGINE, RULE_SET, RULE_TYPES, QaPlugin

# kili-rules: handlers

import functools  # the part of main.py a build for Kili's event API replaces starts here

from kili.plugins import on_kili_event
from kili_events import (
    LabelWorkflowCreatedDefaultEvent,
    LabelWorkflowCreatedReviewEvent,
    ProjectInterfaceUpdatedEvent,
)

from kili_rules.runtime.event_reads import read_label
from kili_rules.runtime.interface_drift import check_interface
from kili_rules.runtime.retry import Deadline


class PluginHandler(PluginCore):
    """The plugin Kili runs, on Kili's event API: each submitted or reviewed label goes through the rule set, and a
    change of the project's interface is checked against it."""

    def __init__(self, kili, project_id, logger=None) -> None:
        super().__init__(kili, project_id, logger)
        self.qa = QaPlugin(ENGINE, kili, project_id, self.logger)

    def _run(self, event, name) -> None:
        """Read the label of ``event`` (within the event's budget), then run the rules whose events include
        ``name``."""
        asset_id, label_id = event.payload.asset_id, event.payload.label_id
        reader = functools.partial(read_label, self.kili, self.project_id, asset_id, label_id)
        self.qa.handle(None, asset_id, name, label_reader=reader)

    @on_kili_event
    def on_label_submitted(self, event: LabelWorkflowCreatedDefaultEvent) -> None:
        """A label was submitted (``label.workflow.created.default``): run the rules whose events include
        `submit`."""
        self._run(event, "submit")

    @on_kili_event
    def on_label_reviewed(self, event: LabelWorkflowCreatedReviewEvent) -> None:
        """A label was reviewed (``label.workflow.created.review``): run the rules whose events include
        `review`."""
        self._run(event, "review")

    @on_kili_event
    def on_interface_updated(self, event: ProjectInterfaceUpdatedEvent) -> None:
        """The project's interface changed (``project.interface.updated``): read it (one call) and log at ERROR
        level every rule that no longer fits it, naming the rule and the job."""
        seconds = float(RULE_SET.get("limits", {}).get("event_seconds", 50))
        check_interface(self.kili, self.project_id, RULE_SET, RULE_TYPES, self.logger, Deadline(seconds))
