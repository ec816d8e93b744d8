"""The stand-in's HTTP side: one request to its GraphQL endpoint (faults taken first, then answered) or to the
files it serves (``jsonResponseUrl``, ``/version``)."""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from kili_rules.testing.stand_in.schema import GraphQLFailure, introspection, root_field

if TYPE_CHECKING:
    from kili_rules.testing.stand_in.server import KiliStandIn

DEFAULT_API_KEY = "stand-in-secret-key-0123456789"
GRAPHQL_PATH = "/api/label/v2/graphql"
#: The bodies :meth:`KiliStandIn.fail` can send in place of an answer (with HTTP 200, the operation applied).
MANGLED_BODIES = ("garbage", "truncated", "wrong_shape")
GARBAGE = b"<html><body><h1>502 Bad Gateway</h1>The server returned an invalid response.</body></html>"


def mangled(kind: str, key: str, value: Any) -> tuple[bytes, dict[str, str], str]:
    """``(body, headers, content type)`` of a mangled answer: ``garbage`` (an HTML error page, not JSON: a proxy's),
    ``truncated`` (the real answer's JSON cut in half, the HTTP framing intact) or ``wrong_shape`` (JSON whose root
    field holds an object where a list or a number is expected)."""
    if kind == "garbage":
        return GARBAGE, {}, "text/html"
    raw = json.dumps({"data": {key: value}}).encode()
    if kind == "truncated":
        return raw[: max(1, len(raw) // 2)], {}, "application/json"
    if kind == "wrong_shape":
        return json.dumps({"data": {key: {"unexpected": "shape"}}}).encode(), {}, "application/json"
    raise ValueError(f"unknown mangled body {kind!r}: one of {', '.join(MANGLED_BODIES)}")


class StandInHandler(BaseHTTPRequestHandler):
    """One connection to the stand-in; :meth:`KiliStandIn.start` subclasses it with ``server_state`` set."""

    server_state: KiliStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what a failing test needs

    def setup(self) -> None:
        super().setup()
        # Headers and body go in separate writes: without this, Nagle's algorithm and delayed ACKs add 40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, content_type: str = "application/json"
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a timeout test): nothing to tell it

    def _authorised(self) -> bool:
        return self.headers.get("Authorization") == f"X-API-Key: {self.server_state.api_key}"

    def _refuse(self) -> None:
        if self.server_state.auth_failure == "graphql":
            error = {"message": "[unauthenticated] Invalid API key", "extensions": {"code": "UNAUTHENTICATED"}}
            self._send(200, {"data": None, "errors": [error]})
        else:
            self._send(401, {"errors": [{"message": "Unauthorized"}]})

    def do_GET(self) -> None:
        state = self.server_state
        if self.path == "/api/label/v2/version":
            self._send(200, {"version": state.version})
            return
        prefix = "/api/label/v2/files/json-response/"
        if self.path.startswith(prefix):
            if not self._authorised():
                self._refuse()
                return
            fault = state.take_fault("json-response")
            if fault is not None and fault.status is not None:
                self._send(fault.status, {"error": "fault"}, {"Retry-After": fault.retry_after or "0"})
                return
            response = state.json_response_of(self.path[len(prefix) :])
            if response is None:
                self._send(404, {"error": "not found"})
            elif isinstance(response, str):
                raw = response.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            else:
                self._send(200, response)
            return
        self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        state = self.server_state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0] != GRAPHQL_PATH:
            self._send(404, {"error": "not found"})
            return
        try:
            payload = json.loads(raw)
            document = payload["query"]
            variables = payload.get("variables") or {}
            _, name, mutation = root_field(document)
        except (ValueError, KeyError, TypeError):
            self._send(400, {"errors": [{"message": "Must provide query string."}]})
            return
        if not self._authorised():
            state.record(name, variables, 401, mutation)
            self._refuse()
            return
        fault = state.take_fault(name)
        if fault is not None:
            if fault.delay or fault.drop:
                state.record(name, variables, 0, mutation)  # 0: received, answered late or never
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault.status is not None and not fault.after_apply:
                state.record(name, variables, fault.status, mutation)
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                self._send(fault.status, {"errors": [{"message": f"HTTP {fault.status}"}]}, headers)
                return
        try:
            if name == "__schema":
                state.record(name, variables, 200, mutation)
                self._send(200, {"data": introspection(document)})
                return
            key, name, mutation, value = state.answer(document, variables)
        except GraphQLFailure as failure:
            state.record(name, variables, 200, mutation)
            self._send(200, {"data": None, "errors": [{"message": str(failure)}]})
            return
        if fault is not None and fault.after_apply and fault.status is not None:
            state.record(name, variables, fault.status, mutation)
            self._send(fault.status, {"errors": [{"message": "upstream reset"}]})
            return
        if fault is None or not fault.delay:
            state.record(name, variables, 200, mutation)
        if fault is not None and fault.body is not None:
            self._send(200, *mangled(fault.body, key, value))
            return
        self._send(200, {"data": {key: value}})
