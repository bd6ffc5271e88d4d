"""Engines and sessions for the application database.

SQLite gets the settings it needs to behave like a real database for this
application: foreign keys enforced, a busy timeout so concurrent writers wait
instead of failing, WAL so readers never block the writer, and SQLAlchemy in
charge of BEGIN (the sqlite3 module's legacy mode does not begin a transaction
for SELECT, which breaks read-then-write transactions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant import settings

SQLITE_BUSY_TIMEOUT_S = 15.0
_WRITE_LOCK_OPTION = "commerce_write_lock"


def database_url(url: Optional[str] = None) -> URL:
    """*url*, or the configured ``APP_DATABASE_URL``, parsed.

    A bare ``postgresql://`` means psycopg2, the driver this project ships (and
    the one Rasa's tracker store uses); SQLAlchemy 2.1 would pick psycopg 3.
    """
    parsed = make_url(url or settings.get("APP_DATABASE_URL"))
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def safe_url(url: Optional[str] = None) -> str:
    """The URL with its password masked, for messages."""
    return database_url(url).render_as_string(hide_password=True)


def make_engine(url: Optional[str] = None) -> Engine:
    """An engine for *url* (default: the ``APP_DATABASE_URL`` setting)."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    database = parsed.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    if on_disk:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (below)
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        if on_disk:
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE_LOCK_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_session_factory(url: Optional[str] = None) -> sessionmaker[Session]:
    """Sessions bound to a new engine for *url*; objects stay usable after commit."""
    return sessionmaker(make_engine(url), expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Open *session*'s transaction as a writer, before its first statement.

    On SQLite this takes the database write lock up front (BEGIN IMMEDIATE):
    two read-then-write transactions then queue on the busy timeout instead
    of one failing with "database is locked". Other databases use row locks
    (SELECT ... FOR UPDATE), so this is a no-op for them.
    """
    session.connection(execution_options={_WRITE_LOCK_OPTION: True})
