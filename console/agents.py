"""Console agents and their login sessions, in the application database.

A session token is a random string handed to the browser once; only its
sha256 is stored, so reading the table does not let anyone log in. Sessions
slide: each use within ``CONSOLE_SESSION_HOURS`` pushes the expiry out again
(at most once a minute, so polling pages do not write on every request).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant import settings
from commerce.db import begin_write
from commerce.models import AgentSession, SupportAgent
from console.passwords import hash_password, verify_password

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
MAX_DISPLAY_NAME_CHARS = 80
SLIDE_EVERY = timedelta(minutes=1)


class AgentError(ValueError):
    """A request about agents that cannot be honoured; the message is safe to show."""


@dataclass(frozen=True)
class Agent:
    """Who is logged in: what the console needs to know, never the password hash."""

    id: int
    username: str
    display_name: str
    created_at: datetime
    disabled_at: Optional[datetime]

    @classmethod
    def of(cls, row: SupportAgent) -> Agent:
        return cls(row.id, row.username, row.display_name, row.created_at, row.disabled_at)


def _now() -> datetime:
    return datetime.now(UTC)


def normalise_username(username: str) -> str:
    """Lower case, no surrounding spaces; raises AgentError unless it is 3-40 of ``a-z 0-9 . _ -``."""
    username = (username or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise AgentError("A username has 3 to 40 characters: letters, digits, '.', '_' or '-'.")
    return username


@functools.cache
def _unknown_user_hash() -> str:
    """Verified against when the username is unknown, so that answer takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AgentDirectory:
    """Agents (create, authenticate, disable, list) and their login sessions, over a session factory."""

    def __init__(self, sessions: sessionmaker[Session], session_hours: Optional[float] = None,
                 clock: Callable[[], datetime] = _now) -> None:
        self._sessions = sessions
        hours = settings.get_float("CONSOLE_SESSION_HOURS") if session_hours is None else session_hours
        self.session_lifetime = timedelta(hours=hours)
        self._clock = clock

    def create(self, username: str, display_name: str, password: str) -> Agent:
        """A new agent; raises AgentError for a taken or malformed name, PasswordError for a weak password."""
        username = normalise_username(username)
        display_name = " ".join((display_name or "").split())
        if not 1 <= len(display_name) <= MAX_DISPLAY_NAME_CHARS:
            raise AgentError(f"A display name has 1 to {MAX_DISPLAY_NAME_CHARS} characters.")
        row = SupportAgent(username=username, display_name=display_name, password_hash=hash_password(password),
                           created_at=self._clock())
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise AgentError(f"The username {username!r} is already taken.") from None
        return Agent.of(row)

    def count(self) -> int:
        """Agents ever created, disabled ones included."""
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(SupportAgent)) or 0

    def all(self) -> list[Agent]:
        """Every agent by username, disabled ones included."""
        with self._sessions() as session:
            return [Agent.of(row) for row in session.scalars(select(SupportAgent).order_by(SupportAgent.username))]

    def authenticate(self, username: str, password: str) -> Optional[Agent]:
        """The active agent with these credentials, else None (unknown names cost the same scrypt run)."""
        try:
            username = normalise_username(username)
        except AgentError:
            username = ""
        with self._sessions() as session:
            row = session.scalars(select(SupportAgent).where(SupportAgent.username == username)).first()
        matches = verify_password(password or "", row.password_hash if row else _unknown_user_hash())
        if row is None or not matches or row.disabled_at is not None:
            return None
        return Agent.of(row)

    def disable(self, username: str) -> bool:
        """Stop *username* logging in and end their sessions; False if there is no such active agent."""
        username = normalise_username(username)
        with self._sessions.begin() as session:
            begin_write(session)
            row = session.scalars(select(SupportAgent).where(SupportAgent.username == username)).first()
            if row is None or row.disabled_at is not None:
                return False
            row.disabled_at = self._clock()
            session.execute(delete(AgentSession).where(AgentSession.agent_id == row.id))
        return True

    def start_session(self, agent: Agent) -> str:
        """A new session for *agent*; returns the raw token (shown once, stored only as its hash)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._sessions.begin() as session:
            session.execute(delete(AgentSession).where(AgentSession.expires_at <= now))
            session.add(AgentSession(token_hash=_token_hash(token), agent_id=agent.id, created_at=now,
                                     last_seen_at=now, expires_at=now + self.session_lifetime))
        return token

    def agent_for_token(self, token: Optional[str]) -> Optional[Agent]:
        """The active agent whose unexpired session *token* is, sliding its expiry; else None."""
        if not token:
            return None
        now = self._clock()
        with self._sessions() as session:
            found = session.execute(
                select(AgentSession, SupportAgent).join(SupportAgent, AgentSession.agent_id == SupportAgent.id)
                .where(AgentSession.token_hash == _token_hash(token), AgentSession.expires_at > now,
                       SupportAgent.disabled_at.is_(None))).first()
        if found is None:
            return None
        login, row = found
        if now - login.last_seen_at >= SLIDE_EVERY:
            with self._sessions.begin() as session:
                session.execute(update(AgentSession).where(AgentSession.token_hash == login.token_hash)
                                .values(last_seen_at=now, expires_at=now + self.session_lifetime))
        return Agent.of(row)

    def end_session(self, token: Optional[str]) -> None:
        if token:
            with self._sessions.begin() as session:
                session.execute(delete(AgentSession).where(AgentSession.token_hash == _token_hash(token)))
