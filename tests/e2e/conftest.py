"""The real stack for end-to-end tests: `python -m assistant.launcher run` (what `make run`
starts) with the PostgreSQL tracker store, PostgreSQL application database and the
Redis lock store, talking over the REST channel."""

from __future__ import annotations

import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest
import requests
import sqlalchemy as sa

from commerce.db import make_engine
from commerce.demo import DemoLogin, demo_logins

from assistant.stack_process import ACTIONS_PYTHON, StackError, StackProcess, free_port
from tests.conftest import (
    PROJECT_ROOT,
    REDIS_TEST_URL,
    create_postgres_database,
    drop_postgres_database,
    empty_redis_database,
)



@pytest.fixture(scope="session")
def stack_databases(redis_url_session: str) -> Iterator[dict[str, str]]:
    """Seeded PostgreSQL application DB, an empty PostgreSQL tracker DB, Redis."""
    app_url = create_postgres_database("assistant_e2e_app")
    tracker_url = create_postgres_database("assistant_e2e_tracker")
    env = {**os.environ, "APP_DATABASE_URL": app_url, "SEED_CUSTOMERS": "60", "SEED_ORDERS": "300"}
    seeded = subprocess.run(
        [str(ACTIONS_PYTHON), "-m", "commerce", "seed"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    yield {
        "APP_DATABASE_URL": app_url,
        "TRACKER_DATABASE_URL": sa.engine.make_url(tracker_url).set(drivername="postgresql").render_as_string(
            hide_password=False
        ),
        "REDIS_URL": redis_url_session,
    }
    drop_postgres_database(app_url)
    drop_postgres_database(tracker_url)


@pytest.fixture(scope="session")
def redis_url_session() -> Iterator[str]:
    """Redis database 14 for the whole session: not the one unit tests flush per test."""
    with empty_redis_database(REDIS_TEST_URL.rsplit("/", 1)[0] + "/14") as url:
        yield url


def running_stack(stack_databases: dict[str, str], log_dir: Path, **settings: str) -> Iterator[StackProcess]:
    """The launcher on free ports against the test databases, with *settings* on top; stopped at the end."""
    if not ACTIONS_PYTHON.exists() or not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        pytest.fail("end-to-end tests need `make setup` and `make train` first (make test does both)")
    env = {
        **os.environ,
        **stack_databases,
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "CONSOLE_PORT": str(free_port()),
        "RASA_API_TOKEN": uuid.uuid4().hex,
        "ACTION_ENDPOINT_URL": "",
        **settings,
    }
    stack = StackProcess(env=env, log_path=log_dir / "launcher.log")
    try:
        stack.start()
    except StackError as error:
        pytest.fail(str(error))
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def stack(stack_databases: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    yield from running_stack(stack_databases, tmp_path_factory.mktemp("stack"))


def seeded_orders(app_url: str, status: str, limit: int = 3) -> list[DemoLogin]:
    return demo_logins(app_url, status=status, limit=limit)


def query(url: str, sql: str, **params: object) -> list[sa.Row]:
    """The rows of one SQL statement on the database at *url* (a test's look behind the servers)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def all_private_values(app_url: str) -> dict[str, set[str]]:
    """Every value that must never appear in an answer to an unverified customer."""
    return {
        "tracking numbers": {row[0] for row in query(app_url, "SELECT tracking_number FROM shipments")},
        "emails": {row[0] for row in query(app_url, "SELECT email FROM customers")},
        "names": {row[0] for row in query(app_url, "SELECT name FROM customers")},
    }


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class AgentLogin:
    username: str
    display_name: str
    password: str


@pytest.fixture(scope="session")
def agents(stack_databases: dict[str, str]) -> tuple[AgentLogin, AgentLogin]:
    """Two support agents, added with the command an administrator uses."""
    logins = (AgentLogin("ann.e2e", "Ann", uuid.uuid4().hex), AgentLogin("bob.e2e", "Bob", uuid.uuid4().hex))
    for agent in logins:
        added = subprocess.run(
            [str(ACTIONS_PYTHON), "-m", "support", "add-agent", agent.username, "--display-name", agent.display_name,
             "--password-stdin"],
            input=agent.password + "\n", cwd=PROJECT_ROOT, capture_output=True, text=True,
            env={**os.environ, "APP_DATABASE_URL": stack_databases["APP_DATABASE_URL"]},
        )
        assert added.returncode == 0, added.stdout + added.stderr
    return logins


def console_url(stack: StackProcess) -> str:
    return f"http://127.0.0.1:{stack.env['CONSOLE_PORT']}"


def console_session(stack: StackProcess, agent: AgentLogin) -> requests.Session:
    """An HTTP session logged in to the console as *agent*."""
    session = requests.Session()
    answer = session.post(f"{console_url(stack)}/api/login",
                          json={"username": agent.username, "password": agent.password}, timeout=10)
    assert answer.status_code == 200, answer.text
    return session


def outbox(stack: StackProcess, sender: str) -> list[dict]:
    """What reached a REST customer outside their own requests (agent replies, the rating question)."""
    answer = stack.session.get(f"{stack.url}/webhooks/rest/outbox/{sender}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ticket_of(app_url: str, sender: str) -> Optional[sa.Row]:
    rows = query(app_url, "SELECT * FROM support_tickets WHERE conversation_id = :c ORDER BY id DESC",
                 c=sender)
    return rows[0] if rows else None
