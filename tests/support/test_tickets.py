"""Tickets on SQLite and PostgreSQL: life cycle, claiming races, ratings, metrics and the command."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from commerce import migrate
from commerce.db import make_session_factory
from commerce.models import SupportTicket
from support.__main__ import main as support_cli
from support.metrics import support_metrics, tracker_conversations
from support.tickets import TicketError, TicketService

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A settable clock, so durations in the tests are exact."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tickets(sessions: sessionmaker[Session], clock: Clock) -> TicketService:
    return TicketService(sessions, clock)


def _open(tickets: TicketService, conversation: str = "conv-1", **overrides) -> SupportTicket:
    fields = dict(conversation_id=conversation, channel="rest", reason="requested", category="payments",
                  priority="high", queue="billing")
    ticket, _ = tickets.open(**{**fields, **overrides})
    return ticket


def test_life_cycle_from_open_to_rating(tickets: TicketService, clock: Clock) -> None:
    ticket = _open(tickets)
    assert (ticket.status, ticket.agent, ticket.transcript_ref) == ("open", None, "tracker:conv-1")
    clock.advance(minutes=2)
    assert tickets.claim(ticket.id, "ann")
    clock.advance(minutes=3)
    tickets.record_agent_reply(ticket.id, "ann")
    clock.advance(minutes=1)
    tickets.record_agent_reply(ticket.id, "ann")  # later replies keep the first time
    tickets.add_note(ticket.id, "ann", "refund issued")
    clock.advance(minutes=10)
    assert tickets.resolve(ticket.id, "ann")
    assert tickets.rate(ticket.id, 4)
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.status == "resolved" and stored.csat == 4
    assert stored.claimed_at == T0 + timedelta(minutes=2)
    assert stored.first_agent_reply_at == T0 + timedelta(minutes=5)
    assert stored.resolved_at == T0 + timedelta(minutes=16)
    assert stored.notes is not None and "ann] refund issued" in stored.notes


def test_one_unresolved_ticket_per_conversation(tickets: TicketService) -> None:
    first, created = tickets.open(conversation_id="c", channel="rest", reason="upset", category="orders",
                                  priority="normal", queue="orders")
    again, created_again = tickets.open(conversation_id="c", channel="rest", reason="requested",
                                        category="other", priority="low", queue="general")
    assert created and not created_again and again.id == first.id
    assert tickets.claim(first.id, "ann") and tickets.resolve(first.id, "ann")
    later, created_later = tickets.open(conversation_id="c", channel="rest", reason="requested",
                                        category="other", priority="low", queue="general")
    assert created_later and later.id != first.id


def test_the_database_refuses_a_second_unresolved_ticket(sessions: sessionmaker[Session]) -> None:
    row = dict(conversation_id="c", channel="rest", reason="requested", category="orders", priority="low",
               queue="orders", status="open", created_at=T0, transcript_ref="tracker:c")
    with sessions.begin() as session:
        session.add(SupportTicket(**row))
    with pytest.raises(sa.exc.IntegrityError), sessions.begin() as session:
        session.add(SupportTicket(**{**row, "status": "claimed"}))


def test_only_the_claiming_agent_can_answer_and_resolve(tickets: TicketService) -> None:
    ticket = _open(tickets)
    with pytest.raises(TicketError, match="not claimed by you"):
        tickets.record_agent_reply(ticket.id, "ann")  # nobody has claimed it yet
    assert tickets.claim(ticket.id, "ann")
    assert not tickets.claim(ticket.id, "bob")
    with pytest.raises(TicketError, match="not claimed by you"):
        tickets.record_agent_reply(ticket.id, "bob")
    assert not tickets.resolve(ticket.id, "bob")
    assert tickets.resolve(ticket.id, "ann")
    assert not tickets.resolve(ticket.id, "ann")


def test_bad_requests_get_clear_errors(tickets: TicketService) -> None:
    with pytest.raises(TicketError, match="category"):
        _open(tickets, category="shipping")
    ticket = _open(tickets)
    with pytest.raises(TicketError, match="agent name"):
        tickets.claim(ticket.id, "  ")
    with pytest.raises(TicketError, match="note"):
        tickets.add_note(ticket.id, "ann", "x" * 3000)
    assert not tickets.claim(999_999, "ann")


@pytest.mark.parametrize("rating", [0, 6, True, 3.5, "5"])
def test_ratings_are_whole_numbers_from_one_to_five(tickets: TicketService, rating: object) -> None:
    ticket = _open(tickets)
    assert tickets.claim(ticket.id, "ann") and tickets.resolve(ticket.id, "ann")
    with pytest.raises(TicketError, match="1 to 5"):
        tickets.rate(ticket.id, rating)  # type: ignore[arg-type]


def test_a_ticket_is_rated_once_and_only_when_resolved(tickets: TicketService) -> None:
    ticket = _open(tickets)
    assert not tickets.rate(ticket.id, 5)
    assert tickets.claim(ticket.id, "ann") and tickets.resolve(ticket.id, "ann")
    assert tickets.rate(ticket.id, 2) and not tickets.rate(ticket.id, 5)
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.csat == 2


def test_the_latest_resolved_unrated_ticket_awaits_the_rating(tickets: TicketService, clock: Clock) -> None:
    assert tickets.awaiting_rating("conv-1") is None
    first = _open(tickets)
    assert tickets.awaiting_rating("conv-1") is None  # not resolved yet
    assert tickets.claim(first.id, "ann") and tickets.resolve(first.id, "ann")
    clock.advance(minutes=5)
    second = _open(tickets)
    assert tickets.claim(second.id, "bob") and tickets.resolve(second.id, "bob")
    awaiting = tickets.awaiting_rating("conv-1")
    assert awaiting is not None and awaiting.id == second.id
    assert tickets.rate(second.id, 4)
    awaiting = tickets.awaiting_rating("conv-1")
    assert awaiting is not None and awaiting.id == first.id
    assert tickets.awaiting_rating("conv-2") is None


def test_agents_racing_to_claim_have_exactly_one_winner(tickets: TicketService) -> None:
    agents = [f"agent-{i}" for i in range(6)]
    for round_ in range(3):
        ticket = _open(tickets, conversation=f"race-{round_}")
        barrier = threading.Barrier(len(agents))

        def claim(agent: str) -> bool:
            barrier.wait()
            return tickets.claim(ticket.id, agent)

        with ThreadPoolExecutor(len(agents)) as pool:
            results = list(pool.map(claim, agents))
        assert results.count(True) == 1
        stored = tickets.get(ticket.id)
        assert stored is not None and stored.agent == agents[results.index(True)]


def test_a_claim_waits_for_a_competing_claim_and_then_loses(postgres_url: str) -> None:
    """Two sessions on PostgreSQL: the second UPDATE blocks on the first one's row lock."""
    migrate.upgrade(postgres_url)
    factory = make_session_factory(postgres_url)
    try:
        tickets = TicketService(factory)
        ticket = _open(tickets)
        with factory() as first:
            first.begin()
            taken = first.execute(sa.update(SupportTicket).where(
                SupportTicket.id == ticket.id, SupportTicket.status == "open").values(
                status="claimed", agent="ann", claimed_at=T0))
            assert taken.rowcount == 1
            with ThreadPoolExecutor(1) as pool:
                second = pool.submit(tickets.claim, ticket.id, "bob")
                time.sleep(0.5)
                assert not second.done()  # waiting for ann's uncommitted claim
                first.commit()
                assert second.result(timeout=10) is False
        stored = tickets.get(ticket.id)
        assert stored is not None and stored.agent == "ann"
    finally:
        factory.kw["bind"].dispose()


def test_waiting_tickets_are_ordered_by_urgency_then_age(tickets: TicketService, clock: Clock) -> None:
    normal = _open(tickets, "a", priority="normal")
    clock.advance(minutes=1)
    urgent = _open(tickets, "b", priority="urgent", queue="orders", category="orders")
    clock.advance(minutes=1)
    later_normal = _open(tickets, "c", priority="normal")
    assert [t.id for t in tickets.waiting()] == [urgent.id, normal.id, later_normal.id]
    assert [t.id for t in tickets.waiting("billing")] == [normal.id, later_normal.id]


def test_metrics(tickets: TicketService, sessions: sessionmaker[Session], clock: Clock) -> None:
    empty = support_metrics(sessions, conversations=None)
    assert empty.tickets == 0 and empty.handoff_rate is None and empty.csat_mean is None
    for index, (reply_minutes, resolve_minutes, rating) in enumerate([(2, 10, 5), (4, 30, 2), (6, None, None)]):
        clock.now = T0 + timedelta(hours=index)
        ticket = _open(tickets, f"conv-{index}")
        assert tickets.claim(ticket.id, "ann")
        clock.advance(minutes=reply_minutes)
        tickets.record_agent_reply(ticket.id, "ann")
        if resolve_minutes:
            clock.now = T0 + timedelta(hours=index, minutes=resolve_minutes)
            assert tickets.resolve(ticket.id, "ann") and tickets.rate(ticket.id, rating)
    clock.now = T0 + timedelta(days=3)
    _open(tickets, "conv-late")

    metrics = support_metrics(sessions, conversations=20)
    assert (metrics.tickets, metrics.open, metrics.claimed, metrics.resolved) == (4, 1, 1, 2)
    assert metrics.handoff_rate == pytest.approx(4 / 20) and metrics.self_service_rate == pytest.approx(16 / 20)
    assert metrics.first_reply_median_s == 240 and metrics.first_reply_mean_s == 240
    assert metrics.resolution_median_s == 20 * 60
    assert (metrics.csat_mean, metrics.csat_responses) == (3.5, 2)
    recent = support_metrics(sessions, since=T0 + timedelta(days=1), conversations=5)
    assert recent.tickets == 1 and recent.handoff_rate == pytest.approx(1 / 5)


def _tracker_store(url: str, senders: list[tuple[str, str, datetime]]) -> None:
    """Rasa's SQL tracker store table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent) with some events."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    events = sa.Table("events", metadata, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("sender_id", sa.String(255), nullable=False, index=True),
                      sa.Column("type_name", sa.String(255), nullable=False), sa.Column("timestamp", sa.Float),
                      sa.Column("intent_name", sa.String(255)), sa.Column("action_name", sa.String(255)),
                      sa.Column("data", sa.Text))
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(events.insert(), [
            {"sender_id": s, "type_name": kind, "timestamp": at.timestamp()} for s, kind, at in senders])
    engine.dispose()


def test_conversations_are_counted_in_the_tracker_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    assert tracker_conversations(url) is None and not (tmp_path / "tracker.db").exists()
    _tracker_store(url, [("a", "user", T0), ("a", "user", T0), ("a", "bot", T0), ("b", "user", T0),
                         ("c", "action", T0), ("d", "user", T0 + timedelta(days=2))])
    assert tracker_conversations(url) == 3
    assert tracker_conversations(url, since=T0 + timedelta(days=1)) == 1


def test_metrics_command(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    migrate.upgrade(sqlite_url)
    factory = make_session_factory(sqlite_url)
    tickets = TicketService(factory)
    ticket, _ = tickets.open(conversation_id="sender-secret-42", channel="rest", reason="requested",
                             category="orders", priority="normal", queue="orders")
    assert tickets.claim(ticket.id, "ann") and tickets.resolve(ticket.id, "ann") and tickets.rate(ticket.id, 5)
    factory.kw["bind"].dispose()
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    now = datetime.now(UTC)
    _tracker_store(tracker, [(f"s{i}", "user", now) for i in range(4)])

    assert support_cli(["metrics", "--url", sqlite_url, "--tracker-url", tracker]) == 0
    output = capsys.readouterr().out
    assert "handoff rate" in output and "25.0%" in output and "75.0%" in output
    assert "5.00 / 5 (1 ratings)" in output and "sender-secret-42" not in output

    assert support_cli(["metrics", "--url", sqlite_url, "--tracker-url", str(tmp_path / "none.db")]) == 1
    assert capsys.readouterr().err.startswith("error:")
    assert support_cli(["metrics", "--days", "-1"]) == 1
