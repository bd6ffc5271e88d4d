"""Command line: ``python -m support metrics [--days N]``.

Prints handoff rate, self-service rate, time to first agent reply, resolution
time and CSAT; counts only, never conversation content. Expected failures end
with exit status 1 and one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Optional, Sequence

from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from assistant import settings
from commerce.db import make_session_factory
from support.metrics import SupportMetrics, support_metrics, tracker_conversations


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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m support", description="Human handoff tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    metrics = commands.add_parser("metrics", help="handoff rate, time to first reply, resolution time, CSAT")
    metrics.add_argument("--days", type=int, default=30, help="look back this many days, 0: all (default: 30)")
    metrics.add_argument("--url", default=None, help="application database (default: APP_DATABASE_URL)")
    metrics.add_argument("--tracker-url", default=None, help="Rasa tracker store (default: TRACKER_DATABASE_URL)")
    args = parser.parse_args(argv)
    if args.days < 0:
        print("error: --days must be 0 or more", file=sys.stderr)
        return 1
    since = datetime.now(UTC) - timedelta(days=args.days) if args.days else None
    try:
        conversations = tracker_conversations(args.tracker_url or settings.get("TRACKER_DATABASE_URL"), since)
        sessions = make_session_factory(args.url)
        try:
            print(format_metrics(support_metrics(sessions, since, conversations)))
        finally:
            sessions.kw["bind"].dispose()
    except (DBAPIError, ArgumentError, NoSuchModuleError) as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        print(f"error: database: {first[0] if first else type(error).__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
