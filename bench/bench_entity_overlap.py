"""Benchmark: `text` on a NER job, `overlap` by pair of categories, against `overlap: forbid` in the same run.

    python bench/bench_entity_overlap.py              # 1,000 and 10,000 entities; prints a Markdown table
    python bench/bench_entity_overlap.py 1000 30000   # other sizes

Each label holds N entities over a text, as a grammatical labeling writes them: clauses of a subject, a verb and a
complement one after the other, a share of them labelled twice on one span (a subject that is also a complement,
a second verb on a verb, a verb inside a complement); with `--categories K` the entities take K categories in turn
instead (a project with many entity types: the sweep costs N times the categories present). Each rule is timed
through the engine (the rule set loaded from YAML, a fresh `LabelView` each run: reading the entities is part of
the time), best of 3; `overlap: allow` (no overlap check: the cost of reading the entities and checking their
offsets) and `overlap: forbid` (the sweep that existed before pairs) are the baselines. A brute-force pass
(every pair compared, in Python) must agree with each pair rule at the smallest size, or the benchmark stops.
Wall time, and CPU time of the process in parentheses; the ratios are of CPU times (on a shared machine the wall
time includes waiting for a core).

A second table: N entities all on one span (every pair overlaps: N² pairs), against the grammatical label.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from kili_rules.authoring.loader import load_rule_set
from kili_rules.runtime.label_view import LabelView

RULES = {
    "allow (no check)": "allow",
    "forbid (baseline)": "forbid",
    "{forbid: [[VERB, VERB], [VERB, SUBJECT]]}": "{forbid: [[VERB, VERB], [VERB, SUBJECT]]}",
    "{allow: [[SUBJECT, COMPLEMENT]]}": "{allow: [[SUBJECT, COMPLEMENT]]}",
}
REPEATS = 3


def _entity(index: int, begin: int, length: int, category: str) -> dict:
    return {
        "mid": f"m{index}",
        "beginOffset": begin,
        "endOffset": begin + length,
        "content": "x" * length,
        "categories": [{"name": category}],
    }


def grammatical(count: int, rng: random.Random, categories: list[str] | None = None) -> dict:
    """``count`` entities: subject, verb, complement in turn along the text (or ``categories`` in turn), 10 % of
    them labelled again on a span of the one before (the same span, or starting inside it)."""
    cycle = categories or ["SUBJECT", "VERB", "COMPLEMENT"]
    entities: list[dict] = []
    position = 0
    while len(entities) < count:
        index = len(entities)
        if entities and rng.random() < 0.1:
            last = entities[-1]
            begin = last["beginOffset"] + rng.randrange(0, max(1, last["endOffset"] - last["beginOffset"]))
            entities.append(_entity(index, begin, rng.randint(1, 12), rng.choice(cycle)))
            continue
        length = rng.randint(2, 20)
        entities.append(_entity(index, position, length, cycle[index % len(cycle)]))
        position += length + rng.randint(1, 3)
    return {"NER": {"annotations": entities}}


def one_span(count: int, categories: list[str] | None = None) -> dict:
    """``count`` entities on one span, of the categories in turn."""
    cycle = categories or ["SUBJECT", "VERB", "COMPLEMENT"]
    return {"NER": {"annotations": [_entity(i, 0, 10, cycle[i % len(cycle)]) for i in range(count)]}}


def brute_force(json_response: dict, overlap: str) -> set[str]:
    """Every pair compared: the later entity of each forbidden overlap (the rule file's `overlap`, read plainly)."""
    entities = json_response["NER"]["annotations"]
    forbid = {("VERB", "VERB"), ("VERB", "SUBJECT"), ("SUBJECT", "VERB")} if "forbid:" in overlap else set()
    allowed = {("SUBJECT", "COMPLEMENT"), ("COMPLEMENT", "SUBJECT")} if "allow:" in overlap else None
    found = set()
    for j, later in enumerate(entities):
        for i, first in enumerate(entities):
            before = (first["beginOffset"], first["endOffset"], i) < (later["beginOffset"], later["endOffset"], j)
            if before and later["beginOffset"] < first["endOffset"]:
                pair = (later["categories"][0]["name"], first["categories"][0]["name"])
                if pair in forbid or (allowed is not None and pair not in allowed) or overlap == "forbid":
                    found.add(later["mid"])
    return found


def timed(rule_set, json_response: dict) -> tuple[float, float, set[str]]:
    best = best_cpu = float("inf")
    for _ in range(REPEATS):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = rule_set.evaluate(LabelView(json_response))
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - start_cpu)
    return best, best_cpu, {f.mid for f in report.findings}


def rule_sets(folder: Path, categories: list[str] | None) -> dict[str, object]:
    loaded = {}
    for name, overlap in RULES.items():
        if categories and "[" in overlap:  # pairs of the first categories, the others in play
            overlap = overlap.replace("SUBJECT", categories[0]).replace("VERB", categories[1])
            overlap = overlap.replace("COMPLEMENT", categories[2])
        path = folder / f"r{len(loaded)}.yaml"
        path.write_text(f"rules:\n  - {{id: r, type: text, job: NER, overlap: {overlap}}}\n", encoding="utf-8")
        loaded[name] = load_rule_set(path)
    return loaded


def main(sizes: list[int], categories: list[str] | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loaded = rule_sets(Path(folder), categories)
    print("| entities | rule | findings | wall (CPU) s | CPU / forbid's |")
    print("|---:|---|---:|---:|---:|")
    for count in sizes:
        json_response = grammatical(count, random.Random(count), categories)
        times = {name: timed(rule_set, json_response) for name, rule_set in loaded.items()}
        if count == sizes[0] and not categories:
            for name, (_, _, mids) in times.items():
                expected = brute_force(json_response, RULES[name]) if name != "allow (no check)" else set()
                if mids != expected:
                    sys.exit(f"{count} entities, {name}: the rule found {len(mids)}, brute force {len(expected)}")
        baseline = times["forbid (baseline)"][1]
        for name, (wall, cpu, mids) in times.items():
            print(f"| {count:,} | `{name}` | {len(mids):,} | {wall:.3f} ({cpu:.3f}) | {cpu / baseline:.2f}× |")
    print("\n| entities | rule | one span: CPU s | findings | grammatical label: CPU s | one span / grammatical |")
    print("|---:|---|---:|---:|---:|---:|")
    for count in sizes:
        for name, rule_set in loaded.items():
            if name == "allow (no check)":
                continue
            _, stack, found = timed(rule_set, one_span(count, categories))
            _, plain, _ = timed(rule_set, grammatical(count, random.Random(count), categories))
            print(f"| {count:,} | `{name}` | {stack:.3f} | {len(found):,} | {plain:.3f} | {stack / plain:.1f}× |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = None
    if "--categories" in arguments:
        at = arguments.index("--categories")
        chosen = [f"C{i}" for i in range(int(arguments[at + 1]))]
        del arguments[at : at + 2]
    main([int(a) for a in arguments] or [1000, 10000], chosen)
