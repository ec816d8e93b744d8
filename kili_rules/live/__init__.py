"""The live project: a small client of Kili's GraphQL API (httpx), for the authoring-side commands (pull, check
--project, apply, diff, deploy, logs). Its local stand-in, to test them over real sockets, is a test helper:
``kili_rules.testing.stand_in``.

Nothing here reaches ``main.py``: the plugin talks to Kili through the ``kili`` SDK only.

May import: the standard library, httpx, ``kili_rules.errors``, ``kili_rules.runtime``, ``kili_rules.authoring``,
``kili_rules.generator``; ``kili`` (optional) inside the functions that need it.
"""

from kili_rules.live.client import KiliClient
from kili_rules.live.errors import KiliApiError
from kili_rules.live.retry import RetryPolicy
from kili_rules.live.transport import CLOUD_ENDPOINT, resolve_endpoint

__all__ = ["CLOUD_ENDPOINT", "KiliApiError", "KiliClient", "RetryPolicy", "resolve_endpoint"]
