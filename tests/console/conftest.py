"""The console under test: a real Sanic server on a free port, a migrated database, a fake Rasa API."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
import requests
from sanic import Sanic
from sqlalchemy.orm import Session, sessionmaker

from assistant.kv import KeyValueStore, MemoryStore
from assistant.stack_process import free_port
from commerce.models import SupportTicket
from console.agents import AgentDirectory
from console.app import create_app
from console.rasa_api import RasaClient
from support.tickets import TicketService
from tests.console.fake_rasa import FakeRasa

PASSWORD = "correct horse battery"
SESSION_HOURS = 12.0
# Sanic 21.12 rewrites its own class methods for the first app it starts ("touchup"); test mode keeps the
# originals so that every test can start a fresh app in this one process.
Sanic.test_mode = True


@dataclass
class RunningConsole:
    """A console app served by Sanic in a thread with its own event loop."""

    url: str
    stop: Callable[[], None]
    sessions: list[requests.Session] = field(default_factory=list)

    def client(self) -> requests.Session:
        session = requests.Session()
        self.sessions.append(session)
        return session

    def login(self, username: str, password: str = PASSWORD) -> requests.Session:
        """A browser-like session logged in as *username*."""
        session = self.client()
        answer = session.post(f"{self.url}/api/login", json={"username": username, "password": password}, timeout=10)
        assert answer.status_code == 200, answer.text
        return session


def serve(app: Any) -> RunningConsole:
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                app.create_server("127.0.0.1", port, return_asyncio_server=True, access_log=False))
            loop.run_until_complete(server.startup())
            loop.run_until_complete(server.before_start())
            loop.run_until_complete(server.after_start())
        except BaseException as error:  # reported to the test below
            failure.append(error)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    thread = threading.Thread(target=run, name="console", daemon=True)
    thread.start()
    assert ready.wait(30) and not failure, f"the console did not start: {failure}"

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)

    return RunningConsole(f"http://127.0.0.1:{port}", stop)


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def directory(sessions: sessionmaker[Session]) -> AgentDirectory:
    directory = AgentDirectory(sessions, session_hours=SESSION_HOURS)
    directory.create("ann", "Ann Example", PASSWORD)
    directory.create("bob", "Bob Example", PASSWORD)
    return directory


@pytest.fixture
def tickets(sessions: sessionmaker[Session]) -> TicketService:
    return TicketService(sessions)


@pytest.fixture
def open_ticket(tickets: TicketService) -> Callable[..., SupportTicket]:
    def open_(conversation_id: str = "whatsapp:+14155550100", **overrides: Any) -> SupportTicket:
        fields = dict(conversation_id=conversation_id, channel="whatsapp", reason="requested", category="payments",
                      priority="high", queue="billing")
        ticket, created = tickets.open(**{**fields, **overrides})
        assert created
        return ticket

    return open_


@pytest.fixture
def start_console(sessions: sessionmaker[Session], fake_rasa: FakeRasa,
                  directory: AgentDirectory) -> Iterator[Callable[..., RunningConsole]]:
    """Starts consoles (stopped after the test); keyword arguments override create_app's."""
    running: list[RunningConsole] = []

    def start(store: Optional[KeyValueStore] = None, **overrides: Any) -> RunningConsole:
        options: dict[str, Any] = dict(secure_cookie=False, session_hours=SESSION_HOURS, store=store or MemoryStore(),
                                       tracker_url=None, name=f"console_test_{uuid.uuid4().hex[:12]}")
        app = create_app(sessions, RasaClient(fake_rasa.url, fake_rasa.token, timeout_s=5), **{**options, **overrides})
        console = serve(app)
        running.append(console)
        return console

    yield start
    for console in running:
        for session in console.sessions:
            session.close()
        console.stop()


@pytest.fixture
def console(start_console: Callable[..., RunningConsole]) -> RunningConsole:
    return start_console()
