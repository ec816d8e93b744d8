"""The rule file's models (pydantic): the top level of a rule file, its sections and the keys every rule has.

These are the user-facing contract (the editor schema is generated from them, see ``schema.py``). A new section
of the rule file is a model of its own (in its own module if it is large) and one field of :class:`RuleSetFile`;
the compiled rule set takes it in ``compile_rule_file.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator

from kili_rules.authoring.project_assertions import ProjectAssertions
from kili_rules.runtime.model import DEFAULT_EVENTS, SEND_BACKS, UNREADABLE_LABEL

#: Placeholders every rule's message may use: ``job_name`` and ``category_name`` are the names the interface shows
#: (a job's ``instruction``, a category's ``name``), or the ids when the rule file names no interface.
COMMON_PLACEHOLDERS = ("id", "job", "frame", "job_name", "category_name")
#: What a rule id may be: it tags Kili issues (``[id] ...``) and lists failed rules in ``json_metadata``.
RULE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: Rule ids the runtime gives its own findings: ``unreadable-label`` tags labels whose jsonResponse cannot be read.
#: ``send-backs`` tags the issue of an asset the plugin stopped sending back after ``limits.max_send_backs``.
RESERVED_RULE_IDS = (UNREADABLE_LABEL, SEND_BACKS)
Action = Literal["issue", "send_back", "review"]
OnError = Literal["fail", "skip"]
#: A score weight: a finite number >= 0 (a number, not a string or a boolean).
Weight = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]


class ScoreConfig(BaseModel):
    """Where the quality score goes in the asset's ``json_metadata``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(
        "qa_score",
        min_length=1,
        description="The json_metadata key of the score: 0..100, the weighted share of the "
        "applicable rules passed (default: qa_score).",
    )
    failed_key: str | None = Field(
        None,
        min_length=1,
        description="An optional json_metadata key for the comma-separated ids of the rules that "
        "failed (not the score's key).",
    )

    @field_validator("failed_key")
    @classmethod
    def _not_the_score_key(cls, failed_key: str | None, info: ValidationInfo) -> str | None:
        if failed_key is not None and failed_key == info.data.get("key"):
            raise ValueError(f"`failed_key` must differ from `key` ({failed_key!r}): the score would be overwritten")
        return failed_key


class LimitsConfig(BaseModel):
    """Bounds on what the plugin does for one label: time (Kili stops a plugin at 60 s), issues, text sizes."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    event_seconds: float = Field(50.0, gt=0, le=55, description="Seconds one event may take in all (at most 55).")
    evaluation_seconds: float = Field(
        20.0, gt=0, description="Seconds the rules may take on one label (below `event_seconds`)."
    )
    rule_seconds: float = Field(
        5.0, gt=0, description="Seconds one rule may take (within `evaluation_seconds`); past it, it fails alone."
    )
    max_issues: int = Field(
        100, ge=1, le=1000, description="Issues created per label; beyond it, one summary issue per rule."
    )
    max_issue_text: int = Field(1000, ge=80, le=10_000, description="Characters of an issue's text.")
    max_log_line: int = Field(4000, ge=200, le=100_000, description="Characters of a line of the plugin's log.")
    max_send_backs: int = Field(
        3,
        ge=0,
        le=1000,
        description="Send backs of one asset (counted in its json_metadata `qa_send_backs`) after which the plugin "
        "stops sending it back and escalates it to a human: on to review, with one issue (0: never escalate).",
    )

    @field_validator("evaluation_seconds")
    @classmethod
    def _within_the_event(cls, seconds: float, info: ValidationInfo) -> float:
        event_seconds = info.data.get("event_seconds")
        if event_seconds is not None and seconds >= event_seconds:
            raise ValueError(
                f"`evaluation_seconds` ({seconds:g}) must be below `event_seconds` ({event_seconds:g}): "
                "the Kili calls need time after the rules"
            )
        return seconds


class ActionsConfig(BaseModel):
    """What each severity triggers in Kili."""

    model_config = ConfigDict(extra="forbid")

    error: list[Action] = Field(
        ["issue", "send_back"], description="What a finding of severity error does (default: [issue, send_back])."
    )
    warning: list[Action] = Field(["issue"], description="What a finding of severity warning does (default: [issue]).")
    info: list[Action] = Field([], description="What a finding of severity info does (default: nothing).")


class RuleSetFile(BaseModel):
    """The top level of a rule file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    interface: str | None = None
    score: ScoreConfig = ScoreConfig()
    actions: ActionsConfig = ActionsConfig()
    on_error: OnError = "fail"
    on_pass: list[Literal["review"]] = Field(
        [], description="What a label that no rule fails does: [review] moves it on to review (default: nothing)."
    )
    limits: LimitsConfig = LimitsConfig()
    python: list[str] = []
    rules: list[dict[str, Any]] = []
    project: ProjectAssertions | None = None


class Where(BaseModel):
    """``where``: the annotations of the rule's job it looks at (see :mod:`kili_rules.runtime.where`)."""

    model_config = ConfigDict(extra="forbid")

    child: str = Field(min_length=1, description="A child job of the rule's job's annotations.")
    category: str | None = Field(
        None, description="The category of the child job that selects an annotation (without it: answered at all)."
    )


class CommonRuleKeys(BaseModel):
    """The keys every rule has, whatever its type."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1,
        json_schema_extra={"pattern": RULE_ID_PATTERN},
        description="Unique and stable: it tags the Kili issues of the rule ([id] ...). Letters, digits, _ . -",
    )
    type: str = Field(description="The rule type (`kili-rules rules` lists the installed ones).")
    severity: Literal["error", "warning", "info"] = Field(
        "error", description="error, warning or info: what `actions` its findings trigger (default: error)."
    )
    message: str | None = Field(
        None, description="The message template of its findings: {placeholders} of the rule type, {id}, {job}, {frame}."
    )
    events: list[Literal["submit", "review", "click"]] = Field(
        list(DEFAULT_EVENTS),
        description='The Kili events it runs on (default: [submit, review]); click: a labeler\'s "check my label" '
        "button (issues only).",
    )
    weight: Weight = Field(1.0, description="Its weight in the score: a finite number >= 0 (default: 1).")
    enabled: bool = Field(True, description="false turns the rule off (default: true).")
    on_error: OnError | None = Field(
        None,
        description="fail: a rule that cannot check counts as failed, with an issue; skip: left out of the "
        "score (default: the rule set's on_error).",
    )
    when: str | None = Field(
        None,
        description="A condition in the grammar of Kili's category search: `JOB.CATEGORY.count > 0`, joined "
        "with AND / OR, grouped with parentheses; when it is false the rule does not apply (default: always).",
    )
    where: Where | None = Field(
        None,
        description="`{child: JOB, category: CATEGORY}`: the rule looks only at the annotations of its job whose "
        "child job has that category chosen (default: all of them).",
    )


#: The keys every rule has, in the order the editor schema lists them.
COMMON_KEYS = tuple(CommonRuleKeys.model_fields)
