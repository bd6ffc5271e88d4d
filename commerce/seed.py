"""Deterministic demo data for an online electronics and home store.

Everything is generated from curated lists (:mod:`commerce.seed_data`) by
seeded random streams and dated relative to an anchor day, so the same seed
and anchor always give the same rows, and another anchor shifts every date by
the same number of days and changes nothing else. Each order's status history
is consistent: pending -> processing -> shipped -> out_for_delivery ->
delivered, cancellations happen before shipping, returns after delivery.

Seeding an empty database inserts in bulk in one transaction; seeding a
database that already holds data does nothing.
"""

from __future__ import annotations

import itertools
import random
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import Connection, Table, func, insert, select

from commerce import seed_data as data
from commerce.carriers import make_tracking_number
from commerce.db import make_engine
from commerce.interactions import insert_demo_views
from commerce.models import Base, OrderStatus

DEFAULT_RANDOM_SEED = 1729
CURRENCY = "USD"
ORDER_NUMBER_RANGE = range(1_000_000, 2_000_000)
ORDER_BATCH = 1000
TABLES = Base.metadata.tables

# Share of each status among the orders (largest remainder, at least one each).
STATUS_SHARES = {
    OrderStatus.PENDING: 0.04,
    OrderStatus.PROCESSING: 0.05,
    OrderStatus.SHIPPED: 0.07,
    OrderStatus.OUT_FOR_DELIVERY: 0.03,
    OrderStatus.DELIVERED: 0.66,
    OrderStatus.CANCELLED: 0.08,
    OrderStatus.RETURNED: 0.07,
}
TRANSIT_DAYS = {"UPS": (1, 4), "FedEx": (1, 3), "USPS": (2, 5), "DHL": (3, 7)}
DOMESTIC_CARRIERS = (("UPS", "FedEx", "USPS"), (45, 30, 25))
INTERNATIONAL_SHARE = 0.1
HISTORY_DAYS = 540  # how far back finished orders go
HOUR = 3600
DAY = 24 * HOUR

Progress = Callable[[str], None]
Row = dict[str, Any]


@dataclass(frozen=True)
class SeedReport:
    """What a seed run did; ``seeded`` is False when the database already had data."""

    seeded: bool
    products: int
    customers: int
    orders: int
    seconds: float


@dataclass(frozen=True)
class DemoData:
    """All rows of the demo, foreign keys given as list positions."""

    products: list[Row]
    customers: list[Row]
    orders: list[Row]  # with "customer_index"
    items: list[list[Row]]  # per order, with "product_index"
    shipments: list[Optional[Row]]  # per order
    events: list[list[Row]]  # per order, oldest first


def parse_anchor(raw: str) -> date:
    """The anchor day from the ``SEED_ANCHOR_DATE`` setting; empty means today (UTC)."""
    if not raw:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"SEED_ANCHOR_DATE={raw!r} is not a YYYY-MM-DD date") from None


def _stream(random_seed: int, name: str) -> random.Random:
    """An independent random stream per part, so resizing one part leaves the others alone."""
    return random.Random(f"{random_seed}:{name}")


def _price(dollars: int, rng: random.Random) -> Decimal:
    return Decimal(dollars) + (Decimal("0.99") if rng.random() < 0.8 else Decimal("0.49"))


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def build_products(random_seed: int) -> list[Row]:
    """Every model and variant of the curated catalogue, with price, stock and description."""
    rng = _stream(random_seed, "products")
    rows: list[Row] = []
    for category, spec in data.CATALOG.items():
        serial = itertools.count(1001)
        for line_index, line in enumerate(spec.lines):
            for model_index, model in enumerate(line.models):
                brand = spec.brands[(line_index + model_index * 3) % len(spec.brands)]
                low, high = line.price
                base = rng.randint(low, high)
                features = rng.sample(line.features, k=min(3, len(line.features)))
                listed = ", ".join(features[:-1]) + " and " + features[-1]
                blurb = line.blurb.format(Kind=line.kind[0].upper() + line.kind[1:], kind=line.kind,
                                          brand=brand, features=listed)
                description = f"{blurb} {rng.choice(spec.closings)}"
                name = line.name.format(brand=brand, model=model, kind=line.kind)
                for variant_index, variant in enumerate(line.variants or (None,)):
                    sized = variant is not None and any(c.isdigit() for c in variant)
                    dollars = base + (variant_index * max(10, base // 8) if sized else 0)
                    rows.append({
                        "sku": f"{spec.code}-{_ascii_slug(brand)[:3].upper()}-{next(serial)}",
                        "name": f"{name}, {variant}" if variant else name,
                        "brand": brand,
                        "category": category,
                        "description": description,
                        "price": _price(dollars, rng),
                        "currency": CURRENCY,
                        "stock": 0 if rng.random() < 0.06 else rng.randint(3, 240),
                    })
    return rows


def build_customers(count: int, random_seed: int) -> list[Row]:
    """*count* customers with name-based emails at example domains and 555-01xx phones.

    ``created_at`` is filled in later, once their first order is known.
    """
    rng = _stream(random_seed, "customers")
    rows: list[Row] = []
    emails: set[str] = set()
    for _ in range(count):
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        f, surname = _ascii_slug(first), _ascii_slug(last)
        local = rng.choice((f"{f}.{surname}", f"{f}{surname}", f"{f}_{surname}", f"{f[0]}{surname}",
                            f"{f}.{surname}{rng.randint(1, 99)}"))
        domain = rng.choice(data.EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        suffix = itertools.count(2)
        while email in emails:
            email = f"{local}{next(suffix)}@{domain}"
        emails.add(email)
        phone = f"+1 {rng.choice(data.AREA_CODES)}-555-01{rng.randint(0, 99):02d}"
        rows.append({"name": f"{first} {last}", "email": email, "phone": phone})
    return rows


def allocate_statuses(count: int, rng: random.Random) -> list[OrderStatus]:
    """*count* statuses in :data:`STATUS_SHARES` proportions (each at least once if count >= 7), shuffled."""
    exact = {s: share * count for s, share in STATUS_SHARES.items()}
    counts = {s: int(v) for s, v in exact.items()}
    if count >= len(STATUS_SHARES):
        counts = {s: max(1, c) for s, c in counts.items()}
    by_remainder = sorted(exact, key=lambda s: exact[s] - int(exact[s]), reverse=True)
    for status in itertools.cycle(by_remainder):
        surplus = sum(counts.values()) - count
        if surplus == 0:
            break
        if surplus < 0:
            counts[status] += 1
        elif counts[status] > 1:
            counts[status] -= 1
    statuses = [s for s in STATUS_SHARES for _ in range(counts[s])]
    rng.shuffle(statuses)
    return statuses


def _timeline(
    status: OrderStatus, carrier: str, rng: random.Random
) -> tuple[list[tuple[OrderStatus, int]], int, int]:
    """The status steps leading to *status*, as seconds after the order was placed.

    Returns (steps, seconds from shipping to delivery, seconds the order has
    been in its final step at the anchor).
    """
    pay = rng.randint(5 * 60, 6 * HOUR)
    pack = rng.randint(3 * HOUR, 2 * DAY)
    low, high = TRANSIT_DAYS[carrier]
    transit = rng.randint(low, high) * DAY + rng.randint(-4 * HOUR, 4 * HOUR)
    deliver = rng.randint(HOUR, 9 * HOUR)
    back = rng.randint(3 * DAY, 28 * DAY)

    if status is OrderStatus.CANCELLED:
        if rng.random() < 0.5:
            steps = [(OrderStatus.PENDING, 0), (OrderStatus.CANCELLED, rng.randint(120, pay - 60))]
        else:
            steps = [(OrderStatus.PENDING, 0), (OrderStatus.PROCESSING, pay),
                     (OrderStatus.CANCELLED, pay + rng.randint(600, pack - 60))]
    else:
        path = [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED,
                OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED, OrderStatus.RETURNED]
        gaps = [0, pay, pack, transit, deliver, back]
        last = path.index(status)
        steps = list(zip(path[: last + 1], itertools.accumulate(gaps[: last + 1])))

    # Time spent in the final step: less than its usual length if the order
    # is still moving; up to HISTORY_DAYS for finished ones (recent ones denser).
    next_gap = {OrderStatus.PENDING: pay, OrderStatus.PROCESSING: pack,
                OrderStatus.SHIPPED: transit, OrderStatus.OUT_FOR_DELIVERY: deliver}.get(status)
    if next_gap is not None:
        dwell = rng.randint(60, next_gap - 60)
    else:
        dwell = int(HISTORY_DAYS * DAY * rng.random() ** 1.4)
    return steps, transit + deliver, dwell


def _describe(
    step: OrderStatus, carrier: str, warehouse: str, destination: str, rng: random.Random
) -> tuple[str, Optional[str]]:
    """Description and location of one status event."""
    if step is OrderStatus.PENDING:
        return "Order placed", None
    if step is OrderStatus.PROCESSING:
        return "Payment confirmed; your order is being prepared", warehouse
    if step is OrderStatus.SHIPPED:
        return f"Shipped with {carrier}", warehouse
    if step is OrderStatus.OUT_FOR_DELIVERY:
        return "Out for delivery", destination
    if step is OrderStatus.DELIVERED:
        return rng.choice(data.DELIVERY_NOTES), destination
    if step is OrderStatus.RETURNED:
        return rng.choice(data.RETURN_NOTES), warehouse
    return rng.choice(data.CANCELLATION_NOTES), None


def build_orders(
    customers: Sequence[Row], products: Sequence[Row], count: int, anchor: date, random_seed: int
) -> DemoData:
    """*count* orders with items, shipments and status history, dated before the anchor day."""
    rng = _stream(random_seed, "orders")
    now = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    numbers = rng.sample(ORDER_NUMBER_RANGE, count)
    statuses = allocate_statuses(count, rng)
    customer_weights = list(itertools.accumulate(rng.lognormvariate(0, 0.6) for _ in customers))
    product_weights = list(itertools.accumulate(rng.lognormvariate(0, 1.0) for _ in products))
    customer_indexes = range(len(customers))
    product_indexes = range(len(products))

    orders: list[Row] = []
    items: list[list[Row]] = []
    shipments: list[Optional[Row]] = []
    events: list[list[Row]] = []
    for number, status in zip(numbers, statuses):
        customer_index = rng.choices(customer_indexes, cum_weights=customer_weights)[0]
        if rng.random() < INTERNATIONAL_SHARE:
            city, country = rng.choice(data.INTERNATIONAL_CITIES)
            where, carrier = f"{city}, {country}", "DHL"
        else:
            city, region = rng.choice(data.US_CITIES)
            country, where = "US", f"{city}, {region}"
            carrier = rng.choices(*DOMESTIC_CARRIERS)[0]
        warehouse = rng.choice(data.WAREHOUSES)

        size = rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0]
        picks = rng.choices(product_indexes, cum_weights=product_weights, k=size)
        lines = []
        for product_index in dict.fromkeys(picks):
            price = products[product_index]["price"]
            if rng.random() < 0.1:  # a sale price
                price = (price * Decimal("0.85")).quantize(Decimal("0.01"))
            quantity = rng.choices((1, 2, 3), (86, 11, 3))[0]
            lines.append({"product_index": product_index, "quantity": quantity, "unit_price": price})

        steps, delivery, dwell = _timeline(status, carrier, rng)
        placed_at = now - timedelta(seconds=steps[-1][1] + dwell)
        at = {step: placed_at + timedelta(seconds=offset) for step, offset in steps}
        history = []
        for step, _ in steps:
            description, location = _describe(step, carrier, warehouse, where, rng)
            history.append({"status": step, "occurred_at": at[step], "description": description,
                            "location": location})

        shipment = None
        if OrderStatus.SHIPPED in at:
            shipped_at = at[OrderStatus.SHIPPED]
            planned = (shipped_at + timedelta(seconds=delivery)).date()
            if rng.random() < 0.08:  # running late: promised a day earlier (never before shipping)
                planned = max(planned - timedelta(days=1), shipped_at.date() + timedelta(days=1))
            shipment = {
                "carrier": carrier,
                "tracking_number": make_tracking_number(carrier, rng),
                "shipped_at": shipped_at,
                "eta": planned,
                "delivered_at": at.get(OrderStatus.DELIVERED),
            }

        orders.append({
            "number": str(number),
            "customer_index": customer_index,
            "status": status,
            "placed_at": placed_at,
            "updated_at": history[-1]["occurred_at"],
            "total": sum((line["unit_price"] * line["quantity"] for line in lines), Decimal("0.00")),
            "currency": CURRENCY,
            "ship_city": city,
            "ship_country": country,
        })
        items.append(lines)
        shipments.append(shipment)
        events.append(history)
    return DemoData(list(products), list(customers), orders, items, shipments, events)


def build_demo_data(customers: int, orders: int, anchor: date, random_seed: int = DEFAULT_RANDOM_SEED) -> DemoData:
    """The whole demo, in memory; customers joined before their first order."""
    demo = build_orders(build_customers(customers, random_seed), build_products(random_seed),
                        orders, anchor, random_seed)
    rng = _stream(random_seed, "signup")
    now = datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    first_order: dict[int, datetime] = {}
    for order in demo.orders:
        index = order["customer_index"]
        first_order[index] = min(first_order.get(index, now), order["placed_at"])
    for index, customer in enumerate(demo.customers):
        before = first_order.get(index, now)
        customer["created_at"] = before - timedelta(seconds=rng.randint(HOUR, 400 * DAY))
    return demo


def _insert(conn: Connection, table: Table, rows: list[Row]) -> list[int]:
    """Insert *rows* in bulk and return their new ids, in order."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(conn.execute(statement, rows).scalars())


def _existing_rows(conn: Connection) -> int:
    return sum(conn.execute(select(func.count()).select_from(TABLES[name])).scalar_one()
               for name in ("products", "customers", "orders"))


def seed(
    url: Optional[str] = None,
    *,
    customers: int,
    orders: int,
    anchor: date,
    random_seed: int = DEFAULT_RANDOM_SEED,
    progress: Progress = lambda message: None,
) -> SeedReport:
    """Fill the (migrated) database at *url* with the demo, unless it already holds data."""
    if customers < 0 or orders < 0 or (orders and not customers):
        raise ValueError(f"cannot seed {orders} orders for {customers} customers")
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if _existing_rows(conn):
                backfilled = insert_demo_views(conn, random_seed)
                progress("database already holds data; nothing seeded"
                         + (f" (product views backfilled: {backfilled})" if backfilled else ""))
                return SeedReport(False, 0, 0, 0, time.perf_counter() - started)
            progress(f"generating {orders} orders for {customers} customers (anchor {anchor.isoformat()})")
            demo = build_demo_data(customers, orders, anchor, random_seed)
            product_ids = _insert(conn, TABLES["products"], demo.products)
            progress(f"products: {len(product_ids)} inserted")
            customer_ids = _insert(conn, TABLES["customers"], demo.customers)
            progress(f"customers: {len(customer_ids)} inserted")
            for start in range(0, len(demo.orders), ORDER_BATCH):
                batch = slice(start, start + ORDER_BATCH)
                order_rows = [
                    {k: v for k, v in order.items() if k != "customer_index"}
                    | {"customer_id": customer_ids[order["customer_index"]]}
                    for order in demo.orders[batch]
                ]
                order_ids = _insert(conn, TABLES["orders"], order_rows)
                children = list(zip(order_ids, demo.items[batch], demo.shipments[batch], demo.events[batch]))
                conn.execute(insert(TABLES["order_items"]), [
                    {"order_id": oid, "product_id": product_ids[line["product_index"]],
                     "quantity": line["quantity"], "unit_price": line["unit_price"]}
                    for oid, lines, _, _ in children for line in lines
                ])
                shipment_rows = [{"order_id": oid, **s} for oid, _, s, _ in children if s is not None]
                if shipment_rows:
                    conn.execute(insert(TABLES["shipments"]), shipment_rows)
                conn.execute(insert(TABLES["order_status_events"]), [
                    {"order_id": oid, **event} for oid, _, _, history in children for event in history
                ])
                progress(f"orders: {start + len(order_ids)}/{len(demo.orders)} inserted")
            progress(f"product views: {insert_demo_views(conn, random_seed)} inserted")
        report = SeedReport(True, len(demo.products), len(demo.customers), len(demo.orders),
                            time.perf_counter() - started)
        progress(f"seeded in {report.seconds:.1f} s")
        return report
    finally:
        engine.dispose()
