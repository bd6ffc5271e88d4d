"""Slack as Slack uses it: signed Events API requests to the running Rasa server, replies
checked at a local stand-in for Slack's Web API (chat.postMessage)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests

from assistant.stack_process import StackProcess
from tests.channels.conftest import SLACK_SIGNING_SECRET, user_texts
from tests.channels.fakes import FakeApis, Recorded, slack_channel, slack_text
from tests.e2e.conftest import seeded_orders

pytestmark = pytest.mark.e2e


def signed_headers(body: bytes, timestamp: int | None = None, secret: str = SLACK_SIGNING_SECRET) -> dict[str, str]:
    """Headers as Slack signs them: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": "application/json"}


def message_event(user: str, channel: str, text: str) -> dict:
    return {
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "authorizations": [{"user_id": "UBOT"}],
        "event": {"type": "message", "channel_type": "im", "user": user, "channel": channel, "text": text,
                  "ts": f"{time.time():.6f}"},
    }


def post(stack: StackProcess, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{stack.url}/webhooks/slack/webhook", data=body, headers=headers, timeout=30)


def to_channel(channel: str):
    return lambda r: r.path.endswith("/chat.postMessage") and slack_channel(r) == channel


def test_signed_message_is_answered_through_the_web_api(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    channel = f"D{uuid.uuid4().hex[:8].upper()}"
    body = json.dumps(message_event("U" + uuid.uuid4().hex[:8].upper(), channel, "where is my order?")).encode()

    started = time.monotonic()
    answer = post(channel_stack, body, signed_headers(body))
    acknowledged_s = time.monotonic() - started

    assert answer.status_code == 200
    assert acknowledged_s < 3, "Slack resends events not acknowledged within 3 s"
    reply: Recorded = fake_apis.wait_for(to_channel(channel))[0]
    assert "order number" in slack_text(reply).lower()
    assert reply.headers["authorization"] == "Bearer xoxb-test-token"


def test_url_verification_returns_the_challenge(channel_stack: StackProcess) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}).encode()
    answer = post(channel_stack, body, signed_headers(body))
    assert answer.status_code == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


@pytest.mark.parametrize(
    "headers",
    [
        lambda body: signed_headers(body, secret="not-the-signing-secret"),
        lambda body: signed_headers(body, timestamp=int(time.time()) - 6 * 60),  # replayed: older than 5 min
        lambda body: {"Content-Type": "application/json"},
    ],
    ids=["bad-signature", "old-timestamp", "unsigned"],
)
def test_forged_or_replayed_requests_are_rejected(channel_stack: StackProcess, fake_apis: FakeApis, headers) -> None:
    channel = f"D{uuid.uuid4().hex[:8].upper()}"
    body = json.dumps(message_event("UFORGED", channel, "where is my order?")).encode()
    answer = post(channel_stack, body, headers(body))
    assert answer.status_code == 400
    assert "X-Slack-Signature" in answer.json()["reason"]
    time.sleep(1)
    assert not fake_apis.matching(to_channel(channel))


def test_a_retried_event_is_acknowledged_and_processed_once(channel_stack: StackProcess, fake_apis: FakeApis) -> None:
    user, channel = "U" + uuid.uuid4().hex[:8].upper(), f"D{uuid.uuid4().hex[:8].upper()}"
    event = message_event(user, channel, "hello")
    body = json.dumps(event).encode()
    assert post(channel_stack, body, signed_headers(body)).status_code == 200
    fake_apis.wait_for(to_channel(channel))

    retry = post(channel_stack, body, {**signed_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert retry.status_code == 200
    assert retry.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(2)
    assert user_texts(channel_stack, user) == ["hello"]


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"type": "event_callback"}', "application/json", 400),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", 400),
        (b"hello", "text/plain", 415),
    ],
    ids=["malformed-json", "not-an-object", "no-event", "bad-interaction", "wrong-type"],
)
def test_malformed_signed_requests_get_a_reason_not_a_500(channel_stack: StackProcess, body: bytes, content_type: str, status: int) -> None:
    answer = post(channel_stack, body, {**signed_headers(body), "Content-Type": content_type})
    assert answer.status_code == status
    assert answer.json()["reason"]


def test_buttons_are_slack_buttons_and_a_click_sends_the_payload(
    channel_stack: StackProcess, fake_apis: FakeApis, stack_databases: dict
) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "pending", limit=3)[-1]
    user, channel = "U" + uuid.uuid4().hex[:8].upper(), f"D{uuid.uuid4().hex[:8].upper()}"
    for count, text in enumerate((f"I want to cancel order {order.number}", order.email), start=1):
        body = json.dumps(message_event(user, channel, text)).encode()
        assert post(channel_stack, body, signed_headers(body)).status_code == 200
        fake_apis.wait_for(to_channel(channel), count=count)
    question = fake_apis.wait_for(lambda r: to_channel(channel)(r) and bool((r.json or {}).get("blocks")))[0]
    buttons = [b for block in question.json["blocks"] if block["type"] == "actions" for b in block["elements"]]
    assert [b["value"] for b in buttons] == ["/affirm", "/deny"]

    click = {"type": "block_actions", "user": {"id": user}, "channel": {"id": channel},
             "actions": [{"type": "button", "value": "/deny"}], "message": {"ts": "1.0"}}
    form = urlencode({"payload": json.dumps(click)}).encode()
    headers = {**signed_headers(form), "Content-Type": "application/x-www-form-urlencoded"}
    assert post(channel_stack, form, headers).status_code == 200
    deadline = time.monotonic() + 60
    while user_texts(channel_stack, user)[-1:] != ["/deny"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert user_texts(channel_stack, user)[-1] == "/deny"
