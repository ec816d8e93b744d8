"""Rule types come through pluggy: a third-party package registers one exactly as the built-ins are."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import textwrap

import pytest

from kili_rules.authoring.loader import load_rule_set
from kili_rules.errors import RegistryError
from kili_rules.plugins.registry import Registry, default_registry, plugin_manager
from kili_rules.runtime.label_view import LabelView

PLUGIN_MODULE = '''
"""min_area: every box covers at least `min` of the image (a third-party rule type).

Placeholders: `{area}`, `{reason}`.
"""
from dataclasses import dataclass

from kili_rules.runtime.contract import RuleType, option
from kili_rules.runtime.model import Violation


@dataclass(frozen=True)
class MinAreaParams:
    """Options."""
    job: str = option(doc="the object job", job=True)
    min: float = option(doc="the smallest area accepted (a fraction of the image)", ge=0)


def check(params, label):
    """Check each box."""
    found = []
    for box in label.annotations(params.job):
        xs = [v.x for v in box.vertices]
        ys = [v.y for v in box.vertices]
        area = (max(xs) - min(xs)) * (max(ys) - min(ys)) if xs else 0.0
        if area < params.min:
            found.append(Violation({"area": round(area, 3), "reason": "too small"}, mid=box.mid))
    return found


RULE_TYPE = RuleType("min_area", MinAreaParams, check, ("area", "reason"), "{reason}")
'''

HOOKS_MODULE = """
from kili_rules.plugins.hookspecs import hookimpl
from kili_rules_geometry import min_area


@hookimpl
def kili_rules_rule_types():
    return [min_area.RULE_TYPE]
"""


@pytest.fixture
def installed_geometry_package(tmp_path, monkeypatch):
    """A package `kili-rules-geometry` installed on sys.path with its entry point, as pip would leave it."""
    package = tmp_path / "kili_rules_geometry"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "min_area.py").write_text(PLUGIN_MODULE)
    (package / "plugin.py").write_text(HOOKS_MODULE)
    dist_info = tmp_path / "kili_rules_geometry-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: kili-rules-geometry\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text("[kili_rules]\ngeometry = kili_rules_geometry.plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    for name in [m for m in sys.modules if m.startswith("kili_rules_geometry")]:
        del sys.modules[name]


def test_builtins_come_through_the_entry_point_group():
    entry_points = importlib.metadata.entry_points(group="kili_rules")
    assert "kili_rules.plugins.builtin" in {ep.value for ep in entry_points}
    registry = Registry.from_manager(plugin_manager())
    assert registry.providers["count"] == "builtin"


def test_a_third_party_package_adds_a_rule_type(installed_geometry_package, write_rules):
    registry = Registry.from_manager(plugin_manager())
    assert registry.providers["min_area"] == "geometry"
    assert {"count", "text", "required", "categories", "min_area"} <= set(registry.rule_types)
    path = write_rules("rules:\n  - {id: big, type: min_area, job: J, min: 0.1, message: 'area {area}'}\n")
    rules = load_rule_set(path, registry)
    small = {
        "J": {
            "annotations": [
                {
                    "mid": "s",
                    "boundingPoly": [
                        {
                            "normalizedVertices": [
                                {"x": 0, "y": 0},
                                {"x": 0.1, "y": 0},
                                {"x": 0.1, "y": 0.1},
                                {"x": 0, "y": 0.1},
                            ]
                        }
                    ],
                }
            ]
        }
    }
    finding = rules.evaluate(LabelView(small)).findings[0]
    assert (finding.mid, finding.message) == ("s", "area 0.01")
    with pytest.raises(Exception, match=r"unknown key 'minn'.*did you mean 'min'"):
        load_rule_set(write_rules("rules:\n  - {id: b, type: min_area, job: J, minn: 1}\n"), registry)


def test_a_plugin_registered_on_a_fresh_manager(monkeypatch):
    module = type(sys)("inline_plugin")
    monkeypatch.setitem(sys.modules, "inline_plugin", module)
    exec(compile(textwrap.dedent(PLUGIN_MODULE), "inline_plugin", "exec"), module.__dict__)

    class Plugin:
        from kili_rules.plugins.hookspecs import hookimpl

        @hookimpl
        def kili_rules_rule_types(self):
            return [module.RULE_TYPE]

    registry = Registry.from_manager(plugin_manager([Plugin()], entry_points=False))
    assert list(registry.rule_types) == ["min_area"]


def test_two_plugins_with_the_same_rule_type_name_is_an_error():
    from kili_rules.plugins import builtin as builtin_plugin
    from kili_rules.plugins.hookspecs import hookimpl

    class Clash:
        @hookimpl
        def kili_rules_rule_types(self):
            return builtin_plugin.kili_rules_rule_types()[:1]

    manager = plugin_manager([Clash()])
    with pytest.raises(RegistryError, match="provided by both"):
        Registry.from_manager(manager)


def test_no_rule_type_at_all_says_how_to_install():
    with pytest.raises(RegistryError, match="pip install"):
        Registry.from_manager(plugin_manager(entry_points=False))


def test_a_new_rule_type_appears_in_docs_schema_lint_and_rules_doc_with_no_other_edit(
    installed_geometry_package, write_rules, capsys
):
    from kili_rules.authoring.docs import rule_type_doc
    from kili_rules.authoring.schema import rule_file_schema
    from kili_rules.cli import main

    registry = Registry.from_manager(plugin_manager())
    min_area = registry.get("min_area")
    doc = rule_type_doc(min_area)
    assert "| `min` | required | the smallest area accepted (a fraction of the image) |" in doc
    properties = rule_file_schema(registry)["$defs"]["rule.min_area"]["properties"]
    assert properties["min"]["description"] == "the smallest area accepted (a fraction of the image) (required)"
    assert all("description" in value for value in properties.values())
    narrowed = rule_file_schema(registry, {"jobs": {"BOXES": {"mlTask": "OBJECT_DETECTION"}}})
    assert narrowed["$defs"]["rule.min_area"]["properties"]["job"]["enum"] == ["BOXES"]  # declared job=True
    default_registry.cache_clear()  # the CLI asks the process-wide registry, found once per process
    try:
        assert main(["rules", "--doc"]) == 0
    finally:
        default_registry.cache_clear()
    assert "# min_area  (from geometry)" in capsys.readouterr().out


BROKEN_HOOKS = "raise ImportError('libgeos_c.so.1: cannot open shared object file')\n"
MISSPELT_HOOKS = """
from kili_rules.plugins.hookspecs import hookimpl

@hookimpl
def kili_rules_rule_type():
    return []
"""


@pytest.mark.parametrize(
    ("hooks", "expected"),
    [
        (
            BROKEN_HOOKS,
            r"the kili-rules plugin 'geometry' \(kili_rules_geometry.plugin\) of package kili-rules-geometry "
            r"cannot be loaded: ImportError: libgeos_c.so.1.*pip uninstall kili-rules-geometry",
        ),
        (MISSPELT_HOOKS, r"kili-rules plugin geometry: .*unknown hook 'kili_rules_rule_type'.*kili_rules_rule_types"),
    ],
    ids=["import-error", "misspelt-hook"],
)
def test_a_broken_or_misspelt_plugin_is_one_line_and_exit_2(installed_geometry_package, tmp_path, hooks, expected):
    (tmp_path / "kili_rules_geometry" / "plugin.py").write_text(hooks)
    with pytest.raises(RegistryError, match=expected):
        plugin_manager()
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); from kili_rules.cli import main; sys.exit(main(['rules']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert re.search(expected, result.stderr)
