"""A local stand-in of Kili's GraphQL endpoint, for tests: a real HTTP server on 127.0.0.1, answering from memory.

Shipped with the other test helpers (not only in our tests) so that plugin authors test their own scripts against it
the way we do::

    from kili_rules.live import KiliClient
    from kili_rules.testing.stand_in import KiliStandIn, StandInData

    with KiliStandIn(StandInData.from_fixtures()) as kili:
        client = KiliClient(api_key=kili.api_key, endpoint=kili.endpoint)
        labels = list(client.iter_labels("seed-image"))

**It does not parse GraphQL.** It finds the operation's first root field (after the operation's name and variable
definitions), answers it from ``variables`` alone, and returns whole objects whatever the selection set asks for
(extra fields are harmless to a client; a missing one would not be). One root field per operation. The answer
goes under the field's alias when there is one (``data: labels(...)``), else under its name.

Supported root fields (the shapes the ``kili`` SDK sends; see ``kili_rules.live.operations``):

- queries: ``projects`` / ``countProjects`` (where ``id``), ``labels`` / ``countLabels`` (where ``project.id``,
  ``id``, ``idIn``, ``asset.id``, ``asset.statusIn``, ``typeIn``), ``assets`` / ``countAssets`` (where
  ``project.id``, ``id``, ``idIn``, ``statusIn``, ``externalIdStrictlyIn``), ``issues`` / ``countIssues`` (where
  ``project.id``, ``asset.id``, ``assetIn``, ``status``, ``type``), ``viewer`` and ``apiKeys`` (what the SDK asks
  when a ``Kili`` client is created); pages by ``first`` / ``skip``, ``first`` capped at ``max_page_size``;
- mutations: ``createIssues``, ``updatePropertiesInIssue`` (status), ``sendAssetsBackToQueue`` and
  ``addAssetsToReview`` (``where.idIn``; an asset in the queue, or already in review for the latter, is declined),
  ``updatePropertiesInAssets`` (``jsonMetadata``, replaced whole, as Kili does); each applied one is recorded in
  :attr:`KiliStandIn.mutations`;
- ``jsonInterface``, ``jsonResponse`` and ``jsonMetadata`` are sent as JSON strings, as Kili does; a label whose
  ``jsonResponse`` is longer than ``json_response_url_over`` characters is sent as a ``jsonResponseUrl`` served by
  the stand-in (``GET /files/json-response/<label id>``, which requires the key, like Kili's own file URLs);
- ``GET /api/label/v2/version`` answers ``{"version": ...}`` as Kili's does;
- introspection (``__schema``) is answered from :data:`SCHEMA_SDL`, the subset of Kili's schema above, when
  graphql-core is installed (the kili SDK brings it): the SDK can then be created without ``KILI_SDK_SKIP_CHECKS``;
- anything else answers a GraphQL error ``Cannot query field "<name>"``, like a real server's validation.

Faults, to test a client's behaviour: a request without the right ``Authorization: X-API-Key: <key>`` gets HTTP 401;
:meth:`KiliStandIn.fail` queues answers (429 with ``Retry-After``, 500, a slow answer, a dropped connection, a
mutation applied *then* answered 500, whose outcome the client cannot know, or a mangled body with HTTP 200: an HTML
page, the JSON cut in half, an answer of the wrong shape), taken by the next matching requests.
Every request is recorded in :attr:`KiliStandIn.requests` (root field, variables, the status answered).

The modules: :mod:`.data` (:class:`StandInData`, what it serves), :mod:`.schema` (the root field of a document, the
schema it serves to introspection), :mod:`.answers` (one answer a root field), :mod:`.handler` (the HTTP requests,
faults first) and :mod:`.server` (:class:`KiliStandIn`: life cycle, faults, records).
"""

from kili_rules.testing.stand_in.data import FIXTURES, StandInData
from kili_rules.testing.stand_in.handler import DEFAULT_API_KEY, GRAPHQL_PATH
from kili_rules.testing.stand_in.schema import SCHEMA_SDL, introspection, root_field
from kili_rules.testing.stand_in.server import Fault, KiliStandIn, Recorded

__all__ = [
    "DEFAULT_API_KEY",
    "FIXTURES",
    "GRAPHQL_PATH",
    "SCHEMA_SDL",
    "Fault",
    "KiliStandIn",
    "Recorded",
    "StandInData",
    "introspection",
    "root_field",
]
