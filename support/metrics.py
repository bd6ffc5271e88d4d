"""Handoff metrics: how often people are needed, how fast they answer, how customers rate them.

Conversations are counted in the Rasa tracker store (distinct senders who
wrote at least one message in the window); tickets come from the application
database. Without a tracker store, rates that need the conversation count
are None rather than guessed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commerce.db import database_url
from commerce.models import SupportTicket


@dataclass(frozen=True)
class SupportMetrics:
    since: Optional[datetime]
    conversations: Optional[int]
    tickets: int
    open: int
    claimed: int
    resolved: int
    handoff_rate: Optional[float]  # conversations handed off / conversations
    self_service_rate: Optional[float]  # conversations ended without a handoff / conversations
    first_reply_median_s: Optional[float]  # ticket opened -> first agent reply
    first_reply_mean_s: Optional[float]
    resolution_median_s: Optional[float]  # ticket opened -> resolved
    csat_mean: Optional[float]
    csat_responses: int


def _seconds(pairs: list[tuple[datetime, Optional[datetime]]]) -> list[float]:
    return [(end - start).total_seconds() for start, end in pairs if end is not None]


def support_metrics(sessions: sessionmaker[Session], since: Optional[datetime] = None,
                    conversations: Optional[int] = None) -> SupportMetrics:
    """Metrics over tickets opened since *since* (all when None) and *conversations* in that window."""
    query = select(SupportTicket.conversation_id, SupportTicket.status, SupportTicket.created_at,
                   SupportTicket.first_agent_reply_at, SupportTicket.resolved_at, SupportTicket.csat)
    if since is not None:
        query = query.where(SupportTicket.created_at >= since)
    with sessions() as session:
        rows = session.execute(query).all()
    first_replies = _seconds([(r.created_at, r.first_agent_reply_at) for r in rows])
    resolutions = _seconds([(r.created_at, r.resolved_at) for r in rows])
    ratings = [r.csat for r in rows if r.csat is not None]
    handed_off = len({r.conversation_id for r in rows})
    handoff_rate = min(1.0, handed_off / conversations) if conversations else None
    return SupportMetrics(
        since=since,
        conversations=conversations,
        tickets=len(rows),
        open=sum(r.status == "open" for r in rows),
        claimed=sum(r.status == "claimed" for r in rows),
        resolved=sum(r.status == "resolved" for r in rows),
        handoff_rate=handoff_rate,
        self_service_rate=None if handoff_rate is None else 1.0 - handoff_rate,
        first_reply_median_s=statistics.median(first_replies) if first_replies else None,
        first_reply_mean_s=statistics.fmean(first_replies) if first_replies else None,
        resolution_median_s=statistics.median(resolutions) if resolutions else None,
        csat_mean=statistics.fmean(ratings) if ratings else None,
        csat_responses=len(ratings),
    )


def tracker_conversations(tracker_url: str, since: Optional[datetime] = None) -> Optional[int]:
    """Distinct senders with a user message in Rasa's SQL tracker store; None if there is no store yet."""
    url = database_url(tracker_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None  # never create an empty database file by looking
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                return None
            events = sa.table("events", sa.column("sender_id"), sa.column("type_name"), sa.column("timestamp"))
            query = select(sa.func.count(sa.distinct(events.c.sender_id))).where(events.c.type_name == "user")
            if since is not None:
                query = query.where(events.c.timestamp >= since.timestamp())
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()
