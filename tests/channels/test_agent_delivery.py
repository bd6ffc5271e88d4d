"""A support agent's message reaches the customer on the channel they last wrote from.

The console appends a bot event through Rasa's HTTP API with `output_channel=latest` and
`execute_side_effects=true`; Rasa sends it through that channel's output: Slack's Web API,
Twilio's Messages API, the web page's socket.io room, or (REST has nowhere to push) the REST
outbox the customer fetches. Without the API token nobody can append, resume or trigger."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from actions import replies

from assistant.stack_process import StackProcess
from console.rasa_api import RasaClient
from tests.channels.conftest import TWILIO_WHATSAPP_NUMBER
from tests.channels.fakes import FakeApis, form_value, slack_channel, slack_text
from tests.channels.test_slack import message_event, post, signed_headers, to_channel
from tests.channels.test_whatsapp import WhatsAppUser
from tests.e2e.conftest import new_sender, outbox
from tests.web_chat import CONNECTED, TURN_TIMEOUT_MS, browser, page_url, send, wait_for_text  # noqa: F401  (fixture)

RATING_QUESTION = replies.text("rating.question")

pytestmark = pytest.mark.e2e

AGENT = {"agent": "Dana", "ticket_id": 7}


def agent_text() -> str:
    return f"Dana from support here ({uuid.uuid4().hex[:8]}): your refund is on its way."


def console_client(stack: StackProcess) -> RasaClient:
    """The agent console's own client of Rasa's HTTP API, with the stack's token."""
    return RasaClient(stack.url, stack.env["RASA_API_TOKEN"])


def send_agent_message(stack: StackProcess, conversation: str, text: str) -> None:
    console_client(stack).send_agent_message(conversation, text, AGENT["agent"], AGENT["ticket_id"])


def rasa_api_without_the_token(stack: StackProcess, conversation: str, route: str, body: object,
                               token: str | None, **params: str) -> requests.Response:
    """A POST to Rasa's HTTP API as someone without the console's token would make it."""
    if token is not None:
        params["token"] = token
    return requests.post(f"{stack.url}/conversations/{conversation}/{route}", params=params, json=body, timeout=60)


def fetch_outbox(stack: StackProcess, sender: str) -> requests.Response:
    """The outbox route's raw answer, for its status codes (`outbox()` returns the messages)."""
    return requests.get(f"{stack.url}/webhooks/rest/outbox/{sender}", timeout=30)


def bot_events(stack: StackProcess, conversation: str) -> list[dict]:
    return [e for e in stack.tracker(conversation)["events"] if e.get("event") == "bot"]


def test_a_rest_customer_fetches_an_agent_reply_once_from_the_outbox(channel_stack: StackProcess) -> None:
    sender = new_sender()
    assert channel_stack.say(sender, "hello")
    assert outbox(channel_stack, sender) == [], "webhook replies go in the webhook answer only"

    text = agent_text()
    send_agent_message(channel_stack, sender, text)

    assert outbox(channel_stack, sender) == [{"recipient_id": sender, "text": text}]
    assert outbox(channel_stack, sender) == []
    in_transcript = bot_events(channel_stack, sender)[-1]
    assert in_transcript["text"] == text
    assert AGENT.items() <= in_transcript["metadata"].items()  # Rasa adds model_id and assistant_id
    assert text not in channel_stack.log_path.read_text(), "message texts are never logged"


def test_the_rating_question_after_resolving_waits_in_the_outbox_in_order(channel_stack: StackProcess) -> None:
    sender = new_sender()
    channel_stack.say(sender, "hello")
    text = agent_text()
    client = console_client(channel_stack)
    client.send_agent_message(sender, text, AGENT["agent"], AGENT["ticket_id"])
    client.resume_and_ask_rating(sender)

    agent_message, rating_question = outbox(channel_stack, sender)
    assert agent_message == {"recipient_id": sender, "text": text}
    assert rating_question["text"] == RATING_QUESTION
    assert [b["title"] for b in rating_question["buttons"]] == ["1", "2", "3", "4", "5"]
    assert outbox(channel_stack, sender) == []


@pytest.mark.parametrize(
    "sender, status",
    [("x" * 129, 400), ("%20%20", 400), ("has/a/slash", 200), ("%C3%A9" * 128, 200)],
    ids=["too-long", "blank", "slash", "128-encoded-characters"],
)
def test_the_outbox_checks_the_sender_like_the_webhook(channel_stack: StackProcess, sender: str, status: int) -> None:
    answer = fetch_outbox(channel_stack, sender)
    assert answer.status_code == status
    if status == 200:
        assert answer.json() == []
    else:
        assert '"sender"' in answer.json()["reason"]


def test_an_agent_reply_reaches_the_slack_customer(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    user, channel = "U" + uuid.uuid4().hex[:8].upper(), f"D{uuid.uuid4().hex[:8].upper()}"
    body = json.dumps(message_event(user, channel, "hello")).encode()
    assert post(channel_stack, body, signed_headers(body)).status_code == 200
    fake_apis.wait_for(to_channel(channel))

    text = agent_text()
    send_agent_message(channel_stack, user, text)
    sent = fake_apis.wait_for(lambda r: r.path.endswith("/chat.postMessage") and slack_text(r) == text, timeout_s=30)
    assert len(sent) == 1
    assert slack_channel(sent[0]) == user, "posted to the customer (their direct messages with the app)"
    assert sent[0].headers["authorization"] == "Bearer xoxb-test-token"


def test_an_agent_reply_reaches_the_whatsapp_customer(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    phone.say("hello")

    text = agent_text()
    send_agent_message(channel_stack, phone.number, text)
    sent = fake_apis.wait_for(lambda r: r.path.endswith("/Messages.json") and form_value(r, "Body") == text, timeout_s=30)
    assert len(sent) == 1
    assert form_value(sent[0], "To") == phone.number
    assert form_value(sent[0], "From") == TWILIO_WHATSAPP_NUMBER


def test_an_agent_reply_appears_on_the_web_page(channel_stack: StackProcess, browser) -> None:  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto(page_url(channel_stack))
    page.get_by_text(CONNECTED).wait_for(timeout=30_000)
    send(page, "hello")
    page.wait_for_function("() => document.querySelectorAll('#chat .rw-response').length > 0", timeout=TURN_TIMEOUT_MS)
    session_id = page.evaluate("() => JSON.parse(localStorage.getItem('chat_session')).session_id")

    text = agent_text()
    send_agent_message(channel_stack, session_id, text)
    assert text in wait_for_text(page, text)
    context.close()


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["no-token", "wrong-token"])
def test_without_the_api_token_nobody_can_speak_for_the_bot_or_resume(channel_stack: StackProcess, token: str | None) -> None:
    sender = new_sender()
    channel_stack.say(sender, "hello")
    events_before = len(channel_stack.tracker(sender)["events"])

    agent_event = {"event": "bot", "text": agent_text(), "timestamp": time.time(), "metadata": AGENT}
    refused = [
        rasa_api_without_the_token(channel_stack, sender, "tracker/events", [agent_event], token,
                                   output_channel="latest", execute_side_effects="true"),
        rasa_api_without_the_token(channel_stack, sender, "tracker/events", [{"event": "resume"}], token),
        rasa_api_without_the_token(channel_stack, sender, "trigger_intent", {"name": "greet"}, token,
                                   output_channel="latest"),
    ]
    assert [answer.status_code for answer in refused] == [401, 401, 401]
    assert len(channel_stack.tracker(sender)["events"]) == events_before
    assert outbox(channel_stack, sender) == []
