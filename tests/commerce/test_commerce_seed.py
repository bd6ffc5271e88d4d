"""The demo seed: deterministic, idempotent, and with consistent order histories."""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from commerce import migrate
from commerce.carriers import dhl_check_digit, fedex_check_digit, ups_check_digit, usps_check_digit
from commerce.db import make_engine
from commerce.models import Base, OrderStatus
from commerce.seed import allocate_statuses, seed
from commerce.seed_data import CATALOG

S = OrderStatus


def _rows(url: str, shift: timedelta = timedelta(0)) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table as text, with dates moved by *shift*."""

    def text(value: Any) -> str:
        if isinstance(value, datetime):
            return (value + shift).astimezone(UTC).isoformat()
        if isinstance(value, date):
            return (value + shift).isoformat()
        if isinstance(value, Decimal):
            return str(value.quantize(Decimal("0.01")))
        return str(value)

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [tuple(text(v) for v in row)
                             for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _digest(rows: dict[str, list[tuple[str, ...]]]) -> str:
    return hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()


def _reseed(url: str, anchor: date, sizes: dict[str, int]) -> None:
    """Empty the database (down to base and up again), then seed it."""
    migrate.downgrade(url)
    migrate.upgrade(url)
    seed(url, anchor=anchor, **sizes)


def test_same_seed_and_anchor_give_identical_data(
    seeded_url: str, demo_anchor: date, demo_sizes: dict[str, int]
) -> None:
    first = _digest(_rows(seeded_url))
    _reseed(seeded_url, demo_anchor, demo_sizes)
    assert _digest(_rows(seeded_url)) == first


def test_sqlite_and_postgresql_hold_identical_data(
    sqlite_url: str, postgres_url: str, demo_anchor: date, demo_sizes: dict[str, int]
) -> None:
    for url in (sqlite_url, postgres_url):
        migrate.upgrade(url)
        seed(url, anchor=demo_anchor, **demo_sizes)
    assert _rows(sqlite_url) == _rows(postgres_url)


def test_another_anchor_moves_dates_and_nothing_else(
    seeded_url: str, demo_anchor: date, demo_sizes: dict[str, int]
) -> None:
    original = _rows(seeded_url)
    _reseed(seeded_url, demo_anchor + timedelta(days=17), demo_sizes)
    assert _rows(seeded_url) != original
    assert _rows(seeded_url, shift=timedelta(days=-17)) == original


def test_seeding_a_seeded_database_does_nothing(seeded_url: str) -> None:
    before = _digest(_rows(seeded_url))
    messages: list[str] = []
    report = seed(seeded_url, anchor=date(2030, 1, 1), customers=5, orders=5, progress=messages.append)
    assert not report.seeded
    assert messages == ["database already holds data; nothing seeded"]
    assert _digest(_rows(seeded_url)) == before


def test_sizes_follow_the_arguments(seeded_url: str, demo_sizes: dict[str, int]) -> None:
    rows = _rows(seeded_url)
    expected_products = sum(len(line.models) * max(1, len(line.variants))
                            for category in CATALOG.values() for line in category.lines)
    assert expected_products == 309
    assert demo_sizes == {"customers": 40, "orders": 200}
    assert (len(rows["customers"]), len(rows["orders"]), len(rows["products"])) == (40, 200, 309)


def test_status_allocation() -> None:
    # 200 orders at 4/5/7/3/66/8/7 %: exact shares.
    counts = Counter(allocate_statuses(200, random.Random(0)))
    assert counts == {S.PENDING: 8, S.PROCESSING: 10, S.SHIPPED: 14, S.OUT_FOR_DELIVERY: 6,
                      S.DELIVERED: 132, S.CANCELLED: 16, S.RETURNED: 14}
    # Ten orders still cover every status.
    assert set(allocate_statuses(10, random.Random(0))) == set(S)
    assert len(allocate_statuses(10, random.Random(0))) == 10


def _fetch(url: str, query: str) -> list[sa.Row]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query)))
    finally:
        engine.dispose()


def _utc(value: Any) -> datetime:
    """A timestamp from a raw text query (SQLite returns a naive UTC string)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


MAIN_PATH = [S.PENDING, S.PROCESSING, S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED]


def _expected_paths(status: OrderStatus) -> list[list[OrderStatus]]:
    if status is S.CANCELLED:
        return [[S.PENDING, S.CANCELLED], [S.PENDING, S.PROCESSING, S.CANCELLED]]
    if status is S.RETURNED:
        return [MAIN_PATH + [S.RETURNED]]
    return [MAIN_PATH[: MAIN_PATH.index(status) + 1]]


def test_histories_are_consistent_with_statuses(seeded_url: str, demo_anchor: date) -> None:
    now = datetime(demo_anchor.year, demo_anchor.month, demo_anchor.day, tzinfo=UTC)
    orders = {r.id: r for r in _fetch(seeded_url, "SELECT * FROM orders")}
    events: dict[int, list[sa.Row]] = defaultdict(list)
    for e in _fetch(seeded_url, "SELECT * FROM order_status_events ORDER BY occurred_at, id"):
        events[e.order_id].append(e)
    shipments = {s.order_id: s for s in _fetch(seeded_url, "SELECT * FROM shipments")}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for i in _fetch(seeded_url, "SELECT order_id, quantity, unit_price FROM order_items"):
        totals[i.order_id] += i.quantity * Decimal(str(i.unit_price))

    assert set(Counter(S(o.status) for o in orders.values())) == set(S)
    for order_id, order in orders.items():
        status = S(order.status)
        history = events[order_id]
        assert [S(e.status) for e in history] in _expected_paths(status)
        times = [_utc(e.occurred_at) for e in history]
        assert times == sorted(times) and times[-1] <= now
        assert times[0] == _utc(order.placed_at) and times[-1] == _utc(order.updated_at)
        assert Decimal(str(order.total)) == totals[order_id]

        shipment = shipments.get(order_id)
        shipped = status in (S.SHIPPED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.RETURNED)
        assert (shipment is not None) == shipped, (order.number, status)
        if shipment is None:
            continue
        at = {S(e.status): _utc(e.occurred_at) for e in history}
        assert _utc(shipment.shipped_at) == at[S.SHIPPED]
        delivered = at.get(S.DELIVERED)
        assert (None if shipment.delivered_at is None else _utc(shipment.delivered_at)) == delivered
        eta = shipment.eta if isinstance(shipment.eta, date) else date.fromisoformat(shipment.eta)
        assert eta >= at[S.SHIPPED].date()
        # The order's newest event says where the parcel is.
        assert history[-1].location
        if status is S.SHIPPED:
            assert eta >= demo_anchor - timedelta(days=1)  # in transit: due today or later (or one day late)


def test_order_numbers_are_seven_digits_and_not_sequential(seeded_url: str) -> None:
    numbers = [r.number for r in _fetch(seeded_url, "SELECT number FROM orders ORDER BY id")]
    assert all(re.fullmatch(r"1[0-9]{6}", n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    steps = [int(b) - int(a) for a, b in zip(numbers, numbers[1:])]
    assert sum(1 for s in steps if 0 < s <= 10) <= 2  # a shuffle, not a counter
    by_time = [r.number for r in _fetch(seeded_url, "SELECT number FROM orders ORDER BY placed_at")]
    assert by_time != sorted(by_time)


def test_tracking_numbers_follow_each_carriers_format(seeded_url: str) -> None:
    rows = _fetch(seeded_url, "SELECT carrier, tracking_number FROM shipments")
    assert {r.carrier for r in rows} == {"UPS", "FedEx", "DHL", "USPS"}
    for carrier, number in rows:
        if carrier == "UPS":
            assert re.fullmatch(r"1Z[0-9A-Z]{6}[0-9]{10}", number)
            assert number[-1] == ups_check_digit(number[2:-1])
        elif carrier == "FedEx":
            assert re.fullmatch(r"[0-9]{12}", number) and number[-1] == fedex_check_digit(number[:-1])
        elif carrier == "DHL":
            assert re.fullmatch(r"[0-9]{10}", number) and number[-1] == dhl_check_digit(number[:-1])
        else:
            assert re.fullmatch(r"94[0-9]{20}", number) and number[-1] == usps_check_digit(number[:-1])


def test_check_digits_against_known_numbers() -> None:
    assert ups_check_digit("999AA1012345678") == "4"  # UPS's published sample 1Z999AA10123456784
    assert fedex_check_digit("12345678901") == "2"  # FedEx's test number 123456789012
    assert dhl_check_digit("123456789") == "1"  # 123456789 = 7 * 17636684 + 1
    # Weights 3,1,... from the right over 940011120200800000000: 27+4+3+1+3+2+2+24 = 66 -> 4.
    assert usps_check_digit("940011120200800000000") == "4"


def test_customers_are_fictional_and_joined_before_ordering(seeded_url: str) -> None:
    customers = _fetch(seeded_url, "SELECT * FROM customers")
    first_order = {r.customer_id: _utc(r.first) for r in _fetch(
        seeded_url, "SELECT customer_id, MIN(placed_at) AS first FROM orders GROUP BY customer_id")}
    assert len({c.email for c in customers}) == len(customers)
    for c in customers:
        assert re.fullmatch(r"[a-z0-9._]+@example\.(com|org|net)", c.email)
        first, last = c.name.lower().split(" ", 1)
        assert c.email.startswith(first[0])
        assert re.fullmatch(r"\+1 [0-9]{3}-555-01[0-9]{2}", c.phone)
        if c.id in first_order:
            assert _utc(c.created_at) < first_order[c.id]


def test_catalogue(seeded_url: str) -> None:
    products = _fetch(seeded_url, "SELECT * FROM products")
    assert len({p.sku for p in products}) == len({p.name for p in products}) == len(products)
    assert {p.category for p in products} >= {
        "headphones", "laptops", "phones", "kitchen", "smart-home", "cameras", "gaming", "books", "fitness"}
    assert all(Decimal(str(p.price)) > 0 and str(p.price).endswith(("9", "9.0")) for p in products)
    assert all(len(p.description) > 40 for p in products)


@pytest.mark.parametrize(("customers", "orders"), [(-1, 5), (0, 5), (5, -1)])
def test_impossible_sizes_are_refused(sqlite_url: str, customers: int, orders: int) -> None:
    migrate.upgrade(sqlite_url)
    with pytest.raises(ValueError, match="cannot seed"):
        seed(sqlite_url, anchor=date(2025, 1, 1), customers=customers, orders=orders)
