"""The console's client of Rasa's HTTP API: read a transcript, speak as an agent, give the bot back.

Blocking (``requests``): handlers call it through ``asyncio.to_thread``.
Every failure becomes :class:`RasaUnavailable` with a message safe to show
an agent; the API token never appears in it.

Conversation ids go into the path as they are. Rasa 3.6's router does not
percent-decode ``<conversation_id:path>``, so an escaped id would name a
different, empty conversation; ids with characters that would need escaping
(spaces, ``?``, ``#``, ``%``, non-ASCII) are refused instead.
"""

from __future__ import annotations

import time
from typing import Any, Optional
from urllib.parse import quote

import requests

from assistant import settings
from console.transcript import TranscriptEntry, entries

TIMEOUT_S = 10.0
# RFC 3986 path characters besides letters and digits; Rasa's path converter also takes "/".
PATH_SAFE = "/:@!$&'()*+,;=-._~"
HANDOFF_RESOLVED_INTENT = "EXTERNAL_handoff_resolved"


class RasaUnavailable(RuntimeError):
    """Rasa could not do what the console asked; the message says why without secrets or content."""


class RasaClient:
    """Rasa's HTTP API at *base_url*, authenticated with *token* (``?token=``)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._http = requests.Session()

    @classmethod
    def from_settings(cls) -> RasaClient:
        """``RASA_SERVER_URL`` with ``RASA_API_TOKEN``, or the token the launcher generated in ``var/``."""
        return cls(settings.rasa_server_url(), settings.rasa_api_token())

    def _call(self, method: str, conversation_id: str, endpoint: str, *, params: Optional[dict[str, str]] = None,
              body: Any = None) -> Any:
        path = quote(conversation_id, safe=PATH_SAFE)
        if not conversation_id or path != conversation_id:
            raise RasaUnavailable("This conversation's id cannot be addressed through Rasa's HTTP API.")
        try:
            answer = self._http.request(method, f"{self.base_url}/conversations/{path}/{endpoint}",
                                        params={**(params or {}), "token": self._token}, json=body,
                                        timeout=self._timeout_s)
        except requests.RequestException:
            raise RasaUnavailable("The assistant's server could not be reached.") from None
        if answer.status_code in (401, 403):
            raise RasaUnavailable("The assistant's server refused the console's API token (RASA_API_TOKEN).")
        if answer.status_code >= 400:
            raise RasaUnavailable(f"The assistant's server answered with an error (HTTP {answer.status_code}).")
        try:
            return answer.json()
        except ValueError:
            raise RasaUnavailable("The assistant's server sent an answer the console cannot read.") from None

    def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        tracker = self._call("GET", conversation_id, "tracker", params={"include_events": "ALL"})
        events = tracker.get("events") if isinstance(tracker, dict) else None
        if not isinstance(events, list):
            raise RasaUnavailable("The assistant's server sent a conversation without events.")
        return entries(e for e in events if isinstance(e, dict))

    def send_agent_message(self, conversation_id: str, text: str, agent_display_name: str, ticket_id: int) -> None:
        """Append a bot message signed by the agent; Rasa also sends it on the customer's latest channel."""
        event = {"event": "bot", "text": text, "timestamp": time.time(),
                 "metadata": {"agent": agent_display_name, "ticket_id": ticket_id}}
        self._call("POST", conversation_id, "tracker/events",
                   params={"output_channel": "latest", "execute_side_effects": "true"}, body=[event])

    def resume_and_ask_rating(self, conversation_id: str) -> None:
        """Give the conversation back to the assistant, which then asks the customer for a 1-5 rating."""
        # The bot was paused right after an action: it listens again, so rules about the next
        # user turn (the resolved intent below, then the customer's messages) apply.
        now = time.time()
        self._call("POST", conversation_id, "tracker/events", body=[
            {"event": "resume", "timestamp": now}, {"event": "action", "name": "action_listen", "timestamp": now}])
        self._call("POST", conversation_id, "trigger_intent", params={"output_channel": "latest"},
                   body={"name": HANDOFF_RESOLVED_INTENT, "entities": {}})
