"""Answers about orders once the customer is verified: one order's status (or the detail asked
about: delivery date, carrier, items, total), or the recent ones.

The order answered becomes the conversation's ``current_order``, so "when will it arrive?" or
"cancel it" next refer to it without a number (docs/conversations.md).
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.handoff import handoff_if_due
from actions.order_verification import ORDER_EMAIL, ORDER_NUMBER, failures, latest_text, max_attempts, verified_customer
from actions.services import order_service
from actions.skill import SkillAction
from commerce.models import OrderStatus
from commerce.orders import STATUS_LABELS, OrderDetails, OrderSummary
from dialogue.context import CURRENT_ORDER

RECENT_ORDERS_SHOWN = 5


def money(amount: Decimal, currency: str) -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def day(value: date | datetime) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def moment(value: datetime) -> str:
    return f"{day(value)}, {value:%H:%M}"


def item_count(order: OrderDetails) -> int:
    return sum(item.quantity for item in order.items)


def describe_order(order: OrderDetails) -> str:
    """The full answer: status, items, shipment and the latest event."""
    lines = [
        replies.text("order.headline", number=order.number, status=STATUS_LABELS[order.status]),
        replies.text("order.summary", placed=day(order.placed_at),
                     items=replies.text("order.items", count=item_count(order)),
                     total=money(order.total, order.currency)),
    ]
    lines += [item_line(order, item) for item in order.items]
    shipment = order.shipment
    if shipment is not None:
        lines.append(replies.text("order.carrier", carrier=shipment.carrier, tracking=shipment.tracking_number))
        if shipment.tracking_url:
            lines.append(replies.text("order.track_link", url=shipment.tracking_url))
        if shipment.delivered_at is not None:
            lines.append(replies.text("order.delivered_on", day=day(shipment.delivered_at)))
        elif shipment.eta is not None:
            lines.append(replies.text("order.expected_on", day=day(shipment.eta)))
    if order.last_event is not None:
        event = order.last_event
        where = f", {event.location}" if event.location else ""
        lines.append(replies.text("order.latest_update", moment=moment(event.occurred_at), where=where,
                                  description=event.description))
    if order.cancellable:
        lines.append(replies.text("order.can_cancel"))
    return "\n".join(lines)


def item_line(order: OrderDetails, item: Any) -> str:
    return replies.text("order.item_line", quantity=item.quantity, name=item.name,
                        price=money(item.unit_price, order.currency))


class Detail(enum.Enum):
    """A part of an order a follow-up asks about."""

    DELIVERY = "delivery"
    CARRIER = "carrier"
    ITEMS = "items"
    TOTAL = "total"


DETAIL_WORDS = {
    Detail.DELIVERY: r"when|arriv\w*|deliver\w*|eta|get here|expected|expect|weekend|monday|tuesday|wednesday|"
                     r"thursday|friday|saturday|sunday|tomorrow|today|tonight|this week|how long|come|coming|"
                     r"be here|by\s+\w+day",
    Detail.CARRIER: r"carrier|courier|ups|fedex|dhl|usps|tracking|track\w*|who is delivering|which company|"
                    r"shipping company|delivery company|with whom|sent with|shipped with|shipping with|what service",
    Detail.ITEMS: r"items?|what'?s in|what is in|contents?|what did i (?:order|buy|get)|products?|in the (?:box|"
                  r"parcel|package|order)|what was in",
    Detail.TOTAL: r"total|how much|cost|paid|pay|amount|charged?|price",
}
DETAIL_PATTERNS = {detail: re.compile(r"\b(?:" + words + r")\b", re.I) for detail, words in DETAIL_WORDS.items()}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def asked_details(text: str) -> list[Detail]:
    """The details a message asks about, in a fixed order; [] for a general status question."""
    return [detail for detail, pattern in DETAIL_PATTERNS.items() if pattern.search(text)]


def deadline_in(text: str, today: date) -> Optional[Tuple[str, date]]:
    """("before the weekend", Saturday) for a deadline named in *text*: the day the delivery must come before."""
    lowered = text.lower()
    if "weekend" in lowered:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return replies.text("order.deadline.weekend"), saturday
    if "tomorrow" in lowered:
        return replies.text("order.deadline.tomorrow"), today + timedelta(days=2)
    if re.search(r"\b(today|tonight)\b", lowered):
        return replies.text("order.deadline.today"), today + timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", lowered):
            target = today + timedelta(days=(index - today.weekday()) % 7)
            return replies.text("order.deadline.weekday", weekday=name.capitalize()), target + timedelta(days=1)
    return None


def describe_delivery(order: OrderDetails, text: str, today: date) -> str:
    shipment = order.shipment
    if order.status in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        return replies.text(f"order.delivery.{order.status.value}", number=order.number)
    if shipment is not None and shipment.delivered_at is not None:
        return replies.text("order.delivery.delivered", number=order.number, day=day(shipment.delivered_at))
    if shipment is None or shipment.eta is None:
        return replies.text("order.delivery.not_shipped", number=order.number, status=STATUS_LABELS[order.status])
    answer = replies.text("order.delivery.expected", number=order.number, status=STATUS_LABELS[order.status],
                          carrier=shipment.carrier, day=day(shipment.eta))
    deadline = deadline_in(text, today)
    if deadline is not None:
        label, before = deadline
        verdict = "in_time" if shipment.eta < before else "late"
        answer += " " + replies.text(f"order.deadline.{verdict}", deadline=label)
    return answer


def describe_details(order: OrderDetails, details: List[Detail], text: str, today: date) -> str:
    """Only what was asked: the delivery date, the carrier and tracking, the items, the total."""
    lines: list[str] = []
    for detail in details:
        if detail is Detail.DELIVERY:
            lines.append(describe_delivery(order, text, today))
        elif detail is Detail.CARRIER:
            shipment = order.shipment
            if shipment is None:
                lines.append(replies.text("order.carrier_not_yet", number=order.number,
                                          status=STATUS_LABELS[order.status]))
            else:
                lines.append(replies.text("order.carrier_of", number=order.number, carrier=shipment.carrier,
                                          tracking=shipment.tracking_number))
                if shipment.tracking_url:
                    lines.append(replies.text("order.track_link", url=shipment.tracking_url))
        elif detail is Detail.ITEMS:
            lines.append(replies.text("order.items_of", number=order.number,
                                      items=replies.text("order.items", count=item_count(order))))
            lines += [item_line(order, item) for item in order.items]
        elif detail is Detail.TOTAL:
            lines.append(replies.text("order.total_of", number=order.number, total=money(order.total, order.currency)))
    return "\n".join(lines)


def describe_summaries(orders: List[OrderSummary]) -> str:
    if not orders:
        return replies.text("order.none_on_account")
    lines = [replies.text("order.recent_heading", count=len(orders))]
    lines += [
        replies.text("order.recent_line", number=o.number, placed=day(o.placed_at), status=STATUS_LABELS[o.status],
                     total=money(o.total, o.currency))
        for o in orders
    ]
    lines.append(replies.text("order.recent_hint"))
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
        dispatcher.utter_message(text=replies.text("order.verification_exhausted"))
    else:
        dispatcher.utter_message(text=replies.text("order.verify_first"))
    return None, []


def clear_order_details() -> List[EventType]:
    """Forget the order number and email once used; the verified customer stays."""
    return [SlotSet(ORDER_NUMBER, None), SlotSet(ORDER_EMAIL, None)]


def order_in_question(tracker: Tracker) -> Optional[str]:
    """The number just given, else the order under discussion."""
    return tracker.get_slot(ORDER_NUMBER) or tracker.get_slot(CURRENT_ORDER)


class ActionOrderStatus(SkillAction):
    unavailable_reply = "order.unavailable"

    def name(self) -> Text:
        return "action_order_status"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        if customer is None:
            return clear_order_details() + handoff
        number = order_in_question(tracker)
        order = order_service().order_for_customer(number, customer) if number else None
        if order is None:
            dispatcher.utter_message(text=replies.text("order.which"))
            return clear_order_details()
        text = latest_text(tracker)
        details = asked_details(text)
        dispatcher.utter_message(text=describe_details(order, details, text, date.today()) if details
                                 else describe_order(order))
        return clear_order_details() + [SlotSet(CURRENT_ORDER, order.number)]


class ActionListRecentOrders(SkillAction):
    unavailable_reply = "order.unavailable"

    def name(self) -> Text:
        return "action_list_recent_orders"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        customer, handoff = verified_or_explain(dispatcher, tracker)
        if customer is not None:
            orders = order_service().recent_orders(customer, limit=RECENT_ORDERS_SHOWN)
            dispatcher.utter_message(text=describe_summaries(orders))
        return clear_order_details() + handoff
