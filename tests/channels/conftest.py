"""The running stack with every channel configured: Slack and Twilio pointed at a local
stand-in for their APIs, the web chat page on a free port. One stack for the session."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from assistant.stack_process import StackProcess
from tests.channels.fakes import FakeApis
from tests.conftest import REDIS_TEST_URL, empty_redis_database
from tests.e2e.conftest import running_stack, stack_databases  # noqa: F401  (fixture, seeded PostgreSQL + Redis)

SLACK_SIGNING_SECRET = "test-signing-secret-" + uuid.uuid4().hex
TWILIO_AUTH_TOKEN = "test-auth-token-" + uuid.uuid4().hex
TWILIO_ACCOUNT_SID = "AC" + uuid.uuid4().hex
TWILIO_WHATSAPP_NUMBER = "whatsapp:+14155238886"


@pytest.fixture(scope="session")
def redis_url_session() -> Iterator[str]:
    """Redis database 13 for this session (the e2e tests use 14, unit tests 15)."""
    with empty_redis_database(REDIS_TEST_URL.rsplit("/", 1)[0] + "/13") as url:
        yield url


@pytest.fixture(scope="session")
def fake_apis() -> Iterator[FakeApis]:
    fake = FakeApis()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def channel_stack(
    stack_databases: dict[str, str], fake_apis: FakeApis, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
) -> Iterator[StackProcess]:
    yield from running_stack(
        stack_databases,
        tmp_path_factory.mktemp("channels"),
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SLACK_SIGNING_SECRET,
        SLACK_API_BASE_URL=f"{fake_apis.url}/api/",
        TWILIO_ACCOUNT_SID=TWILIO_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=TWILIO_AUTH_TOKEN,
        TWILIO_WHATSAPP_NUMBER=TWILIO_WHATSAPP_NUMBER,
        TWILIO_API_BASE_URL=fake_apis.url,
        TWILIO_WEBHOOK_URL="",
    )


def user_texts(stack: StackProcess, sender: str) -> list[str]:
    """What the tracker recorded the user as saying, in order."""
    return [e.get("text") or "" for e in stack.tracker(sender)["events"] if e.get("event") == "user"]
