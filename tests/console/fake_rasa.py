"""A local stand-in for the parts of Rasa's HTTP API the console uses, recording every request.

Like Rasa 3.6 it takes the conversation id from the raw path (no
percent-decoding), checks ``?token=``, keeps appended events per conversation
and answers ``trigger_intent``. Switches: ``failing`` (HTTP 500), ``delay_s``,
and :meth:`stop` (connections refused until :meth:`start`).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qsl

from assistant.stack_process import free_port
from tests.channels.fakes import send_json

ROUTES = re.compile(r"^/conversations/(?P<conversation>.+?)/(?P<endpoint>tracker|tracker/events|trigger_intent)$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    conversation_id: Optional[str]
    endpoint: Optional[str]
    query: dict[str, str]
    body: Any


class FakeRasa:
    def __init__(self, token: str = "rasa-test-token") -> None:
        self.token = token
        self.port = free_port()
        self.requests: list[RecordedRequest] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.failing = False
        self.delay_s = 0.0
        self._server: Optional[ThreadingHTTPServer] = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, name="fake-rasa", daemon=True).start()

    def stop(self) -> None:
        """Close the port: the console's requests are refused until start()."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def _tracker(self, conversation_id: str) -> dict[str, Any]:
        return {"sender_id": conversation_id, "events": list(self.events.get(conversation_id, [])),
                "paused": False, "latest_message": {}}

    def _answer(self, conversation_id: str, endpoint: str, body: Any) -> dict[str, Any]:
        if endpoint == "tracker/events":
            appended = body if isinstance(body, list) else [body]
            self.events.setdefault(conversation_id, []).extend(appended)
        if endpoint == "trigger_intent":
            return {"tracker": self._tracker(conversation_id), "messages": []}
        return self._tracker(conversation_id)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        path, _, query_string = handler.path.partition("?")
        query = dict(parse_qsl(query_string))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        route = ROUTES.match(path)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, route and route["conversation"],
                                                 route and route["endpoint"], query, body))
            if self.delay_s:
                time.sleep(self.delay_s)
            if query.get("token") != self.token:
                status, answer = 401, {"status": "failure", "reason": "NotAuthenticated"}
            elif self.failing:
                status, answer = 500, {"status": "failure", "reason": "ConversationError"}
            elif route is None:
                status, answer = 404, {"status": "failure", "reason": "NotFound"}
            else:
                status, answer = 200, self._answer(route["conversation"], route["endpoint"], body)
        send_json(handler, status, answer)
