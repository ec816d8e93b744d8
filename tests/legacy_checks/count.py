"""FROZEN COPY, do not edit: the check of the `count` rule type as it was before issue 13, on the frozen
label view (``legacy_checks.label``), for ``tests/test_label_view_differential.py``."""

from __future__ import annotations

from typing import Any

from kili_rules.runtime.model import NOT_APPLICABLE, Violation
from legacy_checks.label import ASSET_LEVEL, Annotation, LabelView, is_frame_key

#: the checks read the current params objects, field by name
CountParams = Any


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


def _violation(
    params: CountParams,
    count: int,
    *,
    mid: str | None = None,
    frames: list[str] | None = None,
    where: bool = False,
) -> Violation:
    """One finding's violation: ``frames`` are the ones it is about, named in ``{reason}`` when ``where``."""
    what = f"{params.category} annotations" if params.category else "annotations"
    bounds = []
    if params.min is not None:
        bounds.append(f"at least {params.min}")
    if params.max is not None:
        bounds.append(f"at most {params.max}")
    frames = frames or []
    frames_text = _frames_text(frames)
    place = f" (frames {frames_text})" if where and frames_text else ""
    values = {
        "count": count,
        "min": params.min,
        "max": params.max,
        "category": params.category,
        "frames": frames_text,
        "reason": f"{count} {what} in {params.job}{place}, expected {' and '.join(bounds)}",
    }
    return Violation(values=values, mid=mid, job=params.job, frame=frames[0] if frames else None)


def _too_few(params: CountParams, count: int) -> bool:
    return params.min is not None and count < params.min


def _excess(params: CountParams, items: list) -> list:
    """The items beyond the first ``max`` (none when there is no ``max``)."""
    return [] if params.max is None else items[params.max :]


def _whole_label(params: CountParams, annotations: list[Annotation]) -> list[Violation]:
    count = len(annotations)
    found = [_violation(params, count, mid=a.mid) for a in _excess(params, annotations)]
    if _too_few(params, count):
        found.append(_violation(params, count))
    return found


def _per_frame(params: CountParams, label: LabelView, annotations: list[Annotation]) -> list[Violation]:
    by_frame: dict[str, list[Annotation]] = {f: [] for f in label.frames if f is not None and f != ASSET_LEVEL}
    for annotation in annotations:
        by_frame.setdefault(annotation.frame or ASSET_LEVEL, []).append(annotation)
    # the excess annotations of each frame, grouped by track (mid): the frames where it is in excess, in order,
    # and the worst count among them
    frames_of: dict[str | None, dict[str, None]] = {}
    worst: dict[str | None, int] = {}
    for frame, found in by_frame.items():
        for annotation in _excess(params, found):
            frames_of.setdefault(annotation.mid, {})[frame] = None
            worst[annotation.mid] = max(worst.get(annotation.mid, 0), len(found))
    violations = [
        _violation(params, worst[mid], mid=mid, frames=list(frames), where=True) for mid, frames in frames_of.items()
    ]
    too_few = [frame for frame, found in by_frame.items() if _too_few(params, len(found))]
    if too_few:
        count = min(len(by_frame[frame]) for frame in too_few)
        violations.append(_violation(params, count, frames=too_few, where=True))
    return violations


def _per_track(params: CountParams, annotations: list[Annotation]) -> list[Violation]:
    # each track's frames (an ordered set), in order of first appearance; an annotation without a mid is a track
    tracks: dict[object, dict[str, None]] = {}
    for annotation in annotations:
        key = annotation.mid if annotation.mid is not None else id(annotation)
        tracks.setdefault(key, {})[annotation.frame or ASSET_LEVEL] = None
    count = len(tracks)
    # the tracks beyond max, by mid; the excess annotations without a mid are one unpinned finding (mid None)
    excess: dict[str | None, dict[str, None]] = {}
    for key in _excess(params, list(tracks)):
        excess.setdefault(key if isinstance(key, str) else None, {}).update(tracks[key])
    violations = [_violation(params, count, mid=mid, frames=list(frames)) for mid, frames in excess.items()]
    if _too_few(params, count):
        violations.append(_violation(params, count))
    return violations


def check(params: CountParams, label: LabelView) -> list[Violation] | object:
    """Count the annotations (per frame, or per track, in video) and compare with the bounds; each annotation
    (or track) beyond ``max`` is a finding pinned on it, too few is one finding pinned on nothing."""
    responses = label.responses(params.job)
    if not responses and not params.min:
        return NOT_APPLICABLE
    annotations = [a for r in responses for a in r.annotations]
    if params.category is not None:
        annotations = [a for a in annotations if params.category in a.categories]
    if not label.is_video:
        return _whole_label(params, annotations)
    if params.per == "track":
        return _per_track(params, annotations)
    return _per_frame(params, label, annotations)
