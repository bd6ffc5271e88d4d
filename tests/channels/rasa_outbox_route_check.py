"""Run in .venv/rasa: serve the REST channel's routes on a real Sanic server whose outbox store
is the Redis at REDIS_URL, fetch the outbox of the sender given on the command line, and print
(JSON) the HTTP status, the body and what the channel logged."""

import json
import logging
import socket
import sys

import aiohttp
from sanic import Sanic

from channels.rest import ValidatedRestInput

sender = sys.argv[1]
logged: list = []
handler = logging.Handler()
handler.emit = lambda record: logged.append(record.getMessage())
logging.getLogger("channels.rest").addHandler(handler)

with socket.socket() as sock:
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
app = Sanic("outbox_route_check", configure_logging=False)
app.blueprint(ValidatedRestInput.from_credentials(None).blueprint(lambda message: None), url_prefix="/webhooks/rest")


@app.listener("after_server_start")
async def fetch(app: Sanic, _loop: object) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/webhooks/rest/outbox/{sender}") as answer:
            print(json.dumps({"status": answer.status, "body": await answer.json(), "logged": logged}))
    app.stop()


app.run(host="127.0.0.1", port=port, access_log=False)
