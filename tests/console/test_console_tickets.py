"""Working a ticket through the console: queue, claim races, replies through Rasa, notes, resolve, metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from commerce.models import SupportTicket
from support.__main__ import format_metrics
from support.metrics import support_metrics, tracker_conversations
from support.tickets import TicketService
from tests.console.conftest import RunningConsole
from tests.console.fake_rasa import FakeRasa
from tests.support.test_tickets import _tracker_store

OpenTicket = Callable[..., SupportTicket]


def _post(session: requests.Session, console: RunningConsole, path: str, body: dict | None = None
          ) -> requests.Response:
    return session.post(console.url + path, json=body or {}, timeout=15)


def _claimed(console: RunningConsole, open_ticket: OpenTicket, agent: str = "ann",
             ) -> tuple[SupportTicket, requests.Session]:
    ticket = open_ticket()
    session = console.login(agent)
    assert _post(session, console, f"/api/tickets/{ticket.id}/claim").status_code == 200
    return ticket, session


def test_the_queue_lists_unresolved_tickets_most_urgent_first(
        console: RunningConsole, open_ticket: OpenTicket) -> None:
    normal = open_ticket("rest-1", priority="normal")
    urgent = open_ticket("rest-2", priority="urgent", category="orders", queue="orders")
    ann = console.login("ann")
    listed = ann.get(f"{console.url}/api/tickets", timeout=10).json()["tickets"]
    assert [t["id"] for t in listed] == [urgent.id, normal.id]
    assert set(listed[0]) >= {"id", "status", "category", "priority", "queue", "reason", "channel", "agent",
                              "created_at", "claimed_at"}
    assert (listed[0]["status"], listed[0]["agent"], listed[0]["queue"]) == ("open", None, "orders")
    assert "conversation_id" not in listed[0]


def test_two_agents_racing_to_claim_have_one_winner(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa, tickets: TicketService) -> None:
    ticket = open_ticket()
    agents = {"ann": console.login("ann"), "bob": console.login("bob")}
    barrier = threading.Barrier(2)

    def claim(name: str) -> requests.Response:
        barrier.wait()
        return _post(agents[name], console, f"/api/tickets/{ticket.id}/claim")

    with ThreadPoolExecutor(2) as pool:
        answers = dict(zip(agents, pool.map(claim, agents)))
    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    winner = next(name for name, answer in answers.items() if answer.status_code == 200)
    loser = next(name for name in agents if name != winner)
    assert answers[loser].json()["reason"] == f"This ticket has already been claimed by {winner}."
    assert answers[winner].json()["ticket"]["mine"] is True
    stored = tickets.get(ticket.id)
    assert stored is not None and (stored.status, stored.agent) == ("claimed", winner)

    joined = fake_rasa.requests_to("tracker/events")
    display = f"{winner.capitalize()} Example"
    assert len(joined) == 1 and joined[0].conversation_id == "whatsapp:+14155550100"
    assert joined[0].body[0]["text"] == f"{display} from our support team has joined the conversation."
    assert joined[0].body[0]["metadata"] == {"agent": display, "ticket_id": ticket.id}
    again = _post(agents[winner], console, f"/api/tickets/{ticket.id}/claim")
    assert again.status_code == 200 and len(fake_rasa.requests_to("tracker/events")) == 1  # no second greeting


def test_a_reply_reaches_rasa_signed_by_the_claiming_agent(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa, tickets: TicketService) -> None:
    ticket, ann = _claimed(console, open_ticket)
    bob = console.login("bob")
    refused = _post(bob, console, f"/api/tickets/{ticket.id}/reply", {"text": "Hello from Bob"})
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    for bad in ("", "   ", "x" * 2001, 42):
        assert _post(ann, console, f"/api/tickets/{ticket.id}/reply", {"text": bad}).status_code == 400

    answer = _post(ann, console, f"/api/tickets/{ticket.id}/reply", {"text": "  Your refund is on its way.  "})
    assert answer.status_code == 200
    sent = fake_rasa.requests_to("tracker/events")[-1]
    assert sent.method == "POST" and sent.path == "/conversations/whatsapp:+14155550100/tracker/events"
    assert sent.query == {"output_channel": "latest", "execute_side_effects": "true", "token": fake_rasa.token}
    [event] = sent.body
    assert (event["event"], event["text"]) == ("bot", "Your refund is on its way.")
    assert event["metadata"] == {"agent": "Ann Example", "ticket_id": ticket.id}
    assert abs(event["timestamp"] - datetime.now(UTC).timestamp()) < 60
    assert all("Bob" not in str(r.body) for r in fake_rasa.requests)
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.first_agent_reply_at is not None


@pytest.mark.parametrize("outage", ["error", "refused"])
def test_a_reply_rasa_did_not_take_is_not_recorded(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa, tickets: TicketService,
        outage: str) -> None:
    ticket, ann = _claimed(console, open_ticket)
    if outage == "error":
        fake_rasa.failing = True
    else:
        fake_rasa.stop()
    answer = _post(ann, console, f"/api/tickets/{ticket.id}/reply", {"text": "Are you still there?"})
    assert (answer.status_code, answer.json()["error"]) == (502, "rasa_unavailable")
    assert answer.json()["reason"].startswith("Your reply was not sent:")
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.first_agent_reply_at is None

    fake_rasa.failing = False
    if outage == "refused":
        fake_rasa.start()
    assert _post(ann, console, f"/api/tickets/{ticket.id}/reply", {"text": "Are you still there?"}).status_code == 200
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.first_agent_reply_at is not None


def test_the_ticket_view_shows_the_conversation_or_why_not(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa) -> None:
    ticket = open_ticket()
    fake_rasa.events[ticket.conversation_id] = [
        {"event": "action", "name": "action_listen", "timestamp": 1_700_000_000.0},
        {"event": "user", "text": "I want a person", "timestamp": 1_700_000_001.0},
        {"event": "bot", "text": "I'm passing you to a colleague.", "timestamp": 1_700_000_002.0},
        {"event": "pause", "timestamp": 1_700_000_003.0},
        {"event": "user", "text": "hello?", "timestamp": 1_700_000_050.0},
    ]
    ann = console.login("ann")
    detail = ann.get(f"{console.url}/api/tickets/{ticket.id}", timeout=10).json()
    assert detail["transcript_error"] is None and detail["ticket"]["notes"] == ""
    assert [(e["kind"], e["text"]) for e in detail["transcript"]] == [
        ("customer", "I want a person"), ("assistant", "I'm passing you to a colleague."),
        ("system", "Handed to a person"), ("customer", "hello?")]
    assert detail["transcript"][0]["at"] == "2023-11-14T22:13:21+00:00"
    assert fake_rasa.requests[-1].query == {"include_events": "ALL", "token": fake_rasa.token}

    fake_rasa.failing = True
    down = ann.get(f"{console.url}/api/tickets/{ticket.id}", timeout=10)
    assert down.status_code == 200 and down.json()["transcript"] == []
    assert down.json()["transcript_error"].startswith("The conversation cannot be shown right now")
    assert down.json()["ticket"]["id"] == ticket.id
    assert ann.get(f"{console.url}/api/tickets/99999", timeout=10).status_code == 404


def test_notes_are_signed_and_only_on_unresolved_tickets(
        console: RunningConsole, open_ticket: OpenTicket) -> None:
    ticket, ann = _claimed(console, open_ticket)
    bob = console.login("bob")
    added = _post(bob, console, f"/api/tickets/{ticket.id}/notes", {"note": "Customer is a repeat buyer."})
    assert added.status_code == 200
    assert added.json()["ticket"]["notes"].endswith("bob] Customer is a repeat buyer.")
    assert _post(ann, console, f"/api/tickets/{ticket.id}/notes", {"note": " "}).status_code == 400
    assert _post(ann, console, f"/api/tickets/{ticket.id}/notes", {"note": "x" * 2001}).status_code == 400
    assert _post(ann, console, "/api/tickets/99999/notes", {"note": "hello"}).status_code == 404
    assert _post(ann, console, f"/api/tickets/{ticket.id}/resolve").status_code == 200
    late = _post(ann, console, f"/api/tickets/{ticket.id}/notes", {"note": "one more thing"})
    assert (late.status_code, late.json()["error"]) == (409, "conflict")


def test_resolving_hands_the_conversation_back_and_asks_for_a_rating(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa, tickets: TicketService) -> None:
    ticket, ann = _claimed(console, open_ticket)
    bob = console.login("bob")
    assert _post(bob, console, f"/api/tickets/{ticket.id}/resolve").status_code == 403
    before = len(fake_rasa.requests)
    answer = _post(ann, console, f"/api/tickets/{ticket.id}/resolve")
    assert answer.status_code == 200 and answer.json()["ticket"]["status"] == "resolved"
    resume, trigger = fake_rasa.requests[before:]
    assert (resume.endpoint, resume.query.get("output_channel")) == ("tracker/events", None)
    assert [e["event"] for e in resume.body] == ["resume", "action"]
    assert (trigger.endpoint, trigger.query["output_channel"]) == ("trigger_intent", "latest")
    assert trigger.body == {"name": "EXTERNAL_handoff_resolved", "entities": {}}
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.status == "resolved" and stored.resolved_at is not None
    assert ann.get(f"{console.url}/api/tickets", timeout=10).json()["tickets"] == []
    assert _post(bob, console, f"/api/tickets/{ticket.id}/claim").status_code == 409


def test_resolve_again_retries_the_hand_back_rasa_missed(
        console: RunningConsole, open_ticket: OpenTicket, fake_rasa: FakeRasa, tickets: TicketService) -> None:
    ticket, ann = _claimed(console, open_ticket)
    fake_rasa.failing = True
    failed = _post(ann, console, f"/api/tickets/{ticket.id}/resolve")
    assert failed.status_code == 502
    assert failed.json()["reason"].startswith("The ticket is resolved, but the customer was not reached")
    stored = tickets.get(ticket.id)
    assert stored is not None and stored.status == "resolved"

    fake_rasa.failing = False
    before = len(fake_rasa.requests)
    assert _post(ann, console, f"/api/tickets/{ticket.id}/resolve").status_code == 200
    assert [r.endpoint for r in fake_rasa.requests[before:]] == ["tracker/events", "trigger_intent"]

    newer = open_ticket(ticket.conversation_id)  # the customer asked for a person again
    refused = _post(ann, console, f"/api/tickets/{ticket.id}/resolve")
    assert refused.status_code == 409 and f"number {newer.id}" in refused.json()["reason"]


def test_metrics_are_the_numbers_the_command_prints(
        start_console: Callable[..., RunningConsole], sessions: sessionmaker[Session], tmp_path: Path) -> None:
    clock_now = [datetime.now(UTC) - timedelta(hours=3)]
    tickets = TicketService(sessions, clock=lambda: clock_now[0])
    for index, (reply_minutes, rating) in enumerate([(4, 5), (10, 2)]):
        ticket, _ = tickets.open(conversation_id=f"c{index}", channel="rest", reason="upset", category="orders",
                                 priority="normal", queue="orders")
        assert tickets.claim(ticket.id, "ann")
        clock_now[0] += timedelta(minutes=reply_minutes)
        tickets.record_agent_reply(ticket.id, "ann")
        assert tickets.resolve(ticket.id, "ann") and tickets.rate(ticket.id, rating)
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    _tracker_store(tracker_url, [(f"s{i}", "user", datetime.now(UTC)) for i in range(8)])
    console = start_console(tracker_url=tracker_url)
    ann = console.login("ann")

    figures = ann.get(f"{console.url}/api/metrics?days=30", timeout=10).json()
    assert (figures["conversations"], figures["tickets"], figures["resolved"]) == (8, 2, 2)
    assert figures["handoff_rate"] == pytest.approx(0.25) and figures["self_service_rate"] == pytest.approx(0.75)
    assert figures["first_reply_median_s"] == pytest.approx(7 * 60) and figures["csat_mean"] == 3.5
    expected = support_metrics(sessions, None, tracker_conversations(tracker_url))
    all_time = ann.get(f"{console.url}/api/metrics?days=0", timeout=10).json()
    assert all_time == {**asdict(expected), "since": None, "days": 0}
    assert "25.0%" in format_metrics(expected)
    for bad in ("-1", "abc", "4000"):
        assert ann.get(f"{console.url}/api/metrics?days={bad}", timeout=10).status_code == 400
