"""Which label of each asset ``kili-rules check`` audits by default: the latest that is not an AUTOSAVE (by
``createdAt``; among equal or missing dates, the last one read; a label with a date beats one without).

An export of assets (``kili.assets()`` dumps, the files and the zip that ``kili.export_labels`` writes) gives each
asset once, with its ``latestLabel`` or its whole ``labels`` list: an asset's labels come together. There the pick
is made as the asset is read and the label goes on to the audit at once, so memory stays flat whatever the number of
assets: what is held is the best label of the asset being read, and 8 bytes per asset read (a digest of its id, to
notice an asset that comes again: :class:`AssetIds`). An asset that does come again after other assets (two dumps in
one file, pages read twice) cannot be picked this way: it is an error naming the asset and where, never a silently
wrong pick (``--all-labels`` checks every label as it is).

A flat list of labels that name their asset (``kili.labels()`` dumps, ``check --project --review``) may list an
asset's labels anywhere, so those are picked as before: the best label of each asset is held until the end of the
file (memory grows with the number of assets). Labels that name no asset pass as they come.

The order is the order the files give: a picked label goes on when its asset ends, labels of a flat list at the end
of the file in the order their assets first came, and assets whose labels are all autosaves are reported last, in
the order they came (:func:`buffered_latest_labels` is the pick that holds every asset until the end: the reference
the streamed pick is tested against, and the path of flat lists).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator

from kili_rules.authoring.label_files import LabelRecord
from kili_rules.errors import LabelFileError

_MASK = (1 << 64) - 1


class AssetIds:
    """A set of asset ids held as 64-bit digests in one open-addressing table (8 to 16 bytes per id, not the ~100 a
    set of strings takes). Two ids share a digest with a chance of about n² / 2⁶⁵ (1 in 30 million for a million
    assets): the only cost would be an asset taken for one seen before, an error, never a wrong pick."""

    def __init__(self) -> None:
        self._slots = array("Q", [0]) * 1024
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, asset_id: str) -> bool:
        """Add ``asset_id``; False when it was there already."""
        if 2 * (self._count + 1) > len(self._slots):
            self._grow()
        digest = (hash(asset_id) & _MASK) or 1
        if not self._insert(self._slots, digest):
            return False
        self._count += 1
        return True

    def __contains__(self, asset_id: object) -> bool:
        slots, mask = self._slots, len(self._slots) - 1
        digest = (hash(asset_id) & _MASK) or 1
        index = digest & mask
        while slots[index]:
            if slots[index] == digest:
                return True
            index = (index + 1) & mask
        return False

    @staticmethod
    def _insert(slots: array[int], digest: int) -> bool:
        mask = len(slots) - 1
        index = digest & mask
        while slots[index]:
            if slots[index] == digest:
                return False
            index = (index + 1) & mask
        slots[index] = digest
        return True

    def _grow(self) -> None:
        bigger = array("Q", [0]) * (2 * len(self._slots))
        for digest in self._slots:
            if digest:
                self._insert(bigger, digest)
        self._slots = bigger


def _created(record: LabelRecord) -> str:
    created = record.label.get("createdAt")
    return created if isinstance(created, str) else ""


def _is_autosave(record: LabelRecord) -> bool:
    return record.label.get("labelType") == "AUTOSAVE"


class _Picker:
    """The state of :func:`latest_labels` over one file, folder or zip."""

    def __init__(self, on_unlabeled: Callable[[str], None] | None) -> None:
        self.on_unlabeled = on_unlabeled
        self.seen = AssetIds()  # assets of asset objects read so far, the current one included
        self.current: str | None = None  # the asset being read, from an asset object
        self.best: LabelRecord | None = None  # its best label so far
        self.first_autosave: str | None = None  # where its first autosave was read
        self.flat: dict[str, LabelRecord] = {}  # from flat lists: the best label of each asset until the end
        self.autosaved: dict[str, str] = {}  # asset -> where its first autosave was read (reported if no label)

    def add(self, record: LabelRecord) -> Iterator[LabelRecord]:
        """The labels that can go on once ``record`` is read."""
        asset_id = record.asset_id
        if asset_id is None:
            yield record
            return
        if not record.in_asset:
            if asset_id in self.seen:
                raise _mixed(record)
            if _is_autosave(record):
                self.autosaved.setdefault(asset_id, record.source)
            elif asset_id not in self.flat or _created(record) >= _created(self.flat[asset_id]):
                self.flat[asset_id] = record
            return
        if asset_id != self.current:
            yield from self.end_asset()
            if not self.seen.add(asset_id):
                raise _again(record)
            if asset_id in self.flat or asset_id in self.autosaved:
                raise _mixed(record)
            self.current = asset_id
        if _is_autosave(record):
            self.first_autosave = self.first_autosave or record.source
        elif self.best is None or _created(record) >= _created(self.best):
            self.best = record

    def end_asset(self) -> Iterator[LabelRecord]:
        """The best label of the asset just read, if it has one (else its autosave is noted for the end)."""
        if self.current is not None:
            if self.best is not None:
                yield self.best
            elif self.first_autosave is not None:
                self.autosaved[self.current] = self.first_autosave
        self.current, self.best, self.first_autosave = None, None, None

    def finish(self) -> Iterator[LabelRecord]:
        """The last asset's label, those of flat lists, then the assets with autosaves only."""
        yield from self.end_asset()
        yield from self.flat.values()
        if self.on_unlabeled is not None:
            for asset_id, source in self.autosaved.items():
                if asset_id not in self.flat:
                    self.on_unlabeled(f"{source} (asset {asset_id}: autosaves only)")


def _again(record: LabelRecord) -> LabelFileError:
    return LabelFileError(
        f"{record.source}: asset {record.asset_id} comes again after other assets: check picks each asset's latest "
        "label as the asset is read, and needs each asset once (two dumps in one file, or pages read twice?). "
        "Remove the repeated asset, or check every label with --all-labels"
    )


def _mixed(record: LabelRecord) -> LabelFileError:
    return LabelFileError(
        f"{record.source}: asset {record.asset_id} has labels both in an asset's own list and in a flat list of "
        "labels: check cannot pick its latest label; give one kind of file at a time, or check every label with "
        "--all-labels"
    )


def latest_labels(
    records: Iterable[LabelRecord], on_unlabeled: Callable[[str], None] | None = None
) -> Iterator[LabelRecord]:
    """The latest label of each asset that is not an AUTOSAVE: what ``kili-rules check`` audits by default, picked
    as each asset is read when it comes from an asset object, at the end for flat lists of labels (see the module
    docstring). Labels that name no asset pass as they are; an asset whose labels are all autosaves is reported to
    ``on_unlabeled`` at the end. Raises LabelFileError when an asset object comes again after other assets."""
    picker = _Picker(on_unlabeled)
    for record in records:
        yield from picker.add(record)
    yield from picker.finish()


def buffered_latest_labels(
    records: Iterable[LabelRecord], on_unlabeled: Callable[[str], None] | None = None
) -> Iterator[LabelRecord]:
    """The same pick as :func:`latest_labels`, every asset's best label held until the end (``check``'s pick before
    it streamed, kept as the reference): labels that name no asset pass as they come, then the best label of each
    asset in the order the assets first came, then the assets with autosaves only are reported."""
    best: dict[str, LabelRecord] = {}
    autosaved: dict[str, str] = {}
    for record in records:
        if record.asset_id is None:
            yield record
            continue
        if _is_autosave(record):
            autosaved.setdefault(record.asset_id, record.source)
            continue
        current = best.get(record.asset_id)
        if current is None or _created(record) >= _created(current):
            best[record.asset_id] = record
    yield from best.values()
    if on_unlabeled is not None:
        for asset_id, source in autosaved.items():
            if asset_id not in best:
                on_unlabeled(f"{source} (asset {asset_id}: autosaves only)")


__all__ = ["AssetIds", "buffered_latest_labels", "latest_labels"]
