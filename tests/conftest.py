"""Shared test helpers (where the fixtures are, loading rule sets from text) and the suite's set-up: bytecode
caches, and the heavy tests spread over the xdist workers."""

from __future__ import annotations

import compileall
import json
import os
import random
import sys
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

# The suite caches bytecode even where PYTHONDONTWRITEBYTECODE is set (it is on CI): without the caches each xdist
# worker, and each of the CLI's subprocesses, compiles kili_rules and re-rewrites the test modules from source
# (one run took 113 s without the caches, 98 s with them). They go where Python puts them (__pycache__, ignored).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FIXTURES = ROOT / "tests" / "fixtures"  # real Kili data, copied into the repository (see its README)
SDK = FIXTURES / "kili-sdk"
SEED = FIXTURES / "seed-examples"


_BESIDE = str(ROOT.parent) + os.sep
_INSIDE = str(ROOT) + os.sep
_READ_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob"})


def outside_the_repository(path: object) -> str | None:
    """``path`` as an absolute string when it lies beside the repository (its parent folder, or a sibling such as a
    data folder laid beside the clone), else ``None``. The standard library, site-packages, temporary folders and
    devices are elsewhere: allowed."""
    if isinstance(path, int) or path is None:
        return None
    try:
        text = os.fsdecode(path)
    except TypeError:
        return None
    absolute = os.path.normpath(os.path.join(os.getcwd(), text)) if not os.path.isabs(text) else os.path.normpath(text)
    if (absolute + os.sep).startswith(_BESIDE) and not (absolute + os.sep).startswith(_INSIDE):
        return absolute
    return None


def _refuse_reads_beside_the_repository(event: str, args: tuple) -> None:
    """An audit hook: a test that opens or lists a path beside the repository fails at once (PermissionError), so
    the suite passes from a clone with nothing beside it, and CI (which lays a data folder beside the clone) proves
    it on every run."""
    if event in _READ_EVENTS and args:
        absolute = outside_the_repository(args[0])
        if absolute is not None:
            raise PermissionError(f"{absolute}: a test read outside the repository (copy what it needs into tests/)")


sys.addaudithook(_refuse_reads_beside_the_repository)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spread the tests marked ``heavy(seconds)`` over the xdist workers, each at the front of a worker's first
    share, the longest first (to the worker with the least so far): a heavy test that a worker reaches last is the
    run's tail, since the scheduler (``--dist worksteal``) can steal only the tests a worker has not reached. The
    order is the same in every worker (xdist requires it)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    heavy = sorted((item for item in items if item.get_closest_marker("heavy")), key=_seconds, reverse=True)
    light = [item for item in items if not item.get_closest_marker("heavy")]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in heavy:
        worker = loads.index(min(loads))
        shares[worker].append(item)
        loads[worker] += _seconds(item)
    remaining = len(items)  # the first share the scheduler sends each worker, as xdist's worksteal computes it
    for worker, share in enumerate(shares):
        size = remaining // (workers - worker)
        remaining -= size
        take = max(0, size - len(share))
        share.extend(light[:take])
        del light[:take]
    shares[-1].extend(light)
    items[:] = [item for share in shares for item in share]


def _seconds(item: pytest.Item) -> float:
    marker = item.get_closest_marker("heavy")
    return float(marker.args[0]) if marker is not None and marker.args else 1.0


def pytest_configure(config: pytest.Config) -> None:
    """Compile kili_rules once, before the workers start (only the controller has no ``workerinput``): the workers
    and the subprocesses the tests start then all read the same bytecode."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(ROOT / "kili_rules", quiet=1)


#: A medical project: a radio question whose instruction is a sentence, a checkbox job, polygons whose lesions carry
#: a child size, a child comment.
MEDICAL = {
    "jobs": {
        "QUALITY": {
            "mlTask": "CLASSIFICATION",
            "instruction": "Is the image healthy?",
            "required": 1,
            "isChild": False,
            "content": {
                "input": "radio",
                "categories": {"YES": {"name": "Yes", "children": []}, "NO": {"name": "No", "children": ["COMMENT"]}},
            },
        },
        "COMMENT": {
            "mlTask": "TRANSCRIPTION",
            "instruction": "Why is it not healthy?",
            "isChild": True,
            "required": 0,
            "content": {"input": "textField"},
        },
        "FINDINGS": {
            "mlTask": "CLASSIFICATION",
            "instruction": "Findings",
            "isChild": False,
            "content": {
                "input": "checkbox",
                "categories": {"DAY": {"name": "Day"}, "NIGHT": {"name": "Night"}, "FOG": {"name": "Fog, dense"}},
            },
        },
        "LESIONS": {
            "mlTask": "OBJECT_DETECTION",
            "instruction": "Lesions",
            "tools": ["polygon"],
            "content": {
                "input": "radio",
                "categories": {"LESION": {"name": "Lesion", "children": ["LESION_SIZE"]}, "ORGAN": {"name": "Organ"}},
            },
        },
        "LESION_SIZE": {
            "mlTask": "TRANSCRIPTION",
            "instruction": "Size in mm",
            "isChild": True,
            "content": {"input": "number"},
        },
        "UNUSED": {"mlTask": "TRANSCRIPTION", "instruction": "Never read by a rule"},
    }
}


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def all_fixture_json_files() -> list[Path]:
    """Every JSON file of tests/fixtures (the tests must cover each one)."""
    return sorted(FIXTURES.rglob("*.json"))


@pytest.fixture
def write_rules(tmp_path):
    """Write a rule file (and optional side files) into a temporary folder; return its path."""

    def write(text: str, name: str = "rules.yaml", **files: str) -> Path:
        for file_name, content in files.items():
            (tmp_path / file_name.replace("__", ".")).write_text(content, encoding="utf-8")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def write_box_labels(path: Path, count: int, seed: int = 7) -> Path:
    """A JSON array of ``count`` image labels as Kili exports them: 0 to 3 boxes of JOB_0, OBJECT_A or OBJECT_B,
    one label a line (written as text: json.dumps would take seconds for 100,000 labels)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for i in range(count):
            boxes = []
            for k in range(rng.randint(0, 3)):
                name = "OBJECT_A" if rng.random() < 0.5 else "OBJECT_B"
                vertex = f'{{"x": {rng.random():.6f}, "y": {rng.random():.6f}}}'
                boxes.append(
                    f'{{"mid": "m{i}-{k}", "type": "rectangle", "categories": [{{"name": "{name}"}}], '
                    f'"boundingPoly": [{{"normalizedVertices": [{vertex}, {vertex}, {vertex}, {vertex}]}}]}}'
                )
            response = f'{{"JOB_0": {{"annotations": [{", ".join(boxes)}]}}}}'
            comma = "," if i else ""
            out.write(f'{comma}{{"id": "label-{i}", "labelType": "DEFAULT", "jsonResponse": {response}}}\n')
        out.write("]\n")
    return path


@pytest.fixture(scope="session")
def labels_100000(tmp_path_factory) -> Path:
    """A 100,000-label file (about 35 MB), written once per test run."""
    return write_box_labels(tmp_path_factory.mktemp("big") / "labels_100000.json", 100_000)


@pytest.fixture
def kili_stand_in():
    """A local stand-in of Kili's GraphQL endpoint on 127.0.0.1, serving tests/fixtures (a real HTTP server,
    started for the test and stopped after it). See kili_rules.testing.stand_in for what it answers."""
    from kili_rules.testing.stand_in import KiliStandIn, StandInData

    with KiliStandIn(StandInData.from_fixtures(FIXTURES)) as server:
        yield server
