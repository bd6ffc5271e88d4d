"""WhatsApp through Twilio as Twilio uses it: signed form posts to the running Rasa server,
replies checked at a local stand-in for Twilio's Messages API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests

from assistant.stack_process import StackProcess
from console.rasa_api import RasaClient
from tests.channels.conftest import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_NUMBER, user_texts
from tests.channels.fakes import FakeApis, form_value
from tests.e2e.conftest import seeded_orders

pytestmark = pytest.mark.e2e


def twilio_signature(url: str, params: dict[str, str], token: str = TWILIO_AUTH_TOKEN) -> str:
    """Twilio's spec: base64(HMAC-SHA1(auth token, URL + each POST key and value, keys sorted))."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def new_number() -> str:
    return f"whatsapp:+1555{random.randrange(10**6, 10**7)}"


class WhatsAppUser:
    """One phone sending WhatsApp messages through Twilio to the assistant."""

    def __init__(self, stack: StackProcess, fake: FakeApis) -> None:
        self.stack, self.fake, self.number = stack, fake, new_number()
        self.url = f"{stack.url}/webhooks/whatsapp/webhook"

    def params(self, text: str, message_sid: str | None = None) -> dict[str, str]:
        return {
            "MessageSid": message_sid or "SM" + uuid.uuid4().hex, "AccountSid": TWILIO_ACCOUNT_SID,
            "From": self.number, "To": TWILIO_WHATSAPP_NUMBER, "Body": text, "NumMedia": "0",
        }

    def post(self, params: dict[str, str], signature: str | None = "valid") -> requests.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "valid":
            headers["X-Twilio-Signature"] = twilio_signature(self.url, params)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.url, data=urlencode(params), headers=headers, timeout=30)

    def replies(self) -> list:
        return self.fake.matching(self._to_me)

    def _to_me(self, record) -> bool:
        return record.path.endswith("/Messages.json") and form_value(record, "To") == self.number

    def say(self, text: str) -> str:
        """Send *text* and return the reply bodies that arrive for it."""
        before = len(self.replies())
        assert self.post(self.params(text)).status_code == 200
        self.fake.wait_for(self._to_me, count=before + 1)
        time.sleep(1.0)  # a turn may send several messages
        return "\n".join(form_value(r, "Body") for r in self.replies()[before:])


def test_order_status_conversation_over_whatsapp(channel_stack: StackProcess, fake_apis: FakeApis, stack_databases: dict) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "shipped", limit=1)[0]
    phone = WhatsAppUser(channel_stack, fake_apis)

    assert "order number" in phone.say("where is my order?").lower()
    assert "email" in phone.say(order.number).lower()
    answer = phone.say(order.email)
    assert f"Order {order.number} is shipped" in answer

    sent = phone.replies()[0]
    assert form_value(sent, "From") == TWILIO_WHATSAPP_NUMBER
    assert sent.path == f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"{TWILIO_ACCOUNT_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()

    server_logs = channel_stack.log_path.read_text()
    for private in (phone.number.removeprefix("whatsapp:"), order.email):
        assert private not in server_logs, "no phone number or email in the logs"


def test_buttons_become_numbered_options_and_a_number_picks_one(channel_stack: StackProcess, fake_apis: FakeApis, stack_databases: dict) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=1)[0]
    phone = WhatsAppUser(channel_stack, fake_apis)

    phone.say(f"I want to cancel order {order.number}")
    question = phone.say(order.email)
    assert f"Cancel order {order.number}" in question
    assert "1. " in question and "2. " in question and "Reply with the number" in question

    done = phone.say("2")  # the second button: /deny
    assert f"order {order.number} is cancelled" not in done
    assert user_texts(channel_stack, phone.number)[-1] == "/deny"
    assert seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=50)


@pytest.mark.parametrize("signature", [None, "d3Jvbmcgc2lnbmF0dXJl"], ids=["missing", "wrong"])
def test_unsigned_or_forged_posts_are_refused_with_403(channel_stack: StackProcess, fake_apis: FakeApis, signature) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    answer = phone.post(phone.params("where is my order?"), signature=signature)
    assert answer.status_code == 403
    assert "X-Twilio-Signature" in answer.json()["reason"]
    time.sleep(1)
    assert not phone.replies()


def test_a_body_changed_after_signing_is_refused(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    params = phone.params("hello")
    signature = twilio_signature(phone.url, params)
    answer = phone.post({**params, "Body": "cancel my order"}, signature=signature)
    assert answer.status_code == 403


def test_a_resent_message_id_is_processed_once(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    params = phone.params("hello", message_sid="SM" + uuid.uuid4().hex)
    assert phone.post(params).status_code == 200
    fake_apis.wait_for(phone._to_me)
    assert phone.post(params).status_code == 200
    time.sleep(2)
    assert user_texts(channel_stack, phone.number) == ["hello"]


@pytest.mark.parametrize(
    "change, status",
    [
        ({"From": "+15550001111"}, 400),  # not a whatsapp: sender
        ({"MessageSid": ""}, 400),
    ],
    ids=["sms-sender", "no-message-id"],
)
def test_signed_but_incomplete_messages_get_400_with_a_reason(channel_stack: StackProcess, fake_apis: FakeApis, change, status) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    params = {**phone.params("hello"), **change}
    answer = phone.post(params)
    assert answer.status_code == status
    assert "whatsapp:" in answer.json()["reason"]


def test_a_json_body_gets_415(channel_stack: StackProcess) -> None:
    answer = requests.post(f"{channel_stack.url}/webhooks/whatsapp/webhook", json={"Body": "hi"}, timeout=30)
    assert answer.status_code == 415
    assert answer.json()["reason"]


def test_an_overlong_message_gets_a_request_to_shorten_it(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    answer = phone.say("where is my order " * 300)  # over MAX_MESSAGE_CHARS (2,000)
    assert "too long" in answer and "a sentence or two" in answer
    assert "order number" not in answer.lower(), "the message was not processed"


def test_a_long_reply_arrives_in_parts_twilio_accepts_split_at_paragraphs(
    channel_stack: StackProcess, fake_apis: FakeApis
) -> None:
    """An agent's long answer through the channel's real output (Rasa's output channel, split_text,
    Twilio's Messages API): parts of at most 1,600 characters, in order, cut at paragraphs, none lost."""
    phone = WhatsAppUser(channel_stack, fake_apis)
    phone.say("hello")
    before = len(phone.replies())
    paragraphs = [f"Step {k} ({uuid.uuid4().hex[:6]}): " + "pack the item in its box, seal it 📦 and " * 12
                  + "wait for the label. Señor Ñandú's café receipt counts too." for k in range(1, 10)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 3 * 1600
    RasaClient(channel_stack.url, channel_stack.env["RASA_API_TOKEN"]).send_agent_message(phone.number, text, "Dana", 7)
    fake_apis.wait_for(lambda r: phone._to_me(r) and paragraphs[-1] in form_value(r, "Body"), timeout_s=30)
    parts = [form_value(r, "Body") for r in phone.replies()[before:]]
    assert len(parts) >= 4 and all(len(part) <= 1600 for part in parts), [len(p) for p in parts]
    assert "\n\n".join(parts) == text, "every paragraph arrives whole, once, in order"


def test_a_chart_is_sent_as_media_with_its_text(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    phone = WhatsAppUser(channel_stack, fake_apis)
    before = len(phone.replies())
    text = phone.say("compare Apple and Microsoft over the last year")
    assert "AAPL" in text and "MSFT" in text and "not investment advice" in text.lower()
    media = [form_value(r, "MediaUrl") for r in phone.replies()[before:] if form_value(r, "MediaUrl")]
    assert len(media) == 1 and "/charts/" in media[0]
    served = requests.get(media[0], timeout=10)
    assert served.status_code == 200 and served.content[:4] == b"\x89PNG"
