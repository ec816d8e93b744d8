"""Benchmark: the `overlap` rule (duplicates by IoU) on dense labels, against the naive O(n²) pass, in one run.

    python bench/bench_overlap.py              # 1,000 and 10,000 boxes; prints a Markdown table
    python bench/bench_overlap.py 1000 30000   # other sizes

Each label holds N rectangles of one category spread over the image at the density of a crowd or a cell count (at
10,000 boxes, sides of 0.2-2 % of the image; with fewer boxes, larger ones, sides scaled by √(10,000 / N), so each
box overlaps as many others whatever N: the pairs to report grow like N, as in real dense labels, not like N²),
2 % of them drawn again with a slight shift (the duplicates to find). `overlap` is timed through the
engine (the rule set loaded from YAML, a fresh `LabelView` each run: reading the boxes from the jsonResponse is
part of the time); the naive pass is what a Python rule written by hand does: read every box from the
jsonResponse, then compare every pair. Both must report the same duplicates, or the benchmark stops.
Best of 3 runs for `overlap`; the naive pass runs once (it takes tens of seconds at 10,000 boxes). Wall time, and
CPU time of the process in parentheses (on a shared machine the wall time includes waiting for a core).

A second table: N copies of one box stacked (the adversarial case: N² pairs that all duplicate), time and peak
memory (tracemalloc, a run of its own) against the dense label of the same N in the same run.

A third table: across jobs. The same N boxes in BOXES, each with its mask in MASKS (the box shifted by a tenth of
its width, drawn as a polygon; 2 % of the boxes have none) and a marker in POINTS at its centre (2 % of them moved
off it): `covered_by` (each box has a mask with an IoU of 0.5 or more) and `inside` (each marker in a box), timed
like the first table, against the naive O(n × m) pass over the same dicts (both must report the same annotations),
and as a ratio to the first table's `max_iou` time at the same N (ratios of CPU times).
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set
from kili_rules.runtime.label_view import LabelView

RULES = "rules:\n  - {id: dup, type: overlap, job: JOB_0, max_iou: 0.5}\n"
CROSS_RULES = {
    "covered_by": "rules:\n  - {id: mask, type: overlap, job: BOXES, covered_by: {by: {job: MASKS}, min_iou: 0.5}}\n",
    "inside": "rules:\n  - {id: in, type: overlap, job: POINTS, inside: {within: {job: BOXES}}}\n",
}
MAX_IOU = 0.5
REPEATS = 3


def generate(count: int, rng: random.Random) -> dict:
    """A jsonResponse with ``count`` boxes, 2 % of them duplicates of an earlier box."""
    annotations = []
    boxes: list[tuple[float, float, float, float]] = []
    scale = math.sqrt(10_000 / count)
    for index in range(count):
        if boxes and rng.random() < 0.02:
            x0, y0, x1, y1 = rng.choice(boxes)
            shift = (x1 - x0) * 0.05
            x0, y0, x1, y1 = x0 + shift, y0 + shift, x1 + shift, y1 + shift
        else:
            width, height = rng.uniform(0.002, 0.02) * scale, rng.uniform(0.002, 0.02) * scale
            x0, y0 = rng.uniform(0, 1 - width), rng.uniform(0, 1 - height)
            x1, y1 = x0 + width, y0 + height
        boxes.append((x0, y0, x1, y1))
        vertices = [{"x": x0, "y": y1}, {"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}]
        annotations.append(
            {
                "mid": f"m{index}",
                "type": "rectangle",
                "categories": [{"name": "CELL"}],
                "boundingPoly": [{"normalizedVertices": vertices}],
            }
        )
    return {"JOB_0": {"annotations": annotations}}


def stacked(count: int) -> dict:
    """A jsonResponse with ``count`` copies of one box."""
    vertices = [{"x": 0.1, "y": 0.3}, {"x": 0.1, "y": 0.1}, {"x": 0.3, "y": 0.1}, {"x": 0.3, "y": 0.3}]
    box = {"type": "rectangle", "categories": [{"name": "CELL"}], "boundingPoly": [{"normalizedVertices": vertices}]}
    return {"JOB_0": {"annotations": [{**box, "mid": f"m{index}"} for index in range(count)]}}


def measured(rule_set, json_response: dict) -> tuple[float, float, int]:
    """Best wall time of REPEATS evaluations, peak MiB of one more under tracemalloc, and the findings."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        report = rule_set.evaluate(LabelView(json_response))
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    rule_set.evaluate(LabelView(json_response))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, len(report.findings)


def naive(json_response: dict) -> set[str]:
    """The hand-written pass: every box read from the dicts, every pair compared; the later box of a pair is the
    duplicate."""
    boxes = []
    for annotation in json_response["JOB_0"]["annotations"]:
        vertices = annotation["boundingPoly"][0]["normalizedVertices"]
        xs, ys = [v["x"] for v in vertices], [v["y"] for v in vertices]
        boxes.append((min(xs), min(ys), max(xs), max(ys), annotation["mid"]))
    found = set()
    for i, (ax0, ay0, ax1, ay1, _) in enumerate(boxes):
        area_a = (ax1 - ax0) * (ay1 - ay0)
        for bx0, by0, bx1, by1, mid in boxes[i + 1 :]:
            width, height = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
            if width <= 0 or height <= 0:
                continue
            inter = width * height
            if inter / (area_a + (bx1 - bx0) * (by1 - by0) - inter) > MAX_IOU:
                found.add(mid)
    return found


def generate_jobs(count: int, rng: random.Random) -> dict:
    """The boxes of :func:`generate` in BOXES, their masks in MASKS and their centres in POINTS (see the docstring)."""
    boxes = generate(count, rng)["JOB_0"]["annotations"]
    masks, points = [], []
    for box in boxes:
        vertices = box["boundingPoly"][0]["normalizedVertices"]
        x0, x1 = min(v["x"] for v in vertices), max(v["x"] for v in vertices)
        y0, y1 = min(v["y"] for v in vertices), max(v["y"] for v in vertices)
        shift = (x1 - x0) / 10
        if rng.random() >= 0.02:
            shifted = [{"x": x0 + shift, "y": y0}, {"x": x1 + shift, "y": y0}, {"x": x1 + shift, "y": y1},
                       {"x": x0 + shift, "y": y1}]  # fmt: skip
            masks.append({**box, "mid": "mask-" + box["mid"], "type": "polygon",
                          "boundingPoly": [{"normalizedVertices": shifted}]})  # fmt: skip
        away = rng.random() < 0.02
        point = {"x": (x0 + x1) / 2 + (rng.uniform(0.05, 0.1) if away else 0), "y": (y0 + y1) / 2}
        points.append({"mid": "point-" + box["mid"], "type": "marker", "categories": box["categories"], "point": point})
    return {"BOXES": {"annotations": boxes}, "MASKS": {"annotations": masks}, "POINTS": {"annotations": points}}


def _box_of(annotation: dict) -> tuple[float, float, float, float]:
    vertices = annotation["boundingPoly"][0]["normalizedVertices"]
    xs, ys = [v["x"] for v in vertices], [v["y"] for v in vertices]
    return min(xs), min(ys), max(xs), max(ys)


def naive_cross(rule: str, json_response: dict) -> set[str]:
    """The hand-written pass across jobs: every box against every mask (IoU), or every marker against every box."""
    boxes = [_box_of(a) for a in json_response["BOXES"]["annotations"]]
    found = set()
    if rule == "inside":
        for annotation in json_response["POINTS"]["annotations"]:
            x, y = annotation["point"]["x"], annotation["point"]["y"]
            if not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes):
                found.add(annotation["mid"])
        return found
    masks = [_box_of(a) for a in json_response["MASKS"]["annotations"]]
    for annotation, (ax0, ay0, ax1, ay1) in zip(json_response["BOXES"]["annotations"], boxes, strict=True):
        area_a = (ax1 - ax0) * (ay1 - ay0)
        for bx0, by0, bx1, by1 in masks:
            width, height = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
            if width > 0 and height > 0:
                inter = width * height
                if inter / (area_a + (bx1 - bx0) * (by1 - by0) - inter) >= MAX_IOU:
                    break
        else:
            found.add(annotation["mid"])
    return found


def cross_rows(sizes: list[int], same_job: dict[int, float]) -> None:
    """The third table: `covered_by` and `inside` across jobs; the ratios are of CPU times (``same_job``: the CPU
    time of the first table's `max_iou` rule at each size), which a shared machine disturbs less than wall times."""
    print("\n| per job | rule | findings | across jobs: wall (CPU) s | naive O(n × m): wall (CPU) s | speed-up (CPU) "
          "| CPU / same-job max_iou |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|")
    for count in sizes:
        json_response = generate_jobs(count, random.Random(count))
        for name, text in CROSS_RULES.items():
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"{name}.yaml"
                path.write_text(text, encoding="utf-8")
                rule_set = load_rule_set(path)
            best = best_cpu = float("inf")
            for _ in range(REPEATS):
                start, start_cpu = time.perf_counter(), time.process_time()
                report = rule_set.evaluate(LabelView(json_response))
                best = min(best, time.perf_counter() - start)
                best_cpu = min(best_cpu, time.process_time() - start_cpu)
            mine = {f.mid for f in report.findings}
            start, start_cpu = time.perf_counter(), time.process_time()
            theirs = naive_cross(name, json_response)
            naive_time, naive_cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if mine != theirs:
                sys.exit(f"{count} per job, {name}: the rule found {len(mine)}, the naive pass {len(theirs)}")
            print(
                f"| {count:,} | `{name}` | {len(mine)} | {best:.3f} ({best_cpu:.3f}) | {naive_time:.2f} "
                f"({naive_cpu:.2f}) | {naive_cpu / best_cpu:.0f}× | {best_cpu / same_job[count]:.1f}× |"
            )


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dense.yaml"
        path.write_text(RULES, encoding="utf-8")
        rule_set = load_rule_set(path)
    rows = []
    times, cpu_times = {}, {}
    for count in sizes:
        json_response = generate(count, random.Random(count))
        best = best_cpu = float("inf")
        for _ in range(REPEATS):
            start, start_cpu = time.perf_counter(), time.process_time()
            report = rule_set.evaluate(LabelView(json_response))
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        mine = {f.mid for f in report.findings}
        start, start_cpu = time.perf_counter(), time.process_time()
        theirs = naive(json_response)
        naive_time, naive_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        if mine != theirs:
            sys.exit(f"{count} boxes: overlap found {len(mine)} duplicates, the naive pass {len(theirs)}")
        times[count] = best
        cpu_times[count] = best_cpu
        rows.append(
            f"| {count:,} | {len(mine)} | {best:.3f} ({best_cpu:.3f}) | {naive_time:.2f} ({naive_cpu:.2f}) "
            f"| {naive_time / best:.0f}× |"
        )
    print("| boxes | duplicates found | overlap rule: wall (CPU) s | naive O(n²) pass: wall (CPU) s | speed-up |")
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"\nt({large:,}) / t({small:,}) = {times[large] / times[small]:.1f} (sizes ×{large / small:g})")
    print("\n| boxes | stacked copies: s | peak MiB | findings | dense label: s | peak MiB | stacked / dense time |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for count in sizes:
        stack, stack_peak, stack_found = measured(rule_set, stacked(count))
        dense, dense_peak, _ = measured(rule_set, generate(count, random.Random(count)))
        print(
            f"| {count:,} | {stack:.3f} | {stack_peak:.0f} | {stack_found:,} | {dense:.3f} | {dense_peak:.0f} "
            f"| {stack / dense:.1f}× |"
        )
    cross_rows(sizes, cpu_times)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
