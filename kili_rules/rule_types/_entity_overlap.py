"""Overlapping named entities, for the ``text`` rule type's ``overlap`` option: all of them, or by pair of categories.

An entity overlaps another when it starts inside it: sorted by ``(frame, beginOffset, endOffset, label order)``, an
entity overlaps an earlier one whose ``endOffset`` lies beyond its own ``beginOffset``. One sweep in that order
keeps, for each category, the earlier entity of that category that reaches furthest, so an entity's forbidden
partner, when it has one, is found among those few: ``n log n`` (the sort) plus ``n`` times the categories present
in the label, whatever the number of pairs that overlap.

Stdlib-only: embedded in the plugin with the ``text`` rule type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from kili_rules.runtime.contract import InterfaceView, JobView, OptionProblem, option
from kili_rules.runtime.interface import ProjectInterface
from kili_rules.runtime.label_model import Annotation
from kili_rules.runtime.model import Violation

#: The category of an entity that has none: it pairs with nothing in ``forbid`` or ``allow``.
NO_CATEGORY = ""


@dataclass(frozen=True)
class OverlapPairs:
    """``overlap`` by pair of categories: ``forbid`` lists the pairs that must not overlap (the others may);
    ``allow`` lists the pairs that may (every other pair is then forbidden)."""

    forbid: list[list[str]] | None = option(
        None, doc="pairs of categories whose entities must not overlap, e.g. `[[VERB, VERB]]`", category=True
    )
    allow: list[list[str]] | None = option(
        None,
        doc="pairs of categories whose entities may overlap, e.g. `[[SUBJECT, COMPLEMENT]]`: any other overlap is "
        "forbidden",
        category=True,
    )


class Overlap(NamedTuple):
    """An entity that starts inside an earlier one, the pair of categories that forbids it."""

    entity: Annotation
    other: Annotation
    #: the entity's category and the other's that make the pair (``NO_CATEGORY`` under ``overlap: forbid``)
    category: str
    other_category: str


class PairRule:
    """Which pairs of categories may not overlap: every pair (``overlap: forbid``: categories are not looked at),
    or those ``forbid`` lists and, when ``allow`` is given, every pair it does not list."""

    def __init__(self, pairs: OverlapPairs | None) -> None:
        #: categories are not looked at: every overlap is forbidden
        self.every = pairs is None
        self.allow_given = pairs is not None and pairs.allow is not None
        self.forbidden = _symmetric(pairs.forbid if pairs is not None else None)
        self.allowed = _symmetric(pairs.allow if pairs is not None else None)
        #: category -> the categories it may not overlap, when only ``forbid`` decides
        self.partners: dict[str, list[str]] = {}
        for a, b in self.forbidden:
            self.partners.setdefault(a, []).append(b)

    def forbids(self, mine: str, theirs: str) -> bool:
        """An entity of ``mine`` may not start inside one of ``theirs`` (nor the reverse)."""
        if (mine, theirs) in self.forbidden:
            return True
        return self.allow_given and (mine, theirs) not in self.allowed


def _symmetric(pairs: list[list[str]] | None) -> set[tuple[str, str]]:
    found = {(pair[0], pair[1]) for pair in pairs or () if len(pair) == 2}
    return found | {(b, a) for a, b in found}


def overlaps(entities: list[Annotation], rule: PairRule) -> list[Overlap]:
    """Each entity that starts inside an earlier one (same frame) with which ``rule`` forbids it to overlap, in
    the sweep's order: one per entity, naming among its forbidden partners the one that reaches furthest (the
    first of them in the sweep's order, on a tie). Entities without both offsets are left out."""
    spans = sorted(
        ((e.frame or "", e.offsets, index, e) for index, e in enumerate(entities) if e.offsets is not None),
        key=lambda item: (item[0], item[1], item[2]),
    )
    found = []
    frame_now: str | None = None
    every, looks_at_all = rule.every, rule.every or rule.allow_given
    #: category -> (end, entity) of the entity of that category reaching furthest so far, in this frame
    reach: dict[str, tuple[int, Annotation]] = {}
    for frame, (begin, end), _, entity in spans:
        if frame != frame_now:
            frame_now, reach = frame, {}
        mine = _EVERY if every else (entity.categories or _EVERY)
        best: tuple[Annotation, str, str] | None = None
        best_end = begin  # a partner must end beyond this entity's start, and beyond the best one found so far
        for category in mine:
            for theirs in reach if looks_at_all else rule.partners.get(category, ()):
                known = reach.get(theirs)
                if known is not None and known[0] > best_end and (every or rule.forbids(category, theirs)):
                    best_end, best = known[0], (known[1], category, theirs)
        if best is not None:
            found.append(Overlap(entity, *best))
        for category in mine:
            known = reach.get(category)
            if known is None or end > known[0]:
                reach[category] = (end, entity)
    return found


#: The one category of every entity when categories are not looked at, and of an entity without one.
_EVERY = (NO_CATEGORY,)


def overlap_findings(
    job: str,
    category: str | None,
    overlap: str | OverlapPairs,
    entities: list[Annotation],
    interface: ProjectInterface,
) -> list[Violation]:
    """The findings of ``overlap`` (``forbid`` or pairs) on the entities of ``job`` the rule reads: one per entity
    that starts inside an earlier one (same frame) it may not overlap, pinned on it (the later one); by pairs, the
    reason names both categories and the other entity."""
    pairs = overlap if isinstance(overlap, OverlapPairs) else None
    found = []
    for found_overlap in overlaps(entities, PairRule(pairs)):
        entity, value = found_overlap.entity, found_overlap.entity.content or ""
        if pairs is None:
            other = found_overlap.other.content or ""
            reason = f"{entity_name(job, category, entity, interface)} entity '{value}' overlaps '{other}'"
        else:
            reason = _pair_reason(job, found_overlap, interface)
        found.append(Violation({"value": value, "reason": reason}, mid=entity.mid, job=job))
    return found


def entity_name(job: str, category: str | None, entity: Annotation, interface: ProjectInterface) -> str:
    """How a message names an entity: by its category (the rule's, else its own first), else by its job, as the
    interface shows them."""
    category = category or (entity.categories[0] if entity.categories else None)
    if category is not None:
        return interface.category_shown(category, job)
    return interface.job_shown(job)


def _pair_reason(job: str, overlap: Overlap, interface: ProjectInterface) -> str:
    """``Verb entity 'tucked' overlaps Complement entity 'a blue sweater' (mid c1): Verb and Complement may not
    overlap``."""
    mine, theirs = (
        interface.category_shown(name, job) if name else "uncategorised"
        for name in (overlap.category, overlap.other_category)
    )
    other_mid = overlap.other.mid
    where = f" (mid {other_mid})" if other_mid is not None else ""
    rule = f"two {mine} entities may not overlap" if mine == theirs else f"{mine} and {theirs} may not overlap"
    return (
        f"{mine} entity '{overlap.entity.content or ''}' overlaps {theirs} entity '{overlap.other.content or ''}'"
        f"{where}: {rule}"
    )


def validate_pairs(pairs: OverlapPairs, category: str | None) -> list[OptionProblem]:
    """Load-time checks of ``overlap`` as pairs: something listed, pairs of two, no pair both allowed and forbidden,
    and (with the rule's ``category``) only pairs of that category, the only entities the rule reads."""
    problems = []
    if pairs.forbid is None and pairs.allow is None:
        message = "`overlap` by pair of categories lists `forbid` pairs, `allow` pairs or both (or write `forbid`)"
        return [OptionProblem("overlap", message)]
    if pairs.allow is None and not pairs.forbid:
        message = "`forbid` lists no pair (and there is no `allow`): overlaps would never fail; list the pairs"
        problems.append(OptionProblem("overlap.forbid", message))
    allowed = _symmetric(pairs.allow)
    for key in ("forbid", "allow"):
        for index, pair in enumerate(getattr(pairs, key) or ()):
            path = f"overlap.{key}.{index}"
            if len(pair) != 2:
                shown = f"[{', '.join(pair)}]"
                problems.append(OptionProblem(path, f"a pair of categories has two names, not {len(pair)}: {shown}"))
                continue
            if key == "forbid" and (pair[0], pair[1]) in allowed:
                both = f"[{pair[0]}, {pair[1]}]"
                problems.append(OptionProblem(path, f"{both} is listed in both `allow` and `forbid`: keep one"))
            for place, name in enumerate(pair):
                if category is not None and name != category:
                    message = (
                        f"the rule reads only the {category} entities (`category`), so a pair naming {name} never "
                        "applies: remove `category` to compare entities of every category"
                    )
                    problems.append(OptionProblem(f"{path}.{place}", message))
    return problems


def lint_pairs(pairs: OverlapPairs, interface: InterfaceView, job: JobView) -> list[OptionProblem]:
    """Against the interface: every category a pair names is one of the job's."""
    problems: list[OptionProblem] = []
    for key in ("forbid", "allow"):
        for index, pair in enumerate(getattr(pairs, key) or ()):
            for place, name in enumerate(pair):
                problems += interface.check_category(job, f"overlap.{key}.{index}.{place}", name)
    return problems
