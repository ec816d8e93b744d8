"""Testing rules: helpers for users' own Python tests (evaluate a label, run the built plugin against a fake Kili
autospecced on the real ``kili.client.Kili``), the YAML rule-test cases (``kili-rules test``, ``new-case``),
the pytest plugin that collects them, and ``kili_rules.testing.stand_in``: a local stand-in of Kili's GraphQL API
on 127.0.0.1, to test scripts that talk to Kili (the live client, the kili SDK) over real sockets.

May import: everything below it (``kili_rules.authoring``, ``kili_rules.generator``, ``kili_rules.live``,
``kili_rules.runtime``...), pydantic and PyYAML; ``kili``, pytest and graphql-core only inside the functions that
need them.
"""

from kili_rules.testing.helpers import (
    KILI_METHODS,
    FakeKili,
    as_label,
    autospec_kili,
    evaluate,
    load_plugin_module,
    run_plugin,
)

__all__ = ["KILI_METHODS", "FakeKili", "as_label", "autospec_kili", "evaluate", "load_plugin_module", "run_plugin"]
