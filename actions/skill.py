"""The shape every skill action follows: work off the event loop, one error policy.

``SkillAction.answer`` runs in a worker thread (database queries, model inference and chart
drawing block), so the action server's event loop keeps serving other conversations. Any
exception becomes the skill's polite "unavailable" reply (``unavailable_reply`` in the reply
catalogue) and a log line naming only the error's type: a skill never crashes a conversation and
never writes customer text to the log. Subclasses may handle their own errors first in
:meth:`SkillAction.failed`.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import replies

log = logging.getLogger(__name__)


def current_session(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The events since the latest session start (Rasa sends the whole history to actions)."""
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] + 1:] if starts else events


class SkillAction(Action, ABC):
    """Abstract, so rasa-sdk's executor does not register it as an action."""

    unavailable_reply = "skill.unavailable"

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        """Utter the answer and return the events (runs in a worker thread)."""

    def failed(self, dispatcher: CollectingDispatcher, error: Exception) -> List[EventType]:
        """The answer when :meth:`answer` raised; by default the skill's "unavailable" reply."""
        log.error("%s failed: %s", self.name(), type(error).__name__, exc_info=error)
        dispatcher.utter_message(text=replies.text(self.unavailable_reply))
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        try:
            return await asyncio.to_thread(self.answer, dispatcher, tracker, domain)
        except Exception as error:  # an answer must never crash the conversation
            return self.failed(dispatcher, error)
