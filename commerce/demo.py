"""Demo logins: orders with the email that verifies them.

For the demo command, tests and benchmarks that must play a customer. Never
used to answer a customer: answers go through ``OrderService`` and verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from commerce.db import make_engine
from commerce.models import Customer, Order, Shipment


@dataclass(frozen=True)
class DemoLogin:
    number: str
    email: str
    status: str
    customer_id: int
    tracking_number: Optional[str]


def demo_logins(url: Optional[str] = None, *, status: Optional[str] = None, limit: int = 10) -> list[DemoLogin]:
    """Up to *limit* orders (optionally of one *status*) in order-number order."""
    query = (
        select(Order.number, Customer.email, Order.status, Customer.id, Shipment.tracking_number)
        .join(Customer, Customer.id == Order.customer_id)
        .outerjoin(Shipment, Shipment.order_id == Order.id)
        .order_by(Order.number)
        .limit(limit)
    )
    if status is not None:
        query = query.where(Order.status == status)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [DemoLogin(n, e, str(s), c, t) for n, e, s, c, t in conn.execute(query)]
    finally:
        engine.dispose()
