"""Shared test helpers: where the fixtures are, and loading rule sets from text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
SDK = SHARED_FIXTURES / "kili-sdk"
SEED = SHARED_FIXTURES / "seed-examples"


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def all_fixture_json_files() -> list[Path]:
    """Every JSON file of ../shared/fixtures (the tests must cover each one)."""
    return sorted(SHARED_FIXTURES.rglob("*.json"))


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
