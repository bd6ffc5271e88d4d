"""Serves the web chat page (web/) next to the Rasa server.

A static file server in a thread of the launcher: the page, its vendored widget
(`make setup` copies it from node_modules into web/vendor/) and a `config.js`
telling the page where Rasa's socket.io channel is.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Mapping

from assistant.settings import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"
WIDGET = WEB_DIR / "vendor" / "rasa-webchat.js"


def page_config(env: Mapping[str, str]) -> dict[str, str]:
    """What the page needs to know: an explicit socket URL, or the Rasa port on the page's own host."""
    return {"socketUrl": env["WEB_SOCKET_URL"], "rasaPort": env["RASA_PORT"]}


class PageHandler(SimpleHTTPRequestHandler):
    """web/ as static files, plus the generated /config.js; no request logging (paths only, but quiet)."""

    def __init__(self, *args, config: dict[str, str], **kwargs) -> None:
        self.config = config
        super().__init__(*args, directory=str(WEB_DIR), **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.js":
            body = f"window.KESTREL_CONFIG = {json.dumps(self.config)};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_page_server(env: Mapping[str, str]) -> ThreadingHTTPServer:
    """Serve the page on 127.0.0.1:WEB_PORT in a daemon thread."""
    server = ThreadingHTTPServer(("127.0.0.1", int(env["WEB_PORT"])), partial(PageHandler, config=page_config(env)))
    threading.Thread(target=server.serve_forever, name="web-page", daemon=True).start()
    return server
