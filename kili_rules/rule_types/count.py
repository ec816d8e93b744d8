"""count: at least / at most N annotations of a job, optionally of one category.

Counts the objects of an object-detection, NER, relation or pose job, wherever the job occurs (as a child job
too). A PDF annotation spread over several pages counts once. In a video the count is made per frame (``per:
frame``, the default: every frame must respect the bounds) or per track (``per: track``: the number of distinct
objects, by ``mid``, over the whole video). Outside video both mean the whole label.

Options:

| key | default | meaning |
|---|---|---|
| `job` | required | the job whose annotations are counted |
| `category` | all | count only annotations of this category |
| `min` | none | fewer is a finding |
| `max` | none | more is a finding |
| `per` | `frame` | `frame` or `track` (video) |

The rule is not applicable when the job is absent from the label and `min` is not set.
A video gives at most one finding: the frames that break the bounds are listed in `{frames}`.

Placeholders: `{count}` (the count found; in video, the worst frame's), `{min}`, `{max}`, `{category}`,
`{job}`, `{frames}` (video frames, e.g. `3-5, 9`), `{reason}` (a sentence that says it all).

Example:

```yaml
rule:
  id: one-object-a
  type: count
  job: JOB_0
  category: OBJECT_A
  max: 1
  message: "There are too many BBox ({count}) - Only 1 BBox of Object A accepted"
fails:
  - JOB_0:
      annotations:
        - {mid: a, categories: [{name: OBJECT_A}]}
        - {mid: b, categories: [{name: OBJECT_A}]}
passes:
  - JOB_0:
      annotations:
        - {mid: a, categories: [{name: OBJECT_A}]}
        - {mid: b, categories: [{name: OBJECT_B}]}
not_applicable:
  - {}
```

Example (video, per frame):

```yaml
rule: {id: one-car, type: count, job: JOB_0, max: 1}
fails:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: a}, {mid: b}]}}
passes:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: b}]}}
```

Example (video, per track: at least two distinct objects over the video):

```yaml
rule: {id: two-tracks, type: count, job: JOB_0, min: 2, per: track}
fails:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: a}]}}
passes:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: b}]}}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kili_rules.interface import ANNOTATION_JOB, ANNOTATION_TASKS, Interface, LintProblem, lint_category, lint_job
from kili_rules.runtime.label import LabelView
from kili_rules.runtime.model import NOT_APPLICABLE, RuleType, Violation


@dataclass(frozen=True)
class CountParams:
    """The options of a ``count`` rule."""

    __pydantic_config__ = {"extra": "forbid"}

    job: str
    category: str | None = None
    min: int | None = None
    max: int | None = None
    per: Literal["frame", "track"] = "frame"


def validate(params: CountParams) -> list[tuple[str, str]]:
    """Load-time checks: bounds that make sense."""
    problems = []
    if params.min is None and params.max is None:
        problems.append(("job", "a count rule needs `min`, `max` or both"))
    for key in ("min", "max"):
        value = getattr(params, key)
        if value is not None and value < 0:
            problems.append((key, f"`{key}` must be 0 or more, not {value}"))
    if params.min is not None and params.max is not None and params.min > params.max:
        problems.append(("min", f"`min` ({params.min}) is above `max` ({params.max}): the rule can never pass"))
    return problems


def _frames_text(frames: list[str]) -> str:
    numbers = sorted(int(f) for f in frames if f.isdigit())
    parts: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts + [f for f in frames if not f.isdigit()])


def _breaks(params: CountParams, count: int) -> bool:
    return (params.min is not None and count < params.min) or (params.max is not None and count > params.max)


def check(params: CountParams, label: LabelView) -> list[Violation] | object:
    """Count the annotations per frame (or per track) and compare with the bounds."""
    responses = label.responses(params.job)
    if not responses and not params.min:
        return NOT_APPLICABLE
    annotations = [a for r in responses for a in r.annotations]
    if params.category is not None:
        annotations = [a for a in annotations if params.category in a.categories]

    if params.per == "track" and label.is_video:
        counts = {None: len({a.mid if a.mid is not None else id(a) for a in annotations})}
    else:
        counts = {frame: 0 for frame in label.frames if frame != "assetLevel"}
        for annotation in annotations:
            counts[annotation.frame] = counts.get(annotation.frame, 0) + 1

    broken = {frame: n for frame, n in counts.items() if _breaks(params, n)}
    if not broken:
        return []
    too_many = [n for n in broken.values() if params.max is not None and n > params.max]
    count = max(too_many) if too_many else min(broken.values())
    what = f"{params.category} annotations" if params.category else "annotations"
    bounds = []
    if params.min is not None:
        bounds.append(f"at least {params.min}")
    if params.max is not None:
        bounds.append(f"at most {params.max}")
    frames = [f for f in broken if f is not None]
    where = f" (frames {_frames_text(frames)})" if frames and label.is_video else ""
    reason = f"{count} {what} in {params.job}{where}, expected {' and '.join(bounds)}"
    values = {
        "count": count,
        "min": params.min,
        "max": params.max,
        "category": params.category,
        "frames": _frames_text(frames),
        "reason": reason,
    }
    return [Violation(values=values, job=params.job, frame=frames[0] if frames else None)]


def lint(params: CountParams, interface: Interface) -> list[LintProblem]:
    """Against the interface: the job holds annotations, and the category is one of its categories."""
    job, problems = lint_job(
        interface,
        "job",
        params.job,
        ANNOTATION_TASKS,
        ANNOTATION_JOB,
        {
            "CLASSIFICATION": "to bound the number of categories chosen, use a `categories` rule with "
            "`min_choices` / `max_choices`",
            "TRANSCRIPTION": "a transcription holds one text; to require it, use a `required` rule",
        },
    )
    if job is not None and params.category is not None:
        problems += lint_category(interface, job, "category", params.category)
    return problems


RULE_TYPE = RuleType(
    name="count",
    params=CountParams,
    check=check,
    placeholders=("count", "min", "max", "category", "frames", "reason"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
)
