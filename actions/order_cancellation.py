"""Cancelling an order that has not shipped, only after an explicit yes."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.order_status import clear_order_details, money, verified_or_explain
from actions.order_verification import ORDER_NUMBER, verified_customer
from actions.services import order_service
from commerce.orders import STATUS_LABELS, CancelOutcome

PENDING = "pending_cancellation"


class ActionRequestCancellation(Action):
    """Explains why an order can't be cancelled, or asks the customer to confirm."""

    def name(self) -> Text:
        return "action_request_cancellation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        number = tracker.get_slot(ORDER_NUMBER)
        order = order_service().order_for_customer(number, customer) if customer and number else None
        if customer is not None and order is None:
            dispatcher.utter_message(text="Which order should I cancel? Tell me its 7-digit number.")
        if order is None:
            return clear_order_details() + handoff
        if order.status == "cancelled":
            dispatcher.utter_message(text=f"Order {order.number} is already cancelled.")
        elif not order.cancellable:
            dispatcher.utter_message(
                text=f"Order {order.number} is {STATUS_LABELS[order.status]}, so it can no longer be "
                "cancelled. Once it has arrived you can return it within 30 days for a refund."
            )
        else:
            count = sum(item.quantity for item in order.items)
            dispatcher.utter_message(
                text=f"Cancel order {order.number} ({count} item{'s' if count != 1 else ''}, "
                f"{money(order.total, order.currency)})? You'll get a full refund; this can't be undone.",
                buttons=[
                    {"title": "Yes, cancel it", "payload": "/affirm"},
                    {"title": "No, keep it", "payload": "/deny"},
                ],
            )
            return clear_order_details() + [SlotSet(PENDING, order.number)]
        return clear_order_details()


class ActionCancelOrder(Action):
    """The confirmed cancellation: a real write, re-checked in the database."""

    def name(self) -> Text:
        return "action_cancel_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        number = tracker.get_slot(PENDING)
        customer = verified_customer(tracker)
        if not number or customer is None:
            dispatcher.utter_message(text="There's no cancellation waiting for your confirmation.")
            return []
        result = order_service().cancel(number, customer, reason="Cancelled by the customer in chat")
        messages = {
            CancelOutcome.CANCELLED: f"Done: order {number} is cancelled. Your refund will reach "
            "your original payment method within 5 business days.",
            CancelOutcome.ALREADY_CANCELLED: f"Order {number} was already cancelled.",
            CancelOutcome.NOT_CANCELLABLE: f"Order {number} has shipped in the meantime, so it "
            "can no longer be cancelled. You can return it once it arrives.",
            CancelOutcome.NOT_FOUND: "I couldn't find that order any more. Nothing was changed.",
        }
        dispatcher.utter_message(text=messages[result.outcome])
        return [SlotSet(PENDING, None)]


class ActionKeepOrder(Action):
    def name(self) -> Text:
        return "action_keep_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        number = tracker.get_slot(PENDING)
        text = f"OK, order {number} stays as it is." if number else "OK, nothing was changed."
        dispatcher.utter_message(text=text)
        return [SlotSet(PENDING, None)]
