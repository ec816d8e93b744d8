"""The repository stands alone: its tests read only what it holds (tests/fixtures), never a folder beside it."""

from __future__ import annotations

import re
import subprocess

import pytest
from conftest import FIXTURES, ROOT, outside_the_repository


def test_reading_beside_the_repository_fails_the_test(tmp_path):
    beside = ROOT.parent / "a-sibling-folder" / "fixtures" / "README.md"
    with pytest.raises(PermissionError, match="outside the repository"):
        beside.read_text()
    with pytest.raises(PermissionError, match="outside the repository"):
        list((ROOT.parent).iterdir())
    (tmp_path / "ok.txt").write_text("temporary files are fine")
    assert (tmp_path / "ok.txt").read_text() == "temporary files are fine"


def test_what_counts_as_beside_the_repository():
    assert outside_the_repository(ROOT.parent / "data") == str(ROOT.parent / "data")
    assert outside_the_repository(str(ROOT) + "-copy/x") == str(ROOT) + "-copy/x"  # a sibling named alike
    assert outside_the_repository(ROOT / "tests" / "fixtures") is None
    assert outside_the_repository(ROOT) is None
    assert outside_the_repository("/usr/lib/python3/os.py") is None
    assert outside_the_repository(ROOT.parent) == str(ROOT.parent)
    assert outside_the_repository(3) is None


def test_the_fixtures_are_in_the_repository_with_their_licence_and_sources():
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    licence = (FIXTURES / "kili-sdk" / "LICENSE.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence
    for path in sorted(FIXTURES.rglob("*.json")):
        relative = path.relative_to(FIXTURES)
        named = relative.name in readme or str(relative.parent) + "/" in readme or "case_NN.json" in readme
        assert named, f"{relative} is not named in tests/fixtures/README.md"
    assert "aa76421c" in readme  # the upstream commit


#: A path that climbs out of the repository to a folder beside it: ``../<folder>/`` from the root, the lint corpus'
#: ``../../../<folder>/``, or ``ROOT.parent / "<folder>"`` in Python.
CLIMBS_OUT = re.compile(r"(?<![\w.])(?:\.\./)+[A-Za-z][\w-]*/fixtures|ROOT\.parent\s*/\s*[\"']")


def test_no_tracked_file_names_a_path_beside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    wrong = []
    for name in tracked:
        if not name or name.startswith("tests/fixtures/") or name in {"tests/test_standalone.py", "tests/conftest.py"}:
            continue
        if not name.endswith((".py", ".yaml", ".yml", ".toml", ".json", ".md", ".cfg")) and name != ".ci/run":
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if CLIMBS_OUT.search(line):
                wrong.append(f"{name}:{number}: {line.strip()}")
    assert wrong == []
