"""Human handoff end to end over REST: the launcher's Rasa server, action server and agent
console on PostgreSQL and Redis. A customer asks for a person, an agent takes over in the
console, answers, resolves; the bot answers again and the rating is stored. Plus every
trigger, the bot's silence while paused, and who may use the console and Rasa's API."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from actions import replies

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import (
    AgentLogin,
    console_session,
    console_url,
    new_sender,
    outbox,
    ticket_of,
)

RATING_QUESTION = replies.text("rating.question")
DONT_KNOW = replies.text("faq.dont_know")

pytestmark = pytest.mark.e2e

HANDED_OVER = "I've passed our conversation to a person"
# Messages the NLU reads as not understood (nlu_fallback); a borderline one may be read otherwise.
GIBBERISH = ["zzkv quorple snerd", "xkcd vrrm plonk", "mmmph grrk", "fjdksla ghrueiw", "gloop zorp", "kjhg"]


def hand_over(stack: StackProcess, sender: str) -> None:
    stack.say(sender, "I was charged twice for the same order last week")
    assert HANDED_OVER in texts(stack.say(sender, "let me speak to a human"))


def test_a_person_takes_over_a_rest_conversation_and_hands_it_back(
    stack: StackProcess, stack_databases: dict, agents: tuple[AgentLogin, AgentLogin]
) -> None:
    app_url = stack_databases["APP_DATABASE_URL"]
    sender = new_sender()
    hand_over(stack, sender)
    ticket = ticket_of(app_url, sender)
    assert ticket is not None
    assert (ticket.status, ticket.channel, ticket.reason) == ("open", "rest", "requested")
    assert (ticket.category, ticket.queue) == ("payments", "billing")

    # Paused: the bot says nothing, and what the customer writes reaches the agent.
    assert stack.say(sender, "hello? is anyone there?") == []

    ann, bob = (console_session(stack, agent) for agent in agents)
    queue = ann.get(f"{console_url(stack)}/api/tickets", timeout=10).json()["tickets"]
    assert ticket.id in [t["id"] for t in queue]
    detail = ann.get(f"{console_url(stack)}/api/tickets/{ticket.id}", timeout=30).json()
    customer_lines = [e["text"] for e in detail["transcript"] if e["kind"] == "customer"]
    assert customer_lines[-3:] == ["I was charged twice for the same order last week", "let me speak to a human",
                                   "hello? is anyone there?"]
    assert detail["transcript_error"] is None

    # Two agents click "claim" at once: exactly one gets the ticket.
    with ThreadPoolExecutor(2) as pool:
        claims = list(pool.map(lambda s: s.post(f"{console_url(stack)}/api/tickets/{ticket.id}/claim", json={},
                                                timeout=30), (ann, bob)))
    assert sorted(c.status_code for c in claims) == [200, 409]
    winner, loser = (ann, bob) if claims[0].status_code == 200 else (bob, ann)
    winner_name = agents[0].display_name if winner is ann else agents[1].display_name

    reply = winner.post(f"{console_url(stack)}/api/tickets/{ticket.id}/reply",
                        json={"text": "Hi, I can see the double charge. I'm refunding one of them now."}, timeout=30)
    assert reply.status_code == 200, reply.text
    assert loser.post(f"{console_url(stack)}/api/tickets/{ticket.id}/reply", json={"text": "me too"},
                      timeout=30).status_code in (403, 409)
    delivered = texts(outbox(stack, sender))
    assert f"{winner_name} from our support team has joined" in delivered
    assert "I'm refunding one of them now." in delivered and "me too" not in delivered
    assert outbox(stack, sender) == []  # delivered once

    assert stack.say(sender, "thank you!") == []  # still the agent's conversation
    note = winner.post(f"{console_url(stack)}/api/tickets/{ticket.id}/notes",
                       json={"note": "Refund issued for the duplicate charge."}, timeout=30)
    assert note.status_code == 200 and "Refund issued" in note.json()["ticket"]["notes"]
    resolved = winner.post(f"{console_url(stack)}/api/tickets/{ticket.id}/resolve", json={}, timeout=30)
    assert resolved.status_code == 200, resolved.text
    assert RATING_QUESTION in texts(outbox(stack, sender))

    assert "Thank you for rating" in texts(stack.say(sender, "4"))
    ticket = ticket_of(app_url, sender)
    assert (ticket.status, ticket.csat) == ("resolved", 4)
    assert ticket.first_agent_reply_at is not None and ticket.resolved_at is not None

    # The bot is back.
    assert "order number" in texts(stack.say(sender, "where is my order?")).lower()

    transcript = winner.get(f"{console_url(stack)}/api/tickets/{ticket.id}", timeout=30).json()["transcript"]
    kinds = [e["kind"] for e in transcript]
    assert "agent" in kinds and kinds.count("system") >= 2  # handed over, resumed
    metrics = winner.get(f"{console_url(stack)}/api/metrics", timeout=30).json()
    assert metrics["csat_responses"] >= 1 and metrics["resolved"] >= 1 and metrics["csat_mean"] is not None
    assert 0 < metrics["handoff_rate"] <= 1 and metrics["first_reply_median_s"] is not None


def test_an_upset_customer_is_handed_over_even_inside_the_verification_form(
    stack: StackProcess, stack_databases: dict
) -> None:
    sender = new_sender()
    assert "order number" in texts(stack.say(sender, "where is my order")).lower()
    answer = texts(stack.say(sender, "I have asked three times already, this is absolutely unacceptable and useless"))
    assert answer.startswith("I'm sorry about this.") and HANDED_OVER in answer
    ticket = ticket_of(stack_databases["APP_DATABASE_URL"], sender)
    assert ticket.reason == "upset" and ticket.category == "orders"
    assert stack.say(sender, "1004587") == []  # paused, not read as an order number


def test_a_merely_negative_message_stays_with_the_assistant(stack: StackProcess, stack_databases: dict) -> None:
    sender = new_sender()
    answer = texts(stack.say(sender, "my parcel arrived damaged, how do i return it"))
    assert HANDED_OVER not in answer and ticket_of(stack_databases["APP_DATABASE_URL"], sender) is None


def test_two_messages_in_a_row_not_understood_go_to_a_person(stack: StackProcess, stack_databases: dict) -> None:
    sender = new_sender()
    replies = []
    for text in GIBBERISH:
        replies.append(texts(stack.say(sender, text)))
        if HANDED_OVER in replies[-1]:
            break
    assert HANDED_OVER in replies[-1], replies
    assert len(replies) >= 2 and (DONT_KNOW in replies[-2] or "not sure how to help" in replies[-2])
    ticket = ticket_of(stack_databases["APP_DATABASE_URL"], sender)
    assert ticket.reason == "repeated_fallback"


def test_failed_verifications_go_to_a_person(stack: StackProcess, stack_databases: dict) -> None:
    sender = new_sender()
    stack.say(sender, "where is my order?")
    answers = []
    for attempt in range(3):  # an order number no order has: each attempt fails
        stack.say(sender, f"19{uuid.uuid4().int % 100000:05d}")
        answers.append(texts(stack.say(sender, f"wrong{attempt}@example.com")))
        if HANDED_OVER in answers[-1]:
            break
    assert "couldn't verify" in answers[-1] and HANDED_OVER in answers[-1], answers
    assert all(HANDED_OVER not in answer for answer in answers[:-1])
    ticket = ticket_of(stack_databases["APP_DATABASE_URL"], sender)
    assert ticket.reason == "failed_verification" and ticket.customer_id is None


def test_nobody_reads_or_answers_a_conversation_without_logging_in(
    stack: StackProcess, stack_databases: dict
) -> None:
    sender = new_sender()
    hand_over(stack, sender)
    ticket = ticket_of(stack_databases["APP_DATABASE_URL"], sender)
    base = console_url(stack)
    customer = requests.Session()
    customer.cookies.set("console_session", "forged-token")
    for client in (requests.Session(), customer):
        assert client.get(f"{base}/api/tickets", timeout=10).status_code == 401
        assert client.get(f"{base}/api/tickets/{ticket.id}", timeout=10).status_code == 401
        for action, body in (("claim", {}), ("reply", {"text": "hi"}), ("resolve", {})):
            answer = client.post(f"{base}/api/tickets/{ticket.id}/{action}", json=body, timeout=10)
            assert answer.status_code == 401 and "Log in" in answer.json()["reason"]
        page = client.get(f"{base}/tickets/{ticket.id}", allow_redirects=False, timeout=10)
        assert page.status_code in (302, 303) and page.headers["location"].endswith("/login")
        assert client.get(f"{base}/api/metrics", timeout=10).status_code == 401
    wrong = requests.post(f"{base}/api/login", json={"username": "ann.e2e", "password": "not-her-password"},
                          timeout=10)
    assert wrong.status_code == 401

    # Nor can a customer resume their own conversation through Rasa's API: it needs the token.
    for token in (None, "guess"):
        params = {"token": token} if token else {}
        resumed = requests.post(f"{stack.url}/conversations/{sender}/tracker/events", params=params,
                                json=[{"event": "resume"}], timeout=10)
        assert resumed.status_code == 401
    assert stack.say(sender, "are you back?") == []
    assert ticket_of(stack_databases["APP_DATABASE_URL"], sender).status == "open"
