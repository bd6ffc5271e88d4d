"""The console's doors: login, session cookies, rate limits, 401/415, headers, generic errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from assistant.kv import store_for
from commerce.models import AgentSession
from console.agents import AgentDirectory
from support.tickets import TicketService
from tests.console.conftest import PASSWORD, RunningConsole

API_ROUTES = [
    ("GET", "/api/me"), ("POST", "/api/logout"), ("GET", "/api/tickets"), ("GET", "/api/tickets/1"),
    ("POST", "/api/tickets/1/claim"), ("POST", "/api/tickets/1/reply"), ("POST", "/api/tickets/1/notes"),
    ("POST", "/api/tickets/1/resolve"), ("GET", "/api/metrics"),
]
UNAUTHORIZED = {"error": "unauthorized", "reason": "Log in as a support agent."}
STATIC_DIR = Path(__file__).resolve().parents[2] / "console" / "static"


def _call(session: requests.Session, console: RunningConsole, method: str, path: str) -> requests.Response:
    return session.request(method, console.url + path, json={} if method == "POST" else None, timeout=10,
                           allow_redirects=False)


def test_health_and_pages_without_a_session(console: RunningConsole) -> None:
    client = console.client()
    assert client.get(f"{console.url}/health", timeout=10).json() == {"status": "ok"}
    for page in ("/", "/tickets/1"):
        answer = client.get(console.url + page, timeout=10, allow_redirects=False)
        assert (answer.status_code, answer.headers["Location"]) == (302, "/login")
    login = client.get(f"{console.url}/login", timeout=10)
    assert login.status_code == 200 and 'id="login-button"' in login.text


def test_every_api_route_needs_a_session(console: RunningConsole) -> None:
    client = console.client()
    for method, path in API_ROUTES:
        answer = _call(client, console, method, path)
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED), (method, path)


def test_login_sets_a_strict_http_only_session_cookie(console: RunningConsole) -> None:
    client = console.client()
    answer = client.post(f"{console.url}/api/login", json={"username": " ANN ", "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"agent": {"username": "ann", "display_name": "Ann Example"}}
    cookie = answer.headers["Set-Cookie"]
    assert re.match(r"console_session=[A-Za-z0-9_-]{40,};", cookie)
    assert {"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"} <= set(cookie.split("; "))
    assert "Secure" not in cookie
    assert client.get(f"{console.url}/api/me", timeout=10).json()["agent"]["display_name"] == "Ann Example"
    assert client.get(f"{console.url}/", timeout=10).status_code == 200
    assert client.get(f"{console.url}/login", timeout=10, allow_redirects=False).headers["Location"] == "/"


def test_the_cookie_is_secure_when_configured(start_console: Callable[..., RunningConsole]) -> None:
    console = start_console(secure_cookie=True, session_hours=1.5)
    answer = console.client().post(f"{console.url}/api/login", json={"username": "ann", "password": PASSWORD},
                                   timeout=10)
    assert {"Secure", "Max-Age=5400"} <= set(answer.headers["Set-Cookie"].split("; "))


def test_wrong_credentials_get_one_generic_answer(console: RunningConsole, directory: AgentDirectory) -> None:
    client = console.client()
    wrong_password = client.post(f"{console.url}/api/login", json={"username": "ann", "password": "not the one!"},
                                 timeout=10)
    unknown_user = client.post(f"{console.url}/api/login", json={"username": "zed", "password": PASSWORD},
                               timeout=10)
    assert directory.disable("bob")
    disabled = client.post(f"{console.url}/api/login", json={"username": "bob", "password": PASSWORD}, timeout=10)
    for answer in (wrong_password, unknown_user, disabled):
        assert answer.status_code == 401 and "Set-Cookie" not in answer.headers
        assert answer.json() == wrong_password.json()
    assert wrong_password.json()["reason"] == "That username and password do not match an active agent."


def test_missing_fields_and_bad_json_are_bad_requests(console: RunningConsole) -> None:
    client = console.client()
    login = f"{console.url}/api/login"
    assert client.post(login, json={"username": "ann"}, timeout=10).status_code == 400
    assert client.post(login, json=["ann", PASSWORD], timeout=10).json()["reason"] == \
        "The request body must be a JSON object."
    malformed = client.post(login, data="{not json", headers={"Content-Type": "application/json"}, timeout=10)
    assert (malformed.status_code, malformed.json()["reason"]) == (400, "The request body is not valid JSON.")


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_five_failed_logins_per_name_and_address_are_the_limit(
        start_console: Callable[..., RunningConsole], store: str, request: pytest.FixtureRequest) -> None:
    console = start_console(store=store_for(request.getfixturevalue("redis_url") if store == "redis" else ""))
    client = console.client()
    login = f"{console.url}/api/login"
    statuses = [client.post(login, json={"username": "ann", "password": f"wrong-{i}-guess"}, timeout=10).status_code
                for i in range(5)]
    assert statuses == [401] * 5
    blocked = client.post(login, json={"username": "Ann", "password": PASSWORD}, timeout=10)
    assert blocked.status_code == 429 and "15 minutes" in blocked.json()["reason"]
    assert "Set-Cookie" not in blocked.headers
    assert client.post(login, json={"username": "bob", "password": PASSWORD}, timeout=10).status_code == 200


def test_forged_expired_logged_out_and_disabled_sessions_are_refused(
        console: RunningConsole, sessions: sessionmaker[Session], directory: AgentDirectory) -> None:
    me = f"{console.url}/api/me"
    forged = console.client()
    forged.cookies.set("console_session", "x" * 43)
    assert forged.get(me, timeout=10).status_code == 401

    expiring = console.login("ann")
    assert expiring.get(me, timeout=10).status_code == 200
    with sessions.begin() as session:
        session.execute(update(AgentSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert expiring.get(me, timeout=10).status_code == 401

    leaving = console.login("ann")
    token = leaving.cookies["console_session"]
    logout = leaving.post(f"{console.url}/api/logout", json={}, timeout=10)
    assert logout.status_code == 200 and "Max-Age=0" in logout.headers["Set-Cookie"]
    replay = console.client()
    replay.cookies.set("console_session", token)
    assert replay.get(me, timeout=10).status_code == 401

    bob = console.login("bob")
    assert directory.disable("bob")
    assert bob.get(me, timeout=10).status_code == 401


def test_posts_must_be_json(console: RunningConsole) -> None:
    client = console.client()
    form = client.post(f"{console.url}/api/login", data={"username": "ann", "password": PASSWORD}, timeout=10)
    assert form.status_code == 415 and "Set-Cookie" not in form.headers
    ann = console.login("ann")
    plain = ann.post(f"{console.url}/api/tickets/1/claim", data="{}", headers={"Content-Type": "text/plain"},
                     timeout=10)
    assert (plain.status_code, plain.json()["error"]) == (415, "unsupported_media_type")
    charset = ann.post(f"{console.url}/api/tickets/999/claim", data="{}",
                       headers={"Content-Type": "application/json; charset=utf-8"}, timeout=10)
    assert charset.status_code == 404  # accepted as JSON; there is no ticket 999


def test_security_headers(console: RunningConsole) -> None:
    client = console.client()
    for path in ("/login", "/api/me", "/static/console.js"):
        headers = client.get(console.url + path, timeout=10).headers
        assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'self': no inline scripts
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"]) == ("DENY", "nosniff")
    assert client.get(f"{console.url}/api/me", timeout=10).headers["Cache-Control"] == "no-store"


def test_unexpected_errors_answer_generically_and_log_no_data(
        console: RunningConsole, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(_self: TicketService, queue: object = None) -> list:
        raise RuntimeError("customer said: my card number is 4111")

    monkeypatch.setattr(TicketService, "waiting", broken)
    ann = console.login("ann")
    with caplog.at_level(logging.INFO, logger="console"):
        answer = ann.get(f"{console.url}/api/tickets", timeout=10)
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal_error", "reason": "Something went wrong in the console. Please try again."}
    assert "RuntimeError" in caplog.text and "4111" not in caplog.text


def test_unknown_addresses_get_a_json_404(console: RunningConsole) -> None:
    answer = console.login("ann").get(f"{console.url}/api/nothing-here", timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")


def test_pages_carry_every_documented_hook() -> None:
    """The ids console.js documents for browser tests exist in the pages (or are made by console.js)."""
    script = (STATIC_DIR / "console.js").read_text()
    header = script.split("*/", 1)[0]
    documented = set(re.findall(r"#([a-z-]+)", header))
    pages = (STATIC_DIR / "login.html").read_text() + (STATIC_DIR / "index.html").read_text()
    assert {"username", "password", "login-button", "claim-button", "transcript", "reply-text", "reply-button",
            "note-text", "note-button", "resolve-button", "status-message", "metrics"} <= documented
    assert [hook for hook in documented if f'id="{hook}"' not in pages] == []
    assert "innerHTML" not in script and "http://" not in pages + script and "https://" not in pages + script
