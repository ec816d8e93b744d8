"""A spatial index of boxes whose work is bounded whatever their sizes: a hierarchy of uniform grids.

Level 0 has one cell the size of the boxes' extent (its larger side); each level halves the cell, down to
:data:`LEVELS` levels. A box is listed at the finest level whose cell is at least its size, so it lies in at most
2 × 2 cells (3 × 3 with rounding); a box of zero size (a click without a drag) lies in one cell of the finest level.
The cells come from the data's extent and the boxes' sizes, never from a floor: however small, degenerate or
far apart the boxes, building the index costs O(boxes), and each box looks at no more than 9 cells per level used.

Two boxes that touch share a cell at the level of the larger one: :meth:`BoxIndex.pairs` looks, for each box, at
the cells it covers at its own level and at the coarser ones, and reports each pair once (in the cell that holds the
corner where the two start to overlap). Candidates examined are counted: past ``max_candidates`` the index raises
:class:`TooManyPairs` (a label of thousands of annotations all on top of one another, each different; the rule
ends in error and fails closed), and every few thousand it calls
:func:`~kili_rules.runtime.rule_time.check_time`, so a rule past its deadline stops.

Stdlib-only: embedded with the rule types that import it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from kili_rules.runtime.rule_time import check_time

Box = tuple[float, float, float, float]
#: Levels of the hierarchy: the finest cell is the extent / 2**23 (a tenth of a pixel of a 40,000 px image).
LEVELS = 24
#: How many candidate pairs one index examines before giving up (about a second of work).
MAX_CANDIDATES = 2_000_000
#: Candidates examined between two checks of the rule's deadline.
CHECK_EVERY = 4096


class TooManyPairs(Exception):
    """More candidate pairs than an index examines: the rule cannot give a verdict in bounded time."""


def _index(value: float, origin: float, scale: float, top: int) -> int:
    """The cell index of ``value`` on one axis, clamped to ``0..top`` (a non-finite value included)."""
    position = (value - origin) * scale
    if not position > 0:  # negative, zero or NaN
        return 0
    return top if position >= top else int(position)


class BoxIndex:
    """Boxes ``(x0, y0, x1, y1)`` in a hierarchy of grids (see the module docstring)."""

    def __init__(self, boxes: Sequence[Box], max_candidates: int = MAX_CANDIDATES) -> None:
        self.boxes = boxes
        self.max_candidates = max_candidates
        self.examined = 0
        xs = [box[i] for box in boxes for i in (0, 2) if math.isfinite(box[i])]
        ys = [box[i] for box in boxes for i in (1, 3) if math.isfinite(box[i])]
        self.x0 = min(xs) if xs else 0.0
        self.y0 = min(ys) if ys else 0.0
        side = max((max(xs) - self.x0) if xs else 0.0, (max(ys) - self.y0) if ys else 0.0)
        self.side = side if 0 < side < math.inf else 1.0
        #: each box's level; the cells ``(level, cx, cy)`` and the boxes listed in them, in order
        self.level = [self._level_of(box) for box in boxes]
        self.cells: dict[tuple[int, int, int], list[int]] = {}
        #: the occupied cells of each level
        self.occupied: dict[int, list[tuple[int, int, int]]] = {}
        for number, (box, level) in enumerate(zip(boxes, self.level, strict=True)):
            for cell in self._cells(level, box):
                members = self.cells.get(cell)
                if members is None:
                    self.cells[cell] = [number]
                    self.occupied.setdefault(level, []).append(cell)
                else:
                    members.append(number)
        self.used = sorted(self.occupied)

    def _level_of(self, box: Box) -> int:
        size = max(box[2] - box[0], box[3] - box[1])
        if not size > 0:
            return LEVELS - 1
        if size >= self.side:
            return 0
        return min(LEVELS - 1, int(math.log2(self.side / size)))

    def _range(self, level: int, box: Box) -> tuple[int, int, int, int]:
        """The cells ``box`` covers at ``level``: ``cx0, cy0, cx1, cy1``, clamped to the grid."""
        top = 1 << level
        scale = top / self.side
        x0, y0 = self.x0, self.y0
        return (
            _index(box[0], x0, scale, top),
            _index(box[1], y0, scale, top),
            _index(box[2], x0, scale, top),
            _index(box[3], y0, scale, top),
        )

    def _cell(self, level: int, x: float, y: float) -> tuple[int, int, int]:
        top = 1 << level
        scale = top / self.side
        return level, _index(x, self.x0, scale, top), _index(y, self.y0, scale, top)

    def _cells(self, level: int, box: Box) -> Iterator[tuple[int, int, int]]:
        cx0, cy0, cx1, cy1 = self._range(level, box)
        for cx in range(cx0, cx1 + 1):
            for cy in range(cy0, cy1 + 1):
                yield level, cx, cy

    def _count(self, examined: int) -> None:
        before = self.examined
        self.examined = before + examined
        if self.examined > self.max_candidates:
            raise TooManyPairs(
                f"more than {self.max_candidates:,} pairs of annotations lie on top of one another: too many to compare"
            )
        if before // CHECK_EVERY != self.examined // CHECK_EVERY:
            check_time()

    def pairs(self) -> Iterator[tuple[int, int]]:
        """Every pair ``(i, j)``, ``i < j``, of boxes that touch (edges included), once each."""
        boxes, level_of, cells = self.boxes, self.level, self.cells
        for i, box in enumerate(boxes):
            own = level_of[i]
            ax0, ay0, ax1, ay1 = box
            for level in self.used:
                if level > own:
                    break
                for cell in self._cells(level, box):
                    members = cells.get(cell)
                    if members is None:
                        continue
                    self._count(len(members))
                    for j in members:
                        if j == i or (level == own and j < i):
                            continue
                        bx0, by0, bx1, by1 = boxes[j]
                        if ax0 > bx1 or bx0 > ax1 or ay0 > by1 or by0 > ay1:
                            continue
                        if self._cell(level, ax0 if ax0 > bx0 else bx0, ay0 if ay0 > by0 else by0) != cell:
                            continue
                        yield (i, j) if i < j else (j, i)

    def near(self, box: Box) -> list[int]:
        """The boxes listed in the cells ``box`` covers at each level (a superset of those that touch it), in
        order. A box far larger than the cells of a level reads that level's occupied cells instead of its own."""
        found: set[int] = set()
        for level in self.used:
            cx0, cy0, cx1, cy1 = self._range(level, box)
            occupied = self.occupied[level]
            if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) <= len(occupied):
                cells: Iterator[tuple[int, int, int]] | list[tuple[int, int, int]] = self._cells(level, box)
            else:
                cells = [c for c in occupied if cx0 <= c[1] <= cx1 and cy0 <= c[2] <= cy1]
            for cell in cells:
                members = self.cells.get(cell)
                if members:
                    self._count(len(members))
                    found.update(members)
        return sorted(found)
