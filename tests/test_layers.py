"""The architecture as a contract: each sub-package of kili_rules imports only the layers below it.

Every import counts, at the top of a module or inside a function. The code the plugin embeds (``runtime/``,
``rule_types/``) imports only the standard library and itself.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "kili_rules"
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

#: layer -> the kili_rules layers and the third-party packages it may import (besides the standard library)
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "runtime": ({"runtime"}, set()),
    "rule_types": ({"runtime", "rule_types"}, set()),
    "errors": (set(), set()),
    "plugins": ({"errors", "runtime", "rule_types", "plugins"}, {"pluggy"}),
    "authoring": ({"errors", "runtime", "rule_types", "plugins", "authoring"}, {"pydantic", "yaml", "jsonschema"}),
    "generator": ({"package", "errors", "runtime", "authoring", "generator"}, set()),
    "live": ({"errors", "runtime", "authoring", "generator", "live"}, {"httpx", "kili"}),
    "testing": (
        {"errors", "runtime", "rule_types", "plugins", "authoring", "generator", "live", "testing"},
        {"pydantic", "yaml", "kili", "pytest", "_pytest", "graphql"},
    ),
    "cli": ({"package", "errors", "runtime", "plugins", "authoring", "generator", "live", "testing", "cli"}, set()),
    "package": ({"runtime", "errors", "authoring", "plugins"}, set()),
}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    if len(parts) == 1:
        return "package" if parts[0] == "__init__.py" else parts[0].removesuffix(".py")
    return parts[0]


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "kili_rules":  # `from kili_rules import x`: x is a sub-package or a package name
                found += [(f"kili_rules.{alias.name}", node.lineno) for alias in node.names]
            else:
                found.append((node.module, node.lineno))
    return found


def _target_layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "package"
    return parts[1] if parts[1] in ALLOWED else "package"


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_each_module_imports_only_the_layers_below_it(path):
    layer = _layer(path)
    layers, packages = ALLOWED[layer]
    wrong = []
    for module, line in _imports(path):
        root = module.split(".")[0]
        if root == "kili_rules":
            if _target_layer(module) not in layers:
                wrong.append(f"line {line}: {module} ({_target_layer(module)})")
        elif root not in STDLIB and root not in packages:
            wrong.append(f"line {line}: {module} (third-party)")
    assert wrong == [], f"{path.relative_to(ROOT)} ({layer}) may import {sorted(layers)} and {sorted(packages)}"


def test_every_sub_package_says_what_it_may_import():
    for package in sorted(p.parent for p in PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
        if package.name in ("runtime",):
            assert "standard library" in doc, package
        else:
            assert "import" in doc.casefold(), f"{package.name}/__init__.py does not say what it may import"


def test_the_layers_cover_every_sub_package():
    assert {p.parent.name for p in PACKAGE.glob("*/__init__.py")} <= set(ALLOWED)


def test_the_public_api_loads_without_the_authoring_libraries():
    code = (
        "import sys, kili_rules\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'pluggy', 'jsonschema', 'httpx')]\n"
        "assert heavy == [], heavy\n"
        "from kili_rules import load_rule_set, RuleSet, hookimpl, Problem, KiliRulesError, option, RuleType\n"
        "assert 'pydantic' in sys.modules\n"
        "assert set(kili_rules.__all__) <= set(dir(kili_rules)) | set(kili_rules._LAZY)\n"
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
