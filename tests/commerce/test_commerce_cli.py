"""``python -m commerce``: messages, exit codes, and no personal data in the output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from commerce import migrate
from commerce.__main__ import main
from commerce.db import make_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_seed_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEED_CUSTOMERS", "15")
    monkeypatch.setenv("SEED_ORDERS", "60")
    monkeypatch.setenv("SEED_ANCHOR_DATE", "2025-03-14")


def _personal_data(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, email, phone FROM customers")).all()
    finally:
        engine.dispose()
    return {value for row in rows for value in row}


def test_seed_migrates_seeds_and_is_idempotent(
    database_url: str, small_seed_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", "--url", database_url]) == 0
    out = capsys.readouterr().out
    assert f"migrated to {migrate.head_revision()}" in out
    assert "customers: 15 inserted" in out and "orders: 60/60 inserted" in out
    personal = _personal_data(database_url)
    assert len(personal) >= 30
    assert not [value for value in personal if value in out]

    assert main(["seed", "--url", database_url]) == 0
    assert "nothing seeded" in capsys.readouterr().out
    assert len(_personal_data(database_url)) == len(personal)


def test_migrate_and_downgrade(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--url", database_url]) == 0
    assert capsys.readouterr().out.strip().endswith(f"at revision {migrate.head_revision()}")
    assert main(["downgrade", "--url", database_url]) == 0
    assert capsys.readouterr().out.strip().endswith("at revision base (empty)")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["migrate", "--url", "postgresql+psycopg2://app:s3cret@127.0.0.1:1/app"], "Connection refused"),
        (["seed", "--url", "postgresql+psycopg2://app:s3cret@127.0.0.1:1/app"], "Connection refused"),
        (["migrate", "--url", "nosuchdb://x/y"], "Can't load plugin"),
        (["migrate", "--url", "sqlite:////proc/no/such/dir/app.db"], "No such file or directory"),
    ],
)
def test_expected_failures_are_one_line(
    argv: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert reason in captured.err and "s3cret" not in captured.err


def test_unknown_revision_and_bad_anchor(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--url", sqlite_url, "--revision", "9999"]) == 1
    assert capsys.readouterr().err == "error: Can't locate revision identified by '9999'\n"
    monkeypatch.setenv("SEED_ANCHOR_DATE", "14/03/2025")
    assert main(["seed", "--url", sqlite_url]) == 1
    assert capsys.readouterr().err == "error: SEED_ANCHOR_DATE='14/03/2025' is not a YYYY-MM-DD date\n"


def test_module_entry_point_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "commerce", "migrate", "--url", "postgresql+psycopg2://u@127.0.0.1:1/db"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: database postgresql+psycopg2://u@127.0.0.1:1/db: ")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
