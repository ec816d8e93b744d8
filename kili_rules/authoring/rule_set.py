"""The compiled rule set: plain JSON-able data (what the plugin embeds), the rule types and Python rule modules it
uses, and the engine that evaluates a label with it (the code the plugin runs)."""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kili_rules.authoring.project_assertions import ProjectAssertions
from kili_rules.authoring.python_modules import USER_PACKAGE
from kili_rules.authoring.yaml_source import SourceMap
from kili_rules.runtime.contract import RuleType
from kili_rules.runtime.engine import Engine
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import Report


@dataclass
class RuleSet:
    """A loaded rule file: the compiled, JSON-able rule set and what it needs to run and to be built."""

    path: Path
    data: dict[str, Any]
    rule_types: dict[str, RuleType]
    python_modules: dict[str, Path] = field(default_factory=dict)
    #: the package its Python modules are imported under (see ``python_modules.user_package``)
    user_package: str = USER_PACKAGE
    interface: dict[str, Any] | None = None
    source: SourceMap | None = None
    #: the ``project:`` assertions ``check`` verifies (:mod:`kili_rules.authoring.project_assertions`)
    project: ProjectAssertions | None = None
    _loaded_modules: dict[str, types.ModuleType] = field(default_factory=dict, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The plugin name (``name:``, or the file's stem)."""
        return self.data["name"]

    @property
    def engine(self) -> Engine:
        """The runtime engine over this rule set (the code the plugin runs)."""
        if self._engine is None:
            self._engine = Engine(self.data, self.rule_types, self._resolve_python)
        return self._engine

    def evaluate(
        self, label: LabelView | Mapping[str, Any], event: str = "submit", *, resolution: Any = None
    ) -> Report:
        """Evaluate one label (a Kili label dict, a bare jsonResponse wrapped by ``LabelView``, or a view);
        ``resolution``: its asset's size in pixels (``{"width", "height"}``), for a label dict."""
        return self.engine.evaluate(label, event, resolution=resolution)

    def _resolve_python(self, module: str, function: str) -> Any:
        return getattr(self._loaded_modules[module], function)
