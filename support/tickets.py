"""Support tickets in the application database: open, claim, reply, note, resolve, rate.

Every state change is one conditional UPDATE (``... WHERE status = 'open'``),
so two agents racing to claim a ticket cannot both win: on PostgreSQL the
second UPDATE waits for the first one's row lock and then matches no row; on
SQLite writers are serialised (``BEGIN IMMEDIATE``). A partial unique index
keeps one unresolved ticket per conversation, so opening is idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Callable, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from commerce.db import begin_write
from commerce.models import TICKET_CATEGORIES, TICKET_PRIORITIES, SupportTicket

MAX_NOTE_CHARS = 2000
MAX_AGENT_CHARS = 80


class TicketError(ValueError):
    """A request the ticket cannot honour; the message is safe to show to an agent."""


def _now() -> datetime:
    return datetime.now(UTC)


def _check_agent(agent: str) -> str:
    agent = (agent or "").strip()
    if not agent or len(agent) > MAX_AGENT_CHARS:
        raise TicketError(f"An agent name of 1 to {MAX_AGENT_CHARS} characters is needed.")
    return agent


class TicketService:
    """The ticket life cycle over a session factory (see :func:`commerce.db.make_session_factory`)."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = _now) -> None:
        self._sessions = sessions
        self._clock = clock

    def open(self, *, conversation_id: str, channel: str, reason: str, category: str, priority: str,
             queue: str, customer_id: Optional[int] = None, transcript_ref: Optional[str] = None,
             ) -> tuple[SupportTicket, bool]:
        """The conversation's unresolved ticket, opened now if it has none; True when newly opened."""
        if category not in TICKET_CATEGORIES or priority not in TICKET_PRIORITIES:
            raise TicketError(f"Unknown category {category!r} or priority {priority!r}.")
        if not conversation_id:
            raise TicketError("A ticket needs the conversation it belongs to.")
        existing = self.unresolved_for(conversation_id)
        if existing is not None:
            return existing, False
        ticket = SupportTicket(
            conversation_id=conversation_id, channel=channel, customer_id=customer_id, reason=reason,
            category=category, priority=priority, queue=queue, status="open", created_at=self._clock(),
            transcript_ref=transcript_ref or f"tracker:{conversation_id}",
        )
        try:
            with self._sessions.begin() as session:
                session.add(ticket)
        except IntegrityError:  # another handoff of the same conversation won the race
            existing = self.unresolved_for(conversation_id)
            if existing is None:
                raise
            return existing, False
        return ticket, True

    def get(self, ticket_id: int) -> Optional[SupportTicket]:
        with self._sessions() as session:
            return session.get(SupportTicket, ticket_id)

    def unresolved_for(self, conversation_id: str) -> Optional[SupportTicket]:
        with self._sessions() as session:
            return session.scalars(select(SupportTicket).where(
                SupportTicket.conversation_id == conversation_id, SupportTicket.status != "resolved")).first()

    def awaiting_rating(self, conversation_id: str) -> Optional[SupportTicket]:
        """The conversation's most recently resolved ticket, if the customer has not rated it yet."""
        with self._sessions() as session:
            return session.scalars(select(SupportTicket).where(
                SupportTicket.conversation_id == conversation_id, SupportTicket.status == "resolved",
                SupportTicket.csat.is_(None)).order_by(SupportTicket.resolved_at.desc(), SupportTicket.id.desc())
            ).first()

    def waiting(self, queue: Optional[str] = None) -> list[SupportTicket]:
        """Open and claimed tickets, most urgent first, then oldest first."""
        urgency = {p: rank for rank, p in enumerate(reversed(TICKET_PRIORITIES))}
        with self._sessions() as session:
            query = select(SupportTicket).where(SupportTicket.status != "resolved")
            if queue is not None:
                query = query.where(SupportTicket.queue == queue)
            tickets = list(session.scalars(query.order_by(SupportTicket.created_at, SupportTicket.id)))
        return sorted(tickets, key=lambda t: urgency[t.priority])

    def _update(self, ticket_id: int, conditions: tuple, **values) -> bool:
        with self._sessions.begin() as session:
            begin_write(session)
            result = session.execute(
                update(SupportTicket).where(SupportTicket.id == ticket_id, *conditions).values(**values))
            return result.rowcount == 1

    def claim(self, ticket_id: int, agent: str) -> bool:
        """Give an open ticket to *agent*; False if it is not open (someone else was first)."""
        agent = _check_agent(agent)
        return self._update(ticket_id, (SupportTicket.status == "open",),
                            status="claimed", agent=agent, claimed_at=self._clock())

    def _require_claimed_by(self, ticket_id: int, agent: str) -> None:
        ticket = self.get(ticket_id)
        if ticket is None or ticket.status != "claimed" or ticket.agent != agent:
            raise TicketError("This ticket is not claimed by you.")

    def record_agent_reply(self, ticket_id: int, agent: str) -> None:
        """Note that *agent* answered the customer; the first answer's time is kept."""
        agent = _check_agent(agent)
        if not self._update(ticket_id, (SupportTicket.status == "claimed", SupportTicket.agent == agent,
                                        SupportTicket.first_agent_reply_at.is_(None)),
                            first_agent_reply_at=self._clock()):
            self._require_claimed_by(ticket_id, agent)

    def add_note(self, ticket_id: int, agent: str, note: str) -> None:
        """Append an internal note (never shown to the customer), signed and dated."""
        agent = _check_agent(agent)
        note = (note or "").strip()
        if not note or len(note) > MAX_NOTE_CHARS:
            raise TicketError(f"A note of 1 to {MAX_NOTE_CHARS} characters is needed.")
        with self._sessions.begin() as session:
            begin_write(session)
            ticket = session.get(SupportTicket, ticket_id, with_for_update=True)
            if ticket is None or ticket.status == "resolved":
                raise TicketError("Notes can only be added to an unresolved ticket.")
            entry = f"[{self._clock().isoformat(timespec='seconds')} {agent}] {note}"
            ticket.notes = f"{ticket.notes}\n{entry}" if ticket.notes else entry

    def resolve(self, ticket_id: int, agent: str) -> bool:
        """Close a ticket *agent* holds; False if it is not theirs or already resolved."""
        agent = _check_agent(agent)
        return self._update(ticket_id, (SupportTicket.status == "claimed", SupportTicket.agent == agent),
                            status="resolved", resolved_at=self._clock())

    def rate(self, ticket_id: int, rating: int) -> bool:
        """Store the customer's 1–5 satisfaction rating of a resolved ticket, once."""
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise TicketError("A rating is a whole number from 1 to 5.")
        return self._update(ticket_id, (SupportTicket.status == "resolved", SupportTicket.csat.is_(None)),
                            csat=rating)
