"""Benchmark: the generated plugin's engine against a hand-written check of the same rules, on the same labels.

    python bench/bench_plugin.py            # prints the Markdown tables (measured in one run)
    python bench/bench_plugin.py --quick    # fewer repeats

1. Evaluation time per label, in one run, for three rule sets at 1, 100, 1,000 and 10,000 boxes: the built plugin's
   ``ENGINE.evaluate`` (what ``on_submit`` runs before any Kili call, on the label dict Kili passes) against a plain
   Python function written by hand for exactly those rules:

   - **count**: at most 1 ``OBJECT_A`` box (``rules/image.yaml``); each box in excess is a finding pinned on it;
   - **child text**: the IBAN transcription (a child of the IBAN boxes) starts with FR, spaces removed; the
     currency's is EUR or USD, upper-cased;
   - **10-rule set**: a typical invoice rule set (4 text, 3 required, 2 count, 1 categories) on IBAN, currency and
     amount boxes with their child transcriptions (one box in 30 lacks it).

   Two label mixes: one box in 100 is wrong (an ``OBJECT_A``, a wrong text: a label being fixed), then one box in
   two (a label far off: the time then goes to making findings). Both sides must give the same findings (rule,
   pinned mid, message), or the benchmark stops. Times are the best of several repeats (``timeit``), so noise on a
   shared machine inflates both sides alike; ratio = engine / hand-written (lower is better); ``10k/1k`` is the
   engine's time at 10,000 boxes over its time at 1,000 (10 is linear).
2. Peak memory (``tracemalloc``) of one evaluation of the 10,000-box label, engine and hand-written, the label
   itself not counted.
3. Kili calls per submit: the built plugin on an autospec'd Kili against the style of Kili's tutorial plugin (one
   ``append_to_issues``-style call per issue, plus the send back).
"""

from __future__ import annotations

import gc
import importlib.util
import sys
import tempfile
import timeit
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


from kili_rules.authoring.loader import load_rule_set  # noqa: E402
from kili_rules.generator import build_plugin  # noqa: E402

SIZES = (1, 100, 1000, 10_000)
TEXT_RULES = """\
rules:
  - {id: iban-fr, type: text, job: TRANSCRIPTION_JOB, remove_spaces: true, starts_with: FR,
     message: IBAN number should start by FR}
  - {id: currency, type: text, job: TRANSCRIPTION_JOB_2, case: upper, one_of: [EUR, USD],
     message: 'Currency should be EUR or USD, not {value}'}
"""
INVOICE_RULES = (
    TEXT_RULES
    + """\
  - {id: amount-number, type: text, job: TRANSCRIPTION_JOB_3, kind: number, min: 0,
     message: 'The amount must be a positive number, got {value}'}
  - {id: iban-short, type: text, job: TRANSCRIPTION_JOB, max_length: 34, message: IBAN too long}
  - {id: iban-transcribed, type: required, job: TRANSCRIPTION_JOB, for_each: {job: JOB_0, category: IBAN},
     message: Transcribe the IBAN in this box}
  - {id: currency-transcribed, type: required, job: TRANSCRIPTION_JOB_2, for_each: {job: JOB_0, category: CURRENCY},
     message: Transcribe the currency in this box}
  - {id: amount-transcribed, type: required, job: TRANSCRIPTION_JOB_3, for_each: {job: JOB_0, category: AMOUNT},
     message: Transcribe the amount in this box}
  - {id: one-iban, type: count, job: JOB_0, category: IBAN, max: 1, message: '{count} IBAN boxes: draw only one'}
  - {id: an-amount, type: count, job: JOB_0, category: AMOUNT, min: 1, message: No amount box}
  - {id: one-category, type: categories, job: JOB_0, max_choices: 1, message: 'One category per box: {categories}'}
"""
)


def load_plugin(rule_file: Path, out: Path):
    path = build_plugin(load_rule_set(rule_file), out).path
    spec = importlib.util.spec_from_file_location(f"bench_{rule_file.stem}", path)
    module = importlib.util.module_from_spec(spec)
    before = list(sys.meta_path)
    spec.loader.exec_module(module)
    sys.meta_path[:] = before
    return module


# -- labels ------------------------------------------------------------------------------------------------------


def image_label(boxes: int, every: int = 2) -> dict:
    """``boxes`` boxes, one ``OBJECT_A`` in ``every`` (the others ``OBJECT_B``)."""
    annotations = [
        {
            "mid": f"m{i}",
            "type": "rectangle",
            "categories": [{"name": "OBJECT_A" if i % every == 0 else "OBJECT_B"}],
            "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}],
            "children": {},
        }
        for i in range(boxes)
    ]
    return {"id": "L", "jsonResponse": {"JOB_0": {"annotations": annotations}}}


KINDS = (
    ("IBAN", "TRANSCRIPTION_JOB", ("FR76 3000", "DE89 3704")),
    ("CURRENCY", "TRANSCRIPTION_JOB_2", ("eur", "GBP")),
    ("AMOUNT", "TRANSCRIPTION_JOB_3", ("12,50", "-3")),
)


def document_label(boxes: int, every: int = 2) -> dict:
    """IBAN, currency and amount boxes in turn, each with its child transcription (but one box in 30), wrong in one
    box of each kind in ``every``."""
    annotations = []
    for i in range(boxes):
        category, job, texts = KINDS[i % 3]
        children = {} if i % 30 == 29 else {job: {"text": texts[i // 3 % every == every - 1]}}
        annotations.append(
            {
                "mid": f"m{i}",
                "type": "rectangle",
                "categories": [{"name": category}],
                "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}],
                "children": children,
            }
        )
    return {"id": "L", "jsonResponse": {"JOB_0": {"annotations": annotations}}}


# -- what a user writes by hand: the same findings, (rule id, mid, message) -------------------------------------


def hand_count(label: dict) -> list[tuple[str, str | None, str]]:
    """At most 1 OBJECT_A: each box after the first is pinned (the tutorial's check, pinned like the engine's)."""
    boxes = [
        a
        for a in label["jsonResponse"].get("JOB_0", {}).get("annotations", [])
        if a["categories"][0]["name"] == "OBJECT_A"
    ]
    message = f"There are too many BBox ({len(boxes)}) - Only 1 BBox of Object A accepted"
    return [("one-object-a", a["mid"], message) for a in boxes[1:]]


def _text_findings(annotation: dict, children: dict, issues: list) -> None:
    iban = children.get("TRANSCRIPTION_JOB", {}).get("text")
    if iban is not None and iban.strip() and not "".join(iban.split()).startswith("FR"):
        issues.append(("iban-fr", annotation["mid"], "IBAN number should start by FR"))
    currency = children.get("TRANSCRIPTION_JOB_2", {}).get("text")
    if currency is not None and currency.strip() and currency.strip().upper() not in ("EUR", "USD"):
        issues.append(("currency", annotation["mid"], f"Currency should be EUR or USD, not {currency.strip().upper()}"))


def hand_text(label: dict) -> list[tuple[str, str | None, str]]:
    """The IBAN and currency rules (by rule, in label order, as the engine reports them)."""
    issues: list = []
    for annotation in label["jsonResponse"].get("JOB_0", {}).get("annotations", []):
        _text_findings(annotation, annotation.get("children", {}), issues)
    return sorted(issues, key=lambda issue: issue[0] != "iban-fr")


def hand_invoice(label: dict) -> list[tuple[str, str | None, str]]:
    """The 10 invoice rules, in one loop over the boxes."""
    found: dict[str, list] = {}
    issues: list = []
    ibans, amounts = [], 0
    for annotation in label["jsonResponse"].get("JOB_0", {}).get("annotations", []):
        mid, names = annotation["mid"], [c["name"] for c in annotation["categories"]]
        children = annotation.get("children", {})
        _text_findings(annotation, children, issues)
        amount = children.get("TRANSCRIPTION_JOB_3", {}).get("text")
        if amount is not None and amount.strip():
            value = amount.strip().replace(" ", "").replace(",", ".")
            try:
                bad = float(value) < 0
            except ValueError:
                bad = True
            if bad:
                found.setdefault("amount-number", []).append(
                    (mid, f"The amount must be a positive number, got {amount.strip()}")
                )
        iban = children.get("TRANSCRIPTION_JOB", {}).get("text")
        if iban is not None and len(iban.strip()) > 34:
            found.setdefault("iban-short", []).append((mid, "IBAN too long"))
        for category, job, rule, what in (
            ("IBAN", "TRANSCRIPTION_JOB", "iban-transcribed", "IBAN"),
            ("CURRENCY", "TRANSCRIPTION_JOB_2", "currency-transcribed", "currency"),
            ("AMOUNT", "TRANSCRIPTION_JOB_3", "amount-transcribed", "amount"),
        ):
            if category in names and not (children.get(job, {}).get("text") or "").strip():
                found.setdefault(rule, []).append((mid, f"Transcribe the {what} in this box"))
        if "IBAN" in names:
            ibans.append(mid)
        amounts += "AMOUNT" in names
        if len(set(names)) > 1:
            found.setdefault("one-category", []).append((mid, f"One category per box: {', '.join(names)}"))
    for rule, mid, message in issues:
        found.setdefault(rule, []).append((mid, message))
    found["one-iban"] = [(mid, f"{len(ibans)} IBAN boxes: draw only one") for mid in ibans[1:]]
    if amounts < 1:
        found["an-amount"] = [(None, "No amount box")]
    order = [
        "iban-fr", "currency", "amount-number", "iban-short", "iban-transcribed", "currency-transcribed",
        "amount-transcribed", "one-iban", "an-amount", "one-category",
    ]  # fmt: skip
    return [(rule, mid, message) for rule in order for mid, message in found.get(rule, [])]


def engine_findings(plugin, label: dict) -> list[tuple[str, str | None, str]]:
    return [(f.rule_id, f.mid, f.message) for f in plugin.ENGINE.evaluate(label).findings]


# -- measuring ---------------------------------------------------------------------------------------------------


def best_seconds(function, label, repeat: int) -> float:
    """The best time of one call, over ``repeat`` rounds of enough calls to last about 20 ms."""
    function(label)
    number = max(1, int(0.02 / max(1e-7, min(timeit.repeat(lambda: function(label), number=1, repeat=3)))))
    return min(timeit.repeat(lambda: function(label), number=number, repeat=repeat)) / number


def peak_bytes(function, label) -> int:
    gc.collect()
    tracemalloc.start()
    function(label)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    repeat = 3 if "--quick" in sys.argv else 7
    with tempfile.TemporaryDirectory() as tmp:
        text_rules, invoice_rules = Path(tmp) / "child_text.yaml", Path(tmp) / "invoice.yaml"
        text_rules.write_text(TEXT_RULES)
        invoice_rules.write_text(INVOICE_RULES)
        image = load_plugin(ROOT / "rules" / "image.yaml", Path(tmp))
        text = load_plugin(text_rules, Path(tmp))
        invoice = load_plugin(invoice_rules, Path(tmp))
        cases = [
            ("count", image, image_label, hand_count),
            ("child text", text, document_label, hand_text),
            ("10-rule set", invoice, document_label, hand_invoice),
        ]
        memory = []
        for every, title in ((100, "one box in 100 wrong"), (2, "one box in 2 wrong")):
            print(f"\n{title}:\n")
            print("| rules | boxes | findings | engine (µs/label) | hand-written (µs/label) | ratio | 10k/1k |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for name, plugin, make_label, hand in cases:
                times = {}
                for boxes in SIZES:
                    label = make_label(boxes, every)
                    engine_side, hand_side = engine_findings(plugin, label), hand(label)
                    assert engine_side == hand_side, (name, boxes, engine_side[:3], hand_side[:3])
                    generated = best_seconds(plugin.ENGINE.evaluate, label, repeat)
                    written = best_seconds(hand, label, repeat)
                    times[boxes] = generated
                    growth = f"{times[10_000] / times[1000]:.1f}" if boxes == 10_000 else ""
                    print(
                        f"| {name} | {boxes:,} | {len(hand_side):,} | {generated * 1e6:,.1f} | {written * 1e6:,.1f} | "
                        f"{generated / written:.2f}× | {growth} |"
                    )
                if every == 100:
                    label = make_label(10_000, every)
                    memory.append((name, peak_bytes(plugin.ENGINE.evaluate, label), peak_bytes(hand, label)))

        print("\n| rules, 10,000 boxes, one in 100 wrong | engine peak memory | hand-written peak memory |")
        print("|---|---:|---:|")
        for name, engine_peak, hand_peak in memory:
            print(f"| {name} | {engine_peak / 2**20:.2f} MiB | {hand_peak / 2**20:.2f} MiB |")

        print("\n| findings per submit | generated plugin: Kili calls | tutorial style: Kili calls |")
        print("|---:|---:|---:|")
        from kili_fakes import FakeKiliState, autospec_kili

        for boxes in (1, 10, 100):
            label = document_label(boxes * 2)
            state = FakeKiliState()
            state.asset_of["L"] = "a"
            kili = autospec_kili(state)
            handler = text.PluginHandler(kili, "p")
            handler.logger.disabled = True
            handler.on_submit(label, "a")
            findings = len(text.ENGINE.evaluate(label).findings)
            tutorial = findings + 1  # one append_to_issues per issue, one send_back_to_queue
            print(f"| {findings} | {len(kili.method_calls)} | {tutorial} |")


if __name__ == "__main__":
    main()
