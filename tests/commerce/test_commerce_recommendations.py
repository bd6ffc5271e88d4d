"""Catalog interactions, the A/B report and the training command, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from commerce import migrate
from commerce.__main__ import main
from commerce.db import make_engine, make_session_factory
from commerce.models import RecommendationExposure, RecommendationFeedback
from commerce.recommendations import experiment_report, parse_sku, training_data
from commerce.seed import seed
from recsys.abtest import wilson_interval

from tests.commerce.conftest import ANCHOR, SMALL


def rows(url: str, sql: str) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        result = [tuple(r) for r in conn.execute(sa.text(sql)).all()]
    engine.dispose()
    return result


def test_views_are_consistent_with_orders(seeded_url: str) -> None:
    views = rows(seeded_url, "SELECT customer_id, product_id, viewed_at FROM product_views")
    bought = rows(seeded_url, "SELECT o.customer_id, i.product_id, o.placed_at, p.category FROM orders o "
                              "JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id")
    assert len(views) >= len(bought)
    viewed = {(c, p) for c, p, _ in views}
    assert all((c, p) in viewed for c, p, _, _ in bought)  # every purchase was viewed first
    categories = dict(rows(seeded_url, "SELECT id, category FROM products"))
    bought_categories = {(c, cat) for c, _, _, cat in bought}
    assert all((c, categories[p]) in bought_categories for c, p, _ in views)  # alternatives of a purchase
    viewed_after_every_order = rows(seeded_url, "SELECT count(*) FROM product_views v WHERE NOT EXISTS "
                                    "(SELECT 1 FROM orders o WHERE o.customer_id = v.customer_id "
                                    "AND o.placed_at > v.viewed_at)")
    assert viewed_after_every_order == [(0,)]  # each view comes before one of the customer's orders


def test_views_are_deterministic_and_backfilled(sqlite_url: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    for url in (sqlite_url, other):
        migrate.upgrade(url)
        seed(url, anchor=ANCHOR, **SMALL)
    query = "SELECT customer_id, product_id, viewed_at FROM product_views ORDER BY id"
    assert rows(sqlite_url, query) == rows(other, query)
    engine = make_engine(other)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM product_views"))
    engine.dispose()
    messages: list[str] = []
    assert not seed(other, anchor=ANCHOR, progress=messages.append, **SMALL).seeded
    assert "product views backfilled" in messages[-1]
    assert rows(other, query)[0][1:] == rows(sqlite_url, query)[0][1:]


def test_training_data_reads_purchases_and_views(seeded_url: str) -> None:
    interactions, catalog = training_data(seeded_url)
    (purchases,) = rows(seeded_url, "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id "
                                    "WHERE o.status != 'cancelled'")[0]
    (views,) = rows(seeded_url, "SELECT count(*) FROM product_views")[0]
    assert len(interactions) == purchases + views
    assert len(catalog) == 309 and set(catalog.attributes) == {"category", "price", "in_stock"}
    assert catalog.features.sum(axis=1).tolist() == [1.0] * 309  # one-hot category


def test_report_counts_feedback_on_shown_products_only(database_url: str) -> None:
    migrate.upgrade(database_url)
    seed(database_url, customers=2, orders=2, anchor=ANCHOR)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    sessions = make_session_factory(database_url)
    shown = {  # variant -> subject -> products shown
        "hybrid": {"s1": [1, 2, 3, 4, 5], "s2": [1, 2, 3, 4, 5]},
        "popularity": {"s3": [1, 2, 3, 4, 5]},
    }
    with sessions() as session:
        for variant, subjects in shown.items():
            for subject, products in subjects.items():
                for position, product in enumerate(products, 1):
                    for repeat in range(2):  # shown twice: still one exposure
                        session.add(RecommendationExposure(experiment="exp", variant=variant, subject_hash=subject,
                                                           product_id=product, position=position,
                                                           shown_at=now + timedelta(minutes=repeat)))
        session.add(RecommendationExposure(experiment="other", variant="hybrid", subject_hash="s9", product_id=1,
                                           position=1, shown_at=now))
        feedback = [("s1", 1, "up"), ("s1", 1, "up"), ("s1", 2, "up"), ("s2", 3, "down"), ("s3", 4, "up"),
                    ("s3", 9, "up")]  # s3 never saw product 9: not counted
        for subject, product, value in feedback:
            variant = "popularity" if subject == "s3" else "hybrid"
            session.add(RecommendationFeedback(subject_hash=subject, product_id=product, feedback=value,
                                               experiment="exp", variant=variant, created_at=now))
        session.commit()
    report = experiment_report(sessions, "exp")
    sessions.kw["bind"].dispose()
    up = {row.variant: row for row in report["up"]}
    assert (up["hybrid"].units, up["hybrid"].exposures, up["hybrid"].events) == (2, 10, 2)
    assert (up["popularity"].units, up["popularity"].exposures, up["popularity"].events) == (1, 5, 1)
    assert up["hybrid"].rate == 0.2 and up["hybrid"].interval == wilson_interval(2, 10)
    assert [(r.variant, r.events) for r in report["down"]] == [("hybrid", 1), ("popularity", 0)]


def test_parse_sku() -> None:
    assert parse_sku(" hp-son-1008 ") == "HP-SON-1008"
    assert parse_sku("'; drop table products") is None and parse_sku("") is None and parse_sku("A" * 40) is None


def test_train_command_trains_then_skips_until_data_changes(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate.upgrade(sqlite_url)
    seed(sqlite_url, anchor=ANCHOR, **SMALL)
    monkeypatch.setenv("RECSYS_ARTIFACT_DIR", str(tmp_path / "recommender"))
    assert main(["train-recommender", "--url", sqlite_url, "--if-stale"]) == 0
    out = capsys.readouterr().out
    assert "reading products, purchases and views" in out and "saved " in out
    manifest = json.loads((tmp_path / "recommender" / "manifest.json").read_text())
    assert manifest["model"] == "hybrid" and manifest["n_items"] == 309
    assert main(["train-recommender", "--url", sqlite_url, "--if-stale"]) == 0
    assert "up to date" in capsys.readouterr().out
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO product_views (customer_id, product_id, viewed_at) "
                             "VALUES (1, 1, '2025-03-13 10:00:00')"))
    engine.dispose()
    assert main(["train-recommender", "--url", sqlite_url, "--if-stale"]) == 0
    assert "saved " in capsys.readouterr().out


def test_report_command(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    migrate.upgrade(sqlite_url)
    assert main(["recommendation-report", "--url", sqlite_url, "--experiment", "exp"]) == 0
    assert "no exposures logged yet" in capsys.readouterr().out


def test_train_command_on_an_empty_database_says_what_to_do(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate.upgrade(sqlite_url)
    monkeypatch.setenv("RECSYS_ARTIFACT_DIR", str(tmp_path / "recommender"))
    assert main(["train-recommender", "--url", sqlite_url]) == 1
    assert "seed the database first" in capsys.readouterr().err
