"""track: video tracks: how long each object is followed, gaps, key frames, and answers that must not change.

In a video, Kili gives each object one `mid` on every frame where it appears: that is its track. On an object job
this rule checks every track (optionally only those of some categories): `min_frames` (an object seen on fewer
frames is a finding: a stray click, a track cut short), `max_gap` (frames missing inside a track, between its first
and last frame), `constant_category` (the object's category does not change along its track), `min_key_frames`
and `max_interpolated` (Kili interpolates between key frames: at most that many frames in a row without a key
frame, the track's last frames included). On a classification job (a frame classification, or one nested under
each object) `constant_category` wants the same answer on every frame where it is given: for a nested one, along
each object's track. A key frame whose answer is empty (`categories: []`, `isKeyFrame: true`: a checkbox unchecked
there) is an answer too: a category going from set to empty mid-track is a change (`changes from Occluded to none
(unchecked on a key frame) on frame 3`). Empty answers before the first one set, and on frames that are not key
frames, are not answers.

Options:

Each track that breaks a bound is one finding per bound, pinned on the object (its `mid`), on the frame where it
goes wrong (the first frame of a short track, the frame after a gap, the frame where the category changes), and
the issue names that frame. A changing frame classification is pinned on nothing (or on its object, when nested).
The rule is not applicable outside video and when the job has no annotation (or answer) in the label.

Placeholders: `{reason}` (e.g. `CAR track 2023… on 3 frames (14-16), min_frames 5`; the issue adds the
frame), `{category}`, `{frames}` (the frames of the track, or of the answers, e.g. `0-4, 9`), `{count}` (the number
of frames), `{gap}` (the longest gap).

Example:

```yaml
rule: {id: tracks, type: track, job: JOB_0, min_frames: 3, max_gap: 1, constant_category: true}
fails:
  - "0": {JOB_0: {annotations: [{mid: a, categories: [{name: CAR}]}, {mid: short, categories: [{name: CAR}]}]}}
    "1": {JOB_0: {annotations: [{mid: a, categories: [{name: CAR}]}]}}
    "2": {JOB_0: {annotations: [{mid: a, categories: [{name: TRUCK}]}]}}
    "3": {JOB_0: {annotations: [{mid: gap, categories: [{name: CAR}]}]}}
    "4": {JOB_0: {annotations: []}}
    "5": {JOB_0: {annotations: []}}
    "6": {JOB_0: {annotations: [{mid: gap, categories: [{name: CAR}]}]}}
    "7": {JOB_0: {annotations: [{mid: gap, categories: [{name: CAR}]}]}}
pinned:  # a: CAR then TRUCK; short: 1 frame; gap: frames 4-5 missing
  - [a, short, gap]
passes:
  - "0": {JOB_0: {annotations: [{mid: a, categories: [{name: CAR}]}]}}
    "1": {JOB_0: {annotations: [{mid: a, categories: [{name: CAR}]}]}}
    "2": {JOB_0: {annotations: []}}
    "3": {JOB_0: {annotations: [{mid: a, categories: [{name: CAR}]}]}}
not_applicable:
  - {JOB_0: {annotations: [{mid: a}]}}
  - {"0": {}}
```

Example (a frame classification that must not change during the video):

```yaml
rule: {id: weather, type: track, job: WEATHER, constant_category: true}
fails:
  - "0": {WEATHER: {categories: [{name: SUNNY}], isKeyFrame: true}}
    "1": {WEATHER: {categories: [{name: SUNNY}], isKeyFrame: false}}
    "2": {WEATHER: {categories: [{name: RAINY}], isKeyFrame: true}}
pinned:
  - [null]
passes:
  - "0": {WEATHER: {categories: [{name: SUNNY}], isKeyFrame: true}}
    "1": {WEATHER: {categories: [{name: SUNNY}], isKeyFrame: false}}
not_applicable:
  - "0": {}
```

Example (key frames: at most 2 interpolated frames in a row):

```yaml
rule: {id: keyframes, type: track, job: JOB_0, max_interpolated: 2}
fails:
  - "0": {JOB_0: {annotations: [{mid: a, isKeyFrame: true}]}}
    "1": {JOB_0: {annotations: [{mid: a, isKeyFrame: false}]}}
    "2": {JOB_0: {annotations: [{mid: a, isKeyFrame: false}]}}
    "3": {JOB_0: {annotations: [{mid: a, isKeyFrame: false}]}}
pinned:
  - [a]
passes:
  - "0": {JOB_0: {annotations: [{mid: a, isKeyFrame: true}]}}
    "1": {JOB_0: {annotations: [{mid: a, isKeyFrame: false}]}}
    "2": {JOB_0: {annotations: [{mid: a, isKeyFrame: false}]}}
    "3": {JOB_0: {annotations: [{mid: a, isKeyFrame: true}]}}
```
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kili_rules.rule_types._findings import as_names, frames_text
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.label_view import LabelView, is_frame_key
from kili_rules.runtime.model import NOT_APPLICABLE, Violation

#: The options that follow objects (not a classification's answers).
OBJECT_OPTIONS = ("min_frames", "max_gap", "min_key_frames", "max_interpolated")
TRACK_TASKS = frozenset({"OBJECT_DETECTION", "POSE_ESTIMATION", "CLASSIFICATION"})


@dataclass(frozen=True)
class TrackParams:
    """The options of a ``track`` rule."""

    job: str = option(doc="the video object job (or classification job, for `constant_category`)", job=True)
    category: str | list[str] | None = option(
        None, doc="check only the tracks of this category (or of any of these)", category=True, default_text="all"
    )
    min_frames: int | None = option(None, doc="an object on fewer frames is a finding", ge=1)
    max_gap: int | None = option(None, doc="more frames missing in a row inside a track is a finding", ge=0)
    constant_category: bool = option(
        False, doc="an object's category (or a classification's answer) must not change from frame to frame"
    )
    min_key_frames: int | None = option(None, doc="a track with fewer key frames is a finding", ge=1)
    max_interpolated: int | None = option(
        None, doc="more frames in a row without a key frame (interpolated) is a finding", ge=0
    )


def validate(params: TrackParams) -> list[OptionProblem]:
    """Load-time checks: something to check."""
    if not params.constant_category and all(getattr(params, name) is None for name in OBJECT_OPTIONS):
        names = ", ".join((*OBJECT_OPTIONS, "constant_category"))
        return [OptionProblem("job", f"a track rule needs at least one of {names}")]
    return []


@dataclass
class _Track:
    frames: list[int] = field(default_factory=list)
    categories: list[tuple[str, ...]] = field(default_factory=list)
    key_frames: list[bool] = field(default_factory=list)


def _frame(key: str | None) -> int | None:
    return int(key) if key is not None and is_frame_key(key) else None


def _violation(params: TrackParams, mid: str | None, frame: int, values: dict[str, Any]) -> Violation:
    return Violation(values=values, mid=mid, job=params.job, frame=str(frame))


def _longest_gap(frames: list[int]) -> tuple[int, int]:
    """The longest run of missing frames inside ``frames`` (sorted): ``(length, the frame after it)``."""
    best, after = 0, frames[0]
    for previous, current in itertools.pairwise(frames):
        if current - previous - 1 > best:
            best, after = current - previous - 1, current
    return best, after


def _longest_interpolated(track: _Track) -> tuple[int, int]:
    """The longest run of frames without a key frame: ``(length, its first frame)``."""
    best, start, run, run_start = 0, track.frames[0], 0, track.frames[0]
    for frame, key in zip(track.frames, track.key_frames, strict=True):
        if key:
            run = 0
            continue
        if run == 0:
            run_start = frame
        run += 1
        if run > best:
            best, start = run, run_start
    return best, start


def _object_tracks(params: TrackParams, label: LabelView) -> list[Violation] | object:
    wanted = as_names(params.category)
    tracks: dict[str, _Track] = {}
    for response in label.responses(params.job):
        frame = _frame(response.frame)
        if frame is None:
            continue
        for annotation in response.annotations:
            mid = annotation.mid
            if mid is None:
                continue
            track = tracks.setdefault(mid, _Track())
            track.frames.append(frame)
            track.categories.append(annotation.categories)
            track.key_frames.append(annotation.is_key_frame)
    if wanted:
        tracks = {m: t for m, t in tracks.items() if any(c in wanted for cs in t.categories for c in cs)}
    if not tracks:
        return NOT_APPLICABLE
    found: list[Violation] = []
    for mid, track in tracks.items():
        order = sorted(range(len(track.frames)), key=track.frames.__getitem__)
        track = _Track(
            [track.frames[i] for i in order], [track.categories[i] for i in order], [track.key_frames[i] for i in order]
        )
        frames = sorted(set(track.frames))
        category = next((c for cs in track.categories for c in cs if not wanted or c in wanted), "")
        shown = label.interface.category_shown(category, params.job) if category else ""
        name = f"{shown} track {mid}".strip()
        gap, _ = _longest_gap(frames)
        base = {"category": category, "frames": frames_text(map(str, frames)), "count": len(frames), "gap": gap}
        where = f"on frame {frames[0]} only" if len(frames) == 1 else f"on {len(frames)} frames ({base['frames']})"
        if params.min_frames is not None and len(frames) < params.min_frames:
            reason = f"{name} {where}, min_frames {params.min_frames}"
            found.append(_violation(params, mid, frames[0], {**base, "reason": reason}))
        if params.max_gap is not None and gap > params.max_gap:
            gap, after = _longest_gap(frames)
            reason = f"{name} misses {gap} frames in a row before frame {after}, max_gap {params.max_gap}"
            found.append(_violation(params, mid, after, {**base, "reason": reason}))
        if params.constant_category:
            first = track.categories[0]
            changed = next((i for i, cs in enumerate(track.categories) if set(cs) != set(first)), None)
            if changed is not None:
                before = ", ".join(_shown(label, params.job, first)) or "none"
                now = ", ".join(_shown(label, params.job, track.categories[changed])) or "no category"
                reason = f"{name} changes category from {before} to {now} on frame {track.frames[changed]}"
                found.append(_violation(params, mid, track.frames[changed], {**base, "reason": reason}))
        keys = sum(track.key_frames)
        if params.min_key_frames is not None and keys < params.min_key_frames:
            reason = f"{name} has {keys} key frame{'s' if keys != 1 else ''}, min_key_frames {params.min_key_frames}"
            found.append(_violation(params, mid, frames[0], {**base, "reason": reason}))
        if params.max_interpolated is not None:
            run, start = _longest_interpolated(track)
            if run > params.max_interpolated:
                reason = (
                    f"{name} has {run} interpolated frames in a row from frame {start}, "
                    f"max_interpolated {params.max_interpolated}"
                )
                found.append(_violation(params, mid, start, {**base, "reason": reason}))
    return found


def _classification(params: TrackParams, label: LabelView) -> list[Violation] | object:
    """A classification's answers, per object it hangs from (or for the video), must stay the same."""
    answers: dict[str | None, list[tuple[int, tuple[str, ...]]]] = {}
    for response in label.responses(params.job):
        frame = _frame(response.frame)
        # an empty answer counts on a key frame only: there it is an explicit uncheck (a change, once set)
        if frame is not None and (response.categories or response.is_key_frame):
            answers.setdefault(response.parent_mid, []).append((frame, tuple(sorted(response.categories))))
    found: list[Violation] = []
    applicable = False
    for mid, given in answers.items():
        given.sort()
        given = list(itertools.dropwhile(lambda answer: not answer[1], given))  # not yet set: no answer yet
        if not given:
            continue
        applicable = True
        first = given[0][1]
        changed = next(((frame, chosen) for frame, chosen in given if chosen != first), None)
        if changed is None:
            continue
        frames = frames_text(str(frame) for frame, _ in given)
        owner = f" of {mid}" if mid is not None else ""
        job = label.interface.job_shown(params.job)
        before = ", ".join(_shown(label, params.job, first))
        now = ", ".join(_shown(label, params.job, changed[1])) or "none (unchecked on a key frame)"
        reason = f"{job}{owner} changes from {before} to {now} on frame {changed[0]}"
        values = {"category": ", ".join(changed[1]), "frames": frames, "count": len(given), "gap": 0, "reason": reason}
        found.append(_violation(params, mid, changed[0], values))
    return found if applicable else NOT_APPLICABLE


def _shown(label: LabelView, job: str, categories: Iterable[str]) -> list[str]:
    """The categories as the interface shows them."""
    return [label.interface.category_shown(c, job) for c in categories]


def check(params: TrackParams, label: LabelView) -> list[Violation] | object:
    """Follow each object (by ``mid``) across the frames, or each classification's answer, and check the bounds."""
    if not label.is_video:
        return NOT_APPLICABLE
    responses = label.responses(params.job)
    if any(r.annotations for r in responses):
        return _object_tracks(params, label)
    if params.constant_category and any(r.categories for r in responses):
        return _classification(params, label)
    return NOT_APPLICABLE


def lint(params: TrackParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: an object job (or a classification job for `constant_category` alone), and known
    categories."""
    job, problems = interface.check_job(
        "job",
        params.job,
        TRACK_TASKS,
        "a video object job (or a classification job, with `constant_category` alone)",
        {"TRANSCRIPTION": "a transcription has no track; use a `text` rule"},
    )
    if job is None:
        return problems
    if job.ml_task == "CLASSIFICATION":
        used = [name for name in OBJECT_OPTIONS if getattr(params, name) is not None]
        for name in used:
            problems.append(
                OptionProblem(
                    name,
                    f"{job.describe}: a classification has no tracks, so `{name}` never applies; on a "
                    "classification job a track rule checks `constant_category` (the answer must not change across "
                    "the video's frames)",
                )
            )
        if params.category is not None:
            problems.append(OptionProblem("category", f"{job.describe}: `category` selects tracks of an object job"))
        return problems
    for index, category in enumerate(as_names(params.category)):
        path = "category" if isinstance(params.category, str) else f"category.{index}"
        problems += interface.check_category(job, path, category)
    return problems


RULE_TYPE = RuleType(
    name="track",
    params=TrackParams,
    check=check,
    placeholders=("reason", "category", "frames", "count", "gap"),
    default_message="{reason}",
    validate=validate,
    lint=lint,
)
