"""Benchmark: the generated handler against a hand-written check of the same rules, on the same labels.

    python bench/bench_plugin.py            # prints a Markdown table (ratios, measured in one run)

1. Evaluation time per label, for the seed image rule (at most 1 OBJECT_A) and the document rules (IBAN starts
   with FR, currency in EUR/USD on child transcriptions), with 1, 10, 100 and 1,000 boxes: the built plugin's
   engine (``ENGINE.evaluate``, what ``on_submit`` runs before any Kili call) against a plain Python function
   written by hand for exactly those rules. Ratio = generated / hand-written (lower is better).
2. Kili calls per submit: the built plugin on an autospec'd Kili against the style of Kili's tutorial plugin (one
   ``append_to_issues``-style call per issue, plus the send back).

Times are the best of several repeats (``timeit``), so noise on a shared machine inflates both sides alike.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


from kili_rules.authoring.loader import load_rule_set  # noqa: E402
from kili_rules.generator import build_plugin  # noqa: E402

SIZES = (1, 10, 100, 1000)


def load_plugin(rule_file: Path, out: Path):
    path = build_plugin(load_rule_set(rule_file), out).path
    spec = importlib.util.spec_from_file_location(f"bench_{rule_file.stem}", path)
    module = importlib.util.module_from_spec(spec)
    before = list(sys.meta_path)
    spec.loader.exec_module(module)
    sys.meta_path[:] = before
    return module


def image_label(boxes: int) -> dict:
    annotations = [
        {
            "mid": f"m{i}",
            "type": "rectangle",
            "categories": [{"name": "OBJECT_A" if i % 2 == 0 else "OBJECT_B"}],
            "boundingPoly": [{"normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.2}]}],
            "children": {},
        }
        for i in range(boxes)
    ]
    return {"id": "L", "jsonResponse": {"JOB_0": {"annotations": annotations}}}


def document_label(boxes: int) -> dict:
    kinds = [
        ("IBAN", "TRANSCRIPTION_JOB", "DE89 3704"),
        ("CURRENCY", "TRANSCRIPTION_JOB_2", "GBP"),
        ("AMOUNT", "TRANSCRIPTION_JOB_3", "12,50"),
    ]
    annotations = []
    for i in range(boxes):
        category, job, text = kinds[i % 3]
        annotations.append(
            {
                "mid": f"m{i}",
                "type": "rectangle",
                "categories": [{"name": category}],
                "children": {job: {"text": text if i % 2 else "FR76" if job == "TRANSCRIPTION_JOB" else "EUR"}},
            }
        )
    return {"id": "L", "jsonResponse": {"JOB_0": {"annotations": annotations}}}


def hand_written_image(label: dict) -> list[tuple[str | None, str]]:
    """What a user writes by hand for "at most 1 OBJECT_A" (Kili's tutorial plugin)."""
    annotations = label["jsonResponse"].get("JOB_0", {}).get("annotations", [])
    count = sum(1 for a in annotations if a["categories"][0]["name"] == "OBJECT_A")
    if count > 1:
        return [(None, f"There are too many BBox ({count}) - Only 1 BBox of Object A accepted")]
    return []


def hand_written_document(label: dict) -> list[tuple[str | None, str]]:
    """What a user writes by hand for the IBAN and currency rules."""
    issues = []
    for annotation in label["jsonResponse"].get("JOB_0", {}).get("annotations", []):
        children = annotation.get("children", {})
        iban = children.get("TRANSCRIPTION_JOB", {}).get("text")
        if iban is not None and not iban.replace(" ", "").startswith("FR"):
            issues.append((annotation["mid"], "IBAN number should start by FR"))
        currency = children.get("TRANSCRIPTION_JOB_2", {}).get("text")
        if currency is not None and currency.strip().upper() not in ("EUR", "USD"):
            issues.append((annotation["mid"], f"Currency should be EUR or USD, not {currency}"))
    return issues


def best_seconds(function, label, repeat=5) -> float:
    number = max(1, 2000 // max(1, len(str(label)) // 200))
    return min(timeit.repeat(lambda: function(label), number=number, repeat=repeat)) / number


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_rules = Path(tmp) / "document_bench.yaml"
        bench_rules.write_text(
            "rules:\n"
            "  - {id: iban-fr, type: text, job: TRANSCRIPTION_JOB, remove_spaces: true, starts_with: FR,"
            " message: IBAN number should start by FR}\n"
            "  - {id: currency, type: text, job: TRANSCRIPTION_JOB_2, case: upper, one_of: [EUR, USD],"
            " message: 'Currency should be EUR or USD, not {value}'}\n"
        )
        image = load_plugin(ROOT / "rules" / "image.yaml", Path(tmp))
        document = load_plugin(bench_rules, Path(tmp))
        cases = [
            ("seed image rule", image, image_label, hand_written_image),
            ("document rules", document, document_label, hand_written_document),
        ]
        print("| rules | boxes | generated (µs/label) | hand-written (µs/label) | ratio |")
        print("|---|---:|---:|---:|---:|")
        for name, plugin, make_label, hand in cases:
            for boxes in SIZES:
                label = make_label(boxes)
                generated_findings = len(plugin.ENGINE.evaluate(label).findings)
                hand_findings = len(hand(label))
                if name == "document rules":
                    assert generated_findings == hand_findings, (generated_findings, hand_findings)
                generated = best_seconds(plugin.ENGINE.evaluate, label)
                written = best_seconds(hand, label)
                print(
                    f"| {name} | {boxes} | {generated * 1e6:.1f} | {written * 1e6:.1f} | {generated / written:.1f}× |"
                )

        print("\n| findings per submit | generated plugin: Kili calls | tutorial style: Kili calls |")
        print("|---:|---:|---:|")
        from kili_fakes import FakeKiliState, autospec_kili

        for boxes in (1, 10, 100):
            label = document_label(boxes * 2)
            state = FakeKiliState()
            state.asset_of["L"] = "a"
            kili = autospec_kili(state)
            handler = document.PluginHandler(kili, "p")
            handler.logger.disabled = True
            handler.on_submit(label, "a")
            findings = len(document.ENGINE.evaluate(label).findings)
            tutorial = findings + 1  # one append_to_issues per issue, one send_back_to_queue
            print(f"| {findings} | {len(kili.method_calls)} | {tutorial} |")


if __name__ == "__main__":
    main()
