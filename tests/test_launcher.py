"""The launcher refuses to start with a clear sentence, not a traceback or a hang."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from assistant import launcher
from assistant.settings import PROJECT_ROOT
from assistant.stack_process import free_port


def launch(**overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **overrides}
    return subprocess.run(
        [sys.executable, "-m", "assistant.launcher", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("APP_DATABASE_URL", "postgresql+psycopg2://u@127.0.0.1:{port}/shop", "APP_DATABASE_URL at 127.0.0.1:{port} is not reachable"),
        ("TRACKER_DATABASE_URL", "postgresql://u@127.0.0.1:{port}/rasa", "TRACKER_DATABASE_URL at 127.0.0.1:{port} is not reachable"),
        ("REDIS_URL", "redis://127.0.0.1:{port}/0", "REDIS_URL at 127.0.0.1:{port} is not reachable"),
        ("TRACKER_DATABASE_URL", "mongodb://127.0.0.1/x", "TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://"),
    ],
)
def test_unreachable_or_wrong_services_are_named(variable: str, value: str, expected: str, tmp_path) -> None:
    (tmp_path / "assistant.tar.gz").write_bytes(b"")  # past the model check
    port = free_port()  # nothing listens there
    result = launch(RASA_MODEL_DIR=str(tmp_path), **{variable: value.format(port=port)})
    assert result.returncode == 1
    assert expected.format(port=port) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_model_says_how_to_train(tmp_path) -> None:
    result = launch(RASA_MODEL_DIR=str(tmp_path))
    assert result.returncode == 1
    assert f"No trained model in {tmp_path}: run `make train`." in result.stderr


def test_a_stop_requested_from_a_signal_handler_ends_the_wait_at_once() -> None:
    """The handler runs in the main thread, possibly inside wait(): it must not need a lock."""
    stop = launcher.StopRequest()
    previous = signal.signal(signal.SIGALRM, lambda _signum, _frame: stop.set())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        started = time.monotonic()
        assert stop.wait(10.0) and time.monotonic() - started < 2.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_server_interrupted_while_starting_is_still_stopped(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(launcher, "LOG_DIR", tmp_path)
    servers: list = []
    stop = launcher.StopRequest()
    threading.Timer(0.5, stop.set).start()
    never_ready = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(KeyboardInterrupt):
        launcher.start_server(servers, "sleeper", "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"],
                              dict(os.environ), False, never_ready, stop)
    [server] = servers
    assert server.process.poll() is None
    server.stop()
    assert server.process.poll() is not None
