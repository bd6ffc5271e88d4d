"""``python -m console`` as the launcher runs it: serves on CONSOLE_PORT, stops on SIGTERM, logs no content."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from assistant.settings import PROJECT_ROOT
from assistant.stack_process import free_port
from commerce import migrate
from commerce.db import make_session_factory
from console.agents import AgentDirectory
from support.tickets import TicketService
from tests.console.fake_rasa import FakeRasa

SECRET_TEXT = "my card ends in 4242"
CONVERSATION = "whatsapp:+14155550199"


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the console exited early"
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def test_the_console_process(sqlite_url: str, tmp_path: Path) -> None:
    migrate.upgrade(sqlite_url)
    factory = make_session_factory(sqlite_url)
    AgentDirectory(factory).create("ann", "Ann Example", "correct horse battery")
    ticket, _ = TicketService(factory).open(conversation_id=CONVERSATION, channel="whatsapp", reason="upset",
                                            category="payments", priority="urgent", queue="billing")
    factory.kw["bind"].dispose()
    fake = FakeRasa()
    fake.start()
    fake.events[CONVERSATION] = [{"event": "user", "text": SECRET_TEXT, "timestamp": time.time()}]
    port = free_port()
    env = {**os.environ, "APP_DATABASE_URL": sqlite_url, "CONSOLE_PORT": str(port), "RASA_SERVER_URL": fake.url,
           "RASA_API_TOKEN": fake.token, "REDIS_URL": "", "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
           "LOG_LEVEL": "INFO", "PYTHONPATH": str(PROJECT_ROOT)}
    log_path = tmp_path / "console.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "console"], cwd=PROJECT_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/health", process)
        ann = requests.Session()
        assert ann.post(f"{url}/api/login", json={"username": "ann", "password": "correct horse battery"},
                        timeout=10).status_code == 200
        detail = ann.get(f"{url}/api/tickets/{ticket.id}", timeout=10).json()
        assert [e["text"] for e in detail["transcript"]] == [SECRET_TEXT]
        assert ann.post(f"{url}/api/tickets/{ticket.id}/claim", json={}, timeout=10).status_code == 200
        assert ann.post(f"{url}/api/tickets/{ticket.id}/reply", json={"text": f"About {SECRET_TEXT}: refunded."},
                        timeout=10).status_code == 200
        assert ann.post(f"{url}/api/tickets/{ticket.id}/notes", json={"note": SECRET_TEXT},
                        timeout=10).status_code == 200
        assert ann.get(f"{url}/api/metrics", timeout=10).json()["tickets"] == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        fake.stop()
    log = log_path.read_text()
    assert f"agent ann replied on ticket {ticket.id}" in log
    assert "4242" not in log and CONVERSATION not in log and "14155550199" not in log


def test_an_unmigrated_database_is_one_clear_error(sqlite_url: str) -> None:
    env = {**os.environ, "APP_DATABASE_URL": sqlite_url, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-m", "console", "--port", str(free_port())], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("has no support_agents table: run `python -m commerce migrate`")
