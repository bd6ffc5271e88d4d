"""Drives the whole assistant as a user would: `python -m assistant.launcher run` in a
subprocess, readiness over HTTP, Ctrl-C to stop, messages over the REST channel.
Shared by the end-to-end tests and the benchmarks.

``STACK_PROJECT_ROOT`` in the stack's env runs the launcher of another checkout of the project
(e.g. a git worktree of an older commit, to measure "before"): its code, models and data, with
that checkout's ``.venv``. Unset: this checkout."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

from assistant.environments import VENV_ROOT
from assistant.settings import PROJECT_ROOT

ACTIONS_PYTHON = VENV_ROOT / "actions" / "bin" / "python"
READY_TIMEOUT_S = 360
ROOT_VARIABLE = "STACK_PROJECT_ROOT"


class StackError(RuntimeError):
    """The stack did not start or stop as expected; the message names the log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


@dataclass
class StackProcess:
    """One launcher process (action server + Rasa server) and a REST session to it."""

    env: dict[str, str]
    log_path: Path
    process: Optional[subprocess.Popen] = None
    ready_s: float = 0.0
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def rasa_port(self) -> int:
        return int(self.env["RASA_PORT"])

    @property
    def action_port(self) -> int:
        return int(self.env["ACTION_SERVER_PORT"])

    @property
    def root(self) -> Path:
        """The checkout whose launcher runs (``STACK_PROJECT_ROOT``, default this one)."""
        return Path(self.env.get(ROOT_VARIABLE) or PROJECT_ROOT).resolve()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> float:
        """Starts the launcher and returns the seconds until the Rasa server answered."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        root = self.root
        python, env = ACTIONS_PYTHON, self.env
        if root != PROJECT_ROOT.resolve():
            python = root / ".venv" / "actions" / "bin" / "python"
            env = {**self.env, "PYTHONPATH": str(root)}
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [str(python), "-m", "assistant.launcher", "run"],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        while time.monotonic() - started < READY_TIMEOUT_S:
            if self.process.poll() is not None:
                raise StackError(f"launcher exited with {self.process.returncode}; log: {self.log_path}")
            try:
                if self.session.get(f"{self.url}/", timeout=2).status_code == 200:
                    self.ready_s = time.monotonic() - started
                    return self.ready_s
            except requests.ConnectionError:
                pass
            time.sleep(0.25)
        self.stop()
        raise StackError(f"stack not ready after {READY_TIMEOUT_S} s; log: {self.log_path}")

    def stop(self) -> int:
        """Ctrl-C, as a user would; returns the launcher's exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise StackError(f"launcher ignored Ctrl-C for 60 s; log: {self.log_path}") from None
        finally:
            self.process = None
        return code

    def say(self, sender: str, text: str) -> list[dict]:
        response = self.session.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
        )
        if response.status_code != 200:
            raise StackError(f"REST answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def tracker(self, sender: str, include_events: str | None = None) -> dict:
        """The conversation's tracker; *include_events* is Rasa's verbosity (``ALL`` also gives the
        events before a restart; default: Rasa's, those after the last restart)."""
        params = {"token": self.env["RASA_API_TOKEN"]}
        if include_events is not None:
            params["include_events"] = include_events
        response = self.session.get(
            f"{self.url}/conversations/{sender}/tracker",
            params=params,
            timeout=30,
        )
        response.raise_for_status()
        return response.json()
