"""The one error of the live client, :class:`KiliApiError`, and the messages more than one module gives."""

from __future__ import annotations

from kili_rules.errors import KiliRulesError

BAD_KEY = "the API key was refused (check KILI_API_KEY)"
NO_KEY = "no API key: set KILI_API_KEY or pass --api-key"


class KiliApiError(KiliRulesError):
    """A call to Kili failed. ``str()`` is one line saying what and what to do; ``kind`` tells the cases apart:
    ``auth`` (key refused or missing), ``not_found``, ``network`` (unreachable, timed out), ``graphql`` (Kili refused
    the operation), ``http`` (an HTTP error with no GraphQL answer), ``unknown_outcome`` (a mutation that may or may
    not have been applied, not resent), ``malformed`` (an answer of the wrong shape). A :class:`KiliRulesError`:
    the command line prints it as one line and exits 2."""

    def __init__(self, message: str, kind: str = "graphql", status: int | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.kind = kind
        self.status = status
