"""The REST outbox's output channel in Rasa's own environment (a script run by .venv/rasa),
on the in-process store and on real Redis: it keeps what Rasa's collector would have answered."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

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


def run_check(redis_url: str) -> dict:
    if not RASA_PYTHON.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{RASA_PYTHON} is missing: run `make setup`")
        pytest.skip(f"{RASA_PYTHON} is missing: run `make setup`")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONWARNINGS": "ignore"}
    checked = subprocess.run(
        [str(RASA_PYTHON), str(PROJECT_ROOT / "tests" / "channels" / "rasa_outbox_check.py"), redis_url, SENDER,
         json.dumps(MESSAGES)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    return json.loads(checked.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> str:
    return "" if request.param == "memory" else request.getfixturevalue("redis_url")


def test_the_outbox_keeps_what_the_webhook_would_answer_and_gives_it_once(store_url: str) -> None:
    result = run_check(store_url)

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
