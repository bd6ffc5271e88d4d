"""Cancelling an order that has not shipped, only after an explicit yes.

The order is the number just given or, for "cancel it", the order under discussion
(``current_order``); it becomes the order under discussion.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.order_status import clear_order_details, item_count, money, order_in_question, verified_or_explain
from actions.order_verification import verified_customer
from actions.services import order_service
from actions.skill import SkillAction
from commerce.orders import STATUS_LABELS, CancelOutcome
from dialogue.context import CURRENT_ORDER
from dialogue.context import PENDING_CANCELLATION as PENDING


class ActionRequestCancellation(SkillAction):
    """Explains why an order can't be cancelled, or asks the customer to confirm."""

    unavailable_reply = "order.unavailable"

    def name(self) -> Text:
        return "action_request_cancellation"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        number = order_in_question(tracker)
        order = order_service().order_for_customer(number, customer) if customer and number else None
        if customer is not None and order is None:
            dispatcher.utter_message(text=replies.text("cancel.which"))
        if order is None:
            return clear_order_details() + handoff
        discussed = clear_order_details() + [SlotSet(CURRENT_ORDER, order.number)]
        if order.status == "cancelled":
            dispatcher.utter_message(text=replies.text("cancel.already", number=order.number))
        elif not order.cancellable:
            dispatcher.utter_message(text=replies.text("cancel.too_late", number=order.number,
                                                       status=STATUS_LABELS[order.status]))
        else:
            dispatcher.utter_message(
                text=replies.text("cancel.confirm", number=order.number,
                                  items=replies.text("order.items", count=item_count(order)),
                                  total=money(order.total, order.currency)),
                buttons=[
                    {"title": replies.text("cancel.button_yes"), "payload": "/affirm"},
                    {"title": replies.text("cancel.button_no"), "payload": "/deny"},
                ],
            )
            return discussed + [SlotSet(PENDING, order.number)]
        return discussed


class ActionCancelOrder(SkillAction):
    """The confirmed cancellation: a real write, re-checked in the database."""

    unavailable_reply = "order.unavailable"

    def name(self) -> Text:
        return "action_cancel_order"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        number = tracker.get_slot(PENDING)
        customer = verified_customer(tracker)
        if not number or customer is None:
            dispatcher.utter_message(text=replies.text("cancel.nothing_pending"))
            return []
        result = order_service().cancel(number, customer, reason="Cancelled by the customer in chat")
        outcome = {
            CancelOutcome.CANCELLED: "cancel.done",
            CancelOutcome.ALREADY_CANCELLED: "cancel.was_already",
            CancelOutcome.NOT_CANCELLABLE: "cancel.shipped_meanwhile",
            CancelOutcome.NOT_FOUND: "cancel.not_found",
        }[result.outcome]
        dispatcher.utter_message(text=replies.text(outcome, number=number))
        return [SlotSet(PENDING, None)]


class ActionKeepOrder(SkillAction):
    unavailable_reply = "order.unavailable"

    def name(self) -> Text:
        return "action_keep_order"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        number = tracker.get_slot(PENDING)
        dispatcher.utter_message(text=replies.text("cancel.kept", number=number) if number
                                 else replies.text("cancel.nothing_changed"))
        return [SlotSet(PENDING, None)]
