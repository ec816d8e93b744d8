"""relation: every entity (or object) of a kind takes part in a relation, and relations join the right categories.

Reads a relation job (``NAMED_ENTITIES_RELATION`` between entities, ``OBJECT_RELATION`` between objects), whose
relations name their ends by ``mid`` (``startEntities`` / ``endEntities``, or ``startObjects`` / ``endObjects``).

- ``each: {job, category}``: every annotation of that job (of that category, when given) is an end of at least one
  relation of ``job`` (only relations of ``category``, when given), at the start, the end or either (``role``).
  Each one that is not gives a finding pinned on it. No such annotation and no relation: not applicable.
- ``start_categories`` / ``end_categories``: the categories the annotations at each end may have; a relation with
  an end of another category, or an end whose ``mid`` is no annotation of the label, gives a finding pinned on the
  relation.

A PDF entity spread over several pages is one annotation (one ``mid``); in a video a relation counts on its frame.

Options:

Placeholders: `{reason}` (what is wrong, in words), `{mid}` (the annotation or relation the finding is pinned on),
`{category}` (its category), `{content}` (an entity's text, when it has one).

Example (every person is the start of a WORKS_FOR relation, which ends on an organisation):

```yaml
rule:
  id: people-work
  type: relation
  job: RELATIONS
  category: WORKS_FOR
  each: {job: NER, category: PERSON}
  role: start
  end_categories: [ORG]
  message: "{content} works for no organisation"
fails:
  - NER: {annotations: [{mid: p1, content: Ada, categories: [{name: PERSON}]},
                        {mid: o1, content: Kili, categories: [{name: ORG}]}]}
    RELATIONS: {annotations: []}
  - NER: {annotations: [{mid: p1, content: Ada, categories: [{name: PERSON}]},
                        {mid: p2, content: Bob, categories: [{name: PERSON}]}]}
    RELATIONS: {annotations: [{mid: r1, categories: [{name: WORKS_FOR}],
                               startEntities: [{mid: p1}], endEntities: [{mid: p2}]}]}
pinned:
  - [p1]
  - [r1, p2]
passes:
  - NER: {annotations: [{mid: p1, content: Ada, categories: [{name: PERSON}]},
                        {mid: o1, content: Kili, categories: [{name: ORG}]}]}
    RELATIONS: {annotations: [{mid: r1, categories: [{name: WORKS_FOR}],
                               startEntities: [{mid: p1}], endEntities: [{mid: o1}]}]}
not_applicable:
  - NER: {annotations: [{mid: o1, content: Kili, categories: [{name: ORG}]}]}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kili_rules.rule_types._ml_tasks import ANNOTATION_TASKS
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, Violation

RELATION_TASKS = frozenset({"NAMED_ENTITIES_RELATION", "OBJECT_RELATION"})


@dataclass(frozen=True)
class Each:
    """The annotations that must each be an end of a relation."""

    job: str = option(doc="the entity (or object) job", job=True)
    category: str | None = option(None, doc="only its annotations of this category", category=True)


@dataclass(frozen=True)
class RelationParams:
    """The options of a ``relation`` rule."""

    job: str = option(doc="the relation job (`NAMED_ENTITIES_RELATION` or `OBJECT_RELATION`)", job=True)
    category: str | None = option(None, doc="only relations of this category count", category=True)
    each: Each | None = option(None, doc="`{job: ..., category: ...}`: the annotations that must each be in a relation")
    role: Literal["start", "end", "any"] = option("any", doc="where `each` annotation must be: `start`, `end` or `any`")
    start_categories: list[str] | None = option(None, doc="the categories a relation may start from", category=True)
    end_categories: list[str] | None = option(None, doc="the categories a relation may end on", category=True)


def _annotations_by_mid(label: LabelView) -> dict[str, Annotation]:
    """Every annotation of the label that has a mid (the ends a relation may name)."""
    found: dict[str, Annotation] = {}
    for job in label.jobs:
        for annotation in label.annotations(job):
            if annotation.mid is not None:
                found.setdefault(annotation.mid, annotation)
    return found


def _violation(reason: str, annotation: Annotation | None, mid: str | None, job: str) -> Violation:
    category = annotation.categories[0] if annotation is not None and annotation.categories else None
    content = annotation.content if annotation is not None else None
    values = {"reason": reason, "mid": mid, "category": category, "content": content or mid}
    return Violation(values=values, mid=mid, job=job, frame=annotation.frame if annotation is not None else None)


def _relation_name(label: LabelView, job: str, relation: Annotation) -> str:
    """``relation r1``; without a mid, by its place (from 1) among the job's relations: ``relation 2 of Relations
    (no mid)``."""
    if relation.mid is not None:
        return f"relation {relation.mid}"
    index = next((i for i, found in enumerate(label.annotations(job)) if found.raw is relation.raw), None)
    place = f" {index + 1} of {label.interface.job_shown(job)}" if index is not None else ""
    return f"relation{place} (no mid)"


def check(params: RelationParams, label: LabelView) -> list[Violation] | object:
    """Find the annotations of ``each`` in no relation, and the relations with an end of the wrong kind."""
    relations = label.annotations(params.job, category=params.category)
    owners = label.annotations(params.each.job, category=params.each.category) if params.each else []
    checks_ends = params.start_categories is not None or params.end_categories is not None
    if not owners and not (checks_ends and relations):
        return NOT_APPLICABLE
    by_mid = _annotations_by_mid(label)
    interface = label.interface
    violations = []
    for relation in relations if checks_ends else []:
        name = _relation_name(label, params.job, relation)
        for side, ends, allowed in (
            ("start", relation.start_mids, params.start_categories),
            ("end", relation.end_mids, params.end_categories),
        ):
            for mid in ends:
                end = by_mid.get(mid)
                if end is None:
                    article = "an" if side == "end" else "a"
                    reason = f"{name} has {article} {side} ({mid}) that is no annotation of the label"
                elif allowed is not None and not set(end.categories) & set(allowed):
                    kind = ", ".join(interface.category_shown(c, end.job) for c in end.categories)
                    expected = " or ".join(interface.category_shown(c, end.job) for c in allowed)
                    reason = f"{name} {side}s on {kind or 'no category'}, not {expected}"
                else:
                    continue
                violations.append(_violation(reason, relation, relation.mid, params.job))
    if params.each is not None:
        linked: set[str] = set()
        for relation in relations:
            if params.role in ("start", "any"):
                linked.update(relation.start_mids)
            if params.role in ("end", "any"):
                linked.update(relation.end_mids)
        if params.category:
            what = f"no {interface.category_shown(params.category, params.job)} relation"
        else:
            what = f"no relation of {interface.job_shown(params.job)}"
        each = params.each
        if each.category:
            owner_name = interface.category_shown(each.category, each.job)
        else:
            owner_name = interface.job_shown(each.job)
        where = {"start": "the start of", "end": "the end of", "any": "in"}[params.role]
        seen: set[str | None] = set()
        for owner in owners:
            if owner.mid in linked or (owner.mid is not None and owner.mid in seen):
                continue
            seen.add(owner.mid)
            name = f"'{owner.content}'" if owner.content else (owner.mid or "an annotation")
            reason = f"{owner_name} {name} is {where} {what}"
            violations.append(_violation(reason, owner, owner.mid, params.job))
    return violations


def validate(params: RelationParams) -> list[OptionProblem]:
    """Load-time checks: the rule checks something."""
    if params.each is None and params.start_categories is None and params.end_categories is None:
        return [OptionProblem("job", "a relation rule needs `each`, `start_categories` or `end_categories`")]
    return []


def lint(params: RelationParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: a relation job, entity jobs and categories that exist."""
    job, problems = interface.check_job("job", params.job, RELATION_TASKS, "a relation job")
    if job is not None and params.category is not None:
        problems += interface.check_category(job, "category", params.category)
    if params.each is not None:
        owner, found = interface.check_job(
            "each.job", params.each.job, ANNOTATION_TASKS - RELATION_TASKS, "a job of entities or objects"
        )
        problems += found
        if owner is not None and params.each.category is not None:
            problems += interface.check_category(owner, "each.category", params.each.category)
    known = {key for view in interface.jobs.values() if view.ml_task not in RELATION_TASKS for key in view.categories}
    for key in ("start_categories", "end_categories"):
        for index, category in enumerate(getattr(params, key) or []):
            if category not in known:
                message = f"no entity or object job of the interface has a category {category!r}"
                problems.append(OptionProblem(f"{key}.{index}", message))
    return problems


RULE_TYPE = RuleType(
    name="relation",
    params=RelationParams,
    check=check,
    placeholders=("reason", "mid", "category", "content"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
)
