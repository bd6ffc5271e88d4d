"""The order service on a seeded database, SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from commerce.db import make_engine
from commerce.models import OrderStatus
from commerce.orders import CancellationResult, CancelOutcome, OrderService

S = OrderStatus


def _fetch(url: str, query: str, **params: Any) -> list[sa.Row]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))
    finally:
        engine.dispose()


def _order(url: str, status: OrderStatus) -> sa.Row:
    """The first order in *status*, with its customer's e-mail."""
    return _fetch(url, "SELECT o.id, o.number, o.customer_id, c.email FROM orders o"
                       " JOIN customers c ON c.id = o.customer_id WHERE o.status = :s ORDER BY o.id",
                  s=status.value)[0]


def _other_customer(url: str, customer_id: int) -> sa.Row:
    return _fetch(url, "SELECT id, email FROM customers WHERE id <> :c ORDER BY id", c=customer_id)[0]


def _unused_number(url: str) -> str:
    used = {r.number for r in _fetch(url, "SELECT number FROM orders")}
    return next(str(n) for n in range(1_000_000, 2_000_000) if str(n) not in used)


def _status_events(url: str, order_id: int) -> list[sa.Row]:
    return _fetch(url, "SELECT status, description FROM order_status_events WHERE order_id = :o"
                       " ORDER BY occurred_at, id", o=order_id)


# --- verify -------------------------------------------------------------------------------------

def test_verify(seeded_url: str, service: OrderService) -> None:
    order = _order(seeded_url, S.SHIPPED)
    other = _other_customer(seeded_url, order.customer_id)
    assert service.verify(order.number, order.email) == order.customer_id
    assert service.verify(f"#{order.number}", f"  {order.email.upper()} ") == order.customer_id
    assert service.verify(order.number, other.email) is None  # someone else's address
    assert service.verify(order.number, "nobody@example.com") is None
    assert service.verify(_unused_number(seeded_url), order.email) is None
    assert service.verify(order.number, "not an address") is None
    assert service.verify(order.number, "") is None
    assert service.verify("' OR 1=1 --", order.email) is None
    assert service.verify(order.number, "' OR '1'='1") is None


# --- order_for_customer ---------------------------------------------------------------------------

def test_details_of_a_shipped_order(seeded_url: str, service: OrderService) -> None:
    order = _order(seeded_url, S.SHIPPED)
    details = service.order_for_customer(order.number, order.customer_id)
    assert details is not None
    assert (details.number, details.status, details.cancellable) == (order.number, S.SHIPPED, False)

    items = _fetch(seeded_url, "SELECT p.name, i.quantity, i.unit_price FROM order_items i"
                               " JOIN products p ON p.id = i.product_id WHERE i.order_id = :o ORDER BY i.id",
                   o=order.id)
    assert [(i.name, i.quantity, i.unit_price) for i in details.items] == [
        (r.name, r.quantity, Decimal(str(r.unit_price)).quantize(Decimal("0.01"))) for r in items]
    assert details.total == sum(i.unit_price * i.quantity for i in details.items)
    assert details.currency == "USD"

    shipment = details.shipment
    assert shipment is not None and shipment.delivered_at is None and shipment.eta is not None
    assert shipment.tracking_number in shipment.tracking_url
    host = {"UPS": "www.ups.com", "FedEx": "www.fedex.com", "DHL": "www.dhl.com", "USPS": "tools.usps.com"}
    assert shipment.tracking_url.startswith(f"https://{host[shipment.carrier]}/")

    last = details.last_event
    assert last is not None and last.status is S.SHIPPED
    assert last.description == f"Shipped with {shipment.carrier}" and last.location
    assert last.occurred_at == shipment.shipped_at and last.occurred_at.tzinfo is not None


def test_details_of_pending_delivered_and_cancelled_orders(seeded_url: str, service: OrderService) -> None:
    pending = _order(seeded_url, S.PENDING)
    details = service.order_for_customer(pending.number, pending.customer_id)
    assert details is not None and details.cancellable and details.shipment is None
    assert details.last_event is not None and details.last_event.description == "Order placed"

    delivered = _order(seeded_url, S.DELIVERED)
    details = service.order_for_customer(delivered.number, delivered.customer_id)
    assert details is not None and not details.cancellable
    assert details.shipment is not None and details.shipment.delivered_at == details.last_event.occurred_at

    cancelled = _order(seeded_url, S.CANCELLED)
    details = service.order_for_customer(cancelled.number, cancelled.customer_id)
    assert details is not None and details.status is S.CANCELLED and details.shipment is None


def test_another_customers_order_is_not_shown(seeded_url: str, service: OrderService) -> None:
    order = _order(seeded_url, S.DELIVERED)
    other = _other_customer(seeded_url, order.customer_id)
    assert service.order_for_customer(order.number, other.id) is None
    assert service.order_for_customer(_unused_number(seeded_url), order.customer_id) is None
    assert service.order_for_customer("not a number", order.customer_id) is None


def test_ownership_and_email(seeded_url: str, service: OrderService) -> None:
    order = _order(seeded_url, S.PROCESSING)
    other = _other_customer(seeded_url, order.customer_id)
    assert service.order_belongs_to(order.number, order.customer_id)
    assert service.order_belongs_to(f"order {order.number}", order.customer_id)
    assert not service.order_belongs_to(order.number, other.id)
    assert not service.order_belongs_to("1234", order.customer_id)
    assert service.customer_email(order.customer_id) == order.email
    assert service.customer_email(10**9) is None


# --- recent_orders --------------------------------------------------------------------------------

def test_recent_orders_newest_first(seeded_url: str, service: OrderService) -> None:
    busiest = _fetch(seeded_url, "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id"
                                 " ORDER BY n DESC, customer_id LIMIT 1")[0]
    assert busiest.n > 5
    expected = _fetch(seeded_url, "SELECT o.number, SUM(i.quantity) AS units FROM orders o"
                                  " JOIN order_items i ON i.order_id = o.id WHERE o.customer_id = :c"
                                  " GROUP BY o.id, o.number, o.placed_at ORDER BY o.placed_at DESC",
                      c=busiest.customer_id)

    recent = service.recent_orders(busiest.customer_id)
    assert [(o.number, o.item_count) for o in recent] == [(r.number, r.units) for r in expected[:5]]
    assert all(a.placed_at > b.placed_at for a, b in zip(recent, recent[1:]))
    assert len(service.recent_orders(busiest.customer_id, limit=busiest.n + 10)) == busiest.n
    assert [o.number for o in service.recent_orders(busiest.customer_id, limit=2)] == [
        r.number for r in expected[:2]]
    assert service.recent_orders(10**9) == []


# --- cancel ---------------------------------------------------------------------------------------

def test_cancel_outcomes(seeded_url: str, service: OrderService) -> None:
    for status in (S.PENDING, S.PROCESSING):
        order = _order(seeded_url, status)
        before = datetime.now(UTC) - timedelta(seconds=1)
        result = service.cancel(order.number, order.customer_id, "  ordered the\nwrong size ")
        assert result == CancellationResult(CancelOutcome.CANCELLED, S.CANCELLED)
        details = service.order_for_customer(order.number, order.customer_id)
        assert details is not None and details.status is S.CANCELLED and not details.cancellable
        assert details.updated_at >= before
        assert details.last_event is not None and details.last_event.status is S.CANCELLED
        assert details.last_event.description == "Cancelled at the customer's request: ordered the wrong size"
        assert service.cancel(order.number, order.customer_id, "again") == CancellationResult(
            CancelOutcome.ALREADY_CANCELLED, S.CANCELLED)

    for status in (S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.RETURNED):
        order = _order(seeded_url, status)
        history = _status_events(seeded_url, order.id)
        assert service.cancel(order.number, order.customer_id, "") == CancellationResult(
            CancelOutcome.NOT_CANCELLABLE, status)
        assert _status_events(seeded_url, order.id) == history

    customer_id = _order(seeded_url, S.DELIVERED).customer_id
    not_found = CancellationResult(CancelOutcome.NOT_FOUND, None)
    assert service.cancel(_unused_number(seeded_url), customer_id, "") == not_found
    assert service.cancel("'; DELETE FROM orders; --", customer_id, "") == not_found


def test_cannot_cancel_another_customers_order(seeded_url: str, service: OrderService) -> None:
    order = _order(seeded_url, S.PENDING)
    other = _other_customer(seeded_url, order.customer_id)
    assert service.cancel(order.number, other.id, "") == CancellationResult(CancelOutcome.NOT_FOUND, None)
    assert service.order_for_customer(order.number, order.customer_id).status is S.PENDING


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the cancellations to block"
        time.sleep(0.02)


def test_concurrent_double_cancel_cancels_once(seeded_url: str, service: OrderService) -> None:
    """Two cancellations held at the same lock, then released together: exactly one wins.

    A third connection holds the order's row lock (PostgreSQL) or the write
    lock (SQLite) until both requests are waiting on it, so they really race.
    """
    order = _order(seeded_url, S.PENDING)
    results: list[Any] = []
    started = threading.Barrier(3)

    def cancel() -> None:
        started.wait()
        try:
            results.append(service.cancel(order.number, order.customer_id, "double click").outcome)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)

    threads = [threading.Thread(target=cancel) for _ in range(2)]
    engine = make_engine(seeded_url)
    try:
        if engine.dialect.name == "postgresql":
            monitor_engine = engine.execution_options(isolation_level="AUTOCOMMIT")  # fresh stats per query
            with engine.connect() as holder, monitor_engine.connect() as monitor:
                holder.begin()
                holder.execute(sa.text("SELECT id FROM orders WHERE id = :o FOR UPDATE"), {"o": order.id})
                for t in threads:
                    t.start()
                started.wait()
                waiting = sa.text("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                                  " AND wait_event_type = 'Lock'")
                _wait_until(lambda: monitor.execute(waiting).scalar_one() == 2)
                holder.rollback()
        else:
            holder = sqlite3.connect(engine.url.database, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            for t in threads:
                t.start()
            started.wait()
            time.sleep(0.3)  # both requests are now in SQLite's busy wait
            holder.execute("ROLLBACK")
            holder.close()
        for t in threads:
            t.join(timeout=30)
    finally:
        engine.dispose()

    assert sorted(str(r) for r in results) == ["already_cancelled", "cancelled"]
    assert [e.status for e in _status_events(seeded_url, order.id)] == ["pending", "cancelled"]
