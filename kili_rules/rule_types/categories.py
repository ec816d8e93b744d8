"""categories: which categories may be chosen together, and how many.

Checks each set of categories chosen in a job: the answer of a classification job (top-level, or each occurrence
as a child: a classification under a box is checked on each box and pinned to its ``mid``), or the categories of
each annotation of an object job. An empty choice is not checked (use ``required``); when nothing was chosen
anywhere, the rule is not applicable.

Options:

Placeholders: `{categories}` (the choice, comma-separated), `{reason}`, `{job}`.

Example:

```yaml
rule:
  id: weather
  type: categories
  job: WEATHER
  exclusive: [[SUNNY, RAINY]]
  forbidden: [UNKNOWN]
  max_choices: 2
fails:
  - {WEATHER: {categories: [{name: SUNNY}, {name: RAINY}]}}
  - {WEATHER: {categories: [{name: UNKNOWN}]}}
  - {WEATHER: {categories: [{name: SUNNY}, {name: WINDY}, {name: COLD}]}}
passes:
  - {WEATHER: {categories: [{name: SUNNY}, {name: WINDY}]}}
not_applicable:
  - {}
  - {WEATHER: {categories: []}}
```

Example (a child classification on each box):

```yaml
rule: {id: color, type: categories, job: COLOR, allowed: [RED, GREEN]}
fails:
  - JOB_0:
      annotations:
        - {mid: box-1, children: {COLOR: {categories: [{name: BLUE}]}}}
passes:
  - JOB_0:
      annotations:
        - {mid: box-1, children: {COLOR: {categories: [{name: RED}]}}}
```
"""

from __future__ import annotations

from dataclasses import dataclass

from kili_rules.rule_types._ml_tasks import CATEGORY_TASKS, SINGLE_CHOICE_INPUTS
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.job_walk import Occurrence
from kili_rules.runtime.label_model import category_names, mid_of
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, Violation


@dataclass(frozen=True)
class CategoriesParams:
    """The options of a ``categories`` rule."""

    job: str = option(doc="the classification (or object) job", job=True)
    allowed: list[str] | None = option(
        None, doc="only these categories may be chosen", category=True, default_text="all"
    )
    forbidden: list[str] | None = option(None, doc="these categories may not be chosen", category=True)
    exclusive: list[list[str]] | None = option(
        None, doc="groups of categories of which at most one may be chosen, e.g. `[[DAY, NIGHT]]`", category=True
    )
    min_choices: int | None = option(None, doc="at least this many categories in a choice", ge=0)
    max_choices: int | None = option(None, doc="at most this many categories in a choice", ge=0)


def _problem(params: CategoriesParams, chosen: tuple[str, ...], interface: ProjectInterface) -> str | None:
    """What is wrong with one choice, in words (in the names the interface shows), or None."""
    if params.allowed is not None:
        extra = [c for c in chosen if c not in params.allowed]
        if extra:
            allowed = _names(params, interface, params.allowed)
            return f"{_names(params, interface, extra)} not allowed in {_job(params, interface)} (allowed: {allowed})"
    bad = [c for c in chosen if c in (params.forbidden or ())]
    if bad:
        return f"{_names(params, interface, bad)} may not be chosen in {_job(params, interface)}"
    for group in params.exclusive or ():
        together = [c for c in group if c in chosen]
        if len(together) > 1:
            both = _names(params, interface, together, " and ")
            return f"{both} cannot be chosen together in {_job(params, interface)}"
    count = len(set(chosen))
    if params.min_choices is not None and count < params.min_choices:
        return f"{count} categories chosen in {_job(params, interface)}, at least {params.min_choices} expected"
    if params.max_choices is not None and count > params.max_choices:
        return f"{count} categories chosen in {_job(params, interface)}, at most {params.max_choices} allowed"
    return None


def _job(params: CategoriesParams, interface: ProjectInterface) -> str:
    return interface.job_shown(params.job)


def _names(params: CategoriesParams, interface: ProjectInterface, categories: list[str], joint: str = ", ") -> str:
    return joint.join(interface.category_shown(c, params.job) for c in categories)


def check(params: CategoriesParams, label: LabelView) -> list[Violation] | object:
    """Check each non-empty choice of the job: the answer of each occurrence, then each of its objects'.

    Hot path: reads the raw answers and, for an object job, the objects' category names the view reads once per
    label (no JobResponse or Annotation built); each distinct choice is judged once (a choice's problem depends on
    the choice and the parameters only), so a label whose choices are all right costs a set of them."""
    occurrences = label.occurrences(params.job)
    if any(category_names(raw.get("categories")) for raw, _, _ in occurrences):  # an answer has categories
        return _check_choices(params, _choices(occurrences), label.interface)
    objects, chosen = label.objects(params.job), label.object_categories(params.job)
    problems = {choice: _problem(params, choice, label.interface) for choice in set(chosen) if choice}
    if not problems:
        return NOT_APPLICABLE
    if not any(problems.values()):
        return []
    violations = []
    for raw, choice, frame in zip(objects, chosen, label.object_frames(params.job), strict=True):
        reason = problems.get(choice)
        if reason is not None:
            values = {"categories": ", ".join(choice), "reason": reason}
            violations.append(Violation(values=values, mid=mid_of(raw), job=params.job, frame=frame))
    return violations


def _choices(occurrences: list[Occurrence]) -> list[tuple[tuple[str, ...], str | None, str | None]]:
    """``(categories, mid, frame)`` of each non-empty choice: each occurrence's answer, then its objects'."""
    choices = []
    for raw, frame, parent_mid in occurrences:
        choices.append((category_names(raw.get("categories")), parent_mid, frame))
        annotations = raw.get("annotations")
        if isinstance(annotations, list):
            choices.extend(
                (category_names(a.get("categories")), mid_of(a), frame) for a in annotations if isinstance(a, dict)
            )
    return [c for c in choices if c[0]]


def _check_choices(
    params: CategoriesParams,
    choices: list[tuple[tuple[str, ...], str | None, str | None]],
    interface: ProjectInterface,
) -> list[Violation] | object:
    if not choices:
        return NOT_APPLICABLE
    violations = []
    for chosen, mid, frame in choices:
        reason = _problem(params, chosen, interface)
        if reason is not None:
            values = {"categories": ", ".join(chosen), "reason": reason}
            violations.append(Violation(values=values, mid=mid, job=params.job, frame=frame))
    return violations


def validate(params: CategoriesParams) -> list[OptionProblem]:
    """Load-time checks: bounds in order, groups of two or more, no category both allowed and forbidden."""
    problems = []
    if params.min_choices is not None and params.max_choices is not None and params.min_choices > params.max_choices:
        problems.append(OptionProblem("min_choices", "`min_choices` is above `max_choices`: the rule can never pass"))
    for group in params.exclusive or ():
        if len(set(group)) < 2:
            problems.append(OptionProblem("exclusive", f"an exclusive group needs two categories or more, not {group}"))
    both = sorted(set(params.allowed or ()) & set(params.forbidden or ()))
    if both:
        problems.append(OptionProblem("forbidden", f"{', '.join(both)} both allowed and forbidden"))
    if not any(
        getattr(params, key) is not None for key in ("allowed", "forbidden", "exclusive", "min_choices", "max_choices")
    ):
        problems.append(
            OptionProblem("job", "set at least one of allowed, forbidden, exclusive, min_choices, max_choices")
        )
    return problems


def lint(params: CategoriesParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: the job has categories, every category named is one of them, and the bounds can
    be met (one choice only on a radio or single dropdown job)."""
    job, problems = interface.check_job(
        "job",
        params.job,
        CATEGORY_TASKS,
        "a job with categories (a classification, or objects, entities or poses)",
        {"TRANSCRIPTION": "to check a text, use a `text` rule"},
    )
    if job is None or not job.categories:
        return problems
    for key in ("allowed", "forbidden"):
        for index, category in enumerate(getattr(params, key) or ()):
            problems += interface.check_category(job, f"{key}.{index}", category)
    for group_index, group in enumerate(params.exclusive or ()):
        for index, category in enumerate(group):
            problems += interface.check_category(job, f"exclusive.{group_index}.{index}", category)
    most = 1 if job.input_type in SINGLE_CHOICE_INPUTS else len(job.categories)
    if params.min_choices is not None and params.min_choices > most:
        why = f"input {job.input_type}: one category only" if most == 1 else f"{most} categories"
        problems.append(
            OptionProblem("min_choices", f"{job.name} allows at most {most} choice(s) ({why}): the rule can never pass")
        )
    others = (params.forbidden, params.exclusive, params.min_choices, params.max_choices)
    if params.allowed is not None and set(job.categories) <= set(params.allowed) and all(o is None for o in others):
        problems.append(
            OptionProblem("allowed", f"every category of {job.name} is allowed: the rule can never fail", "warning")
        )
    return problems


RULE_TYPE = RuleType(
    name="categories",
    params=CategoriesParams,
    check=check,
    placeholders=("categories", "reason"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
)
