"""Verification before any order is shown: order number plus the email on the order.

Rules this module enforces (the dialogue cannot bypass them):
- a verification detail counts only if the customer typed it, in plain text, in
  the message being validated: a typed ``/intent{"order_email": ...}`` command or
  a value left over from an earlier turn is refused;
- "no such order" and "wrong email" get the same answer (the number tried is kept for a
  corrected email, whichever was wrong);
- only an answer-like message is read as an answer (domain.yml maps free text for ``inform``
  only), and a failed reading of one detail is not complained about when the message holds the
  other ("oops, it's jane@…" while the number is asked);
- failures are counted per conversation (the form ends after
  ``VERIFICATION_MAX_ATTEMPTS``) and rate-limited per order number and per
  conversation across processes, so sweeping order numbers gets nowhere.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import replies
from actions.services import order_service, verification_limiter
from assistant import settings
from commerce.orders import normalize_email, parse_order_number
from dialogue.context import CURRENT_ORDER, VERIFIED_CUSTOMER

# Something in a message that is clearly an attempt at the other detail: then a failed reading
# of this one is not worth a complaint ("oops, it's jane@example.com" while the number is asked).
EMAIL_LIKE = re.compile(r"\S+@\S+")
NUMBER_LIKE = re.compile(r"\d(?:[ -]?\d){4,}")
# "my other order", "another one": not the order under discussion.
ANOTHER_ORDER = re.compile(r"\b(?:other|another|different|second|else)\b", re.I)

ORDER_NUMBER = "order_number"
ORDER_EMAIL = "order_email"
FAILURES = "verification_failures"
VERIFICATION_SLOTS = (ORDER_NUMBER, ORDER_EMAIL)
FORM = "order_verification_form"


def failures(tracker: Tracker) -> int:
    return int(tracker.get_slot(FAILURES) or 0)


def max_attempts() -> int:
    return settings.get_int("VERIFICATION_MAX_ATTEMPTS")


def verified_customer(tracker: Tracker) -> Optional[int]:
    value = tracker.get_slot(VERIFIED_CUSTOMER)
    return int(value) if value not in (None, "") else None


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def number_of_this_request(tracker: Tracker) -> Optional[str]:
    """The order number given for the request the form is serving: in this message, or since the
    message that started the form. A number left from an earlier request (answered or dropped) is
    not it: "cancel it" then means the order under discussion."""
    fresh = tracker.slots_to_validate().get(ORDER_NUMBER)
    if fresh:
        return str(fresh)
    events = tracker.events
    started = [i for i, e in enumerate(events) if e.get("event") == "active_loop" and e.get("name") == FORM]
    if not started or tracker.active_loop.get("name") != FORM:
        return None
    request = max((i for i, e in enumerate(events[: started[-1]]) if e.get("event") == "user"), default=0)
    given = [e.get("value") for e in events[request:] if e.get("event") == "slot" and e.get("name") == ORDER_NUMBER]
    return str(given[-1]) if given and given[-1] else None


def is_intent_command(text: str) -> bool:
    """`/intent{...}` typed by the customer: Rasa would turn its JSON into entities."""
    return text.lstrip().startswith("/")


class ValidateOrderVerificationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_order_verification_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Ends the form early when verification is exhausted or not needed.

        A verified customer is not asked again for their own orders: listing and "like my last
        order" need nothing; a status or cancellation needs only a number that is theirs, or the
        order already under discussion. Someone else's order needs that order's email.
        """
        if failures(tracker) >= max_attempts():
            return []
        customer = verified_customer(tracker)
        if customer is None:
            return domain_slots
        goal = tracker.get_slot("order_goal")
        if goal in ("list", "recommend_similar"):
            return []
        number = number_of_this_request(tracker)
        if number is None and not ANOTHER_ORDER.search(latest_text(tracker)):
            number = tracker.get_slot(CURRENT_ORDER)
        if number and order_service().order_belongs_to(number, customer):
            return []
        return domain_slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Drops verification values not typed in plain text in this message, then validates."""
        text = latest_text(tracker)
        new_values = tracker.slots_to_validate()
        refused = [
            slot
            for slot in VERIFICATION_SLOTS
            if new_values.get(slot) is not None
            and (is_intent_command(text) or str(new_values[slot]).strip().lower() not in text.lower())
        ]
        if refused:
            if is_intent_command(text):
                dispatcher.utter_message(text=replies.text("verify.type_plainly"))
            tracker.slots.update({slot: None for slot in refused})
            return [SlotSet(slot, None) for slot in refused]

        events = await super().get_validation_events(dispatcher, tracker, domain)
        return events + self._verify(dispatcher, tracker)

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = parse_order_number(str(value))
        if number is None and not EMAIL_LIKE.search(latest_text(tracker)):
            dispatcher.utter_message(text=replies.text("verify.bad_number"))
        return {ORDER_NUMBER: number}

    def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        email = normalize_email(str(value))
        if email is None and not NUMBER_LIKE.search(latest_text(tracker)):
            dispatcher.utter_message(text=replies.text("verify.bad_email"))
        return {ORDER_EMAIL: email}

    def _verify(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Checks number and email against the database once both are present."""
        number, email = tracker.get_slot(ORDER_NUMBER), tracker.get_slot(ORDER_EMAIL)
        customer = verified_customer(tracker)
        if not number or (customer is not None and order_service().order_belongs_to(number, customer)):
            return []
        if not email:
            return []

        limiter = verification_limiter()
        subjects = (f"order:{number}", f"conversation:{tracker.sender_id}")
        customer_id = None
        if not any(limiter.exhausted(subject) for subject in subjects):
            customer_id = order_service().verify(number, email)
        if customer_id is not None:
            result = {VERIFIED_CUSTOMER: str(customer_id), FAILURES: 0.0}
            tracker.slots.update(result)
            return [SlotSet(k, v) for k, v in result.items()]

        for subject in subjects:
            limiter.record(subject)
        limited = any(limiter.exhausted(subject) for subject in subjects)
        count = max_attempts() if limited else failures(tracker) + 1
        # The number tried is kept, so "oops, it's jane@…" retries it with the corrected email and a
        # new number replaces it; the answer is the same whichever of the two was wrong.
        result = {ORDER_NUMBER: None if limited else number, ORDER_EMAIL: None, FAILURES: float(count)}
        tracker.slots.update(result)
        if count < max_attempts():
            dispatcher.utter_message(text=replies.text("verify.mismatch"))
        return [SlotSet(k, v) for k, v in result.items()]
