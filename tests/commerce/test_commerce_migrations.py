"""Migrations and engine settings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from commerce import migrate
from commerce.db import make_engine
from commerce.models import Base, Customer

APP_TABLES = {
    "customers",
    "products",
    "orders",
    "order_items",
    "shipments",
    "order_status_events",
    "unanswered_questions",
    "product_views",
    "recommendation_feedback",
    "recommendation_exposures",
    "support_tickets",
    "support_agents",
    "agent_sessions",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str, metadata: sa.MetaData) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_up_down_up(database_url: str) -> None:
    assert migrate.current_revision(database_url) is None
    migrate.upgrade(database_url)
    head = migrate.head_revision()
    assert head is not None
    assert migrate.current_revision(database_url) == head
    assert APP_TABLES <= _tables(database_url)

    migrate.downgrade(database_url)
    assert migrate.current_revision(database_url) is None
    assert _tables(database_url) & APP_TABLES == set()

    migrate.upgrade(database_url)
    assert migrate.current_revision(database_url) == head
    assert APP_TABLES <= _tables(database_url)


def test_models_match_the_migrated_schema(database_url: str) -> None:
    migrate.upgrade(database_url)
    assert _differences(database_url, Base.metadata) == []

    # The comparison does notice a change: a model with one column more.
    changed = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["orders"].append_column(sa.Column("gift_note", sa.String(200)))
    differences = _differences(database_url, changed)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "gift_note")]


def test_foreign_keys_are_enforced(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO orders (number, customer_id, status, placed_at, updated_at, total, currency,"
                " ship_city, ship_country) VALUES ('1000001', 999, 'pending', :t, :t, 1, 'USD', 'Austin', 'US')"
            ), {"t": datetime(2025, 1, 1)})
    finally:
        engine.dispose()


def test_timestamps_come_back_as_aware_utc(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    new_york = timezone(timedelta(hours=-5))
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(Customer.__table__), {
                "name": "Test", "email": "t@example.com", "phone": None,
                "created_at": datetime(2025, 1, 1, 7, 30, tzinfo=new_york),
            })
            stored = conn.execute(sa.select(Customer.__table__.c.created_at)).scalar_one()
        assert stored == datetime(2025, 1, 1, 12, 30, tzinfo=UTC)
        assert stored.utcoffset() == timedelta(0)
        with pytest.raises(sa.exc.StatementError, match="naive datetime"), engine.begin() as conn:
            conn.execute(sa.insert(Customer.__table__), {
                "name": "Naive", "email": "n@example.com", "created_at": datetime(2025, 1, 1)})
    finally:
        engine.dispose()


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "app.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert (pragma("foreign_keys"), pragma("busy_timeout"), pragma("journal_mode")) == (1, 15000, "wal")
        assert path.parent.is_dir()
    finally:
        engine.dispose()
