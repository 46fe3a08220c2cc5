"""A loopback webhook receiver for alert tests.

Alert delivery is tested against a real HTTP server on 127.0.0.1 rather than a
mock, so the apprise JSON plugin, its timeouts and its error reporting are all
exercised. The receiver records every POST, can answer with an error status and
can be stopped ("down") and started again on the same port.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Received:
    """One POST as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None when the body was not JSON
    raw: bytes
    status: int  # what the receiver answered


class WebhookReceiver:
    """A ThreadingHTTPServer on 127.0.0.1 that records POSTs.

    `status` is the HTTP status answered to the next requests (200 by default);
    `stop()` takes the server down, `start()` brings it back on the same port.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                status = receiver.status
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, dict(self.headers.items()), body, raw, status)
                    )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep pytest output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Take the receiver down: connections are refused until `start()`."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def url(self, path: str = "/", *, user: str | None = None, password: str | None = None) -> str:
        """The apprise URL that posts JSON to this receiver."""
        auth = f"{user}:{password}@" if user is not None and password is not None else ""
        return f"json://{auth}127.0.0.1:{self.port}{path}"

    @property
    def delivered(self) -> list[Received]:
        """POSTs answered with a 2xx status, i.e. that the sender saw succeed."""
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


@pytest.fixture(name="webhook")
def webhook_fixture() -> Iterator[WebhookReceiver]:
    """A running loopback receiver, stopped after the test.

    Import `webhook_fixture` (registered as `webhook`) so that a test's `webhook`
    parameter does not shadow the import (ruff F811); `webhook` is an alias.
    """
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


webhook = webhook_fixture
