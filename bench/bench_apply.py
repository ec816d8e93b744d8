"""Benchmark: ``kili-rules apply`` page by page against the plugin run on each asset (``--per-asset``), on the
stand-in of Kili's API over real sockets, in one run.

    python bench/bench_apply.py            # 200, 2,000 and 20,000 assets (the per-asset path up to 2,000)
    python bench/bench_apply.py --full     # the per-asset path at 20,000 too (a few minutes more)
    python bench/bench_apply.py --quick    # 200 and 2,000 only

The project is the one of issue 24: image labels, one asset in three failing ``rules/image.yaml`` (two boxes of
``OBJECT_A``: one issue pinned on the second, a send back), no issue open before. For each size and each path:
the requests Kili receives per asset (every query and mutation, counts included) and the wall time, for the dry
run and for ``--yes`` (each on a fresh copy of the project), unpaced (``--rate 0``: the stand-in answers at once).
Then the hours a real project takes at the default ``--rate 10`` (the pace bounds it: requests / 10 a second, and
at most 500 a minute, the kili SDK's limit, for the page-by-page path, which keeps to it).
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kili_rules.authoring.loader import load_rule_set  # noqa: E402
from kili_rules.live import apply  # noqa: E402
from kili_rules.live.client import KiliClient  # noqa: E402
from kili_rules.testing.stand_in import KiliStandIn, StandInData  # noqa: E402

PROJECT = "bench-apply"
RULES = ROOT / "rules" / "image.yaml"
INTERFACE = ROOT / "rules" / "interfaces" / "image.json"
QUIET = logging.getLogger("bench_apply")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def project(assets: int) -> StandInData:
    """``assets`` labeled assets; one in three with two ``OBJECT_A`` boxes (fails), the others one."""
    import json

    data = StandInData()
    data.add_project(PROJECT, json.loads(INTERFACE.read_text()), "IMAGE", "bench")
    vertex = {"x": 0.1, "y": 0.2}
    poly = [{"normalizedVertices": [vertex] * 4}]
    for i in range(assets):
        boxes = [
            {"mid": f"m{i}-{k}", "type": "rectangle", "categories": [{"name": "OBJECT_A"}], "boundingPoly": poly}
            for k in range(2 if i % 3 == 0 else 1)
        ]
        data.add_asset(PROJECT, f"asset-{i}", json_metadata={"batch": i % 7})
        data.add_label(f"asset-{i}", f"label-{i}", {"JOB_0": {"annotations": boxes}})
    return data


def measure(data: StandInData, rule_set: object, *, per_asset: bool, dry_run: bool) -> tuple[float, float]:
    """(requests per asset, seconds) of one run on a copy of ``data``."""
    assets = len(data.assets)
    with KiliStandIn(copy.deepcopy(data)) as kili, KiliClient(kili.api_key, kili.endpoint) as client:
        started = time.perf_counter()
        summary = apply.apply_rules(
            rule_set, client, PROJECT, dry_run=dry_run, rate=None, per_asset=per_asset, echo=lambda line: None,
            logger=QUIET,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        assert summary.handled == assets and summary.complete, summary.as_text()
        return len(kili.requests) / assets, seconds


def hours(requests_per_asset: float, assets: int, per_minute_cap: bool) -> float:
    """Hours at ``--rate 10`` (and at most 500 requests a minute with ``per_minute_cap``)."""
    per_second = min(10.0, 500 / 60) if per_minute_cap else 10.0
    return requests_per_asset * assets / per_second / 3600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 assets only")
    parser.add_argument("--full", action="store_true", help="the per-asset path at 20,000 assets too")
    args = parser.parse_args()
    rule_set = load_rule_set(RULES)
    sizes = (200, 2000) if args.quick else (200, 2000, 20_000)
    print("| assets | path | dry run: requests/asset | dry run: s | --yes: requests/asset | --yes: s |")
    print("|---:|---|---:|---:|---:|---:|")
    found: dict[tuple[int, bool], tuple[float, float]] = {}
    for size in sizes:
        data = project(size)
        for per_asset in (True, False):
            if per_asset and size > 2000 and not args.full:
                continue
            dry = measure(data, rule_set, per_asset=per_asset, dry_run=True)
            yes = measure(data, rule_set, per_asset=per_asset, dry_run=False)
            found[size, per_asset] = dry[0], yes[0]
            name = "per asset (before)" if per_asset else "page by page"
            print(f"| {size:,} | {name} | {dry[0]:.3f} | {dry[1]:.2f} | {yes[0]:.3f} | {yes[1]:.2f} |", flush=True)
    before, after = found[2000, True], found[2000, False]
    print()
    print(f"At 2,000 assets: {before[0] / after[0]:.0f}x fewer requests on the dry run, {before[1] / after[1]:.0f}x "
          "with --yes.")  # fmt: skip
    print()
    print("| at --rate 10 | per asset (before): dry run | --yes | page by page: dry run | --yes |")
    print("|---:|---:|---:|---:|---:|")
    for assets in (100_000, 1_000_000):
        cells = [f"{hours(r, assets, False):.1f} h" for r in before]
        cells += [f"{hours(r, assets, True) * 60:.0f} min" for r in after]
        print(f"| {assets:,} assets | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
