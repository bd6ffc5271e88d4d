"""Answers about orders once the customer is verified: one order's status, or the recent ones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import human_contact_text
from actions.handoff import handoff_if_due
from actions.order_verification import ORDER_EMAIL, ORDER_NUMBER, failures, max_attempts, verified_customer
from actions.services import order_service
from commerce.orders import STATUS_LABELS, OrderDetails, OrderSummary

RECENT_ORDERS_SHOWN = 5


def money(amount: Decimal, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def day(value: date | datetime) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def moment(value: datetime) -> str:
    return f"{day(value)}, {value:%H:%M}"


def describe_order(order: OrderDetails) -> str:
    """The full answer: status, items, shipment and the latest event."""
    item_count = sum(item.quantity for item in order.items)
    lines = [
        f"Order {order.number} is {STATUS_LABELS[order.status]}.",
        f"Placed {day(order.placed_at)} · {item_count} item{'s' if item_count != 1 else ''} · "
        f"{money(order.total, order.currency)}",
    ]
    lines += [
        f"• {item.quantity} × {item.name} ({money(item.unit_price, order.currency)})" for item in order.items
    ]
    shipment = order.shipment
    if shipment is not None:
        lines.append(f"Carrier: {shipment.carrier}, tracking number {shipment.tracking_number}")
        if shipment.tracking_url:
            lines.append(f"Track it: {shipment.tracking_url}")
        if shipment.delivered_at is not None:
            lines.append(f"Delivered: {day(shipment.delivered_at)}")
        elif shipment.eta is not None:
            lines.append(f"Expected delivery: {day(shipment.eta)}")
    if order.last_event is not None:
        event = order.last_event
        where = f", {event.location}" if event.location else ""
        lines.append(f"Latest update ({moment(event.occurred_at)}{where}): {event.description}")
    if order.cancellable:
        lines.append("It hasn't shipped yet, so you can still cancel it: just say “cancel my order”.")
    return "\n".join(lines)


def describe_summaries(orders: List[OrderSummary]) -> str:
    if not orders:
        return "I couldn't find any orders on your account."
    lines = [f"Your {len(orders)} most recent order{'s' if len(orders) != 1 else ''}:"]
    lines += [
        f"• {o.number} — {day(o.placed_at)} — {STATUS_LABELS[o.status]} — {money(o.total, o.currency)}"
        for o in orders
    ]
    lines.append("Ask me about any of them by number for the details.")
    return "\n".join(lines)


def verified_or_explain(dispatcher: CollectingDispatcher, tracker: Tracker) -> Tuple[Optional[int], List[EventType]]:
    """The verified customer id, or None after telling the customer why nothing is shown.

    After too many failed verifications the conversation goes to a person
    (``HANDOFF_VERIFICATION_LIMIT``); the handoff's events come back with the None.
    """
    customer = verified_customer(tracker)
    if customer is not None:
        return customer, []
    if failures(tracker) >= max_attempts():
        handoff = handoff_if_due(dispatcher, tracker)
        if handoff is not None:
            return None, handoff
        dispatcher.utter_message(
            text="I'm sorry, I couldn't verify those details, so for your security I can't show "
            f"order information in this conversation. {human_contact_text()}"
        )
    else:
        dispatcher.utter_message(text="I need to verify the order before I can share its details.")
    return None, []


def clear_order_details() -> List[EventType]:
    """Forget the order number and email once used; the verified customer stays."""
    return [SlotSet(ORDER_NUMBER, None), SlotSet(ORDER_EMAIL, None)]


class ActionOrderStatus(Action):
    def name(self) -> Text:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        number = tracker.get_slot(ORDER_NUMBER)
        if customer is not None:
            order = order_service().order_for_customer(number, customer) if number else None
            if order is None:
                dispatcher.utter_message(text="Which order do you mean? Tell me its 7-digit number.")
            else:
                dispatcher.utter_message(text=describe_order(order))
        return clear_order_details() + handoff


class ActionListRecentOrders(Action):
    def name(self) -> Text:
        return "action_list_recent_orders"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        if customer is not None:
            orders = order_service().recent_orders(customer, limit=RECENT_ORDERS_SHOWN)
            dispatcher.utter_message(text=describe_summaries(orders))
        return clear_order_details() + handoff
