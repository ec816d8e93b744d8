"""The `inside` and `covered_by` checks of the `overlap` rule type: each annotation of one side (a job, some of its
categories) needs a partner on another side (the same job or another one) in the same video frame: a container
holding enough of it (`inside`), or an annotation whose IoU with it is high enough (`covered_by`).

The partners of a frame go into a grid (:class:`~kili_rules.rule_types._grid.BoxIndex`), identical ones once, so
each annotation looks only at the partners near it and stops at the first that satisfies it: 10,000 annotations
against 10,000 partners cost about 10,000 look-ups of neighbours, not 100,000,000 comparisons.

Stdlib-only: embedded with the rule types that import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kili_rules.rule_types._findings import SHAPE_JOB, SHAPE_TASKS, Grouped, as_names, path
from kili_rules.rule_types._grid import BoxIndex
from kili_rules.rule_types._overlap_shapes import Shape, identical, shown
from kili_rules.runtime import geometry as geo
from kili_rules.runtime import polygons
from kili_rules.runtime.contract import InterfaceView, OptionProblem, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.message import Measure
from kili_rules.runtime.rule_time import check_time

#: How much a containment or an IoU may miss and still count (rounding of normalized coordinates).
TOLERANCE = 1e-9
#: Tools whose annotations have an area: what `covered_by` compares and what `within` names.
AREA_TOOLS = frozenset({"rectangle", "polygon", "semantic"})


@dataclass(frozen=True)
class Partners:
    """The annotations an annotation is checked against, in another job or the same one: `within` of `inside`,
    `by` of `covered_by`."""

    job: str | None = option(None, doc="their job", job=True, default_text="the same job")
    category: str | list[str] | None = option(
        None, doc="their categories (one or a list)", category=True, default_text="any"
    )


@dataclass(frozen=True, kw_only=True)
class Containment:
    """One containment: each annotation of ``category`` lies within one of ``within``."""

    category: str | list[str] | None = option(
        None, doc="the annotations that must lie inside (one category or a list)", category=True, default_text="any"
    )
    within: str | list[str] | Partners = option(
        doc="the annotations they must lie inside: categories of the same job, or `{job: ..., category: ...}`",
        category=True,
    )
    min_fraction: float = option(1.0, doc="the share of its area that must lie inside (1: all of it)", ge=0, le=1)
    job: str | None = option(
        None, doc="the job of the annotations that must lie inside", job=True, default_text="the rule's `job`"
    )


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """One coverage: each annotation of ``category`` has a partner among ``by`` with an IoU of ``min_iou`` or more."""

    category: str | list[str] | None = option(
        None, doc="the annotations that need a partner (one category or a list)", category=True, default_text="any"
    )
    by: str | list[str] | Partners = option(
        doc="the partners: categories of the same job, or `{job: ..., category: ...}`", category=True
    )
    min_iou: float = option(0.5, doc="the IoU a partner must reach (0: any overlap)", ge=0, le=1)
    job: str | None = option(
        None, doc="the job of the annotations that need a partner", job=True, default_text="the rule's `job`"
    )


@dataclass(frozen=True)
class Side:
    """Annotations named by their job and categories (none: every annotation of the job)."""

    job: str
    names: tuple[str, ...]

    def holds(self, shape: Shape) -> bool:
        """Whether ``shape`` is one of these annotations."""
        return not self.names or any(c in self.names for c in shape.categories)

    def first_category(self, shape: Shape) -> str:
        """The first of ``shape``'s categories that this side names (its first category when it names none)."""
        return next((c for c in shape.categories if not self.names or c in self.names), "")

    def shown(self, interface: ProjectInterface, seen_from: str) -> str:
        """``Person or Rider``, with ``of Body boxes`` when the job is not ``seen_from``'s (``annotation of JOB``
        when it names no category)."""
        names = " or ".join(interface.category_shown(c, self.job) for c in self.names) or "annotation"
        return names if self.job == seen_from else f"{names} of {interface.job_shown(self.job)}"


def _partners(shapes: Iterable[Shape], side: Side, with_area: bool) -> tuple[list[list[Shape]], BoxIndex]:
    """The shapes of ``side`` in groups of identical geometry, and the grid of the groups' boxes."""
    chosen = [s for s in shapes if side.holds(s) and s.box is not None and (s.rings or not with_area)]
    groups = identical(chosen, by_categories=False)
    return groups, BoxIndex([group[0].box for group in groups if group[0].box is not None])


def _candidates(shape: Shape, groups: list[list[Shape]], index: BoxIndex) -> Iterable[Shape]:
    """The partners whose box touches ``shape``'s (one of each identical group, never ``shape`` itself)."""
    assert shape.box is not None
    for number in index.near(shape.box):
        group = groups[number]
        other = group[0] if group[0] is not shape else (group[1] if len(group) > 1 else None)
        if other is not None and other.box is not None and geo.boxes_touch(other.box, shape.box):
            yield other


def frame_inside(
    inner: Side, outer: Side, min_fraction: float, shapes: Mapping[str, list[Shape]], found: Grouped,
    interface: ProjectInterface,
) -> None:  # fmt: skip
    """The ``inside`` findings of one frame (``shapes`` by job): each annotation of ``inner`` outside every
    annotation of ``outer`` (or with less than ``min_fraction`` of its area inside the best of them)."""
    groups, index = _partners(shapes.get(outer.job, ()), outer, with_area=True)
    enough = min_fraction - TOLERANCE
    for count, shape in enumerate(s for s in shapes.get(inner.job, ()) if inner.holds(s) and s.box is not None):
        if not count & 255:
            check_time()
        best, best_share = None, 0.0
        points: list[geo.Coord] | None = None  # of a shape without an area, read at its first container
        for container in _candidates(shape, groups, index):
            if shape.rings and shape.area > 0:
                share = container.intersection(shape) / shape.area
            else:
                points = points or geo.cleaned(path(shape.annotation)) or [p for ring in shape.rings for p in ring]
                share = 1.0 if _points_inside(points, container) else 0.0
            if best is None or share > best_share:
                best, best_share = container, share
                if share >= enough:
                    break
        if best is not None and best_share >= enough:
            continue
        where = f" ({best_share:.0%} inside {shown(best, interface)})" if best is not None else ""
        reason = f"{shown(shape, interface)} is not inside any {outer.shown(interface, inner.job)}{where}"
        values = {
            "reason": reason,
            "category": inner.first_category(shape),
            "other": best.annotation.mid if best else "",
        }
        kind = ("inside", outer.job, outer.names)
        found.add(shape.annotation.mid, shape.annotation.frame, kind, {**values, "iou": "", "count": 0, "others": ""},
                  unique=shape.index)  # fmt: skip


def _points_inside(points: list[geo.Coord], container: Shape) -> bool:
    """Whether a line through ``points`` (a marker, a pose, a polyline) lies in ``container``, edges included; in an
    axis-aligned box it does when its points do."""
    if container.aligned is not None:
        x0, y0, x1, y1 = container.aligned
        return all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)
    return polygons.path_inside(points, False, container.rings)


def frame_covered(
    mine: Side, theirs: Side, min_iou: float, shapes: Mapping[str, list[Shape]], found: Grouped,
    interface: ProjectInterface,
) -> None:  # fmt: skip
    """The ``covered_by`` findings of one frame (``shapes`` by job): each annotation of ``mine`` without an
    annotation of ``theirs`` that overlaps it with an IoU of ``min_iou`` or more; the finding names the best one."""
    groups, index = _partners(shapes.get(theirs.job, ()), theirs, with_area=False)
    enough = min_iou - TOLERANCE
    for count, shape in enumerate(s for s in shapes.get(mine.job, ()) if mine.holds(s) and s.box is not None):
        if not count & 255:
            check_time()
        best, best_iou = None, 0.0
        for partner in _candidates(shape, groups, index):
            iou = shape.iou(partner)
            if iou > 0 and (best is None or iou > best_iou):
                best, best_iou = partner, iou
                if iou >= enough:
                    break
        if best is not None and best_iou >= enough:
            continue
        where = f"best: {shown(best, interface)}, IoU {best_iou:.3g}" if best is not None else "none overlaps it"
        partners = theirs.shown(interface, mine.job)
        reason = f"{shown(shape, interface)} has no {partners} with an IoU of {min_iou:g} or more ({where})"
        other = best.annotation.mid if best else ""
        iou = Measure(best_iou, f"{best_iou:.3g}")
        values: dict[str, Any] = {"reason": reason, "category": mine.first_category(shape), "other": other, "iou": iou}
        found.add(shape.annotation.mid, shape.annotation.frame, ("covered_by", theirs.job, theirs.names, min_iou),
                  {**values, "count": 0, "others": ""}, unique=shape.index)  # fmt: skip


def lint_side(
    interface: InterfaceView, side: Side, job_option: str | None, categories: tuple[str, bool], area: tuple[str, str]
) -> list[OptionProblem]:
    """The problems of one side against the interface: its job (when ``job_option`` names the option that gave it;
    the rule's `job` is linted on its own) is an object job; its categories (``categories``: the option, and whether
    it holds one name rather than a list) are its; its tools draw areas when the side needs them (``area``: what
    for, when it does, and the option the problem is about)."""
    problems: list[OptionProblem] = []
    advice = {"CLASSIFICATION": "a classification has no shapes; use a `categories` rule"}
    job, found = interface.check_job(job_option or "job", side.job, SHAPE_TASKS, SHAPE_JOB, advice)
    if job_option is not None:
        problems += found
    if job is None:
        return problems
    needs_area, at = area
    if needs_area and job.tools and not set(job.tools) & AREA_TOOLS:
        problems.append(OptionProblem(at, f"{job.describe}: its shapes have no area, and {needs_area}"))
    category_option, single = categories
    for number, name in enumerate(side.names):
        problems += interface.check_category(job, category_option if single else f"{category_option}.{number}", name)
    return problems


@dataclass(frozen=True)
class PartnerCheck:
    """One containment or coverage of a rule, with the option that holds it (``inside``, ``covered_by.1``) and its
    two sides: the annotations it checks, and those they must lie in (or overlap)."""

    key: str
    item: Containment | Coverage
    mine: Side
    theirs: Side

    @property
    def partners_key(self) -> str:
        """The option that names the partners: ``inside.within``, ``covered_by.1.by``."""
        return f"{self.key}.{'within' if isinstance(self.item, Containment) else 'by'}"

    def run(self, by_job: Mapping[str, list[Shape]], found: Grouped, interface: ProjectInterface) -> None:
        """Its findings in one frame (``by_job``: the shapes of the frame by job)."""
        if isinstance(self.item, Containment):
            frame_inside(self.mine, self.theirs, self.item.min_fraction, by_job, found, interface)
        else:
            frame_covered(self.mine, self.theirs, self.item.min_iou, by_job, found, interface)


def _one_or_many(value: Any, kind: type) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, kind) else list(value)


def partner_checks(job: str, inside: Any, covered_by: Any) -> list[PartnerCheck]:
    """The containments and coverages of a rule on ``job`` (its `inside` and `covered_by` options)."""
    found = []
    for key, value, kind in (("inside", inside, Containment), ("covered_by", covered_by, Coverage)):
        for number, item in enumerate(_one_or_many(value, kind)):
            mine_job = item.job or job
            partners = item.within if isinstance(item, Containment) else item.by
            if isinstance(partners, Partners):
                theirs = Side(partners.job or mine_job, tuple(as_names(partners.category)))
            else:
                theirs = Side(mine_job, tuple(as_names(partners)))
            option_key = key if isinstance(value, kind) else f"{key}.{number}"
            found.append(PartnerCheck(option_key, item, Side(mine_job, tuple(as_names(item.category))), theirs))
    return found


def validate_checks(checks: list[PartnerCheck]) -> list[OptionProblem]:
    """Within one job, both sides name their categories: else the annotations checked are among their partners."""
    problems = []
    for check in checks:
        if check.mine.job == check.theirs.job and (not check.mine.names or not check.theirs.names):
            message = (
                f"within one job, `{check.key.split('.')[0]}` names the categories of both sides (`category` and"
                " those of the others): otherwise the annotations it checks are also those they are checked against"
            )
            problems.append(OptionProblem(check.key, message))
    return problems


def lint_checks(checks: list[PartnerCheck], interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface, each containment and coverage: its jobs are object jobs (drawing areas where it needs
    them), its categories are theirs. A job the rule's `job` gives is linted with the rule's `job`, once."""
    problems: list[OptionProblem] = []
    for check in checks:
        item, key, partners_key = check.item, check.key, check.partners_key
        inside = isinstance(item, Containment)
        compares = "" if inside else "`covered_by` compares areas"
        job_key = f"{key}.job" if item.job else None
        at = job_key or (f"{key}.category" if item.category is not None else key)
        categories = (f"{key}.category", isinstance(item.category, str))
        problems += lint_side(interface, check.mine, job_key, categories, (compares, at))
        need = "nothing lies inside them" if inside else ("" if check.theirs.job == check.mine.job else compares)
        partners = item.within if isinstance(item, Containment) else item.by
        if isinstance(partners, Partners):
            job_key = f"{partners_key}.job" if partners.job else None
            categories = (f"{partners_key}.category", isinstance(partners.category, str))
            problems += lint_side(interface, check.theirs, job_key, categories, (need, job_key or partners_key))
        else:
            categories = (partners_key, isinstance(partners, str))
            problems += lint_side(interface, check.theirs, None, categories, (need, partners_key))
    return problems
