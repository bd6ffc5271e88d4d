"""Fixtures shared by every test: real PostgreSQL and Redis, never fakes.

A test that needs a service which is not reachable fails with a message that
says how to start it. Outside CI (``CI`` unset) it is skipped instead, with the
same message, so a laptop without PostgreSQL can still run the rest.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

START_HINTS = {
    "PostgreSQL": "start it with: pg_ctlcluster --skip-systemctl-redirect "
    "$(ls /etc/postgresql) main start (or set TEST_POSTGRES_ADMIN_URL)",
    "Redis": "start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 "
    '--save "" --appendonly no (or set TEST_REDIS_URL)',
}


def service_unavailable(service: str, error: Exception) -> None:
    """Fail (in CI) or skip (elsewhere) with a message naming the fix."""
    message = f"{service} is not reachable ({type(error).__name__}: {error}); {START_HINTS[service]}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _postgres_admin_engine():
    import sqlalchemy as sa

    return sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_postgres_database(prefix: str) -> str:
    """Create an empty, uniquely named database and return its URL."""
    import sqlalchemy as sa

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _postgres_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        service_unavailable("PostgreSQL", error)
    finally:
        engine.dispose()
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False
    )


def drop_postgres_database(url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    engine = _postgres_admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    url = create_postgres_database("assistant_test")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(fixture)


@pytest.fixture
def sessions(database_url: str) -> Iterator["sessionmaker[Session]"]:
    """Sessions on the migrated application database, once on SQLite and once on PostgreSQL."""
    from commerce import migrate
    from commerce.db import make_session_factory

    migrate.upgrade(database_url)
    factory = make_session_factory(database_url)
    yield factory
    factory.kw["bind"].dispose()


@contextlib.contextmanager
def empty_redis_database(url: str) -> Iterator[str]:
    """Yields *url* with its Redis database emptied before and after."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        service_unavailable("Redis", error)
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database (number 15) emptied before and after the test."""
    with empty_redis_database(REDIS_TEST_URL) as url:
        yield url
