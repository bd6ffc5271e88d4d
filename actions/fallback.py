"""The first stage of the two-stage fallback: "Did you mean …?" in words, not intent names."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

INTENT_DESCRIPTIONS = {
    "order_status": "check the status of an order",
    "list_orders": "see your recent orders",
    "cancel_order": "cancel an order",
    "request_human": "talk to a person",
    "ask_capabilities": "hear what I can do",
    "greet": "say hello",
    "goodbye": "end the conversation",
    "thank": "say thanks",
    "bot_challenge": "know whether you're talking to a bot",
    "restart": "start over",
}
IGNORED = {"nlu_fallback", "out_of_scope", "inform", "affirm", "deny", "stop"}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        guess = next(
            (r["name"] for r in ranking if r.get("name") in INTENT_DESCRIPTIONS and r["name"] not in IGNORED),
            None,
        )
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(
            text=f"Sorry, I'm not sure I understood. Do you want to {INTENT_DESCRIPTIONS[guess]}?",
            buttons=[
                {"title": "Yes", "payload": f"/{guess}"},
                {"title": "No, something else", "payload": "/out_of_scope"},
            ],
        )
        return []
