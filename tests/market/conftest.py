"""Fixtures for the market engine: the bundled provider and a local vendor.

The vendor is a real HTTP server on 127.0.0.1 (random port) that speaks the
Alpha Vantage format with real bundled bars, and can be told how to misbehave
on each next request: be slow, fail with 500, send broken JSON, throttle.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from market.bundled import BundledProvider
from market_helpers import SERVED, Vendor, daily_payload


@pytest.fixture(scope="session")
def bundled() -> BundledProvider:
    return BundledProvider()


@pytest.fixture(scope="session")
def daily_bodies(bundled: BundledProvider) -> dict[str, bytes]:
    """Encoded once: building 3,000 bars of JSON is slower than the clients' timeout."""
    return {t: json.dumps(daily_payload(bundled.history(t))).encode() for t in SERVED}


@pytest.fixture
def vendor(bundled: BundledProvider, daily_bodies: dict[str, bytes]) -> Iterator[Vendor]:
    state = Vendor(bundled, daily_bodies)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            status, body = (404, b"not found") if parts.path != "/query" else state.answer(query)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up on a slow answer, as it should

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
