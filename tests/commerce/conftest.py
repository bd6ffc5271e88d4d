"""Fixtures for the data layer: a migrated, seeded database on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from commerce import migrate
from commerce.db import make_session_factory
from commerce.orders import OrderService
from commerce.seed import seed

ANCHOR = date(2025, 3, 14)
SMALL = {"customers": 40, "orders": 200}


@pytest.fixture
def demo_anchor() -> date:
    """The 'today' of the test demo data."""
    return ANCHOR


@pytest.fixture
def demo_sizes() -> dict[str, int]:
    """Customers and orders of the test demo data: small, so seeding takes a fraction of a second."""
    return dict(SMALL)


@pytest.fixture
def seeded_url(database_url: str) -> str:
    """A database at head, holding the small demo dated relative to ANCHOR."""
    migrate.upgrade(database_url)
    seed(database_url, anchor=ANCHOR, **SMALL)
    return database_url


@pytest.fixture
def service(seeded_url: str) -> Iterator[OrderService]:
    factory = make_session_factory(seeded_url)
    yield OrderService(factory)
    factory.kw["bind"].dispose()
