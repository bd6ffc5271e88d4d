"""``python -m console [--port N] [--host H]``: serve the agents' console until SIGTERM or Ctrl-C.

Reads ``APP_DATABASE_URL`` (tickets, agents; migrated by ``python -m commerce
migrate``), ``RASA_SERVER_URL``/``RASA_API_TOKEN``, ``REDIS_URL`` (failed-login
counters), ``TRACKER_DATABASE_URL`` (metrics), ``CONSOLE_SESSION_HOURS`` and
``CONSOLE_SECURE_COOKIE``. Request logging is off: logs carry agent names and
ticket numbers only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Optional, Sequence

import sqlalchemy as sa

from assistant import settings
from assistant.kv import store_for
from commerce.db import make_session_factory, safe_url
from console.agents import AgentDirectory
from console.app import create_app
from console.rasa_api import RasaClient

logger = logging.getLogger("console")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description="The support agents' console.")
    parser.add_argument("--port", type=int, default=settings.get_int("CONSOLE_PORT"))
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=settings.get("LOG_LEVEL"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    sessions = make_session_factory()
    engine = sessions.kw["bind"]
    try:
        with engine.connect() as conn:
            migrated = sa.inspect(conn).has_table("support_agents")
    except sa.exc.DBAPIError as error:
        print(f"error: {safe_url()} is not reachable ({type(error.orig).__name__})", file=sys.stderr)
        return 1
    if not migrated:
        print(f"error: {safe_url()} has no support_agents table: run `python -m commerce migrate`", file=sys.stderr)
        return 1
    if AgentDirectory(sessions).count() == 0:
        logger.warning("no console agents yet: add one with `python -m support add-agent USERNAME --display-name NAME`")

    app = create_app(
        sessions, RasaClient.from_settings(),
        secure_cookie=settings.get("CONSOLE_SECURE_COOKIE").strip().lower() in ("1", "true", "yes"),
        session_hours=settings.get_float("CONSOLE_SESSION_HOURS"),
        store=store_for(settings.get("REDIS_URL")),
        tracker_url=settings.get("TRACKER_DATABASE_URL"),
    )
    try:
        app.run(args.host, args.port, workers=1, access_log=False)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
