"""How a customer reaches a person: the one place that wording and the settings meet."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant import settings


def human_contact_text() -> str:
    return (
        f"You can reach a person on our support team by email at {settings.get('SUPPORT_EMAIL')} "
        f"or by phone on {settings.get('SUPPORT_PHONE')}."
    )


class ActionOfferHuman(Action):
    """Tells the customer how to reach a person."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=human_contact_text())
        return []
