"""Rasa's socket.io channel (the web chat page's), with two fixes and the REST channel's checks.

- Long-polling only: with Rasa 3.6's Sanic 21 and python-engineio 4 the websocket
  upgrade fails in the browser ("Invalid frame header") and can leave the client
  polling in a tight loop without ever connecting.
- Session persistence works again: Rasa calls python-socketio 5's *async*
  `enter_room` without awaiting it, so the browser never joins its session's room
  and bot replies (sent to that room) never arrive.
- Like the REST channel: malformed events are dropped with a logged reason, empty or
  oversized messages get a polite reply, and no message text is logged.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from channels.rest import MAX_SENDER_CHARS, pseudonym, refusal
from channels.compound import splitting

logger = logging.getLogger(__name__)


def session_id_from(data: Any) -> Optional[str]:
    """The session id a client asks for, if it is a sensible one."""
    value = data.get("session_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= MAX_SENDER_CHARS else None


class PollingSocketIOInput(SocketIOInput):
    """Same name, URL (/socket.io) and events as Rasa's `socketio` channel."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = splitting(on_new_message)  # several requests in one message: each served
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        sio.eio.transports = ["polling"]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = session_id_from(data) or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            sender = session_id_from(data) if self.session_persistence else sid
            text = data.get("message") if isinstance(data, dict) else None
            if isinstance(data, dict) and "message" not in data:
                return  # the widget's empty "init payload" on connect: nothing to answer
            if sender is None or not isinstance(text, str):
                logger.warning("socket.io message dropped: expected {\"message\": str, \"session_id\": str}")
                return
            output = SocketIOOutput(sio, self.bot_message_evt)
            polite = refusal(text)
            if polite is not None:
                await output.send_text_message(sender, polite)
                return
            metadata = data.get(self.metadata_key) if isinstance(data.get(self.metadata_key), dict) else {}
            try:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata))
            except Exception as error:  # the customer still gets an answer, the log no text
                logger.error("socket.io message from %s failed: %s", pseudonym(sender), type(error).__name__)
                await output.send_text_message(sender, "Sorry, something went wrong on my side. Please try again.")

        return webhook
