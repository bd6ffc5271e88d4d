"""A handed-over conversation survives a restart of the servers: it is still paused afterwards,
and what the customer wrote before and after reaches the agent (PostgreSQL tracker store)."""

from __future__ import annotations

import pytest

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import AgentLogin, console_session, console_url, new_sender, outbox, ticket_of

pytestmark = pytest.mark.e2e


def test_a_paused_conversation_survives_a_restart_without_losing_a_message(
    stack: StackProcess, stack_databases: dict, agents: tuple[AgentLogin, AgentLogin]
) -> None:
    sender = new_sender()
    stack.say(sender, "my refund never arrived")
    assert "passed our conversation to a person" in texts(stack.say(sender, "talk to a human please"))
    assert stack.say(sender, "written before the restart") == []

    assert stack.stop() == 0
    stack.start()

    assert stack.say(sender, "written after the restart") == []  # still paused
    ticket = ticket_of(stack_databases["APP_DATABASE_URL"], sender)
    agent = console_session(stack, agents[1])
    detail = agent.get(f"{console_url(stack)}/api/tickets/{ticket.id}", timeout=30).json()
    customer_lines = [e["text"] for e in detail["transcript"] if e["kind"] == "customer"]
    assert customer_lines == ["my refund never arrived", "talk to a human please", "written before the restart",
                              "written after the restart"]

    assert agent.post(f"{console_url(stack)}/api/tickets/{ticket.id}/claim", json={}, timeout=30).status_code == 200
    assert agent.post(f"{console_url(stack)}/api/tickets/{ticket.id}/resolve", json={}, timeout=30).status_code == 200
    assert "rate" in texts(outbox(stack, sender))
    assert "order number" in texts(stack.say(sender, "where is my order?")).lower()
