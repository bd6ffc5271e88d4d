"""Command line: ``python -m support {metrics,add-agent,list-agents,disable-agent,demo-agent}``.

``metrics`` prints handoff rate, self-service rate, time to first agent reply,
resolution time and CSAT; counts only, never conversation content. The agent
commands manage who may log in to the console (``python -m console``).
Expected failures end with exit status 1 and one line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Callable, Optional, Sequence

from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from assistant import settings
from commerce.db import make_session_factory
from console.agents import AgentDirectory
from support.metrics import SupportMetrics, support_metrics, tracker_conversations

DEMO_AGENT = ("demo", "Demo Agent")


def _duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "n/a"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _rate(value: Optional[float]) -> str:
    return "n/a (no tracker store)" if value is None else f"{value:.1%}"


def format_metrics(metrics: SupportMetrics) -> str:
    window = f"since {metrics.since:%Y-%m-%d %H:%M} UTC" if metrics.since else "all time"
    csat = f"{metrics.csat_mean:.2f} / 5 ({metrics.csat_responses} ratings)" if metrics.csat_mean is not None \
        else "n/a (no ratings)"
    rows = [
        ("conversations", "n/a" if metrics.conversations is None else str(metrics.conversations)),
        ("tickets (open / claimed / resolved)",
         f"{metrics.tickets} ({metrics.open} / {metrics.claimed} / {metrics.resolved})"),
        ("handoff rate", _rate(metrics.handoff_rate)),
        ("self-service resolution rate", _rate(metrics.self_service_rate)),
        ("time to first agent reply (median / mean)",
         f"{_duration(metrics.first_reply_median_s)} / {_duration(metrics.first_reply_mean_s)}"),
        ("resolution time (median)", _duration(metrics.resolution_median_s)),
        ("CSAT", csat),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join([f"Human handoff, {window}:"] + [f"  {name:<{width}}  {value}" for name, value in rows])


def _metrics(args: argparse.Namespace, sessions: sessionmaker[Session]) -> None:
    if args.days < 0:
        raise ValueError("--days must be 0 or more")
    since = datetime.now(UTC) - timedelta(days=args.days) if args.days else None
    conversations = tracker_conversations(args.tracker_url or settings.get("TRACKER_DATABASE_URL"), since)
    print(format_metrics(support_metrics(sessions, since, conversations)))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def _add_agent(args: argparse.Namespace, sessions: sessionmaker[Session]) -> None:
    agent = AgentDirectory(sessions).create(args.username, args.display_name, _read_password(args.password_stdin))
    print(f"added agent {agent.username} ({agent.display_name})")


def _list_agents(_args: argparse.Namespace, sessions: sessionmaker[Session]) -> None:
    agents = AgentDirectory(sessions).all()
    if not agents:
        print("No agents yet: add one with `python -m support add-agent USERNAME --display-name NAME`.")
    for agent in agents:
        state = f"disabled {agent.disabled_at:%Y-%m-%d}" if agent.disabled_at else "active"
        print(f"{agent.username:<20} {agent.display_name:<30} added {agent.created_at:%Y-%m-%d}  {state}")


def _disable_agent(args: argparse.Namespace, sessions: sessionmaker[Session]) -> None:
    if not AgentDirectory(sessions).disable(args.username):
        raise ValueError(f"no active agent {args.username!r}")
    print(f"disabled agent {args.username.strip().lower()}; their console sessions have ended")


def _write_secret(path: Path, text: str) -> None:
    """Write *text* to *path* readable by its owner only, even if the file existed with wider rights."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")


def _demo_agent(args: argparse.Namespace, sessions: sessionmaker[Session]) -> None:
    """The first agent of a fresh (embedded) database, so the console can be tried at once."""
    directory = AgentDirectory(sessions)
    if directory.count():
        return
    username, display_name = DEMO_AGENT
    password = secrets.token_urlsafe(12)
    directory.create(username, display_name, password)
    _write_secret(Path(args.password_file), password)
    print(f"console login: {username} / {password}")


COMMANDS: dict[str, Callable[[argparse.Namespace, sessionmaker[Session]], None]] = {
    "metrics": _metrics, "add-agent": _add_agent, "list-agents": _list_agents, "disable-agent": _disable_agent,
    "demo-agent": _demo_agent,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m support", description="Human handoff tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    metrics = commands.add_parser("metrics", help="handoff rate, time to first reply, resolution time, CSAT")
    metrics.add_argument("--days", type=int, default=30, help="look back this many days, 0: all (default: 30)")
    metrics.add_argument("--tracker-url", default=None, help="Rasa tracker store (default: TRACKER_DATABASE_URL)")
    add = commands.add_parser("add-agent", help="let a person log in to the agents' console")
    add.add_argument("username", help="3-40 of a-z 0-9 . _ - (stored lower-case)")
    add.add_argument("--display-name", required=True, help="the name customers see, e.g. 'Ann from Support'")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    commands.add_parser("list-agents", help="every console agent, active or disabled")
    disable = commands.add_parser("disable-agent", help="stop an agent logging in and end their sessions")
    disable.add_argument("username")
    demo = commands.add_parser("demo-agent", help="create agent 'demo' with a random password if there are none")
    demo.add_argument("--password-file", required=True, help="where to write the password (mode 0600)")
    for command in commands.choices.values():
        command.add_argument("--url", default=None, help="application database (default: APP_DATABASE_URL)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        sessions = make_session_factory(args.url)
        try:
            COMMANDS[args.command](args, sessions)
        finally:
            sessions.kw["bind"].dispose()
    except (DBAPIError, ArgumentError, NoSuchModuleError) as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"error: database: {first[0] if first else type(error).__name__}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as error:  # AgentError and PasswordError are ValueErrors
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
