"""The REST outbox in Rasa's own environment (scripts run by .venv/rasa): its output channel, on
the in-process store and on real Redis, keeps what Rasa's collector would have answered; its
route, served by Sanic, answers 503 when the store is unreachable."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from assistant.stack_process import free_port
from tests.conftest import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv" / "rasa" / "bin" / "python"
SENDER = "outbox-check"
# As Rasa's BotUttered.message() hands them to an output channel, agent metadata merged in.
MESSAGES = [
    {"text": "Hi, Dana here from support.\n\nYour refund is on its way.", "agent": "Dana", "ticket_id": 7},
    {"text": "Was this helpful?", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]},
    {"image": "http://127.0.0.1:5055/charts/aapl.png"},
    {"text": "Your chart:", "image": "http://127.0.0.1:5055/charts/msft.png"},
]


def run_script(script: str, *args: str, **environ: str) -> dict:
    """The JSON a script in this folder prints when run by the Rasa environment."""
    if not RASA_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{RASA_PYTHON} is missing: run `make setup`")
        pytest.skip(f"{RASA_PYTHON} is missing: run `make setup`")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONWARNINGS": "ignore", **environ}
    finished = subprocess.run(
        [str(RASA_PYTHON), str(PROJECT_ROOT / "tests" / "channels" / script), *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> str:
    return "" if request.param == "memory" else request.getfixturevalue("redis_url")


def test_the_outbox_keeps_what_the_webhook_would_answer_and_gives_it_once(store_url: str) -> None:
    result = run_script("rasa_outbox_check.py", store_url, SENDER, json.dumps(MESSAGES))

    assert result["first_fetch"] == [
        {"recipient_id": SENDER, "text": "Hi, Dana here from support."},
        {"recipient_id": SENDER, "text": "Your refund is on its way."},
        {"recipient_id": SENDER, "text": "Was this helpful?", "buttons": MESSAGES[1]["buttons"]},
        {"recipient_id": SENDER, "image": "http://127.0.0.1:5055/charts/aapl.png"},
        {"recipient_id": SENDER, "text": "Your chart:"},
        {"recipient_id": SENDER, "image": "http://127.0.0.1:5055/charts/msft.png"},
    ]
    assert result["first_fetch"] == result["collected"] == result["listed"]
    assert result["second_fetch"] == []
    assert result["other_sender"] == []


def test_an_unreachable_store_gives_503_with_a_reason_and_logs_no_sender() -> None:
    closed_port = free_port()  # nothing listens there
    result = run_script("rasa_outbox_route_check.py", "customer-42", REDIS_URL=f"redis://127.0.0.1:{closed_port}/0")

    assert result["status"] == 503
    assert result["body"]["reason"]
    assert len(result["logged"]) == 1
    assert "unavailable: ConnectionError" in result["logged"][0] and "customer-42" not in result["logged"][0]
