"""The REST channel with its input checked before Rasa sees it.

Rasa's stock REST channel answers 500 to an empty or non-object JSON body and
logs the message text when processing fails. This one answers 400 with a reason
for malformed requests, a polite bot message for empty or oversized messages,
and logs no message text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import settings

logger = logging.getLogger(__name__)

# Rasa warns with the whole text of a typed `/intent{...}` whose entities it does
# not know, and that text may hold an email or order number: keep it out of logs.
warnings.filterwarnings("ignore", message="Failed to parse arguments in line")

MAX_SENDER_CHARS = 128


class InvalidRequest(Exception):
    """A request we refuse with 400; the message is safe to return."""


def pseudonym(sender_id: str) -> str:
    """A stable, non-reversible id for logs, so no customer identifier is written."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:12]


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
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
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


class ValidatedRestInput(RestInput):
    """Same URL and answer format as Rasa's `rest` channel: /webhooks/rest/webhook."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_body(request.body or b"")
            except InvalidRequest as error:
                return response.json({"error": "bad_request", "reason": str(error)}, status=400)
            polite = refusal(text)
            if polite is not None:
                return response.json([{"recipient_id": sender, "text": polite}])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                )
            except CancelledError:
                logger.error("REST message from %s timed out", pseudonym(sender))
            except Exception as error:  # the customer still gets an answer, the log no text
                logger.error("REST message from %s failed: %s", pseudonym(sender), type(error).__name__)
                collector.messages.append(
                    {"recipient_id": sender, "text": "Sorry, something went wrong on my side. Please try again."}
                )
            return response.json(collector.messages)

        return webhook
