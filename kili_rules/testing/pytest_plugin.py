"""The ``kili_rules`` pytest plugin (registered through the ``pytest11`` entry point, so installing kili-rules is
enough): ``pytest`` collects the YAML test cases of rule sets, and users' own tests get fixtures.

Collected: every ``*.yaml`` / ``*.yml`` file in a folder named ``tests`` whose top level has ``cases:`` (see
:mod:`kili_rules.testing.cases`). Each case is one test item, named after the case; a failing case reports the rule
set, the case (file:line) and each difference in plain words. Turn collection off with ``-p no:kili_rules``.

Fixtures:

- ``kili_rules_evaluate(rule_file, label, event="submit") -> Report``: what the rules say about one label (a
  label file, a label dict or a bare jsonResponse dict).
- ``kili_rules_fake_kili``: a fresh :class:`kili_rules.testing.FakeKili` that records issues, send-backs and
  metadata as Kili would keep them.
- ``kili_rules_run_plugin(rule_file, label, asset_id="asset-1", event="submit", kili=None) -> FakeKili``: builds
  the plugin and runs its handler on the label, against the fake (autospecced on the real ``kili.client.Kili``);
  skips the test when the ``kili`` package is not installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kili_rules.errors import RuleFileError
from kili_rules.testing import FakeKili, evaluate, run_plugin
from kili_rules.testing.cases import Case, RuleTestFile, is_test_file, load_test_file, run_case


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect rule test files."""
    if is_test_file(file_path):
        return RuleTestFileCollector.from_parent(parent, path=file_path)
    return None


class CaseFailed(AssertionError):
    """A case whose rules did not do what it expects."""

    def __init__(self, differences: tuple[str, ...]) -> None:
        super().__init__("\n".join(differences))
        self.differences = differences


class RuleTestFileCollector(pytest.File):
    """One YAML test file: one item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            suite = load_test_file(self.path)
        except RuleFileError as error:
            raise self.CollectError(f"cannot load the rule tests:\n{error}") from None
        for case in suite.cases:
            yield RuleCaseItem.from_parent(self, name=case.name, suite=suite, case=case)


class RuleCaseItem(pytest.Item):
    """One case of a YAML test file."""

    def __init__(self, *, suite: RuleTestFile, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.case = case

    def runtest(self) -> None:
        result = run_case(self.case, self.suite.rule_set)
        if not result.passed:
            raise CaseFailed(result.differences)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            lines = [
                f"rule set {self.suite.rule_set.path}, case {self.case.name!r} ({self.path}:{self.case.line}), "
                f"label {self.case.label_source}:",
                *(f"  - {difference}" for difference in excinfo.value.differences),
            ]
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"case: {self.case.name}"


@pytest.fixture
def kili_rules_evaluate() -> Callable[..., Any]:
    """``evaluate(rule_file, label, event="submit") -> Report``."""
    return evaluate


@pytest.fixture
def kili_rules_fake_kili() -> FakeKili:
    """A fresh fake Kili that records what the plugin does."""
    return FakeKili()


@pytest.fixture
def kili_rules_run_plugin() -> Callable[..., FakeKili]:
    """``run_plugin(rule_file, label, asset_id="asset-1", event="submit", kili=None) -> FakeKili``."""
    pytest.importorskip("kili", reason="running the built plugin needs the `kili` package: pip install kili")
    return run_plugin
