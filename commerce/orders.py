"""The order service the action server calls: look-up, verification, cancellation.

Results are frozen dataclasses (no ORM object leaves a session). Inputs typed
by a customer go through :func:`parse_order_number` and :func:`normalize_email`,
which accept only well-formed values, so nothing else reaches a query.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from commerce.carriers import tracking_url
from commerce.db import begin_write
from commerce.models import (
    CANCELLABLE_STATUSES,
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusEvent,
)

STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "pending",
    OrderStatus.PROCESSING: "being prepared",
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.OUT_FOR_DELIVERY: "out for delivery",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.RETURNED: "returned",
}

MAX_INPUT_CHARS = 320  # longer text is rejected before any pattern runs
MAX_REASON_CHARS = 200

# An order number is 7 ASCII digits. Accepted around it, case-insensitively:
# an "order" / "order number" / "order no." / "order nr" / "no." prefix, a "#",
# single spaces or hyphens between digits ("100 4587", "100-4587") and one
# trailing full stop. Anything else (other words, letters, non-ASCII digits,
# 6 or 8 digits) is rejected.
_ORDER_NUMBER = re.compile(
    r"(?:(?:order(?:\s+(?:number|num|no\.?|nr\.?))?|no\.?|number)\s*:?\s*)?"
    r"#?\s*(?P<digits>[0-9](?:[ -]?[0-9]){6})\.?",
    re.IGNORECASE | re.ASCII,
)

# Syntactic e-mail check: dot-atom local part, a domain of at least two
# LDH labels with an alphabetic (or punycode) top-level label; ASCII only.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*", re.ASCII)
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
_TOP_LABEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", re.ASCII)


def parse_order_number(text: str) -> Optional[str]:
    """The 7-digit order number in *text*, or None if *text* is not just an order number."""
    if not isinstance(text, str) or len(text) > MAX_INPUT_CHARS:
        return None
    match = _ORDER_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    return re.sub(r"[ -]", "", match["digits"])


def normalize_email(text: str) -> Optional[str]:
    """*text* as a lower-case address if it is syntactically an e-mail address, else None."""
    if not isinstance(text, str):
        return None
    address = text.strip()
    if len(address) > 254 or address.count("@") != 1:
        return None
    local, domain = address.lower().split("@")
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        return None
    if not _TOP_LABEL.fullmatch(labels[-1]):
        return None
    return f"{local}@{domain}"


@dataclass(frozen=True)
class OrderLine:
    name: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ShipmentInfo:
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime
    eta: Optional[date]
    delivered_at: Optional[datetime]


@dataclass(frozen=True)
class StatusEvent:
    status: OrderStatus
    occurred_at: datetime
    description: str
    location: Optional[str]


@dataclass(frozen=True)
class OrderDetails:
    number: str
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    items: tuple[OrderLine, ...]
    total: Decimal
    currency: str
    ship_city: str
    ship_country: str
    shipment: Optional[ShipmentInfo]
    last_event: Optional[StatusEvent]
    cancellable: bool


@dataclass(frozen=True)
class OrderSummary:
    number: str
    status: OrderStatus
    placed_at: datetime
    total: Decimal
    currency: str
    item_count: int  # units, summed over lines


class CancelOutcome(enum.StrEnum):
    CANCELLED = "cancelled"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_CANCELLABLE = "not_cancellable"  # see CancellationResult.status
    NOT_FOUND = "not_found"  # no such order for this customer


@dataclass(frozen=True)
class CancellationResult:
    outcome: CancelOutcome
    status: Optional[OrderStatus]  # the order's status afterwards; None when not found


# Compared against when no order matched, so both failures do the same work.
_NO_EMAIL = "no-order@invalid.invalid"


class OrderService:
    """Orders as the assistant may see and change them, one short transaction per call."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def verify(self, order_number: str, email: str) -> Optional[int]:
        """The customer id if *order_number* exists and belongs to *email*, else None.

        An unknown order and a wrong e-mail take the same path (one query, one
        constant-time comparison), so the answer and its timing do not tell
        which of the two was wrong.
        """
        number = parse_order_number(order_number) or ""
        given = normalize_email(email) or ""
        with self._sessions() as session:
            row = session.execute(
                select(Order.customer_id, Customer.email)
                .join(Customer, Order.customer_id == Customer.id)
                .where(Order.number == number)
            ).first()
        customer_id, stored = (row.customer_id, row.email) if row is not None else (None, _NO_EMAIL)
        matches = hmac.compare_digest(stored.lower().encode(), given.encode())
        return customer_id if matches and given else None

    def order_for_customer(self, order_number: str, customer_id: int) -> Optional[OrderDetails]:
        """The order's details if it is *customer_id*'s; None for anyone else's or no order."""
        number = parse_order_number(order_number)
        if number is None:
            return None
        with self._sessions() as session:
            order = session.execute(
                select(Order)
                .where(Order.number == number, Order.customer_id == customer_id)
                .options(selectinload(Order.items).selectinload(OrderItem.product),
                         selectinload(Order.shipment))
            ).scalar_one_or_none()
            if order is None:
                return None
            event = session.execute(
                select(OrderStatusEvent)
                .where(OrderStatusEvent.order_id == order.id)
                .order_by(OrderStatusEvent.occurred_at.desc(), OrderStatusEvent.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            shipment = order.shipment
            return OrderDetails(
                number=order.number,
                status=order.status,
                placed_at=order.placed_at,
                updated_at=order.updated_at,
                items=tuple(
                    OrderLine(i.product.name, i.product.sku, i.quantity, i.unit_price) for i in order.items
                ),
                total=order.total,
                currency=order.currency,
                ship_city=order.ship_city,
                ship_country=order.ship_country,
                shipment=None if shipment is None else ShipmentInfo(
                    carrier=shipment.carrier,
                    tracking_number=shipment.tracking_number,
                    tracking_url=tracking_url(shipment.carrier, shipment.tracking_number),
                    shipped_at=shipment.shipped_at,
                    eta=shipment.eta,
                    delivered_at=shipment.delivered_at,
                ),
                last_event=None if event is None else StatusEvent(
                    event.status, event.occurred_at, event.description, event.location
                ),
                cancellable=order.status in CANCELLABLE_STATUSES,
            )

    def customer_email(self, customer_id: int) -> Optional[str]:
        with self._sessions() as session:
            return session.execute(
                select(Customer.email).where(Customer.id == customer_id)
            ).scalar_one_or_none()

    def order_belongs_to(self, order_number: str, customer_id: int) -> bool:
        number = parse_order_number(order_number)
        if number is None:
            return False
        with self._sessions() as session:
            found = session.execute(
                select(Order.id).where(Order.number == number, Order.customer_id == customer_id)
            ).first()
        return found is not None

    def recent_orders(self, customer_id: int, limit: int = 5) -> list[OrderSummary]:
        """The customer's *limit* newest orders, newest first."""
        units = (
            select(func.coalesce(func.sum(OrderItem.quantity), 0))
            .where(OrderItem.order_id == Order.id)
            .scalar_subquery()
        )
        with self._sessions() as session:
            rows = session.execute(
                select(Order.number, Order.status, Order.placed_at, Order.total, Order.currency, units)
                .where(Order.customer_id == customer_id)
                .order_by(Order.placed_at.desc(), Order.id.desc())
                .limit(max(0, limit))
            ).all()
        return [OrderSummary(*row) for row in rows]

    def cancel(self, order_number: str, customer_id: int, reason: str) -> CancellationResult:
        """Cancel the order if it is still pending or being prepared.

        One transaction holding the order's row lock (SELECT ... FOR UPDATE;
        on SQLite the database write lock), so of two concurrent requests
        exactly one cancels and the other sees ALREADY_CANCELLED.
        """
        number = parse_order_number(order_number)
        if number is None:
            return CancellationResult(CancelOutcome.NOT_FOUND, None)
        note = " ".join(reason.split())[:MAX_REASON_CHARS]
        with self._sessions() as session, session.begin():
            begin_write(session)
            order = session.execute(
                select(Order)
                .where(Order.number == number, Order.customer_id == customer_id)
                .with_for_update()
            ).scalar_one_or_none()
            if order is None:
                return CancellationResult(CancelOutcome.NOT_FOUND, None)
            if order.status is OrderStatus.CANCELLED:
                return CancellationResult(CancelOutcome.ALREADY_CANCELLED, order.status)
            if order.status not in CANCELLABLE_STATUSES:
                return CancellationResult(CancelOutcome.NOT_CANCELLABLE, order.status)
            now = datetime.now(UTC)
            order.status = OrderStatus.CANCELLED
            order.updated_at = now
            session.add(OrderStatusEvent(
                order_id=order.id,
                status=OrderStatus.CANCELLED,
                occurred_at=now,
                description="Cancelled at the customer's request" + (f": {note}" if note else ""),
                location=None,
            ))
        return CancellationResult(CancelOutcome.CANCELLED, OrderStatus.CANCELLED)
