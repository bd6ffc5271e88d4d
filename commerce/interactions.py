"""Product views consistent with the orders: what customers looked at before buying.

Demo views are derived deterministically from the orders already in the
database (one random stream per order number), so the same orders always give
the same views, and a database seeded before views existed can be backfilled.
Before each purchase the customer viewed the bought product and a few
alternatives from the same category in a similar price range.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import Connection, func, insert, select

from commerce.models import Order, OrderItem, Product, ProductView

VIEW_BATCH = 5000
MAX_ALTERNATIVES = 3
PRICE_SPREAD = 0.5  # alternatives cost within ±50 % of the bought product


def insert_demo_views(conn: Connection, random_seed: int) -> int:
    """Insert views for every order's items unless views exist already; returns rows inserted."""
    if conn.execute(select(func.count()).select_from(ProductView)).scalar_one():
        return 0
    products = conn.execute(select(Product.id, Product.category, Product.price).order_by(Product.id)).all()
    by_category: dict[str, list[tuple[int, float]]] = defaultdict(list)
    price_of = {}
    for product_id, category, price in products:
        by_category[category].append((product_id, float(price)))
        price_of[product_id] = (category, float(price))
    lines = conn.execute(
        select(Order.number, Order.customer_id, Order.placed_at, OrderItem.product_id)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .order_by(Order.number, OrderItem.id)
    ).all()
    rows = []
    for number, customer_id, placed_at, product_id in lines:
        rng = random.Random(f"{random_seed}:views:{number}:{product_id}")
        category, price = price_of[product_id]
        similar = [pid for pid, p in by_category[category]
                   if pid != product_id and abs(p - price) <= PRICE_SPREAD * price]
        viewed = [product_id] + rng.sample(similar, k=min(len(similar), rng.randint(0, MAX_ALTERNATIVES)))
        for viewed_id in viewed:
            before = timedelta(seconds=rng.randint(5 * 60, 3 * 24 * 3600))
            rows.append({"customer_id": customer_id, "product_id": viewed_id, "viewed_at": placed_at - before})
    for start in range(0, len(rows), VIEW_BATCH):
        conn.execute(insert(ProductView), rows[start : start + VIEW_BATCH])
    return len(rows)
