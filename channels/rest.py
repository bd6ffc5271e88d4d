"""The REST channel with its input checked before Rasa sees it, and an outbox.

Rasa's stock REST channel answers 500 to an empty or non-object JSON body and
logs the message text when processing fails. This one answers 400 with a reason
for malformed requests, a polite bot message for empty or oversized messages,
and logs no message text.

Rasa's REST channel also drops what is sent to a customer outside a webhook
request (a support agent's reply or the rating question, sent through Rasa's
HTTP API with `output_channel=latest`): an HTTP answer is the only way it can
reach the customer. Here such messages wait in an outbox in the key-value store
(Redis with `REDIS_URL`, shared by every Rasa process; else this process's
memory) until the customer fetches them, once, from
`GET /webhooks/rest/outbox/<sender>`, in the webhook's answer format.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import warnings
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple
from urllib.parse import unquote

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import settings
from assistant.kv import KeyValueStore, store_for
from channels.compound import splitting

logger = logging.getLogger(__name__)

# Rasa warns with the whole text of a typed `/intent{...}` whose entities it does
# not know, and that text may hold an email or order number: keep it out of logs.
warnings.filterwarnings("ignore", message="Failed to parse arguments in line")

MAX_SENDER_CHARS = 128
OUTBOX_KEY_PREFIX = "rest-outbox:"


class InvalidRequest(Exception):
    """A request we refuse with 400; the message is safe to return."""


def pseudonym(sender_id: str) -> str:
    """A stable, non-reversible id for logs, so no customer identifier is written."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:12]


def check_sender(sender: Any) -> str:
    """*sender* if it can name a conversation, else InvalidRequest with the reason."""
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
    return sender


def bad_request(error: InvalidRequest) -> HTTPResponse:
    return response.json({"error": "bad_request", "reason": str(error)}, status=400)


def parse_body(raw: bytes) -> Tuple[str, str, Optional[Dict[str, Any]]]:
    """(sender, message, metadata) from a request body, or InvalidRequest with the reason."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidRequest("The body must be UTF-8 encoded JSON.") from None
    except ValueError:
        raise InvalidRequest('The body must be JSON: {"sender": "...", "message": "..."}.') from None
    if not isinstance(body, dict):
        raise InvalidRequest('The body must be a JSON object: {"sender": "...", "message": "..."}.')
    sender, message, metadata = check_sender(body.get("sender")), body.get("message"), body.get("metadata")
    if not isinstance(message, str):
        raise InvalidRequest('"message" must be a string.')
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest('"metadata" must be a JSON object when given.')
    return sender, message, metadata


def refusal(message: str) -> Optional[str]:
    """A polite answer for messages not worth sending to the model, else None."""
    limit = settings.get_int("MAX_MESSAGE_CHARS")
    if not message.strip():
        return "I didn't get any text there. What can I help you with?"
    if len(message) > limit:
        return (
            f"That message is too long for me (over {limit:,} characters). "
            "Could you tell me in a sentence or two what you need?"
        )
    return None


class Outbox:
    """Messages waiting for REST customers, under `rest-outbox:<sender>` in the key-value store.

    The store's clients block, so every call runs in a worker thread, off the server's event loop.
    """

    def __init__(self, store: KeyValueStore, ttl_s: int) -> None:
        self._store = store
        self._ttl_s = ttl_s

    @classmethod
    def from_settings(cls) -> "Outbox":
        return cls(store_for(settings.get("REDIS_URL")), settings.get_int("REST_OUTBOX_TTL_S"))

    async def put(self, sender: str, message: Dict[str, Any]) -> None:
        """Adds *message* for *sender*; the outbox expires `REST_OUTBOX_TTL_S` after its latest message."""
        await asyncio.to_thread(self._store.push, OUTBOX_KEY_PREFIX + sender, json.dumps(message).encode(), self._ttl_s)

    async def take(self, sender: str) -> List[Dict[str, Any]]:
        """The messages waiting for *sender*, oldest first, removed from the outbox."""
        waiting = await asyncio.to_thread(self._store.drain, OUTBOX_KEY_PREFIX + sender)
        return [json.loads(raw) for raw in waiting]


class OutboxOutput(CollectingOutputChannel):
    """Rasa's output channel for a REST conversation outside a webhook request: each message is
    collected exactly as for a webhook answer (so Rasa's HTTP API also lists it in its response)
    and put in the customer's outbox. It keeps the collector's name, so responses that vary by
    channel are chosen as for the webhook."""

    def __init__(self, outbox: Outbox) -> None:
        super().__init__()
        self.outbox = outbox

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message(message)
        await self.outbox.put(message["recipient_id"], message)


class ValidatedRestInput(RestInput):
    """Same URL and answer format as Rasa's `rest` channel: /webhooks/rest/webhook; plus the outbox."""

    def __init__(self) -> None:
        self.outbox = Outbox.from_settings()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_output_channel(self) -> OutputChannel:
        """Used by Rasa's HTTP API only; a webhook request collects its answer in its own collector."""
        return OutboxOutput(self.outbox)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = splitting(on_new_message)  # several requests in one message: each served
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request.body or b"")
            except InvalidRequest as error:
                return bad_request(error)
            polite = refusal(text)
            if polite is not None:
                return response.json([{"recipient_id": sender, "text": polite}])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                )
            except asyncio.CancelledError:
                logger.error("REST message from %s timed out", pseudonym(sender))
            except Exception as error:  # the customer still gets an answer, the log no text
                logger.error("REST message from %s failed: %s", pseudonym(sender), type(error).__name__)
                collector.messages.append(
                    {"recipient_id": sender, "text": "Sorry, something went wrong on my side. Please try again."}
                )
            return response.json(collector.messages)

        @webhook.route("/outbox/<sender:path>", methods=["GET"])
        async def outbox(_: Request, sender: str) -> HTTPResponse:
            sender = unquote(sender)  # Sanic 21 leaves path parameters encoded, even with unquote=True
            try:
                check_sender(sender)
            except InvalidRequest as error:
                return bad_request(error)
            try:
                messages = await self.outbox.take(sender)
            except Exception as error:  # the store is down: say so, never a 500 with a traceback
                logger.error("REST outbox of %s unavailable: %s", pseudonym(sender), type(error).__name__)
                return response.json(
                    {"error": "unavailable", "reason": "Messages cannot be fetched right now; try again shortly."},
                    status=503,
                )
            return response.json(messages)

        return webhook
