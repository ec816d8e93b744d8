"""The build: a loaded rule set becomes one uploadable ``dist/<name>/main.py`` (stdlib + kili only), from the
template in the repository's top-level ``plugin_template/main.py``.

May import: the standard library, ``kili_rules.errors``, ``kili_rules.runtime`` and ``kili_rules.authoring``
(the loaded rule set). Never embedded in a plugin (it writes the plugin).
"""

from kili_rules.generator.generate import BuildResult, EmbeddedModule, build_plugin, embedded_modules, render_plugin

__all__ = ["BuildResult", "EmbeddedModule", "build_plugin", "embedded_modules", "render_plugin"]
