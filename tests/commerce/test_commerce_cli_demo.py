"""`python -m commerce demo-orders`: demo logins from the embedded database, never from a real one."""

from __future__ import annotations

from datetime import date

import pytest

from commerce.__main__ import main
from commerce.models import OrderStatus
from commerce.seed import seed
from commerce.migrate import upgrade


def test_lists_one_order_per_status_with_its_email(sqlite_url: str, capsys: pytest.CaptureFixture) -> None:
    upgrade(sqlite_url)
    seed(sqlite_url, customers=10, orders=40, anchor=date(2026, 1, 5))
    assert main(["demo-orders", "--url", sqlite_url]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert sorted(line.split()[2] for line in lines) == sorted(s.value for s in OrderStatus)
    assert all(len(line.split()[0]) == 7 and "@" in line.split()[1] for line in lines)


def test_refuses_a_non_embedded_database(postgres_url: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["demo-orders", "--url", postgres_url]) == 1
    captured = capsys.readouterr()
    assert "only reads the embedded SQLite demo database" in captured.err
    assert captured.out == ""


def test_bare_postgresql_urls_use_the_shipped_psycopg2_driver() -> None:
    from commerce.db import database_url

    assert database_url("postgresql://u@h/db").drivername == "postgresql+psycopg2"
    assert database_url("postgres://u@h/db").drivername == "postgresql+psycopg2"
    assert database_url("sqlite:///x.db").drivername == "sqlite"
