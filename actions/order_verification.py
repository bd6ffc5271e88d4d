"""Verification before any order is shown: order number plus the email on the order.

Rules this module enforces (the dialogue cannot bypass them):
- a verification detail counts only if the customer typed it, in plain text, in
  the message being validated: a typed ``/intent{"order_email": ...}`` command or
  a value left over from an earlier turn is refused;
- "no such order" and "wrong email" get the same answer;
- failures are counted per conversation (the form ends after
  ``VERIFICATION_MAX_ATTEMPTS``) and rate-limited per order number and per
  conversation across processes, so sweeping order numbers gets nowhere.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.services import order_service, verification_limiter
from assistant import settings
from commerce.orders import normalize_email, parse_order_number

ORDER_NUMBER = "order_number"
ORDER_EMAIL = "order_email"
VERIFIED_CUSTOMER = "verified_customer_id"
FAILURES = "verification_failures"
VERIFICATION_SLOTS = (ORDER_NUMBER, ORDER_EMAIL)

MISMATCH = (
    "I couldn't match that order number with that email address. "
    "Please check both and let's try again."
)
TYPE_PLAINLY = "For your security, please type your order number and email as a normal message."
BAD_NUMBER = (
    "That doesn't look like an order number. It's the 7-digit number in your "
    "order confirmation email, for example 1004587."
)
BAD_EMAIL = "That doesn't look like an email address. Please type the email you used for the order."


def failures(tracker: Tracker) -> int:
    return int(tracker.get_slot(FAILURES) or 0)


def max_attempts() -> int:
    return settings.get_int("VERIFICATION_MAX_ATTEMPTS")


def verified_customer(tracker: Tracker) -> Optional[int]:
    value = tracker.get_slot(VERIFIED_CUSTOMER)
    return int(value) if value not in (None, "") else None


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


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
        """Ends the form early when verification is exhausted or already done."""
        if failures(tracker) >= max_attempts():
            return []
        customer = verified_customer(tracker)
        if customer is not None:
            if tracker.get_slot("order_goal") == "list":
                return []
            number = tracker.get_slot(ORDER_NUMBER)
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
                dispatcher.utter_message(text=TYPE_PLAINLY)
            tracker.slots.update({slot: None for slot in refused})
            return [SlotSet(slot, None) for slot in refused]

        events = await super().get_validation_events(dispatcher, tracker, domain)
        return events + self._verify(dispatcher, tracker)

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = parse_order_number(str(value))
        if number is None:
            dispatcher.utter_message(text=BAD_NUMBER)
        return {ORDER_NUMBER: number}

    def validate_order_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        email = normalize_email(str(value))
        if email is None:
            dispatcher.utter_message(text=BAD_EMAIL)
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
        result = {ORDER_NUMBER: None, ORDER_EMAIL: None, FAILURES: float(count)}
        tracker.slots.update(result)
        if count < max_attempts():
            dispatcher.utter_message(text=MISMATCH)
        return [SlotSet(k, v) for k, v in result.items()]
