"""``kili-rules init DIR``: a new rule set that lints, tests and builds from the first minute.

It writes, under ``DIR``: the rule file ``<name>.yaml``, a placeholder jsonInterface ``interfaces/<name>.json``
(replace it with the project's own), the test cases ``tests/<name>.yaml`` (one passing, one failing) and the
editor schema ``schema/<name>.schema.json``. Existing files are never overwritten.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kili_rules.errors import InputError

PLACEHOLDER_INTERFACE = {
    "jobs": {
        "JOB_0": {
            "mlTask": "OBJECT_DETECTION",
            "tools": ["rectangle"],
            "instruction": "Boxes",
            "required": 0,
            "isChild": False,
            "content": {
                "input": "radio",
                "categories": {
                    "OBJECT_A": {"name": "Object A", "children": ["TRANSCRIPTION_JOB"]},
                    "OBJECT_B": {"name": "Object B", "children": []},
                },
            },
        },
        "TRANSCRIPTION_JOB": {
            "mlTask": "TRANSCRIPTION",
            "instruction": "Text in the box",
            "required": 0,
            "isChild": True,
            "content": {"input": "textField"},
        },
        "QUALITY": {
            "mlTask": "CLASSIFICATION",
            "instruction": "Image quality",
            "required": 0,
            "isChild": False,
            "content": {
                "input": "checkbox",
                "categories": {"BLURRY": {"name": "Blurry"}, "DARK": {"name": "Dark"}, "GOOD": {"name": "Good"}},
            },
        },
    }
}

RULE_FILE = """\
# yaml-language-server: $schema=schema/{name}.schema.json
# The QA rules of one Kili project. Next steps:
#   1. replace interfaces/{name}.json with the project's jsonInterface, e.g.
#        kili.projects(project_id="...", fields=["jsonInterface"])[0]["jsonInterface"]
#      then refresh the editor schema: kili-rules schema {name}.yaml --out schema/{name}.schema.json
#   2. kili-rules lint {name}.yaml           (the rules against the interface)
#   3. kili-rules test .                     (the cases of tests/{name}.yaml; add real ones with `kili-rules new-case`)
#   4. kili-rules build {name}.yaml          (dist/{name}/main.py, to upload with kili.upload_plugin)
name: {name}
interface: interfaces/{name}.json

score:
  key: qa_score                     # written into the asset's json_metadata
  failed_key: qa_failed_rules

actions:
  error: [issue, send_back]
  warning: [issue]
  info: []

rules:
  - id: one-object-a
    type: count
    job: JOB_0
    category: OBJECT_A
    max: 1
    message: "{{count}} boxes of Object A: draw only one"

  - id: object-a-transcribed
    type: required
    job: TRANSCRIPTION_JOB
    for_each: {{job: JOB_0, category: OBJECT_A}}
    message: "Transcribe the text of this box"

  - id: quality-consistent
    type: categories
    job: QUALITY
    exclusive: [[GOOD, BLURRY], [GOOD, DARK]]
    severity: warning
"""

TEST_FILE = """\
# Test cases of ../{name}.yaml: `kili-rules test` runs them, and so does `pytest`.
# Add cases from real labels with: kili-rules new-case {name}.yaml <a Kili export or label file>
cases:
  - name: one transcribed box of Object A passes
    json_response:
      JOB_0:
        annotations:
          - mid: box-1
            type: rectangle
            categories: [{{name: OBJECT_A}}]
            children: {{TRANSCRIPTION_JOB: {{text: "hello"}}}}
      QUALITY: {{categories: [{{name: GOOD}}]}}
    expect:
      fail: []
      score: 100

  - name: two boxes of Object A, one without its text
    json_response:
      JOB_0:
        annotations:
          - {{mid: box-1, categories: [{{name: OBJECT_A}}], children: {{TRANSCRIPTION_JOB: {{text: "hello"}}}}}}
          - {{mid: box-2, categories: [{{name: OBJECT_A}}], children: {{}}}}
    expect:
      fail: [one-object-a, object-a-transcribed]
      findings:
        - {{rule: one-object-a, message: "2 boxes of Object A: draw only one"}}
        - {{rule: object-a-transcribed, mid: box-2}}
"""


def rule_set_name(folder: Path) -> str:
    """A plugin name from the folder's name: letters, digits, ``.``, ``_`` and ``-`` only."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", folder.resolve().name).strip("-._")
    return name or "rules"


def init(folder: str | Path, name: str | None = None) -> list[Path]:
    """Write a new rule set under ``folder``; returns the files written. Raises LabelFileError (naming the file)
    rather than overwrite anything."""
    from kili_rules.authoring.schema import write_schema

    folder = Path(folder)
    name = name or rule_set_name(folder)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise InputError(f"rule set name {name!r}: use letters, digits, '.', '_' and '-' only (--name NAME)")
    files = {
        folder / f"{name}.yaml": RULE_FILE.format(name=name),
        folder / "interfaces" / f"{name}.json": json.dumps(PLACEHOLDER_INTERFACE, indent=2) + "\n",
        folder / "tests" / f"{name}.yaml": TEST_FILE.format(name=name),
    }
    schema_path = folder / "schema" / f"{name}.schema.json"
    existing = [path for path in [*files, schema_path] if path.exists()]
    if existing:
        raise InputError(f"{existing[0]} already exists: init never overwrites; pick another folder or --name")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_schema(folder / f"{name}.yaml", out=schema_path)
    return [*files, schema_path]


__all__ = ["init", "rule_set_name"]
