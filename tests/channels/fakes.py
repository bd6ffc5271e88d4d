"""A local HTTP server standing in for Slack's Web API and Twilio's REST API.

It answers as they do (`{"ok": true}` for Slack, 201 with a message sid for Twilio)
and records every request, so tests can check what the assistant sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import parse_qs


def send_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    """Answer a request of a local fake HTTP API with *body* as JSON."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]
    json: Optional[dict]


class FakeApis:
    """Records requests; `wait_for` polls them the way a test waits for a reply."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()

    def matching(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate: Callable[[Recorded], bool], count: int = 1, timeout_s: float = 90) -> list[Recorded]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        raise AssertionError(f"expected {count} matching request(s) within {timeout_s} s, got {len(self.matching(predicate))}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                is_json = (self.headers.get("Content-Type") or "").startswith("application/json")
                record = Recorded(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    form={} if is_json else parse_qs(body, keep_blank_values=True),
                    json=json.loads(body) if is_json and body else None,
                )
                with fake._lock:
                    fake.requests.append(record)
                if "/2010-04-01/Accounts/" in self.path:  # Twilio Messages resource
                    self._answer(201, {"sid": f"SM{len(fake.requests):032d}", "status": "queued"})
                else:  # Slack Web API
                    self._answer(200, {"ok": True, "channel": "D0", "ts": "1.0"})

            def _answer(self, status: int, body: dict) -> None:
                send_json(self, status, body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def form_value(record: Recorded, name: str) -> str:
    return (record.form.get(name) or [""])[0]


def slack_text(record: Recorded) -> str:
    """The text of a chat.postMessage call, whichever way slack_sdk encoded it."""
    if record.json is not None:
        return str(record.json.get("text", ""))
    return form_value(record, "text")


def slack_channel(record: Recorded) -> str:
    return str(record.json.get("channel", "")) if record.json is not None else form_value(record, "channel")
