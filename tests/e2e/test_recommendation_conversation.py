"""The recommendation skill over REST against the real servers and the seeded catalog."""

from __future__ import annotations

import json
from decimal import Decimal

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import new_sender, query, seeded_orders


def recommended(messages: list[dict]) -> list[tuple[str, dict[str, str]]]:
    """(sku, {"up": payload, "down": payload}) for each recommended item, in order."""
    items = []
    for message in messages:
        payloads = [b["payload"] for b in message.get("buttons") or []]
        if payloads and all(p.startswith("/recommendation_feedback") for p in payloads):
            parsed = [json.loads(p[len("/recommendation_feedback"):]) for p in payloads]
            items.append((parsed[0]["product_sku"], {d["feedback"]: p for d, p in zip(parsed, payloads)}))
    return items


def products(app_url: str, skus: list[str]) -> dict[str, tuple[str, Decimal]]:
    rows = query(app_url, "SELECT sku, category, price FROM products WHERE sku = ANY(:skus)", skus=skus)
    return {row.sku: (row.category, Decimal(row.price)) for row in rows}


def test_category_and_price_filter_then_thumbs_down_changes_the_next_list(
    stack: StackProcess, stack_databases: dict
) -> None:
    sender = new_sender()
    items = recommended(stack.say(sender, "headphones under $100"))
    assert 1 <= len(items) <= 5
    found = products(stack_databases["APP_DATABASE_URL"], [sku for sku, _ in items])
    assert set(found) == {sku for sku, _ in items}
    assert all(category == "headphones" and price <= 100 for category, price in found.values())

    disliked, buttons = items[0]
    assert texts(stack.say(sender, buttons["down"]))
    again = recommended(stack.say(sender, "headphones under $100"))
    assert again and disliked not in [sku for sku, _ in again]


def test_no_match_is_answered_politely(stack: StackProcess) -> None:
    messages = stack.say(new_sender(), "recommend a laptop under $5")
    assert recommended(messages) == []
    assert "couldn't find laptops at or under $5.00" in texts(messages)


def test_like_my_last_order_verifies_first_then_explains(stack: StackProcess, stack_databases: dict) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "delivered", limit=1)[0]
    sender = new_sender()
    assert "order number" in texts(stack.say(sender, "something like my last order")).lower()
    assert "email" in texts(stack.say(sender, order.number)).lower()
    messages = stack.say(sender, order.email)
    items = recommended(messages)
    assert 1 <= len(items) <= 5
    assert "last order" in texts(messages).lower()
