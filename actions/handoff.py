"""Handing a conversation to a person: the ticket, the routing, the pause, and the rating after.

Triggers (``support.escalation`` decides, the ``HANDOFF_*`` settings configure):
- the customer asks for a person (``request_human`` → ``action_handoff``);
- the assistant did not understand ``HANDOFF_FALLBACK_LIMIT`` messages in a row (the FAQ's
  "don't know" and the core fallback mark their replies, see :func:`not_understood`);
- verification failed ``HANDOFF_VERIFICATION_LIMIT`` times (the order actions);
- the latest message is clearly upset (``dialogue.upset_customer_policy`` predicts
  ``action_handoff`` from inside the Rasa server).

The handoff opens a ticket (category and priority predicted from the customer's messages,
queue from ``SUPPORT_QUEUES``) and returns ``ConversationPaused``: the Rasa server records
what the customer writes next but answers nothing until the agent console resumes the
conversation through the Rasa HTTP API and triggers ``EXTERNAL_handoff_resolved``, which
asks for the 1–5 rating stored on the ticket.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions import replies
from actions.skill import current_session
from actions.order_verification import failures, verified_customer
from support.escalation import ConversationSummary, HandoffReason, decide
from support.routing import conversation_text, queue_for
from support.sentiment import analyse

log = logging.getLogger(__name__)

# Metadata key on bot messages that admit the assistant did not understand the customer.
NOT_UNDERSTOOD = "not_understood"
REQUEST_HUMAN_INTENT = "request_human"
RECENT_CUSTOMER_MESSAGES = 20
LEAD_IN = {reason: f"handoff.lead_in.{reason.value}" for reason in HandoffReason}
RATING_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def earlier_failed_turns(events: List[Dict[Text, Any]]) -> int:
    """How many customer messages in a row before the current one the assistant did not understand."""
    count, failed, current_seen = 0, False, False
    for event in reversed(events):
        kind = event.get("event")
        if kind in ("session_started", "restart"):
            break
        if kind == "user":
            if not current_seen:
                current_seen = True
            elif failed:
                count += 1
            else:
                break
            failed = False
        elif kind == "bot" and current_seen and (event.get("metadata") or {}).get(NOT_UNDERSTOOD):
            failed = True
    return count


def customer_messages(tracker: Tracker) -> List[str]:
    """What the customer typed in this session (button payloads left out), oldest first."""
    texts = [
        event.get("text") or ""
        for event in current_session(tracker.events)
        if event.get("event") == "user" and not (event.get("text") or "").lstrip().startswith("/")
    ]
    return [text for text in texts if text.strip()][-RECENT_CUSTOMER_MESSAGES:]


def summarise(tracker: Tracker, *, not_understood_now: bool = False) -> ConversationSummary:
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    return ConversationSummary(
        asked_for_person=(latest.get("intent") or {}).get("name") == REQUEST_HUMAN_INTENT,
        consecutive_fallbacks=earlier_failed_turns(tracker.events) + int(not_understood_now),
        failed_verifications=failures(tracker),
        sentiment_score=None if text.lstrip().startswith("/") else analyse(text).score,
    )


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: HandoffReason) -> List[EventType]:
    """Open (or find) the conversation's ticket, tell the customer, pause the bot.

    If the ticket cannot be stored, the customer gets the contact details instead and the
    assistant keeps answering: nobody is left waiting for an agent who will never come.
    """
    try:
        router = services.support_router()
        routing = router.predict(conversation_text(customer_messages(tracker))) if router else None
        category, priority = (routing.category, routing.priority) if routing else ("other", "normal")
        ticket, _ = services.ticket_service().open(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            customer_id=verified_customer(tracker),
            reason=reason.value,
            category=category,
            priority=priority,
            queue=queue_for(category, services.support_queues()),
        )
    except Exception as error:  # database or model trouble: say how to reach a person another way
        log.error("Handoff failed: %s", type(error).__name__, exc_info=error)
        dispatcher.utter_message(text=replies.text("handoff.unreachable", lead_in=replies.text(LEAD_IN[reason])))
        return []
    dispatcher.utter_message(
        text=replies.text("handoff.passed_on", lead_in=replies.text(LEAD_IN[reason]), queue=ticket.queue,
                          ticket=ticket.id)
    )
    events: List[EventType] = []
    if tracker.active_loop.get("name"):
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return events + [ConversationPaused()]


def handoff_if_due(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, not_understood_now: bool = False
) -> Optional[List[EventType]]:
    """The handoff's events when a trigger holds for this conversation now, else None."""
    decision = decide(summarise(tracker, not_understood_now=not_understood_now), services.escalation_policy())
    return hand_off(dispatcher, tracker, decision.reason) if decision.handoff and decision.reason else None


def not_understood(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, buttons: Optional[List[Dict[str, str]]] = None
) -> List[EventType]:
    """Admit not understanding (marked, so the next miss can count it), or hand off at the limit."""
    handoff = handoff_if_due(dispatcher, tracker, not_understood_now=True)
    if handoff is not None:
        return handoff
    dispatcher.utter_message(text=text, buttons=buttons or [], **{NOT_UNDERSTOOD: True})
    return []


class ActionHandoff(Action):
    """Runs when the customer asks for a person or sounds clearly upset."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        handoff = handoff_if_due(dispatcher, tracker)
        if handoff is not None:
            return handoff
        # The trigger is switched off (HANDOFF_ON_REQUEST=false): say how to reach a person instead.
        dispatcher.utter_message(text=replies.text("contact.human"))
        return []


class ActionDefaultFallback(Action):
    """Rasa's core fallback (same name, so it replaces the built-in one), counted toward the handoff."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events = not_understood(dispatcher, tracker, replies.text("fallback.default"))
        # Like the built-in action: the message is taken back so that the dialogue continues as before it.
        return events or [UserUtteranceReverted()]


def rating_in(tracker: Tracker) -> Optional[int]:
    """A 1–5 rating from the button's entity or the typed text ("4", "four stars", "5/5")."""
    value = next(tracker.get_latest_entity_values("support_rating"), None)
    text = str(value) if value is not None else ((tracker.latest_message or {}).get("text") or "")
    numbers = re.findall(r"\b([1-5])(?:\s*/\s*5|\s*(?:out of|of)\s*5)?\b", text)
    words = [RATING_WORDS[w] for w in re.findall(r"\b(one|two|three|four|five)\b", text.lower())]
    found = {int(n) for n in numbers} | set(words)
    return found.pop() if len(found) == 1 else None


class ActionAskSupportRating(Action):
    """After an agent resolves the ticket (``EXTERNAL_handoff_resolved``): ask for a 1–5 rating."""

    def name(self) -> Text:
        return "action_ask_support_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(
            text=replies.text("rating.question"),
            buttons=[{"title": str(n), "payload": f'/rate_support{{"support_rating":"{n}"}}'} for n in range(1, 6)],
        )
        return []


class ActionStoreSupportRating(Action):
    """Stores the customer's rating on the ticket that was just resolved."""

    def name(self) -> Text:
        return "action_store_support_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        tickets = services.ticket_service()
        try:
            ticket = tickets.awaiting_rating(tracker.sender_id)
        except Exception as error:  # the database is away: thank the customer rather than fail the turn
            log.error("Could not look up the ticket to rate: %s", type(error).__name__)
            dispatcher.utter_message(text=replies.text("rating.not_saved"))
            return []
        if ticket is None:
            dispatcher.utter_message(text=replies.text("rating.nothing_to_rate"))
            return []
        rating = rating_in(tracker)
        if rating is None:
            dispatcher.utter_message(text=replies.text("rating.pick_a_number"))
            return []
        tickets.rate(ticket.id, rating)
        dispatcher.utter_message(text=replies.text("rating.thanks"))
        return []
