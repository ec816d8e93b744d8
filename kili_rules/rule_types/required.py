"""required: a job must be answered, always, when a category is chosen, or on every annotation of a kind.

"Answered" means a category chosen, a non-blank text, or at least one object drawn, in any occurrence of the job
(in a video, in any frame).

- Without ``when`` or ``for_each``, the job must be answered somewhere in the label.
- ``when: {job, category}``: only when ``category`` is chosen in ``job`` (as a classification answer, or as the
  category of any of its annotations); otherwise the rule is not applicable. Without ``category``: when ``job``
  is answered at all.
- ``for_each: {job, category}``: every annotation of ``job`` (of ``category``, when given) must have the child
  job answered under it; each annotation without it gives a finding pinned to its ``mid``. No such annotation:
  not applicable. In a video an object (a ``mid``) needs the answer on one of its frames. An annotation without a
  ``mid`` (tagtog imports, predictions, hand-built payloads) is matched by itself: the child job must be answered
  under that very annotation, and its finding names it by its place (``entity 2 of NER, which has no mid``);
  one annotation's answer never satisfies another.

Options:

Placeholders: `{job}`, `{category}` (of `when` / `for_each`), `{mid}` (the annotation missing its child job),
`{reason}`.

Example (every IBAN box carries its transcription):

```yaml
rule:
  id: iban-transcribed
  type: required
  job: TRANSCRIPTION_JOB
  for_each: {job: JOB_0, category: IBAN}
  message: "Transcribe the IBAN in this box"
fails:
  - JOB_0:
      annotations:
        - {mid: box-1, categories: [{name: IBAN}], children: {}}
passes:
  - JOB_0:
      annotations:
        - mid: box-1
          categories: [{name: IBAN}]
          children: {TRANSCRIPTION_JOB: {text: "FR76"}}
        - {mid: box-2, categories: [{name: CURRENCY}], children: {}}
not_applicable:
  - {JOB_0: {annotations: []}}
```

Example (a comment is required when the image is rejected):

```yaml
rule:
  id: comment-when-rejected
  type: required
  job: COMMENT
  when: {job: QUALITY, category: REJECTED}
fails:
  - {QUALITY: {categories: [{name: REJECTED}]}, COMMENT: {text: "  "}}
passes:
  - {QUALITY: {categories: [{name: REJECTED}]}, COMMENT: {text: "blurry"}}
not_applicable:
  - {QUALITY: {categories: [{name: ACCEPTED}]}}
```

Example (always required):

```yaml
rule: {id: quality-chosen, type: required, job: QUALITY}
fails:
  - {}
  - {QUALITY: {categories: []}}
passes:
  - {QUALITY: {categories: [{name: ACCEPTED}]}}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kili_rules.rule_types._ml_tasks import ANNOTATION_JOB, ANNOTATION_TASKS
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import is_answered, mid_of
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, Violation


@dataclass(frozen=True)
class JobCategory:
    """A job, and optionally one of its categories."""

    job: str = option(doc="the job", job=True)
    category: str | None = option(None, doc="one of its categories (any when absent)", category=True)


@dataclass(frozen=True)
class RequiredParams:
    """The options of a ``required`` rule."""

    job: str = option(doc="the job that must be answered", job=True)
    when: JobCategory | None = option(
        None, doc="`{job: ..., category: ...}`: the condition under which the job is required"
    )
    for_each: JobCategory | None = option(
        None, doc="`{job: ..., category: ...}`: the annotations that must each carry the child job"
    )


def _chosen(label: LabelView, condition: JobCategory) -> bool:
    if condition.category is None:
        return any(is_answered(raw) for raw, _, _ in label.occurrences(condition.job))
    return condition.category in label.categories(condition.job) or any(
        condition.category in names for names in label.object_categories(condition.job)
    )


def check(params: RequiredParams, label: LabelView) -> list[Violation] | object:
    """Find the places where the job should be answered and is not.

    Hot path: reads the raw answers and objects, and the objects' category names read once per label."""
    values: dict[str, str | None] = {"category": None, "mid": None}
    if params.when is not None:
        values["category"] = params.when.category
        if not _chosen(label, params.when):
            return NOT_APPLICABLE
    if params.for_each is None:
        if any(is_answered(raw) for raw, _, _ in label.occurrences(params.job)):
            return []
        reason = f"{label.interface.job_shown(params.job)} is required{_condition(params, label.interface)}"
        return [Violation(values={**values, "reason": reason}, job=params.job)]

    owner_job, category = params.for_each.job, params.for_each.category
    if category is not None and not label.is_video:  # the objects of the category, picked once per label
        owners: list[tuple[dict[str, Any], str | None]] = [(raw, None) for raw in label.objects_in(owner_job, category)]
    else:
        owners = list(zip(label.objects(owner_job), label.object_frames(owner_job), strict=True))
        if category is not None:
            chosen = label.object_categories(owner_job)
            owners = [o for o, names in zip(owners, chosen, strict=True) if category in names]
    if not owners:
        return NOT_APPLICABLE
    answered = {
        mid
        for raw, _, mid in label.occurrences(params.job)
        if ((text := raw.get("text")).__class__ is str and text.strip()) or is_answered(raw)  # a text, decided inline
    }
    violations, seen = [], set()
    reason = _for_each_reason(params, label.interface)
    for raw, frame in owners:
        mid = mid_of(raw)
        if mid is None:  # no mid to match the child answers by: read the annotation itself (never a guess)
            if _answered_under(raw, owner_job, params.job):
                continue
            where = _position(label, owner_job, raw)
            found = {**values, "category": category, "mid": None, "reason": f"{reason} ({where}, which has no mid)"}
            violations.append(Violation(values=found, job=params.job, frame=frame))
            continue
        if mid in answered or mid in seen:
            continue
        seen.add(mid)
        found = {**values, "category": category, "mid": mid, "reason": reason}
        violations.append(Violation(values=found, mid=mid, job=params.job, frame=frame))
    return violations


def _answered_under(raw: dict[str, Any], owner_job: str, job: str) -> bool:
    """Whether ``job`` is answered under the annotation ``raw`` itself (its children, its categories' children,
    its pose points'), read by a view of that one annotation: how an annotation without a ``mid`` is matched."""
    alone = LabelView({owner_job: {"annotations": [raw]}}, jobs=(job,))
    return any(is_answered(answer) for answer, _, _ in alone.occurrences(job))


def _position(label: LabelView, owner_job: str, raw: dict[str, Any]) -> str:
    """``entity 2 of NER`` (``box 2 of JOB_0``...): where an annotation without a ``mid`` is, by its place (from 1)
    among the job's objects, as the interface calls them."""
    index = next((i for i, found in enumerate(label.objects(owner_job)) if found is raw), None)
    noun = label.interface.noun(owner_job, 1)
    place = f"{noun} {index + 1}" if index is not None else f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
    return f"{place} of {label.interface.job_shown(owner_job)}"


def _condition(params: RequiredParams, interface: ProjectInterface) -> str:
    """`` when Rejected is chosen`` (`` when Quality is answered`` without a category), in the interface's names."""
    when = params.when
    if when is None:
        return ""
    if when.category is None:  # a job known to the interface is answered (without one: the words of old)
        return f" when {interface.job_shown(when.job)} is {'answered' if when.job in interface else 'chosen'}"
    return f" when {interface.category_shown(when.category, when.job)} is chosen"


def _for_each_reason(params: RequiredParams, interface: ProjectInterface) -> str:
    """``Size in mm is required on each Lesion polygon``, in the interface's names (without an interface: ``LESION_SIZE
    is required on each LESION annotation``)."""
    assert params.for_each is not None
    owner, category = params.for_each.job, params.for_each.category
    what = interface.category_shown(category, owner) if category else interface.job_shown(owner)
    return f"{interface.job_shown(params.job)} is required on each {what} {interface.noun(owner, 1)}"


def validate(params: RequiredParams) -> list[OptionProblem]:
    """Load-time checks: a job is not required under itself."""
    if params.for_each is not None and params.for_each.job == params.job:
        return [OptionProblem("for_each", "`for_each.job` must be the parent job, not the required job itself")]
    return []


def lint(params: RequiredParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: the jobs and categories exist, and with ``for_each`` the required job is a child
    of those annotations' category (otherwise it can never be there, and the rule can never pass)."""
    job, problems = interface.check_job("job", params.job)
    if params.when is not None:
        when_job, found = interface.check_job("when.job", params.when.job)
        problems += found
        if when_job is not None and params.when.category is not None:
            problems += interface.check_category(when_job, "when.category", params.when.category)
    if params.for_each is not None:
        owner, found = interface.check_job(
            "for_each.job",
            params.for_each.job,
            ANNOTATION_TASKS,
            ANNOTATION_JOB,
            {"CLASSIFICATION": "`for_each` names an object job; for a classification use `when`"},
        )
        problems += found
        if owner is not None and params.for_each.category is not None:
            found = interface.check_category(owner, "for_each.category", params.for_each.category)
            problems += found
            if found:
                return problems
        if owner is not None and job is not None and owner.categories:
            categories = [params.for_each.category] if params.for_each.category else list(owner.categories)
            if not any(params.job in owner.children.get(c, ()) for c in categories):
                where = " or ".join(categories)
                children = sorted({kid for c in categories for kid in owner.children.get(c, ())})
                listed = ", ".join(children) if children else "none"
                message = (
                    f"{params.job} cannot occur under the {where} annotations of {owner.name} (their child jobs: "
                    f"{listed}): the rule can never pass"
                )
                problems.append(OptionProblem("job", message))
    elif params.when is None and job is not None and job.required and not job.is_child:
        problems.append(
            OptionProblem("job", f"the interface already makes {job.name} required: the rule can never fail", "warning")
        )
    return problems


RULE_TYPE = RuleType(
    name="required",
    params=RequiredParams,
    check=check,
    placeholders=("category", "mid", "reason"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
)
