"""The handoff as people see it, in headless Chromium: a customer on the web chat page asks for a
person; an agent logs in to the console, reads the transcript (including what the customer wrote
while waiting), claims the ticket and replies; the reply appears on the customer's page; the agent
resolves; the customer rates the help with a button and the assistant answers again."""

from __future__ import annotations

import pytest

from actions import replies

from assistant.stack_process import StackProcess
from tests.e2e.conftest import AgentLogin, console_url, query
from tests.web_chat import ARTIFACTS, CONNECTED, TURN_TIMEOUT_MS, browser, page_url, send, wait_for_text

RATING_QUESTION = replies.text("rating.question")

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the fixture, imported so that pytest finds it here

AGENT_REPLY = "Hello, this is Ann from support. Your parcel left our warehouse this morning."


def newest_ticket_id(app_url: str) -> int:
    return query(app_url, "SELECT COALESCE(MAX(id), 0) FROM support_tickets")[0][0]


def web_ticket_after(app_url: str, ticket_id: int):
    rows = query(app_url, "SELECT * FROM support_tickets WHERE channel = 'socketio' AND id > :i", i=ticket_id)
    assert len(rows) == 1, "expected one new ticket from the web page"
    return rows[0]


def bot_messages(page) -> int:
    return page.locator("#chat .rw-response").count()


def test_an_agent_answers_a_web_chat_customer_and_hands_back(
    stack: StackProcess, stack_databases: dict, agents: tuple[AgentLogin, AgentLogin], browser
) -> None:
    app_url = stack_databases["APP_DATABASE_URL"]
    ann = agents[0]
    customer = browser.new_context().new_page()
    customer.goto(page_url(stack))
    customer.get_by_text(CONNECTED).wait_for(timeout=30_000)
    before = newest_ticket_id(app_url)
    send(customer, "my parcel is lost, i want to talk to a person")
    wait_for_text(customer, "passed our conversation to a person")
    ticket = web_ticket_after(app_url, before)
    assert ticket.status == "open"

    # While waiting, the customer writes again: the assistant stays silent.
    answers_before = bot_messages(customer)
    send(customer, "it was order 1004587, sent two weeks ago")
    customer.wait_for_timeout(3000)
    assert bot_messages(customer) == answers_before

    agent = browser.new_context().new_page()
    agent.goto(f"{console_url(stack)}/tickets/{ticket.id}")
    agent.wait_for_url("**/login", timeout=10_000)  # no session: the login page first
    agent.fill("#username", ann.username)
    agent.fill("#password", ann.password)
    agent.click("#login-button")
    agent.locator(f'[data-ticket-id="{ticket.id}"]').click(timeout=15_000)
    transcript = agent.locator("#transcript")
    transcript.locator('[data-kind="customer"]', has_text="sent two weeks ago").wait_for(timeout=15_000)
    assert "i want to talk to a person" in transcript.inner_text()

    agent.click("#claim-button")
    wait_for_text(customer, f"{ann.display_name} from our support team has joined")
    agent.fill("#reply-text", AGENT_REPLY)
    agent.click("#reply-button")
    wait_for_text(customer, AGENT_REPLY)
    transcript.locator('[data-kind="agent"]', has_text="left our warehouse").wait_for(timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    agent.screenshot(path=str(ARTIFACTS / "agent_console.png"), full_page=True)

    agent.click("#resolve-button")
    wait_for_text(customer, RATING_QUESTION[:40])
    customer.locator("#chat .rw-reply", has_text="4").last.click(timeout=TURN_TIMEOUT_MS)
    wait_for_text(customer, "Thank you for rating")
    assert query(app_url, "SELECT csat, status FROM support_tickets WHERE id = :i", i=ticket.id)[0] == (4, "resolved")

    answers_before = bot_messages(customer)
    send(customer, "hello")  # the assistant answers again
    customer.wait_for_function("n => document.querySelectorAll('#chat .rw-response').length > n",
                               arg=answers_before, timeout=TURN_TIMEOUT_MS)
    customer.screenshot(path=str(ARTIFACTS / "web_chat_handoff.png"), full_page=True)
