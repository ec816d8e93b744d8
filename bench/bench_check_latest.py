"""Benchmark: peak memory of ``kili-rules check`` (the latest label of each asset, the default) on exports of assets,
the streamed pick (each asset's label picked as the asset is read) against the pick that held every asset's label
until the end of the file (``buffered_latest_labels``, what ``check`` did before), in the same run.

    python bench/bench_check.py --latest                   # 10,000 and 1,000,000 assets
    python bench/bench_check.py --latest 10000 100000      # other sizes

Each size is generated once into a temporary folder: the planted project (``kili_rules.testing.planted``: a DEFAULT
label per asset, a REVIEW one for one asset in five) with an AUTOSAVE after the others on one asset in seven, no
label on one in 25 and only an AUTOSAVE on one in 40, written as ``kili.assets()`` gives it (JSON Lines, about 0.6
KiB an asset), as the zip ``kili.export_labels(single_file=True)`` writes (``data.json``, sorted keys, indented)
and as the zip of one file per asset (``labels/<externalId>.json``, the export's default, its files in order as
``shutil.make_archive`` writes them).
Each variant runs in a process of its own (its peak resident memory, ``VmHWM``, and the wall time); both picks
must give the same summary (the JSON report, times aside), or the benchmark stops. Ratio: the buffered pick's peak
over the streamed pick's; flatness: the streamed pick's peak at the largest size over the smallest.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RATES = {"ann@acme.test": 0.04, "bob@acme.test": 0.04, "carl@acme.test": 0.3, "dee@acme.test": 0.04}


def bench_assets(count: int) -> Iterator[dict[str, Any]]:
    """The planted project's assets with several labels of several kinds, and assets without a label."""
    from kili_rules.testing.planted import planted_assets

    for index, asset in enumerate(planted_assets(count, RATES, weeks=8, review_every=5)):
        asset["externalId"] = f"image-{index:07d}.jpg"  # names in the order of the assets
        labels = asset["labels"]
        if index % 7 == 3:  # a newer autosave: never the pick
            labels.append({**labels[0], "id": f"autosave-{index}", "labelType": "AUTOSAVE", "createdAt": "2027"})
        if index % 25 == 1:
            asset["labels"] = []
        elif index % 40 == 2:
            asset["labels"] = [{**labels[0], "id": f"autosave-{index}", "labelType": "AUTOSAVE"}]
        yield asset


def write_files(count: int, folder: Path) -> list[tuple[str, Path]]:
    """The generated exports of ``count`` assets: (kind, path)."""
    lines, data_zip = folder / f"assets-{count}.jsonl", folder / f"export-{count}.zip"
    with lines.open("w", encoding="utf-8") as handle:
        for asset in bench_assets(count):
            handle.write(json.dumps(asset) + "\n")
    with zipfile.ZipFile(data_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.json", "w", force_zip64=True) as member:
            for index, asset in enumerate(bench_assets(count)):
                text = json.dumps(asset, sort_keys=True, indent=4)
                member.write(((",\n" if index else "[\n") + text).encode())
            member.write(b"\n]")
    members = folder / f"export-files-{count}.zip"
    with zipfile.ZipFile(members, "w", zipfile.ZIP_DEFLATED) as archive:
        for asset in bench_assets(count):
            archive.writestr(f"labels/{asset['externalId']}.json", json.dumps(asset, sort_keys=True, indent=4))
    return [("JSON Lines", lines), ("zip (data.json)", data_zip), ("zip (a file per asset)", members)]


def measure_latest(rule_file: str, path: str, pick: str) -> None:
    """One run of ``check``'s audit on ``path`` with the ``streamed`` or the ``buffered`` pick, in this process:
    prints the peak memory (MiB), the seconds, the labels checked and a digest of the JSON summary."""
    from kili_rules.authoring.audit import audit, audit_records, new_summary
    from kili_rules.authoring.label_files import read_label_source
    from kili_rules.authoring.latest_pick import buffered_latest_labels
    from kili_rules.authoring.loader import load_rule_set

    rule_set = load_rule_set(rule_file)
    started = time.perf_counter()
    if pick == "streamed":
        summary = audit(rule_set, [path])
    else:
        summary = new_summary(rule_set, "submit", [path])
        records = read_label_source(path, None, summary.add_unlabeled)
        audit_records(rule_set, buffered_latest_labels(records, summary.add_unlabeled), summary=summary)
    seconds = time.perf_counter() - started
    summary.seconds = 0.0
    digest = hashlib.sha256(json.dumps(summary.as_json(), sort_keys=True).encode()).hexdigest()[:16]
    peak = round(_peak_mib(), 1)
    print(json.dumps({"labels": summary.labels, "peak_mib": peak, "seconds": seconds, "digest": digest}))


def _peak_mib() -> float:
    """This process's peak resident memory: ``VmHWM`` on Linux (``ru_maxrss`` there keeps the peak of the parent
    it was forked from, which wrote the zips), else ``ru_maxrss``."""
    import resource

    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(rule_file: Path, path: Path, pick: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).with_name("bench_check.py")), "--measure-latest"]
    done = subprocess.run([*command, str(rule_file), str(path), pick], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{pick} on {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def latest(counts: list[int]) -> None:
    """The table of peak memory and time, both picks, for each size and kind of file (see the module docstring)."""
    from kili_rules.testing.planted import RULES

    print("| file | assets | size (MiB) | labels checked | held until the end: MiB, s | streamed: MiB, s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    streamed_peaks: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        rule_file = folder / "rules.yaml"
        rule_file.write_text(RULES.format(interface=ROOT / "rules" / "interfaces" / "image.json"))
        for count in counts:
            for kind, path in write_files(count, folder):
                held, streamed = _run(rule_file, path, "buffered"), _run(rule_file, path, "streamed")
                if held["digest"] != streamed["digest"]:
                    raise SystemExit(f"the two picks disagree on {path.name}: {held} {streamed}")
                streamed_peaks.setdefault(kind, []).append(streamed["peak_mib"])
                print(
                    f"| {kind} | {count:,} | {path.stat().st_size / 2**20:,.0f} | {streamed['labels']:,} | "
                    f"{held['peak_mib']:,.0f}, {held['seconds']:,.1f} | {streamed['peak_mib']:,.0f}, "
                    f"{streamed['seconds']:,.1f} | {held['peak_mib'] / streamed['peak_mib']:.1f}× |",
                    flush=True,
                )
                path.unlink()
    for kind, peaks in streamed_peaks.items():
        if len(peaks) > 1:
            print(f"\nstreamed, {kind}: peak at {counts[-1]:,} assets / at {counts[0]:,} = {peaks[-1] / peaks[0]:.2f}")
