"""The agents' console as a Sanic app: login, the queue, a ticket with its conversation, metrics.

Authentication is a random session token in the ``console_session`` cookie
(HttpOnly, SameSite=Strict); every ``/api/*`` route but login needs it. Every
POST must be ``Content-Type: application/json``: a cross-site form cannot send
that without a CORS preflight, which this app never grants, so together with
SameSite=Strict it is the CSRF guard.

Database and Rasa calls block, so handlers run them in worker threads. Logs
name agents and ticket numbers, never message text or customer data, and the
500 handler answers without echoing the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assistant.kv import KeyValueStore, RateLimiter
from commerce.models import SupportTicket
from console.agents import Agent, AgentDirectory
from console.rasa_api import RasaClient, RasaUnavailable
from support.metrics import support_metrics, tracker_conversations
from support.tickets import MAX_NOTE_CHARS, TicketError, TicketService

logger = logging.getLogger(__name__)

SESSION_COOKIE = "console_session"
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_S = 15 * 60
MAX_REPLY_CHARS = 2000
MAX_METRICS_DAYS = 3650
MAX_BODY_BYTES = 64 * 1024
STATIC_DIR = Path(__file__).resolve().parent / "static"
JOIN_MESSAGE = "{name} from our support team has joined the conversation."
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Reasons for Sanic's own refusals, so none of them repeats what the client sent.
GENERIC_REFUSALS = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("too_large", "The request is too large."),
}

T = TypeVar("T")


class Refusal(Exception):
    """An answer other than success: HTTP status, a stable error code, and a reason for the agent."""

    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


def _error(status: int, error: str, reason: str) -> HTTPResponse:
    return response.json({"error": error, "reason": reason}, status=status)


async def _blocking(function: Callable[..., T], *args: Any) -> T:
    """Run a database or Rasa call off the event loop."""
    return await asyncio.to_thread(function, *args)


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment else None


def _agent_json(agent: Agent) -> dict[str, Any]:
    return {"username": agent.username, "display_name": agent.display_name}


def _ticket_json(ticket: SupportTicket, me: Agent) -> dict[str, Any]:
    return {
        "id": ticket.id, "status": ticket.status, "category": ticket.category, "priority": ticket.priority,
        "queue": ticket.queue, "reason": ticket.reason, "channel": ticket.channel, "agent": ticket.agent,
        "mine": ticket.status == "claimed" and ticket.agent == me.username,
        "created_at": _iso(ticket.created_at), "claimed_at": _iso(ticket.claimed_at),
        "first_agent_reply_at": _iso(ticket.first_agent_reply_at), "resolved_at": _iso(ticket.resolved_at),
    }


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        raise Refusal(400, "bad_request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Refusal(400, "bad_request", "The request body must be a JSON object.")
    return body


def _text_field(body: dict[str, Any], name: str, max_chars: int) -> str:
    value = body.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= max_chars:
        raise Refusal(400, "bad_request", f'"{name}" must be text of 1 to {max_chars} characters.')
    return text


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _client_ip(request: Request) -> str:
    """The proxy-reported address when Sanic is told to trust one (``SANIC_PROXIES_COUNT``), else the peer."""
    return request.remote_addr or request.ip


def _not_yours(ticket: SupportTicket) -> Refusal:
    if ticket.status == "resolved":
        return Refusal(409, "conflict", "This ticket is already resolved.")
    return Refusal(403, "forbidden", "This ticket is not claimed by you. Claim it first.")


def create_app(sessions: sessionmaker[Session], rasa: RasaClient, *, secure_cookie: bool, session_hours: float,
               store: KeyValueStore, tracker_url: Optional[str] = None, name: str = "kestrel_console") -> Sanic:
    """The console over the application database *sessions*, speaking to customers through *rasa*.

    *store* keeps the failed-login counters (Redis shared by every console
    process, or memory); *tracker_url* is Rasa's SQL tracker store, which the
    metrics count conversations in (None: rates that need it are null).
    """
    agents = AgentDirectory(sessions, session_hours)
    tickets = TicketService(sessions)
    login_failures = RateLimiter(store, LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW_S, "console-login")
    pages = {page: (STATIC_DIR / f"{page}.html").read_text() for page in ("login", "index")}

    app = Sanic(name, configure_logging=False)  # the process (python -m console) configures logging
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.MOTD = False
    app.static("/static", str(STATIC_DIR), name="static")

    async def session_agent(request: Request) -> Optional[Agent]:
        return await _blocking(agents.agent_for_token, request.cookies.get(SESSION_COOKIE))

    async def ticket_or_404(ticket_id: int) -> SupportTicket:
        ticket = await _blocking(tickets.get, ticket_id)
        if ticket is None:
            raise Refusal(404, "not_found", f"There is no ticket number {ticket_id}.")
        return ticket

    def set_session_cookie(answer: HTTPResponse, token: str, max_age_s: int) -> None:
        answer.cookies[SESSION_COOKIE] = token
        cookie = answer.cookies[SESSION_COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["secure"] = secure_cookie
        cookie["max-age"] = max_age_s

    @app.on_request
    async def guard(request: Request) -> Optional[HTTPResponse]:
        if request.path.startswith("/api/") and request.path != "/api/login":
            request.ctx.agent = await session_agent(request)
            if request.ctx.agent is None:
                return _error(401, "unauthorized", "Log in as a support agent.")
        if request.method == "POST" and _media_type(request) != "application/json":
            return _error(415, "unsupported_media_type", "Send JSON with Content-Type: application/json.")
        return None

    @app.on_response
    async def security_headers(request: Request, answer: HTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            answer.headers[header] = value
        if request.path.startswith("/api/"):
            answer.headers["Cache-Control"] = "no-store"

    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, Refusal):
            return _error(exception.status, exception.error, exception.reason)
        if isinstance(exception, SanicException) and exception.status_code < 500:
            error, reason = GENERIC_REFUSALS.get(exception.status_code, ("bad_request", "The request is malformed."))
            return _error(exception.status_code, error, reason)
        where = traceback.extract_tb(exception.__traceback__)[-1] if exception.__traceback__ else None
        logger.error("console error on %s: %s at %s:%s", request.path, type(exception).__name__,
                     where.filename if where else "?", where.lineno if where else "?")
        return _error(500, "internal_error", "Something went wrong in the console. Please try again.")

    app.error_handler.add(Exception, on_error)

    @app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/login")
    async def login_page(request: Request) -> HTTPResponse:
        if await session_agent(request):
            return response.redirect("/")
        return response.html(pages["login"])

    @app.get("/")
    async def queue_page(request: Request) -> HTTPResponse:
        return response.html(pages["index"]) if await session_agent(request) else response.redirect("/login")

    @app.get("/tickets/<ticket_id:int>")
    async def ticket_page(request: Request, ticket_id: int) -> HTTPResponse:
        return await queue_page(request)

    @app.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        body = _json_object(request)
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise Refusal(400, "bad_request", "Send a username and a password.")
        subject = f"{username.strip().lower()[:64]}|{_client_ip(request)}"
        if await _blocking(login_failures.exhausted, subject):
            raise Refusal(429, "rate_limited", "Too many failed logins. Please wait 15 minutes and try again.")
        agent = await _blocking(agents.authenticate, username, password)
        if agent is None:
            await _blocking(login_failures.record, subject)
            logger.info("console login refused")
            raise Refusal(401, "unauthorized", "That username and password do not match an active agent.")
        token = await _blocking(agents.start_session, agent)
        answer = response.json({"agent": _agent_json(agent)})
        set_session_cookie(answer, token, int(agents.session_lifetime.total_seconds()))
        logger.info("agent %s logged in", agent.username)
        return answer

    @app.post("/api/logout")
    async def logout(request: Request) -> HTTPResponse:
        await _blocking(agents.end_session, request.cookies.get(SESSION_COOKIE))
        answer = response.json({"status": "logged_out"})
        set_session_cookie(answer, "", 0)
        return answer

    @app.get("/api/me")
    async def me(request: Request) -> HTTPResponse:
        return response.json({"agent": _agent_json(request.ctx.agent)})

    @app.get("/api/tickets")
    async def ticket_list(request: Request) -> HTTPResponse:
        waiting = await _blocking(tickets.waiting)
        return response.json({"tickets": [_ticket_json(t, request.ctx.agent) for t in waiting]})

    @app.get("/api/tickets/<ticket_id:int>")
    async def ticket_detail(request: Request, ticket_id: int) -> HTTPResponse:
        ticket = await ticket_or_404(ticket_id)
        transcript, transcript_error = [], None
        try:
            transcript = await _blocking(rasa.transcript, ticket.conversation_id)
        except RasaUnavailable as error:
            transcript_error = f"The conversation cannot be shown right now: {error}"
        return response.json({
            "ticket": {**_ticket_json(ticket, request.ctx.agent), "notes": ticket.notes or ""},
            "transcript": [{**asdict(entry), "at": _iso(entry.at)} for entry in transcript],
            "transcript_error": transcript_error,
        })

    @app.post("/api/tickets/<ticket_id:int>/claim")
    async def claim(request: Request, ticket_id: int) -> HTTPResponse:
        agent: Agent = request.ctx.agent
        ticket = await ticket_or_404(ticket_id)
        if not await _blocking(tickets.claim, ticket_id, agent.username):
            current = await ticket_or_404(ticket_id)
            if current.status == "claimed" and current.agent == agent.username:
                return response.json({"ticket": _ticket_json(current, agent)})
            if current.status == "resolved":
                raise Refusal(409, "conflict", "This ticket is already resolved.")
            raise Refusal(409, "conflict", f"This ticket has already been claimed by {current.agent}.")
        logger.info("agent %s claimed ticket %s", agent.username, ticket_id)
        try:
            await _blocking(rasa.send_agent_message, ticket.conversation_id,
                            JOIN_MESSAGE.format(name=agent.display_name), agent.display_name, ticket_id)
        except RasaUnavailable as error:
            logger.warning("ticket %s: joining message not delivered: %s", ticket_id, error)
            raise Refusal(502, "rasa_unavailable",
                          f"The ticket is yours, but the customer could not be told you joined: {error}") from None
        return response.json({"ticket": _ticket_json(await ticket_or_404(ticket_id), agent)})

    @app.post("/api/tickets/<ticket_id:int>/reply")
    async def reply(request: Request, ticket_id: int) -> HTTPResponse:
        agent: Agent = request.ctx.agent
        text = _text_field(_json_object(request), "text", MAX_REPLY_CHARS)
        ticket = await ticket_or_404(ticket_id)
        if not (ticket.status == "claimed" and ticket.agent == agent.username):
            raise _not_yours(ticket)
        try:
            await _blocking(rasa.send_agent_message, ticket.conversation_id, text, agent.display_name, ticket_id)
        except RasaUnavailable as error:
            logger.warning("ticket %s: reply by %s not delivered: %s", ticket_id, agent.username, error)
            raise Refusal(502, "rasa_unavailable", f"Your reply was not sent: {error}") from None
        try:
            await _blocking(tickets.record_agent_reply, ticket_id, agent.username)
        except TicketError as error:  # resolved or taken over while the message was on its way
            raise Refusal(409, "conflict", f"Your reply was sent, but {error}") from None
        logger.info("agent %s replied on ticket %s", agent.username, ticket_id)
        return response.json({"status": "sent"})

    @app.post("/api/tickets/<ticket_id:int>/notes")
    async def add_note(request: Request, ticket_id: int) -> HTTPResponse:
        agent: Agent = request.ctx.agent
        note = _text_field(_json_object(request), "note", MAX_NOTE_CHARS)
        await ticket_or_404(ticket_id)
        try:
            await _blocking(tickets.add_note, ticket_id, agent.username, note)
        except TicketError as error:  # the ticket is resolved
            raise Refusal(409, "conflict", str(error)) from None
        logger.info("agent %s added a note to ticket %s", agent.username, ticket_id)
        ticket = await ticket_or_404(ticket_id)
        return response.json({"ticket": {**_ticket_json(ticket, agent), "notes": ticket.notes or ""}})

    @app.post("/api/tickets/<ticket_id:int>/resolve")
    async def resolve(request: Request, ticket_id: int) -> HTTPResponse:
        """Resolve, then give the conversation back to the assistant; repeating it retries the hand-back."""
        agent: Agent = request.ctx.agent
        ticket = await ticket_or_404(ticket_id)
        if ticket.agent != agent.username or ticket.status == "open":
            raise _not_yours(ticket)
        if ticket.status == "resolved":
            newer = await _blocking(tickets.unresolved_for, ticket.conversation_id)
            if newer is not None:
                raise Refusal(409, "conflict", f"The customer has a newer ticket (number {newer.id}); "
                                               "this one stays closed.")
        elif await _blocking(tickets.resolve, ticket_id, agent.username):
            logger.info("agent %s resolved ticket %s", agent.username, ticket_id)
        try:
            await _blocking(rasa.resume_and_ask_rating, ticket.conversation_id)
        except RasaUnavailable as error:
            logger.warning("ticket %s: conversation not handed back: %s", ticket_id, error)
            raise Refusal(502, "rasa_unavailable", "The ticket is resolved, but the customer was not reached "
                                                   f"({error}). Press Resolve again to retry.") from None
        return response.json({"ticket": _ticket_json(await ticket_or_404(ticket_id), agent)})

    @app.get("/api/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        try:
            days = int(request.args.get("days", "30"))
        except ValueError:
            days = -1
        if not 0 <= days <= MAX_METRICS_DAYS:
            raise Refusal(400, "bad_request", f"days must be a whole number from 0 (all time) to {MAX_METRICS_DAYS}.")
        since = datetime.now(UTC) - timedelta(days=days) if days else None
        conversations = None
        if tracker_url:
            try:
                conversations = await _blocking(tracker_conversations, tracker_url, since)
            except SQLAlchemyError as error:
                logger.warning("metrics: tracker store not readable: %s", type(error).__name__)
        figures = await _blocking(support_metrics, sessions, since, conversations)
        return response.json({**asdict(figures), "since": _iso(figures.since), "days": days})

    return app
