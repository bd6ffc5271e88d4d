"""The agent directory on SQLite and PostgreSQL: accounts, authentication, sliding sessions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commerce.models import AgentSession
from console.agents import AgentDirectory, AgentError
from console.passwords import PasswordError

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def agents(sessions: sessionmaker[Session], clock: Clock) -> AgentDirectory:
    return AgentDirectory(sessions, session_hours=12, clock=clock)


def test_accounts_are_created_normalised_and_unique(agents: AgentDirectory) -> None:
    ann = agents.create("  Ann.Lee ", "  Ann   from Support ", PASSWORD)
    assert (ann.username, ann.display_name, ann.created_at, ann.disabled_at) == ("ann.lee", "Ann from Support", T0,
                                                                                   None)
    with pytest.raises(AgentError, match="already taken"):
        agents.create("ANN.LEE", "Another Ann", PASSWORD)
    for bad_name in ("an", "a" * 41, "ann lee", "ann@example", "änn"):
        with pytest.raises(AgentError, match="3 to 40"):
            agents.create(bad_name, "Ann", PASSWORD)
    with pytest.raises(AgentError, match="display name"):
        agents.create("ann2", "x" * 81, PASSWORD)
    with pytest.raises(PasswordError, match="at least 10"):
        agents.create("ann2", "Ann", "too short")
    assert [a.username for a in agents.all()] == ["ann.lee"] and agents.count() == 1


def test_authentication(agents: AgentDirectory) -> None:
    agents.create("ann", "Ann", PASSWORD)
    agent = agents.authenticate("ANN ", PASSWORD)
    assert agent is not None and agent.username == "ann"
    assert agents.authenticate("ann", PASSWORD + "!") is None
    assert agents.authenticate("nobody", PASSWORD) is None
    assert agents.authenticate("not a valid name", PASSWORD) is None
    assert agents.disable("ann") and not agents.disable("ann") and not agents.disable("nobody")
    assert agents.authenticate("ann", PASSWORD) is None
    assert agents.all()[0].disabled_at == T0


def test_sessions_store_only_the_token_hash_and_slide(
        agents: AgentDirectory, sessions: sessionmaker[Session], clock: Clock) -> None:
    ann = agents.create("ann", "Ann", PASSWORD)
    token = agents.start_session(ann)
    with sessions() as session:
        [stored] = session.scalars(select(AgentSession)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert stored.expires_at == T0 + timedelta(hours=12)

    clock.now = T0 + timedelta(hours=11)
    assert agents.agent_for_token(token) == ann  # used within 12 hours: the expiry moves on
    with sessions() as session:
        refreshed = session.get(AgentSession, stored.token_hash)
    assert refreshed is not None and refreshed.last_seen_at == clock.now
    assert refreshed.expires_at == clock.now + timedelta(hours=12)
    clock.now = T0 + timedelta(hours=22)
    assert agents.agent_for_token(token) == ann
    clock.now = T0 + timedelta(hours=34, seconds=1)  # 12 hours and a second after the last use
    assert agents.agent_for_token(token) is None
    assert agents.agent_for_token("") is None and agents.agent_for_token(None) is None


def test_ending_and_disabling_end_sessions(agents: AgentDirectory, sessions: sessionmaker[Session],
                                           clock: Clock) -> None:
    ann, bob = agents.create("ann", "Ann", PASSWORD), agents.create("bob", "Bob", PASSWORD)
    first, second, bobs = agents.start_session(ann), agents.start_session(ann), agents.start_session(bob)
    agents.end_session(first)
    assert agents.agent_for_token(first) is None and agents.agent_for_token(second) == ann
    assert agents.disable("ann")
    assert agents.agent_for_token(second) is None and agents.agent_for_token(bobs) == bob
    clock.now = T0 + timedelta(days=2)
    agents.start_session(bob)  # starting a session clears the expired ones
    with sessions() as session:
        assert len(session.scalars(select(AgentSession)).all()) == 1
