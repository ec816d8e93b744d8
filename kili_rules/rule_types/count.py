"""count: at least / at most N annotations of a job (or choices of a classification), optionally of one category.

Counts the objects of an object-detection, NER, relation or pose job, wherever the job occurs (as a child job
too). On a classification job it counts the choices (of `category`, when given): a classification nested under
annotations counts once per annotation that chose it (in a video once per object, however many frames), so "a
negative review has at least one negative opinion" is a `count` with a `when`; a choice beyond `max` is pinned on
the annotation it hangs from, and the reason reads `0 Negative choices in Opinion, expected at least 1`.

A PDF annotation spread over several pages counts once. In a video the count is made per frame (``per:
frame``, the default: every frame must respect the bounds) or per track (``per: track``: the number of distinct
objects, by ``mid``, over the whole video). Outside video both mean the whole label.

Options:

The rule is not applicable when the job is absent from the label and `min` is not set.

Each annotation beyond `max` is a finding of its own, pinned on that annotation (its `mid`), so the Kili issue
points at the box to remove: the first `max` annotations, in label order, are kept, each one after them is
reported. In a video (`per: frame`) the annotations beyond `max` in each frame are reported by track: one finding
per `mid`, on the first frame where that object is in excess, with `{frames}` listing every frame where it is.
With `per: track`, each track beyond the first `max` (in order of first appearance) is one finding pinned on it,
on its first frame, with `{frames}` listing the frames where it appears.
Fewer than `min` is one finding pinned on nothing (there is nothing to point at); in a video it lists the frames
with too few in `{frames}`. Annotations without a `mid` cannot be pinned: in a video, those in excess are one
unpinned finding.

Placeholders: `{count}` (the number counted: in the label; in a video per frame, in the worst frame the finding
lists; per track, the number of distinct tracks), `{min}`, `{max}`, `{category}`, `{job}`, `{frames}` (the video
frames the finding is about, e.g. `3-5, 9`), `{reason}` (a sentence that says it all, in the names the interface
shows: `3 Object A boxes in Vehicles, expected at most 1`; without an interface, `3 OBJECT_A annotations in JOB_0,
expected at most 1`).

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
        - {mid: c, categories: [{name: OBJECT_B}]}
        - {mid: d, categories: [{name: OBJECT_A}]}
pinned:  # the mids the findings of each failing label are pinned on: every OBJECT_A box after the first
  - [b, d]
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
rule: {id: one-car, type: count, job: JOB_0, max: 1, message: "{count} cars in frames {frames}"}
fails:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: a}, {mid: b}]}}
    "2": {JOB_0: {annotations: [{mid: a}, {mid: b}, {mid: c}]}}
pinned:  # b in excess in frames 1-2 ("2 cars in frames 1-2"), c in frame 2 ("3 cars in frames 2")
  - [b, c]
passes:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: b}]}}
```

Example (video, per track: at least two distinct objects over the video; fewer is one finding pinned on nothing):

```yaml
rule: {id: two-tracks, type: count, job: JOB_0, min: 2, per: track}
fails:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: a}]}}
pinned:
  - [null]
passes:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: b}]}}
```

Example (video, per track: at most one object over the video; each track after the first is pinned):

```yaml
rule: {id: one-track, type: count, job: JOB_0, max: 1, per: track}
fails:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: b}, {mid: a}, {mid: c}]}}
pinned:
  - [b, c]
passes:
  - "0": {JOB_0: {annotations: [{mid: a}]}}
    "1": {JOB_0: {annotations: [{mid: a}]}}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from kili_rules.rule_types._ml_tasks import ANNOTATION_JOB, ANNOTATION_TASKS
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import category_names, mid_of
from kili_rules.runtime.label_view import ASSET_LEVEL, LabelView, is_frame_key
from kili_rules.runtime.model import NOT_APPLICABLE, Violation

T = TypeVar("T")


@dataclass(frozen=True)
class CountParams:
    """The options of a ``count`` rule."""

    job: str = option(doc="the job whose annotations are counted", job=True)
    category: str | None = option(None, doc="count only annotations of this category", category=True)
    min: int | None = option(None, doc="fewer is a finding", ge=0)
    max: int | None = option(
        None, doc="more is a finding: one per annotation (or track) beyond `max`, pinned on it", ge=0
    )
    per: Literal["frame", "track"] = option("frame", doc="`frame` or `track` (video)")


def validate(params: CountParams) -> list[OptionProblem]:
    """Load-time checks: bounds that make sense."""
    problems = []
    if params.min is None and params.max is None:
        problems.append(OptionProblem("job", "a count rule needs `min`, `max` or both"))
    if params.min is not None and params.max is not None and params.min > params.max:
        problems.append(
            OptionProblem("min", f"`min` ({params.min}) is above `max` ({params.max}): the rule can never pass")
        )
    return problems


def _frames_text(frames: list[str]) -> str:
    numbers = sorted(int(f) for f in frames if is_frame_key(f))
    parts: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ", ".join(parts + [f for f in frames if not is_frame_key(f)])


def _fixed(params: CountParams, interface: ProjectInterface) -> tuple[str, str, str, str]:
    """What depends on the parameters (and the interface) only, computed once per rule: one and several of the
    objects counted in words (``Object A box(es)``, in the interface's names), the job's name, the bounds."""
    found = _FIXED.get(id(params))
    if found is not None and found[0] is params and found[1] is interface:
        return found[2]
    category = interface.category_shown(params.category, params.job) + " " if params.category else ""
    several = category + interface.noun(params.job)
    # "1 Lesion polygon" for a job of the interface; without one, the words of old ("1 annotations")
    one = category + interface.noun(params.job, 1) if params.job in interface else several
    bounds = []
    if params.min is not None:
        bounds.append(f"at least {params.min}")
    if params.max is not None:
        bounds.append(f"at most {params.max}")
    fixed = (one, several, interface.job_shown(params.job), " and ".join(bounds))
    if len(_FIXED) >= 1024:
        _FIXED.clear()
    _FIXED[id(params)] = (params, interface, fixed)
    return fixed


#: ``_fixed`` by rule: keyed by the params object's id, holding the object and the interface it was computed with
#: (so the id cannot be reused meanwhile)
_FIXED: dict[int, tuple[CountParams, ProjectInterface, tuple[str, str, str, str]]] = {}


def _values(
    params: CountParams, interface: ProjectInterface, count: int, frames: list[str], where: bool
) -> dict[str, Any]:
    one, several, job, bounds = _fixed(params, interface)
    what = one if count == 1 else several
    frames_text = _frames_text(frames) if frames else ""
    place = f" (frames {frames_text})" if where and frames_text else ""
    return {
        "count": count,
        "min": params.min,
        "max": params.max,
        "category": params.category,
        "frames": frames_text,
        "reason": f"{count} {what} in {job}{place}, expected {bounds}",
    }


def _violation(
    params: CountParams,
    interface: ProjectInterface,
    count: int,
    *,
    mid: str | None = None,
    frames: list[str] | None = None,
    where: bool = False,
) -> Violation:
    """One finding's violation: ``frames`` are the ones it is about, named in ``{reason}`` when ``where``."""
    frames = frames or []
    values = _values(params, interface, count, frames, where)
    return Violation(values=values, mid=mid, job=params.job, frame=frames[0] if frames else None)


def _too_few(params: CountParams, count: int) -> bool:
    return params.min is not None and count < params.min


def _excess(params: CountParams, items: list[T]) -> list[T]:
    """The items beyond the first ``max`` (none when there is no ``max``)."""
    return [] if params.max is None else items[params.max :]


#: An object counted: its raw dict and its frame (``LabelView.objects``).
Counted = tuple[dict[str, Any], "str | None"]


def _whole_label(params: CountParams, interface: ProjectInterface, objects: list[dict[str, Any]]) -> list[Violation]:
    count = len(objects)
    excess = _excess(params, objects)
    found = []
    if excess:  # every finding in excess says the same: one dict of values for all
        values, job = _values(params, interface, count, [], False), params.job
        found = [Violation(values=values, mid=mid_of(raw), job=job) for raw in excess]
    if _too_few(params, count):
        found.append(_violation(params, interface, count))
    return found


def _per_frame(params: CountParams, label: LabelView, objects: list[Counted]) -> list[Violation]:
    by_frame: dict[str, list[Counted]] = {f: [] for f in label.frames if f is not None and f != ASSET_LEVEL}
    for counted in objects:
        by_frame.setdefault(counted[1] or ASSET_LEVEL, []).append(counted)
    # the excess annotations of each frame, grouped by track (mid): the frames where it is in excess, in order,
    # and the worst count among them
    frames_of: dict[str | None, dict[str, None]] = {}
    worst: dict[str | None, int] = {}
    for frame, found in by_frame.items():
        for raw, _ in _excess(params, found):
            mid = mid_of(raw)
            frames_of.setdefault(mid, {})[frame] = None
            worst[mid] = max(worst.get(mid, 0), len(found))
    interface = label.interface
    violations = [
        _violation(params, interface, worst[mid], mid=mid, frames=list(frames), where=True)
        for mid, frames in frames_of.items()
    ]
    too_few = [frame for frame, found in by_frame.items() if _too_few(params, len(found))]
    if too_few:
        count = min(len(by_frame[frame]) for frame in too_few)
        violations.append(_violation(params, interface, count, frames=too_few, where=True))
    return violations


def _per_track(params: CountParams, interface: ProjectInterface, objects: list[Counted]) -> list[Violation]:
    # each track's frames (an ordered set), in order of first appearance; an annotation without a mid is a track of
    # its own (keyed by its position: an int, never a mid)
    tracks: dict[str | int, dict[str, None]] = {}
    for position, (raw, frame) in enumerate(objects):
        mid = mid_of(raw)
        tracks.setdefault(mid if mid is not None else position, {})[frame or ASSET_LEVEL] = None
    count = len(tracks)
    # the tracks beyond max, by mid; the excess annotations without a mid are one unpinned finding (mid None)
    excess: dict[str | None, dict[str, None]] = {}
    for track in _excess(params, list(tracks)):
        excess.setdefault(track if isinstance(track, str) else None, {}).update(tracks[track])
    violations = [_violation(params, interface, count, mid=mid, frames=list(frames)) for mid, frames in excess.items()]
    if _too_few(params, count):
        violations.append(_violation(params, interface, count))
    return violations


def check(params: CountParams, label: LabelView) -> list[Violation] | object:
    """Count the annotations (per frame, or per track, in video) and compare with the bounds; each annotation
    (or track) beyond ``max`` is a finding pinned on it, too few is one finding pinned on nothing.

    Hot path: reads the raw objects and their category names, read once per label (no Annotation built); outside
    video the objects of the category are picked once per label (``LabelView.objects_in``)."""
    if not params.min and not label.occurrences(params.job):
        return NOT_APPLICABLE
    if _is_classification(label, params.job):
        return _choices(params, label)
    job, category = params.job, params.category
    if not label.is_video:
        objects = label.objects(job) if category is None else label.objects_in(job, category)
        return _whole_label(params, label.interface, objects)
    counted = list(zip(label.objects(job), label.object_frames(job), strict=True))
    if category is not None:
        counted = [o for o, names in zip(counted, label.object_categories(job), strict=True) if category in names]
    if params.per == "track":
        return _per_track(params, label.interface, counted)
    return _per_frame(params, label, counted)


def _is_classification(label: LabelView, job: str) -> bool:
    """Whether ``job`` is a classification: as the interface says, or (without one) when no occurrence of it holds
    an ``annotations`` list and one holds ``categories``."""
    known = label.interface.jobs.get(job)
    if known is not None and known.ml_task:
        return bool(known.ml_task == "CLASSIFICATION")
    occurrences = label.occurrences(job)
    return not any(isinstance(raw.get("annotations"), list) for raw, _, _ in occurrences) and any(
        isinstance(raw.get("categories"), list) for raw, _, _ in occurrences
    )


def _choices(params: CountParams, label: LabelView) -> list[Violation]:
    """A classification's choices (of ``category``, or of any category), counted wherever the job occurs: a
    nested one once per annotation it hangs from (in a video, once per object however many frames), a top-level
    one once per occurrence. A choice beyond ``max`` is pinned on the annotation it hangs from."""
    counted: list[tuple[str | None, str | None]] = []  # (the mid it hangs from, its frame), one per choice
    seen: set[tuple[str, str]] = set()
    for raw, frame, parent in label.occurrences(params.job):
        for name in category_names(raw.get("categories")):
            if params.category is not None and name != params.category:
                continue
            if label.is_video and parent is not None:
                if (parent, name) in seen:
                    continue
                seen.add((parent, name))
            counted.append((parent, frame))
    interface, count = label.interface, len(counted)
    what = interface.category_shown(params.category, params.job) + " " if params.category else ""
    _, _, job_name, bounds = _fixed(params, interface)
    values = {
        "count": count,
        "min": params.min,
        "max": params.max,
        "category": params.category,
        "frames": "",
        "reason": f"{count} {what}choice{'s' if count != 1 else ''} in {job_name}, expected {bounds}",
    }
    found = [Violation(values=values, mid=mid, job=params.job, frame=frame) for mid, frame in _excess(params, counted)]
    if _too_few(params, count):
        found.append(Violation(values=values, job=params.job))
    return found


def lint(params: CountParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: the job holds annotations (or is a classification, whose choices are counted), and
    the category is one of its categories."""
    job, problems = interface.check_job(
        "job",
        params.job,
        ANNOTATION_TASKS | {"CLASSIFICATION"},
        ANNOTATION_JOB + " or a classification (its choices)",
        {"TRANSCRIPTION": "a transcription holds one text; to require it, use a `required` rule"},
    )
    if job is not None and params.category is not None:
        problems += interface.check_category(job, "category", params.category)
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
