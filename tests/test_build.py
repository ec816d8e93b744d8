"""The build: one uploadable main.py, deterministic, stdlib + kili only, user text as data only."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_runner import run_cli
from conftest import ROOT, RULES
from kili.services.plugins.upload import check_file_contains_handler

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import BuildError
from kili_rules.generator.generate import RUNTIME_MODULES, build_plugin, embedded_modules, render_plugin

EXAMPLES = sorted(RULES.glob("*.yaml"))


@pytest.mark.parametrize("rule_file", EXAMPLES, ids=lambda p: p.name)
def test_every_example_builds_and_passes_kilis_upload_check(rule_file, tmp_path):
    result = build_plugin(load_rule_set(rule_file), tmp_path)
    assert result.path == tmp_path / rule_file.stem / "main.py"
    assert check_file_contains_handler(result.path) == (True, ["onSubmit", "onReview", "onCustomInterfaceClick"], False)
    assert result.content_hash.startswith("sha256:") and result.content_hash in result.path.read_text()
    assert "kili.upload_plugin(plugin_path=" in result.summary()


@pytest.mark.parametrize("rule_file", EXAMPLES, ids=lambda p: p.name)
def test_building_twice_gives_identical_bytes(rule_file, tmp_path):
    first = build_plugin(load_rule_set(rule_file), tmp_path / "a").path.read_bytes()
    second = build_plugin(load_rule_set(rule_file), tmp_path / "b").path.read_bytes()
    assert first == second


def test_a_fresh_process_builds_the_same_bytes(tmp_path):
    script = (
        "import sys; from kili_rules.generator import render_plugin;"
        "from kili_rules.authoring.loader import load_rule_set;"
        f"sys.stdout.write(render_plugin(load_rule_set({str(RULES / 'document.yaml')!r}))[0])"
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert other == render_plugin(load_rule_set(RULES / "document.yaml"))[0]


def test_the_embedded_runtime_is_byte_for_byte_the_package():
    modules = {m.name: m for m in embedded_modules(load_rule_set(RULES / "document.yaml"))}
    for name in (*RUNTIME_MODULES, "kili_rules.rule_types.count", "kili_rules.rule_types.text"):
        path = ROOT / (name.replace(".", "/") + ("/__init__.py" if name == "kili_rules.runtime" else ".py"))
        assert modules[name].source == path.read_text(encoding="utf-8"), name
    (package,) = {name.split(".")[0] for name in modules if name.startswith("kili_rules_user_")}
    assert f"{package}.document_rules" in modules
    assert "kili_rules.rule_types.categories" not in modules  # only the rule types the rule set uses
    assert "kili_rules.authoring.loader" not in modules


def test_the_plugin_imports_only_the_stdlib_and_kili():
    text = render_plugin(load_rule_set(RULES / "document.yaml"))[0]
    allowed = set(sys.stdlib_module_names) | {"kili", "__future__", "kili_rules"}
    tree = ast.parse(text)
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert roots <= allowed


def test_a_python_rule_importing_a_third_party_package_is_refused(write_rules):
    module = "import datetime\n\nimport yaml\nfrom kili_rules import rule\n\n@rule()\ndef r(label):\n    return True\n"
    rules = load_rule_set(write_rules("python: [uses_yaml.py]\nrules: []\n", uses_yaml__py=module))
    with pytest.raises(
        BuildError, match=r"^uses_yaml\.py:3: kili_rules_user_[0-9a-f]{12}\.uses_yaml imports yaml, which is neither"
    ):
        render_plugin(rules)


def test_a_python_rule_importing_authoring_code_is_refused(write_rules):
    module = "from kili_rules import rule, load_rule_set\n\n@rule()\ndef r(label):\n    return True\n"
    rules = load_rule_set(write_rules("python: [authoring.py]\nrules: []\n", authoring__py=module))
    with pytest.raises(BuildError, match=r"^authoring\.py:1: .* imports load_rule_set from kili_rules"):
        render_plugin(rules)


def test_the_cli_reports_a_build_error_in_one_line(write_rules, tmp_path):
    module = "import pydantic\nfrom kili_rules import rule\n"
    path = write_rules("python: [np_rules.py]\nrules: []\n", np_rules__py=module)
    result = run_cli("build", path, "--out", tmp_path)
    assert result.returncode == 2
    assert re.match(r"error: np_rules\.py:1: kili_rules_user_[0-9a-f]{12}\.np_rules imports pydantic", result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


ADVERSARIAL = [
    "quote ' and \" double",
    "triple \"\"\" and ''' quotes",
    "back\\slash \\n \\x00 \\u1234",
    "__import__('os').system('echo pwned > /tmp/kili_rules_pwned')",
    "unicode é ü 漢字 🚀 \u2028 line separator",
    "{count} braces }{ and %s %(x)s",
    "#! comment-like\t tab",
]


def test_adversarial_strings_come_out_verbatim_and_nothing_runs(write_rules, tmp_path):
    rules = []
    for index, text in enumerate(ADVERSARIAL):
        rules.append(
            {
                "id": f"r{index}",  # ids are a safe charset (tested in test_loader); everything else is free text
                "type": "text",
                "job": "T",
                "one_of": [text],
                "regex": re.escape(text),
                "message": text.replace("{count}", "{value}") + " newline\nhere",
            }
        )
    path = write_rules(yaml.safe_dump({"name": "adversarial", "rules": rules}, allow_unicode=True))
    rule_set = load_rule_set(path)
    built = build_plugin(rule_set, tmp_path)
    plugin_dir = Path("/tmp/kili_rules_pwned")
    plugin_dir.unlink(missing_ok=True)
    from kili_fakes import load_plugin_module

    module = load_plugin_module(built.path)
    assert not plugin_dir.exists()
    passing = module.ENGINE.evaluate({"jsonResponse": {"T": {"text": ADVERSARIAL[3]}}})
    assert passing.outcome(rules[3]["id"]).status == "pass"  # the escaped regex matches the text verbatim
    assert module.RULE_SET == rule_set.data  # every string verbatim
    assert [r["id"] for r in module.RULE_SET["rules"]] == [r["id"] for r in rules]
    report = module.ENGINE.evaluate({"jsonResponse": {"T": {"text": "no match"}}})
    assert [f.message for f in report.findings] == [r["message"].replace("{value}", "no match") for r in rules]
    assert not plugin_dir.exists()


def test_the_readme_main_job_builds_the_examples(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "build.py")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("built ") == len(EXAMPLES)
    assert "There are too many BBox (3)" in result.stdout


def _rule_set_with_a_module(folder: Path, name: str, verdict: str) -> Path:
    """A rule set ``name`` in ``folder`` whose ``rules.py`` says ``verdict`` (a message), in a rule named ``check``."""
    folder.mkdir(parents=True)
    (folder / "rules.py").write_text(
        f"from kili_rules import rule\n\n@rule(id='check')\ndef check(label):\n    return {verdict!r}\n"
    )
    (folder / f"{name}.yaml").write_text("python: [rules.py]\nrules: []\n")
    return folder / f"{name}.yaml"


def test_two_plugins_in_one_interpreter_each_run_their_own_python_rules(tmp_path):
    from kili_rules.testing import load_plugin_module

    first = load_rule_set(_rule_set_with_a_module(tmp_path / "a", "first", "from the first"))
    second = load_rule_set(_rule_set_with_a_module(tmp_path / "b", "second", "from the second"))
    assert first.evaluate({"jsonResponse": {}}).findings[0].message == "from the first"  # offline, loaded together
    assert second.evaluate({"jsonResponse": {}}).findings[0].message == "from the second"
    plugin_a = load_plugin_module(build_plugin(first, tmp_path / "dist").path)
    plugin_b = load_plugin_module(build_plugin(second, tmp_path / "dist").path)
    assert plugin_a.ENGINE.evaluate({"jsonResponse": {}}).findings[0].message == "from the first"
    assert plugin_b.ENGINE.evaluate({"jsonResponse": {}}).findings[0].message == "from the second"


def test_the_same_project_in_two_folders_builds_the_same_bytes(tmp_path):
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (tmp_path / "common").mkdir()
    module = "from kili_rules import rule\n\n@rule(id='{0}')\ndef {1}(label):\n    return True\n"
    (project / "lib" / "zeta_rules.py").write_text(module.format("zeta", "zeta"))
    (project / "alpha_rules.py").write_text(module.format("alpha", "alpha"))
    (tmp_path / "common" / "shared_rules.py").write_text(module.format("shared", "shared"))
    (project / "rules.yaml").write_text(
        "name: moved\npython: [lib/zeta_rules.py, ../common/shared_rules.py, alpha_rules.py]\n"
        "rules:\n  - {id: a, type: count, job: J, max: 1}\n"
    )
    built = []
    for place in ("x/aaa", "x/zzz/deeper"):  # ../common sorts after aaa but before deeper
        root = tmp_path / place
        shutil.copytree(project, root)
        shutil.copytree(tmp_path / "common", root.parent / "common")
        built.append(build_plugin(load_rule_set(root / "rules.yaml"), tmp_path / "dist" / place).path.read_bytes())
    assert built[0] == built[1]
    assert b'# Sources: ["rules.yaml", "alpha_rules.py", "lib/zeta_rules.py", "shared_rules.py"]' in built[0]
