"""The recommendation actions on a real seeded PostgreSQL shop, a trained hybrid and real Redis."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import pytest
import redis
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.recommendations import (
    ActionProductDetails,
    ActionRecommend,
    ActionRecommendationFeedback,
    ActionRecommendSimilar,
    category_in_text,
    parse_category,
    parse_feedback,
    parse_price,
    price_in_text,
)
from commerce.db import make_engine
from commerce.migrate import upgrade
from commerce.product_questions import battery_hours
from commerce.recommendations import Subject, train_recommender
from commerce.seed import seed
from tests.conftest import create_postgres_database, drop_postgres_database


@pytest.fixture(scope="module")
def trained_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A seeded PostgreSQL shop and a hybrid trained on it, shared by the module's tests."""
    url = create_postgres_database("recs_test")
    upgrade(url)
    seed(url, customers=60, orders=500, anchor=date(2026, 11, 2))
    artifact_dir = tmp_path_factory.mktemp("recommender")
    train_recommender(url, artifact_dir, progress=lambda message: None)
    yield url, artifact_dir
    drop_postgres_database(url)


@pytest.fixture
def shop(trained_shop: tuple[str, Path], redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url, artifact_dir = trained_shop
    monkeypatch.setenv("APP_DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RECSYS_ARTIFACT_DIR", str(artifact_dir))
    services.reset()
    yield url
    services.reset()


def tracker(text: str, entities: dict[str, str] = {}, customer_id: Optional[int] = None,
            sender: str = "anon", context: Optional[dict[str, Any]] = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "recommend"},
              "entities": [{"entity": k, "value": v} for k, v in entities.items()]}
    slots = {"verified_customer_id": None if customer_id is None else str(customer_id), **(context or {})}
    return Tracker(sender, slots, latest, [{"event": "user", "text": text, "parse_data": latest}],
                   False, None, {}, "action_listen")


def run_with_context(action, tracker_: Tracker) -> tuple[list[dict], dict[str, Any]]:
    """The messages, and the context the action left: what it listed is what it remembers as shown."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    context = {e["name"]: e["value"] for e in events}
    assert set(context) <= {"rec_category", "rec_max_price", "rec_shown"}
    if any(m.get("buttons") for m in dispatcher.messages):
        assert context["rec_shown"] == listed(dispatcher.messages)
    return dispatcher.messages, context


def run(action, tracker_: Tracker) -> list[dict]:
    return run_with_context(action, tracker_)[0]


def listed(messages: list[dict]) -> list[str]:
    """The SKUs of the listed items, read from their 👍 buttons (and checked against the 👎 ones)."""
    skus = []
    for message in messages[1:]:
        up, down = message["buttons"]
        assert (up["title"], down["title"]) == ("👍", "👎")
        assert up["payload"].startswith("/recommendation_feedback{")
        up_data = json.loads(up["payload"][len("/recommendation_feedback"):])
        down_data = json.loads(down["payload"][len("/recommendation_feedback"):])
        assert up_data["feedback"] == "up" and down_data["feedback"] == "down"
        assert up_data["product_sku"] == down_data["product_sku"]
        skus.append(up_data["product_sku"])
    return skus


def query(url: str, sql: str, **params: Any) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def sender_in(variant: str, name: str) -> str:
    """A sender id starting with *name* (one per test, so tests share no feedback) in *variant*."""
    service = services.recommendation_service()
    return next(f"{name}-{i}" for i in range(100) if service.variant(Subject.of(None, f"{name}-{i}")) == variant)


def customer_in(url: str, variant: str) -> int:
    """A customer with several delivered purchases whose A/B variant is *variant*."""
    service = services.recommendation_service()
    rows = query(url, "SELECT o.customer_id FROM orders o JOIN order_items i ON i.order_id = o.id "
                      "WHERE o.status = 'delivered' GROUP BY o.customer_id HAVING count(*) >= 3 ORDER BY o.customer_id")
    return next(c for (c,) in rows if service.variant(Subject.of(c, "any")) == variant)


def bought_by(url: str, customer_id: int) -> set[str]:
    return {sku for (sku,) in query(url, "SELECT p.sku FROM orders o JOIN order_items i ON i.order_id = o.id "
                                         "JOIN products p ON p.id = i.product_id "
                                         "WHERE o.customer_id = :c AND o.status != 'cancelled'", c=customer_id)}


def test_entity_parsing() -> None:
    assert [parse_price(t) for t in ("100", "$100", "100 dollars", "under 50", "$1,299.99", "up to 80.5 usd")] == [
        Decimal(v) for v in ("100", "100", "100", "50", "1299.99", "80.5")]
    assert parse_price("cheap") is None and parse_price(None) is None
    assert parse_category("Earbuds") == "headphones" and parse_category("smart home") == "smart-home"
    assert parse_category("TVs") == "tv" and parse_category("spaceships") is None
    assert parse_category("Coffee Machines") == "kitchen" and parse_category("e-reader") == "tablets"
    assert parse_category("2-in-1") == "laptops" and parse_category("webcams") == "monitors"
    assert [parse_feedback(w) for w in ("up", "Thumbs Up", "👎", "not interested", "maybe", None)] == [
        "up", "up", "down", "down", None, None]


def test_verified_customer_gets_personal_picks_without_what_they_bought(shop: str) -> None:
    customer = customer_in(shop, "hybrid")
    messages = run(ActionRecommend(), tracker("recommend something", customer_id=customer))
    skus = listed(messages)
    assert len(skus) == 5 and len(set(skus)) == 5
    assert not set(skus) & bought_by(shop, customer)
    assert messages[0]["text"] == "Picked for you:"
    assert any("because you bought" in m["text"] for m in messages[1:])
    # Each line: position, name, price, reason.
    name, price = query(shop, "SELECT name, price FROM products WHERE sku = :s", s=skus[0])[0]
    assert messages[1]["text"].startswith(f"1. {name} — ${price:,.2f} — ")


def test_anonymous_visitor_gets_honest_popular_picks(shop: str) -> None:
    sender = sender_in("hybrid", "cold")
    messages = run(ActionRecommend(), tracker("recommend something", sender=sender))
    skus = listed(messages)
    assert len(skus) == 5
    assert messages[0]["text"] == "Here are some popular picks:"
    assert all("most popular in" in m["text"] or "customers bought or looked at it" in m["text"] for m in messages[1:])
    in_stock = {sku for sku, stock in query(shop, "SELECT sku, stock FROM products") if stock > 0}
    assert set(skus) <= in_stock


@pytest.mark.parametrize("text,limit", [
    ("under 80", "80"), ("my budget is 800", "800"), ("budget of about $250", "250"),
    ("I can spend up to 1,200 dollars", "1200"), ("no more than 45.50", "45.50"), ("it's for my 3 kids", None),
])
def test_a_price_limit_is_read_from_the_message(text: str, limit: str | None) -> None:
    assert price_in_text(text) == (Decimal(limit) if limit else None)


def test_category_and_price_filters(shop: str) -> None:
    messages = run(ActionRecommend(), tracker("headphones under $100",
                                              {"product_category": "headphones", "max_price": "$100"}))
    skus = listed(messages)
    assert skus
    rows = [query(shop, "SELECT category, price FROM products WHERE sku = :s", s=sku)[0] for sku in skus]
    assert all(category == "headphones" and price <= 100 for category, price in rows)
    # The limit is also read from the text when NLU found no max_price entity.
    from_text = listed(run(ActionRecommend(), tracker("speakers below 60 please", {"product_category": "speakers"})))
    assert all(query(shop, "SELECT price FROM products WHERE sku = :s", s=s)[0][0] <= 60 for s in from_text)
    # So is the category.
    no_entities = listed(run(ActionRecommend(), tracker("a good laptop under $2000 please")))
    assert no_entities
    assert {query(shop, "SELECT category FROM products WHERE sku = :s", s=s)[0][0] for s in no_entities} == {"laptops"}


def test_category_in_text_prefers_the_longest_phrase() -> None:
    assert category_in_text("any good gaming headset?") == "gaming"
    assert category_in_text("I need new Earbuds for running") == "headphones"
    assert category_in_text("a smart home hub") == "smart-home"
    assert category_in_text("something nice for my mum") is None


def test_nothing_under_one_dollar_gets_a_polite_overview(shop: str) -> None:
    messages = run(ActionRecommend(), tracker("headphones under $1", {"product_category": "headphones",
                                                                    "max_price": "under $1"}))
    assert len(messages) == 1 and not messages[0].get("buttons")
    low = query(shop, "SELECT min(price) FROM products WHERE category = 'headphones'")[0][0]
    text = messages[0]["text"]
    assert "couldn't find headphones at or under $1.00" in text and f"${low:,.2f}" in text
    assert "kitchen" in text and "laptops" in text


def test_unknown_category_is_said_and_ignored(shop: str) -> None:
    messages = run(ActionRecommend(), tracker("recommend spaceships", {"product_category": "spaceships"}))
    assert "don't have a “spaceships” category" in messages[0]["text"]
    assert len(listed(messages)) == 5


def test_out_of_stock_only_when_nothing_else(shop: str) -> None:
    stocks = query(shop, "SELECT sku, stock FROM products WHERE category = 'books'")
    engine = make_engine(shop)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE products SET stock = 0 WHERE category = 'books'"))
        messages = run(ActionRecommend(), tracker("books", {"product_category": "books"}))
        assert "out of stock right now" in messages[0]["text"]
        assert len(listed(messages)) == 5 and all("(out of stock)" in m["text"] for m in messages[1:])
    finally:
        with engine.begin() as conn:
            for sku, stock in stocks:
                conn.execute(sa.text("UPDATE products SET stock = :n WHERE sku = :s"), {"n": stock, "s": sku})
        engine.dispose()


def test_dislike_changes_the_next_list_at_once_and_clears_the_cache(shop: str, redis_url: str) -> None:
    sender = sender_in("hybrid", "dislike")
    client = redis.Redis.from_url(redis_url)
    cached = f"assistant:recs:*:{Subject.of(None, sender).key}"
    first = listed(run(ActionRecommend(), tracker("recommend something", sender=sender)))
    assert len(client.keys(cached)) == 1
    down = tracker("👎", {"product_sku": first[0], "feedback": "down"}, sender=sender)
    answer = run(ActionRecommendationFeedback(), down)
    assert "won't suggest" in answer[0]["text"]
    assert client.keys(cached) == []
    second = listed(run(ActionRecommend(), tracker("recommend something", sender=sender)))
    assert first[0] not in second and second != first
    assert query(shop, "SELECT feedback, customer_id FROM recommendation_feedback f JOIN products p "
                       "ON p.id = f.product_id WHERE p.sku = :s AND f.subject_hash = :h",
                 s=first[0], h=Subject.of(None, sender).key) == [("down", None)]


def test_like_boosts_similar_items(shop: str) -> None:
    sender = sender_in("hybrid", "like")
    first = listed(run(ActionRecommend(), tracker("recommend something", sender=sender)))
    liked = first[-1]
    run(ActionRecommendationFeedback(), tracker("👍", {"product_sku": liked, "feedback": "up"}, sender=sender))
    messages = run(ActionRecommend(), tracker("recommend something", sender=sender))
    name = query(shop, "SELECT name FROM products WHERE sku = :s", s=liked)[0][0]
    assert liked not in listed(messages)
    assert messages[0]["text"] == "Picked for you:"
    assert f"because you liked {name}" in messages[1]["text"]


def test_cached_scores_are_reused_until_feedback(shop: str, redis_url: str) -> None:
    sender = sender_in("hybrid", "cache")
    client = redis.Redis.from_url(redis_url)
    first = listed(run(ActionRecommend(), tracker("recommend something", sender=sender)))
    (key,) = client.keys(f"assistant:recs:*:{Subject.of(None, sender).key}")
    # A doctored cache entry (same fingerprint, reversed scores) is served as is: proof the cache is used.
    value = client.get(key)
    scores = np.frombuffer(value[64:], dtype=np.float64)
    client.set(key, value[:64] + (-scores).tobytes())
    assert listed(run(ActionRecommend(), tracker("recommend something", sender=sender)))[0] != first[0]


def test_bad_or_missing_feedback_is_answered_politely(shop: str) -> None:
    for entities in ({"product_sku": "XX-NOPE-0000", "feedback": "up"}, {"product_sku": "'; drop table--",
                                                                           "feedback": "down"}):
        (message,) = run(ActionRecommendationFeedback(), tracker("/recommendation_feedback", entities))
        assert message["text"].startswith("Sorry, I couldn't find that product")
    (message,) = run(ActionRecommendationFeedback(), tracker("/recommendation_feedback", {"product_sku": "X"}))
    assert "👍 or 👎" in message["text"]
    assert query(shop, "SELECT count(*) FROM recommendation_feedback WHERE subject_hash = :h",
                 h=Subject.of(None, "anon").key) == [(0,)]


def test_similar_to_last_order(shop: str) -> None:
    customer = customer_in(shop, "hybrid")
    messages = run(ActionRecommendSimilar(), tracker("something like my last order", customer_id=customer))
    assert messages[0]["text"].startswith("Based on your last order (")
    assert any("because you bought" in m["text"] for m in messages[1:])
    assert not set(listed(messages)) & bought_by(shop, customer)


def test_similar_without_verification_falls_back_with_a_note(shop: str) -> None:
    messages = run(ActionRecommendSimilar(), tracker("something like my last order"))
    assert messages[0]["text"].startswith("I couldn't look up your orders, so these are general suggestions.")
    assert len(listed(messages)) == 5


def test_popularity_variant_and_exposure_log(shop: str) -> None:
    sender = sender_in("popularity", "popular")
    run(ActionRecommend(), tracker("recommend something", sender=sender))
    rows = query(shop, "SELECT variant, position FROM recommendation_exposures WHERE subject_hash = :h "
                       "ORDER BY position", h=Subject.of(None, sender).key)
    assert rows == [("popularity", p) for p in range(1, 6)]


def test_missing_recommender_is_answered_politely(shop: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECSYS_ARTIFACT_DIR", str(tmp_path / "never-trained"))
    services.recommendation_ranker.cache_clear()
    services.recommendation_service.cache_clear()
    (message,) = run(ActionRecommend(), tracker("recommend something"))
    assert message["text"].startswith("Sorry, I can't suggest products right now")
    services.recommendation_ranker.cache_clear()


def test_a_new_purchase_changes_the_next_list_without_retraining(shop: str) -> None:
    customer = customer_in(shop, "hybrid")
    first = listed(run(ActionRecommend(), tracker("recommend something", customer_id=customer)))
    used = {n for (n,) in query(shop, "SELECT number FROM orders")}
    number = next(str(n) for n in range(1_000_000, 2_000_000) if str(n) not in used)
    (product_id, price), = query(shop, "SELECT id, price FROM products WHERE sku = :s", s=first[0])
    engine = make_engine(shop)
    try:
        with engine.begin() as conn:
            order_id = conn.execute(sa.text(
                "INSERT INTO orders (number, customer_id, status, placed_at, updated_at, total, currency, ship_city,"
                " ship_country) VALUES (:n, :c, 'processing', now(), now(), :p, 'USD', 'Austin', 'US') RETURNING id"),
                {"n": number, "c": customer, "p": price}).scalar_one()
            conn.execute(sa.text("INSERT INTO order_items (order_id, product_id, quantity, unit_price) "
                                 "VALUES (:o, :p, 1, :u)"), {"o": order_id, "p": product_id, "u": price})
        second = listed(run(ActionRecommend(), tracker("recommend something", customer_id=customer)))
        assert first[0] not in second and second != first
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM orders WHERE number = :n"), {"n": number})
        engine.dispose()


def prices_and_names(url: str, skus: list[str]) -> dict[str, tuple[Decimal, str, str]]:
    rows = query(url, "SELECT sku, price, name, category FROM products")
    return {sku: (Decimal(str(price)), name, category) for sku, price, name, category in rows if sku in skus}


def test_refinements_keep_the_other_filters_of_the_last_list(shop: str) -> None:
    sender = "refine-1"
    _, first = run_with_context(ActionRecommend(), tracker("recommend some headphones", sender=sender))
    shown = prices_and_names(shop, first["rec_shown"])
    assert first["rec_category"] == "headphones" and len(shown) == 5

    _, cheaper = run_with_context(ActionRecommend(), tracker("less expensive ones", sender=sender, context=first))
    middle = sorted(price for price, _, _ in shown.values())[2]
    listed_now = prices_and_names(shop, cheaper["rec_shown"])
    assert listed_now and all(price < middle and category == "headphones"
                              for price, _, category in listed_now.values())

    _, black = run_with_context(ActionRecommend(), tracker("only in black", sender=sender, context=cheaper))
    in_black = prices_and_names(shop, black["rec_shown"])
    assert in_black and all("black" in name.lower() and category == "headphones" and price <= middle
                            for price, name, category in in_black.values())

    limited = {**first, "rec_max_price": 100.0}
    _, tablets = run_with_context(ActionRecommend(), tracker("tablets instead", sender=sender, context=limited))
    assert tablets["rec_category"] == "tablets" and tablets["rec_max_price"] is None, "a new category drops the limit"
    assert all(category == "tablets" for _, _, category in prices_and_names(shop, tablets["rec_shown"]).values())
    _, same = run_with_context(ActionRecommend(), tracker("what about a tablet for the same money", sender=sender,
                                                          context={**first, "rec_max_price": 400.0}))
    assert same["rec_category"] == "tablets" and same["rec_max_price"] == 400.0, "unless the customer keeps it"
    assert all(category == "tablets" and price <= 400
               for price, _, category in prices_and_names(shop, same["rec_shown"]).values())

    _, others = run_with_context(ActionRecommend(), tracker("show me other ones", sender=sender, context=first))
    assert others["rec_shown"] and not set(others["rec_shown"]) & set(first["rec_shown"])


def test_a_fresh_request_ignores_the_last_list(shop: str) -> None:
    _, first = run_with_context(ActionRecommend(), tracker("headphones under $100", sender="fresh-1"))
    _, laptops = run_with_context(ActionRecommend(), tracker("recommend a laptop", sender="fresh-1", context=first))
    assert laptops["rec_category"] == "laptops" and laptops["rec_max_price"] is None


def test_questions_about_the_products_shown_are_answered_from_the_catalogue(shop: str) -> None:
    _, first = run_with_context(ActionRecommend(), tracker("recommend some headphones", sender="details-1"))
    shown = first["rec_shown"]
    details = {p.sku: p for p in services.recommendation_service().product_details(shown)}
    hours = {sku: battery_hours(p.description) for sku, p in details.items()}
    asked = tracker("which one has the longest battery life?", sender="details-1", context=first)
    answer = " ".join(m["text"] for m in run(ActionProductDetails(), asked))
    if any(h is not None for h in hours.values()):
        best = max((sku for sku in shown if hours[sku] is not None), key=lambda sku: hours[sku] or 0)
        assert answer.startswith(f"{shown.index(best) + 1}. {details[best].name}")
    second = details[shown[1]]
    answer = " ".join(m["text"] for m in run(ActionProductDetails(), tracker("is the second one in stock?",
                                                                              sender="details-1", context=first)))
    assert second.name in answer and ("in stock" if second.stock > 0 else "out of stock") in answer
    assert details[shown[0]].name not in answer

    nothing = " ".join(m["text"] for m in run(ActionProductDetails(), tracker("which one is lightest?")))
    assert "Ask me for recommendations first" in nothing
