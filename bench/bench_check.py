"""Benchmark: `kili-rules check` throughput (labels per second) against a plain Python loop over the same labels.

    python bench/bench_check.py             # 20,000 labels; prints a Markdown table (ratios, one run)
    python bench/bench_check.py 100000      # another number of labels
    python bench/bench_check.py --memory 1000000   # peak memory of check today vs check with the manager's report
    python bench/bench_check.py --latest [10000 1000000]   # peak memory of the latest-label pick: streamed vs held

``--memory`` writes a planted project (``kili_rules.testing.planted``: assets each with its ``labels`` list, one in
five reviewed, four labelers over eight weeks) as JSON Lines, then runs each variant in a process of its own and
reports its peak resident memory (``ru_maxrss``) and time: ``check --all-labels`` as it was (the audit alone, the
baseline), with the labelers, the trend and ``project:`` assertions (``--by author --period week``), and with the
review delta too (``--review``). Ratio = peak memory / the baseline's, in the same run.

Both sides read the same file of labels (a JSON array as ``kili.labels()`` would give, and the same as JSON Lines)
and apply the same three rules of the document project: at most one IBAN box, the IBAN transcription starts with
FR (spaces removed), every IBAN box carries its transcription. ``check`` is
:func:`kili_rules.authoring.audit.audit`, the function behind the command: streamed reading, the engine, the per-
rule tallies and the score distribution. The plain loop is what one would write by hand: ``json.load`` (or a line
loop) and three checks, counting fails.
Both must agree on every rule's fail count, or the benchmark stops. Each side runs several times; the best run
counts, so noise on a shared machine inflates both sides alike. Ratio = check time / plain time.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from kili_rules.authoring.audit import audit
from kili_rules.authoring.loader import load_rule_set

ROOT = Path(__file__).resolve().parent.parent
RULES = """\
interface: {interface}
rules:
  - {{id: one-iban, type: count, job: JOB_0, category: IBAN, max: 1}}
  - {{id: iban-fr, type: text, job: TRANSCRIPTION_JOB, remove_spaces: true, starts_with: FR}}
  - {{id: iban-transcribed, type: required, job: TRANSCRIPTION_JOB, for_each: {{job: JOB_0, category: IBAN}}}}
"""
REPEATS = 3


def generate(count: int, rng: random.Random) -> list[dict]:
    """Labels of the document project: 0-3 boxes each, IBANs French or not, some without transcription."""
    labels = []
    for i in range(count):
        annotations = []
        for k in range(rng.randint(0, 3)):
            category = rng.choice(["IBAN", "IBAN", "CURRENCY", "AMOUNT"])
            children = {}
            if category == "IBAN" and rng.random() < 0.9:
                children["TRANSCRIPTION_JOB"] = {"text": rng.choice(["FR76 3000 6000", "DE89 3704 0044", " fr76 1"])}
            annotations.append(
                {
                    "mid": f"m{i}-{k}",
                    "type": "rectangle",
                    "categories": [{"name": category, "confidence": 100}],
                    "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.2}, {"x": 0.5, "y": 0.25}]}],
                    "children": children,
                }
            )
        labels.append(
            {"id": f"label-{i}", "labelType": "DEFAULT", "jsonResponse": {"JOB_0": {"annotations": annotations}}}
        )
    return labels


def plain_rules(label: dict, fails: dict[str, int]) -> None:
    """The three rules written by hand."""
    annotations = label["jsonResponse"].get("JOB_0", {}).get("annotations", [])
    ibans = [a for a in annotations if any(c["name"] == "IBAN" for c in a.get("categories", []))]
    if len(ibans) > 1:
        fails["one-iban"] += 1
    texts = [
        a["children"]["TRANSCRIPTION_JOB"]["text"] for a in annotations if "TRANSCRIPTION_JOB" in a.get("children", {})
    ]
    if any(not t.strip().replace(" ", "").startswith("FR") for t in texts):
        fails["iban-fr"] += 1
    if any("TRANSCRIPTION_JOB" not in a.get("children", {}) or not a["children"]["TRANSCRIPTION_JOB"]["text"].strip()
           for a in ibans):  # fmt: skip
        fails["iban-transcribed"] += 1


def plain_loop(path: Path) -> dict[str, int]:
    fails = {"one-iban": 0, "iban-fr": 0, "iban-transcribed": 0}
    with path.open(encoding="utf-8") as handle:
        if path.suffix == ".jsonl":
            for line in handle:
                plain_rules(json.loads(line), fails)
        else:
            for label in json.load(handle):
                plain_rules(label, fails)
    return fails


def best(function, *args):
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        labels = generate(count, random.Random(11))
        array, lines = folder / "labels.json", folder / "labels.jsonl"
        array.write_text(json.dumps(labels), encoding="utf-8")
        lines.write_text("".join(json.dumps(label) + "\n" for label in labels), encoding="utf-8")
        del labels
        rule_file = folder / "rules.yaml"
        rule_file.write_text(RULES.format(interface=ROOT / "rules" / "interfaces" / "document.json"))
        rule_set = load_rule_set(rule_file)

        print(f"{count:,} labels, 3 rules (document project); best of {REPEATS} runs each\n")
        print("| file | check (labels/s) | plain loop (labels/s) | ratio (check time / plain time) |")
        print("|---|---:|---:|---:|")
        for path in (array, lines):
            check_time, summary = best(audit, rule_set, [path])
            plain_time, plain_fails = best(plain_loop, path)
            check_fails = {rule_id: tally.statuses["fail"] for rule_id, tally in summary.rules.items()}
            if check_fails != plain_fails:
                raise SystemExit(f"the two sides disagree: check {check_fails}, plain {plain_fails}")
            kind = "JSON array" if path.suffix == ".json" else "JSON Lines"
            print(
                f"| {kind}, {path.stat().st_size / 2**20:.0f} MiB | {count / check_time:,.0f} | "
                f"{count / plain_time:,.0f} | {check_time / plain_time:.1f}× |"
            )
        print(f"\nfails per rule (both sides): {check_fails}")


PROJECT_SECTION = """\
project:
  max_fail_ratio: {one-object-a: 0.05}
  min_mean_score: 90
  min_labels_per_category: {JOB_0.OBJECT_A: 50}
  max_category_share: 0.6
"""
VARIANTS = {
    "check --all-labels (as it was: the baseline)": [],
    "+ labelers, trend, project assertions": ["insights"],
    "+ review delta (--review)": ["insights", "review"],
}


def measure(rule_file: str, labels: str, *features: str) -> None:
    """One variant, in this process: prints the peak memory (MiB) and seconds as JSON."""
    import resource

    from kili_rules.authoring.audit import audit
    from kili_rules.authoring.insights import new_insights

    rule_set = load_rule_set(rule_file)
    insights = new_insights(rule_set, review="review" in features, every_label=True) if features else None
    started = time.perf_counter()
    summary = audit(
        rule_set,
        [labels],
        latest=False,
        on_report=insights.on_report if insights else None,
        on_record=insights.on_record if insights else None,
    )
    seconds = time.perf_counter() - started
    if insights is not None:
        insights.as_json()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"labels": summary.labels, "peak_mib": round(peak, 1), "seconds": round(seconds, 1)}))


def memory(count: int) -> None:
    """Peak memory of each variant over ``count`` labels (see the module docstring)."""
    import subprocess

    from kili_rules.testing.planted import RULES as PLANTED_RULES
    from kili_rules.testing.planted import planted_assets

    rates = {"ann@acme.test": 0.04, "bob@acme.test": 0.04, "carl@acme.test": 0.3, "dee@acme.test": 0.04}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        labels = folder / "labels.jsonl"
        with labels.open("w", encoding="utf-8") as handle:
            for asset in planted_assets(count * 5 // 6, rates, weeks=8, improving=True, review_every=5):
                handle.write(json.dumps(asset) + "\n")
        rule_file = folder / "rules.yaml"
        interface = ROOT / "rules" / "interfaces" / "image.json"
        rule_file.write_text(PLANTED_RULES.format(interface=interface) + PROJECT_SECTION)
        print(f"{labels.stat().st_size / 2**20:.0f} MiB of JSON Lines; each variant in a process of its own\n")
        print("| variant | labels | peak memory (MiB) | ratio | seconds |")
        print("|---|---:|---:|---:|---:|")
        baseline = None
        for name, features in VARIANTS.items():
            command = [sys.executable, __file__, "--measure", str(rule_file), str(labels), *features]
            result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            baseline = baseline or result["peak_mib"]
            print(
                f"| {name} | {result['labels']:,} | {result['peak_mib']:,.0f} | "
                f"{result['peak_mib'] / baseline:.2f}× | {result['seconds']:,.0f} |"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(*sys.argv[2:])
    elif sys.argv[1:2] == ["--memory"]:
        memory(int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
    elif sys.argv[1:2] == ["--measure-latest"]:
        from bench_check_latest import measure_latest

        measure_latest(*sys.argv[2:])
    elif sys.argv[1:2] == ["--latest"]:
        from bench_check_latest import latest

        latest([int(n) for n in sys.argv[2:]] or [10_000, 1_000_000])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
