"""A full order-status conversation over REST against the real servers, across a restart."""

from __future__ import annotations

from assistant.stack_process import StackProcess, port_open, texts
from tests.e2e.conftest import new_sender, query, seeded_orders


def test_order_status_conversation_continues_after_restart(stack: StackProcess, stack_databases: dict) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "shipped", limit=1)[0]
    sender = new_sender()

    assert texts(stack.say(sender, "hello"))
    asked = texts(stack.say(sender, "where is my order?")).lower()
    assert "order number" in asked
    asked = texts(stack.say(sender, f"it's {order.number}")).lower()
    assert "email" in asked and "shipped" not in asked
    answer = texts(stack.say(sender, order.email.upper()))
    assert f"Order {order.number} is shipped" in answer
    assert order.tracking_number in answer

    assert stack.stop() == 0, "Ctrl-C must stop the launcher cleanly"
    for port in (stack.rasa_port, stack.action_port):
        assert not port_open(port), f"port {port} still open after stop"

    [(stored,)] = query(stack_databases["TRACKER_DATABASE_URL"], "SELECT count(*) FROM events WHERE sender_id = :s", s=sender)
    assert stored > 10, "the conversation must be in the PostgreSQL tracker store"

    stack.start()
    # Still verified after the restart: the recent orders come without asking again.
    recent = texts(stack.say(sender, "show me my recent orders"))
    assert "email" not in recent.lower()
    assert order.number in recent
    slots = stack.tracker(sender)["slots"]
    assert slots["verified_customer_id"] is not None


def test_cancel_requires_confirmation_and_writes(stack: StackProcess, stack_databases: dict) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=1)[0]
    sender = new_sender()

    stack.say(sender, f"I want to cancel order {order.number}")
    question = stack.say(sender, order.email)
    assert f"Cancel order {order.number}" in texts(question)
    assert [b["payload"] for b in question[-1]["buttons"]] == ["/affirm", "/deny"]
    assert seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=1)[0].number == order.number

    done = texts(stack.say(sender, "yes"))
    assert f"order {order.number} is cancelled" in done
    [(status,)] = query(stack_databases["APP_DATABASE_URL"], "SELECT status FROM orders WHERE number = :n", n=order.number)
    assert status == "cancelled"
