"""The built main.py in a Python that sees only the stdlib and a stub `kili` package (python -I -S)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from conftest import RULES

from kili_rules.authoring.loader import load_rule_set
from kili_rules.generator import build_plugin

STUB_PLUGINS = """
class PluginCore:
    def __init__(self, kili, project_id, logger=None):
        import logging
        self.kili, self.project_id = kili, project_id
        self.logger = logger or logging.getLogger("kili.plugin")
"""

RUNNER = """
import importlib.util, json, logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")


class RecordingKili:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(**kwargs):
            self.calls.append([name, kwargs])
            if name == "issues":
                return []
            if name == "assets":
                return [{"id": "a1", "jsonMetadata": {"kept": "yes"}}]
            if name == "send_back_to_queue":
                return {"succeeded": [{"assetId": "a1"}], "declined": [], "failed": []}
            return []
        return call


spec = importlib.util.spec_from_file_location("main", sys.argv[1])
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
kili = RecordingKili()
handler = main.PluginHandler(kili, "p1")
handler.on_submit(json.load(open(sys.argv[2])), "a1")
forbidden = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "yaml", "pluggy", "jsonschema", "httpx"))
print(json.dumps({"calls": kili.calls, "forbidden": forbidden,
                  "from_bundle": main.ENGINE.__class__.__module__,
                  "engine_file": sys.modules["kili_rules.runtime.engine"].__file__}))
"""


def test_the_plugin_runs_with_only_the_stdlib_and_a_stub_kili(tmp_path):
    built = build_plugin(load_rule_set(RULES / "document.yaml"), tmp_path / "dist")
    stub = tmp_path / "site" / "kili"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    (stub / "plugins.py").write_text(textwrap.dedent(STUB_PLUGINS))
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    label = RULES / "labels" / "document_label_de_iban.json"
    bootstrap = (
        f"import sys; sys.path[:0] = [{str(tmp_path / 'site')!r}]; sys.argv = sys.argv[1:]; "
        f"exec(open({str(runner)!r}).read())"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", bootstrap, str(runner), str(built.path), str(label)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["forbidden"] == []
    assert out["engine_file"] == "kili_rules/runtime/engine.py"  # the embedded copy, not an installed one
    names = [name for name, _ in out["calls"]]  # three independent groups, run side by side
    assert sorted(names) == sorted(
        ["issues", "create_issues", "send_back_to_queue", "assets", "update_properties_in_assets"]
    )
    assert names.index("issues") < names.index("create_issues")
    assert names.index("assets") < names.index("update_properties_in_assets")
    create = dict(out["calls"])["create_issues"]
    assert create["object_mid_array"][0] == "20230801120000000-iban"
    assert dict(out["calls"])["update_properties_in_assets"]["json_metadatas"][0]["kept"] == "yes"
    assert "IBAN number should start by FR" in result.stderr


def test_an_embedded_traceback_names_the_original_module_and_line(tmp_path, write_rules):
    module = "from kili_rules import rule\n\n\n@rule(id='boom')\ndef boom(label):\n    return 1 / 0\n"
    path = write_rules("python: [boom_rules.py]\nrules: []\n", boom_rules__py=module)
    built = build_plugin(load_rule_set(path), tmp_path / "dist")
    stub = tmp_path / "site" / "kili"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    (stub / "plugins.py").write_text(textwrap.dedent(STUB_PLUGINS))
    code = (
        f"import sys; sys.path[:0] = [{str(tmp_path / 'site')!r}]\n"
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('main', {str(built.path)!r})\n"
        "main = importlib.util.module_from_spec(spec); spec.loader.exec_module(main)\n"
        "report = main.ENGINE.evaluate({'jsonResponse': {}})\n"
        "print(report.outcomes[0].traceback)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'File "boom_rules.py", line 6, in boom' in result.stdout
    assert "return 1 / 0" in result.stdout  # the source line too (linecache)
