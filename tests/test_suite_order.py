"""The suite's own scheduling (tests/conftest.py): the heavy tests are spread over the xdist workers, each at the
front of the first share the scheduler sends a worker, so that no worker ends the run alone on a long test."""

from __future__ import annotations

import conftest
import pytest


class Item:
    """What the ordering reads of a test item: its name and its ``heavy`` marker."""

    def __init__(self, name: str, seconds: float | None = None) -> None:
        self.name = name
        self.marker = pytest.mark.heavy(seconds).mark if seconds is not None else None

    def get_closest_marker(self, name: str):
        return self.marker if name == "heavy" else None

    def __repr__(self) -> str:
        return self.name


def _ordered(items: list[Item], workers: int, monkeypatch) -> list[str]:
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(workers))
    conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    return [item.name for item in items]


def test_heavy_tests_lead_each_workers_first_share_longest_first(monkeypatch):
    items = [Item(f"light{i}") for i in range(6)] + [Item("h5", 5), Item("h9a", 9), Item("h8", 8), Item("h9b", 9)]
    order = _ordered(items, 2, monkeypatch)
    first, second = order[:5], order[5:]  # xdist's worksteal sends 10 // 2 to the first worker, the rest to the other
    assert first[:2] == ["h9a", "h8"] and second[:2] == ["h9b", "h5"]  # 17 s and 14 s: the least loaded takes next
    assert first[2:] == ["light0", "light1", "light2"] and second[2:] == ["light3", "light4", "light5"]


def test_without_workers_or_with_many_nothing_is_lost(monkeypatch):
    names = [f"t{i}" for i in range(7)]
    items = [Item(name, 3 if i % 3 == 0 else None) for i, name in enumerate(names)]
    assert _ordered(list(items), 1, monkeypatch) == names  # one process: the order stays the collection's
    order = _ordered(list(items), 4, monkeypatch)
    assert sorted(order) == sorted(names) and len(order) == len(names)
    shares = [order[0:1], order[1:3], order[3:5], order[5:7]]  # 7 tests over 4 workers: 1, 2, 2, 2
    assert [share[0] for share in shares[:3]] == ["t0", "t3", "t6"]  # one heavy test at the front of three shares
