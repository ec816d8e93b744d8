"""Harvest (json_interface, json_response, input_type) examples from the Kili Python SDK's own tests and docs.

The differential test (``tests/test_label_view_sdk.py``) reads the committed ``examples.json``; this script is how
that file was made, and how to remake it from another SDK commit. It needs the network once (or a local clone) and
the ``kili`` package of the test dependencies::

    git clone https://github.com/kili-technology/kili-python-sdk /tmp/kili-sdk     # commit noted in examples.json
    python tests/sdk_examples/harvest.py /tmp/kili-sdk > tests/sdk_examples/examples.json

Sources, each example names its own (``source``):

1. ``tests/unit/services/label_data_parsing/**``: the SDK's label parser tests, run with pytest while every
   top-level ``ParsedJobs`` built is recorded (its interface, its response before the parser mutates it, its input
   type). Examples built to make the parser raise are kept: the differential test lists why the view reads them.
2. ``tests/unit/adapters/kili_api_gateway/label/test_data/test_case_*.py``: the jsonInterface and the expected
   jsonResponse of the SDK's annotation-to-response conversion tests (video, nested children).
3. Python blocks of ``docs/**/*.md`` and code cells of ``recipes/*.ipynb``: the blocks are executed with the same
   recorder (blocks that need a Kili client or the network fail and are skipped), and every dict literal whose keys
   are jobs of an interface written in the same document is paired with it (the predictions the tutorials import).

The SDK is Apache-2.0 (see ``LICENSE.txt`` here): the examples are its data, kept as it wrote them.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PARSER_TESTS = "tests/unit/services/label_data_parsing"
CONVERSION_CASES = "tests/unit/adapters/kili_api_gateway/label/test_data"
#: Blocks not executed: they call a Kili client, the network, a shell or a notebook magic.
UNSAFE = re.compile(r"\bkili\.\w+\(|Kili\(|requests\.|urllib|subprocess|^\s*[!%]|getpass|input\(", re.M)
INPUT_TYPES = ("IMAGE", "TEXT", "PDF", "VIDEO", "VIDEO_LEGACY", "GEOSPATIAL", "LLM_RLHF", "LLM_INSTR_FOLLOWING")

#: pytest plugin run inside the SDK's tests: records each top-level ParsedJobs (job_names_to_parse None).
RECORDER = """
import copy, json, os
from kili.services.label_data_parsing import json_response as _m
_original = _m.ParsedJobs.__init__
_seen = []
def _init(self, project_info, json_response, job_names_to_parse=None):
    if job_names_to_parse is None:
        try:
            _seen.append({"json_interface": {"jobs": copy.deepcopy(dict(project_info["jsonInterface"]))},
                          "json_response": copy.deepcopy(json_response),
                          "input_type": project_info["inputType"], "source": os.environ.get("HARVEST_SOURCE", "")})
        except Exception:
            pass
    _original(self, project_info, json_response, job_names_to_parse)
_m.ParsedJobs.__init__ = _init
def pytest_runtest_setup(item):
    os.environ["HARVEST_SOURCE"] = item.nodeid
def pytest_sessionfinish(session):
    with open(os.environ["HARVEST_OUT"], "w") as out:
        json.dump(_seen, out, default=str)
"""


def _git(sdk: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(sdk), *args], check=True, capture_output=True).stdout


def _export(sdk: Path, target: Path, *paths: str) -> None:
    archive = _git(sdk, "archive", "HEAD", *paths)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def parser_tests(sdk: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _export(sdk, root, PARSER_TESTS)
        (root / "harvest_recorder.py").write_text(RECORDER)
        out = root / "seen.json"
        env = {**os.environ, "HARVEST_OUT": str(out), "PYTHONPATH": str(root)}
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "harvest_recorder", PARSER_TESTS],
            cwd=root,
            env=env,
            capture_output=True,
        )
        found = json.loads(out.read_text())
    for example in found:
        example["source"] = "sdk:" + example["source"]
    return found


def conversion_cases(sdk: Path) -> list[dict]:
    found = []
    names = _git(sdk, "ls-tree", "--name-only", "HEAD", CONVERSION_CASES + "/").decode().split()
    for name in sorted(names, key=lambda n: [int(d) if d.isdigit() else d for d in re.split(r"(\d+)", n)]):
        if not re.search(r"test_case_\d+\.py$", name):
            continue
        namespace: dict = {}
        exec(compile(_git(sdk, "show", f"HEAD:{name}").decode(), name, "exec"), namespace)  # the SDK's data module
        response = namespace.get("expected_json_resp", namespace.get("json_response"))
        if isinstance(response, str):  # test_case_13 (geospatial) keeps its response as a JSON string
            response = json.loads(response)
        interface = namespace.get("json_interface")
        if isinstance(response, dict) and isinstance(interface, dict):
            video = any(k.isdigit() for k in response)
            found.append(_example(interface, response, "VIDEO" if video else "IMAGE", f"sdk:{name}"))
    return found


def _example(interface: dict, response: dict, input_type: str, source: str) -> dict:
    return {"json_interface": interface, "json_response": response, "input_type": input_type, "source": source}


def _code_blocks(sdk: Path, path: str) -> list[str]:
    text = _git(sdk, "show", f"HEAD:{path}").decode()
    if path.endswith(".py"):
        return [text]
    if path.endswith(".ipynb"):
        cells = json.loads(text).get("cells", [])
        return ["".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code"]
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _literal_dicts(block: str) -> list[dict]:
    try:
        tree = ast.parse(block)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            with contextlib.suppress(ValueError, TypeError, SyntaxError, RecursionError):
                value = ast.literal_eval(node)
                if isinstance(value, dict):
                    found.append(value)
    return found


def _chose_known_categories(answer: dict, job: dict) -> bool:
    known = ((job.get("content") or {}).get("categories") or {}) if isinstance(job.get("content"), dict) else {}
    names = [c.get("name") for c in answer.get("categories") or [] if isinstance(c, dict)]
    return not known or all(n in known for n in names)


def _responds_to(response: dict, jobs: dict, top: bool = True) -> bool:
    """Whether ``response`` answers ``jobs``: every job it names (children included) is one of them, not a child
    job at the top, every category chosen is one of its job's and every object was drawn with a tool of its job
    (a tutorial writes several interfaces, and the children of an answer as dict literals of their own)."""
    if not all(isinstance(k, str) for k in response) or not all(isinstance(j, dict) for j in jobs.values()):
        return False
    keys = [k for k in response if k not in ("ANNOTATION_JOB_COUNTER", "ANNOTATION_NAMES_JOB")]
    if keys and all(k.isdigit() for k in keys):  # a video response: its frames hold the jobs
        frames = [response[k] for k in keys if isinstance(response[k], dict) and response[k]]
        return bool(frames) and all(_responds_to(f, jobs) for f in frames)
    if not keys or any(k not in jobs or not isinstance(response[k], dict) for k in keys):
        return False
    if top and any(jobs[k].get("isChild") for k in keys):
        return False
    if not all(_chose_known_categories(response[k], jobs[k]) for k in keys):
        return False
    if any("mlTask" in v for v in response.values()):
        return False  # the jobs of an interface, not a response
    for key in keys:
        tools = jobs[key].get("tools") or []
        for annotation in response[key].get("annotations") or []:
            if not isinstance(annotation, dict):
                continue
            if not _chose_known_categories(annotation, jobs[key]):
                return False
            tool = annotation.get("type")
            if tool and tools and tool not in tools and not (tool == "marker" and "pose" in tools):
                return False
            children = annotation.get("children")
            if isinstance(children, dict) and children and not _responds_to(children, jobs, top=False):
                return False
    return True


def documents(sdk: Path) -> list[dict]:
    paths = [
        p
        for p in _git(sdk, "ls-tree", "-r", "--name-only", "HEAD", "docs", "recipes", "tests").decode().splitlines()
        if p.endswith((".md", ".ipynb")) or (p.startswith("tests/") and p.endswith(".py"))
    ]
    found: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seen.json"
        runner = Path(tmp) / "run_blocks.py"
        runner.write_text(
            RECORDER.replace("def pytest_runtest_setup", "def _unused")
            + "\nimport sys\nblocks = json.load(open(sys.argv[1]))\nns = {}\n"
            + "for block in blocks:\n"
            + "    try:\n        exec(compile(block, 'doc', 'exec'), ns)\n    except BaseException:\n        pass\n"
            + "    pytest_sessionfinish(None)\n"
            + "pytest_sessionfinish(None)\n"
        )
        for path in paths:
            try:
                blocks = _code_blocks(sdk, path)
            except (subprocess.CalledProcessError, ValueError, UnicodeDecodeError):
                continue  # a notebook stored outside git (LFS) or not text
            if not any("jsonResponse" in b or "json_response" in b for b in blocks):
                continue
            if not path.endswith(".py") and any("ParsedLabel" in b or "parse_labels" in b for b in blocks):
                (Path(tmp) / "blocks.json").write_text(json.dumps([b for b in blocks if not UNSAFE.search(b)]))
                env = {**os.environ, "HARVEST_OUT": str(out), "HARVEST_SOURCE": f"sdk:{path} (executed)"}
                with contextlib.suppress(subprocess.TimeoutExpired):
                    subprocess.run(
                        [sys.executable, str(runner), str(Path(tmp) / "blocks.json")],
                        cwd=tmp,
                        env=env,
                        capture_output=True,
                        timeout=30,
                    )
            if out.exists():
                found.extend(json.loads(out.read_text()))
                out.unlink()
            literals = [d for b in blocks for d in _literal_dicts(b)]  # in the order the document writes them
            interfaces = [(n, d) for n, d in enumerate(literals) if isinstance(d.get("jobs"), dict) and d["jobs"]]
            kinds = re.findall(r"input_type\s*=\s*[\"']([A-Z_]+)[\"']", "\n".join(blocks))
            input_type = next((k for k in kinds if k in INPUT_TYPES), "IMAGE")
            for position, response in enumerate(literals):
                # the interface written last before the response, else the first one after it
                candidates = [i for n, i in reversed(interfaces) if n < position]
                candidates += [i for n, i in interfaces if n > position]
                interface = next((i for i in candidates if _responds_to(response, i["jobs"])), None)
                if interface is not None:
                    video = any(k.isdigit() for k in response)  # _responds_to: the keys are strings
                    kind = "VIDEO" if video else input_type
                    found.append(_example(interface, response, kind, f"sdk:{path} (literal)"))
    return found


def harvest(sdk: Path) -> dict:
    examples = parser_tests(sdk) + conversion_cases(sdk) + documents(sdk)
    unique: dict[str, dict] = {}
    for example in examples:
        # one example per (interface, response): the first found wins, so a recorded input type beats a guessed one
        key = json.dumps([example["json_interface"], example["json_response"]], sort_keys=True)
        unique.setdefault(key, example)
    kept = list(unique.values())
    for number, example in enumerate(kept):
        example["id"] = f"sdk-{number:03d}"
    return {
        "about": "Examples harvested by tests/sdk_examples/harvest.py from kili-technology/kili-python-sdk "
        "(Apache-2.0, see LICENSE.txt beside this file).",
        "sdk_commit": _git(sdk, "rev-parse", "HEAD").decode().strip(),
        "examples": [{"id": e.pop("id"), **copy.deepcopy(e)} for e in kept],
    }


if __name__ == "__main__":
    json.dump(harvest(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
