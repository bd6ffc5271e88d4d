"""Command line: ``python -m commerce {migrate,downgrade,seed,revision,demo-orders,unanswered}``.

Expected failures (database unreachable, bad URL or setting) end with exit
status 1 and one line on stderr, without a traceback. Output never contains
customer data, only counts, masked FAQ questions and the URL with its password masked — except
``demo-orders``, which shows the fictional demo logins and refuses to run on
anything but the embedded SQLite database.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Optional

from alembic.util.exc import CommandError
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from assistant import settings
from commerce import migrate
from commerce.db import database_url, safe_url
from commerce.demo import demo_logins
from commerce.models import OrderStatus
from commerce.seed import parse_anchor, seed


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _migrate(args: argparse.Namespace) -> None:
    migrate.upgrade(args.url, args.revision)
    print(f"{safe_url(args.url)}: at revision {migrate.current_revision(args.url)}")


def _downgrade(args: argparse.Namespace) -> None:
    migrate.downgrade(args.url, args.revision)
    print(f"{safe_url(args.url)}: at revision {migrate.current_revision(args.url) or 'base (empty)'}")


def _seed(args: argparse.Namespace) -> None:
    customers = settings.get_int("SEED_CUSTOMERS")
    orders = settings.get_int("SEED_ORDERS")
    anchor = parse_anchor(settings.get("SEED_ANCHOR_DATE"))
    migrate.upgrade(args.url)
    print(f"{safe_url(args.url)}: migrated to {migrate.current_revision(args.url)}")
    seed(args.url, customers=customers, orders=orders, anchor=anchor, progress=print)


def _demo_orders(args: argparse.Namespace) -> None:
    if database_url(args.url).get_backend_name() != "sqlite":
        raise ValueError("demo-orders only reads the embedded SQLite demo database, never a real one")
    print("Demo orders to ask about (order number + email):")
    for status in OrderStatus:
        for login in demo_logins(args.url, status=status, limit=1):
            print(f"  {login.number}  {login.email:<40} {login.status}")


def _unanswered(args: argparse.Namespace) -> None:
    from commerce.db import make_session_factory
    from commerce.unanswered import frequent_questions  # loads the retrieval engine: only here
    from retrieval.encoder import load_encoder

    if args.limit < 1 or args.days < 0 or not 0 < args.similarity <= 1:
        raise ValueError("--limit must be at least 1, --days at least 0 and --similarity in (0, 1]")
    since = datetime.now(UTC) - timedelta(days=args.days) if args.days else None
    encoder = load_encoder(settings.get("FAQ_MODEL_DIR"))
    groups = frequent_questions(make_session_factory(args.url), encoder.encode, args.limit, since, args.similarity)
    window = f"the last {args.days} days" if args.days else "all time"
    if not groups:
        print(f"No unanswered or low-confidence FAQ questions ({window}).")
        return
    print(f"Most frequent unanswered or low-confidence FAQ questions ({window}), similar wordings grouped:")
    for rank, group in enumerate(groups, 1):
        closest = f", closest article: {group.top_article_id}" if group.top_article_id else ""
        print(f"{rank:3}. {group.question!r} (asked {group.asked}x in {group.conversations} conversations{closest})")
        for wording in group.wordings[:5]:
            print(f"       also: {wording!r}")
        if len(group.wordings) > 5:
            print(f"       ... and {len(group.wordings) - 5} more wordings")


def _train_recommender(args: argparse.Namespace) -> None:
    from commerce.recommendations import train_recommender

    recsys_log = logging.getLogger("recsys")  # the hybrid reports its fitting steps there
    recsys_log.setLevel(logging.INFO)
    recsys_log.addHandler(logging.StreamHandler(sys.stdout))
    train_recommender(args.url, Path(settings.get("RECSYS_ARTIFACT_DIR")), only_if_stale=args.if_stale)


def _recommendation_report(args: argparse.Namespace) -> None:
    from commerce.db import make_session_factory
    from commerce.recommendations import experiment_report

    experiment = args.experiment or settings.get("RECSYS_EXPERIMENT")
    report = experiment_report(make_session_factory(args.url), experiment)
    print(f"experiment {experiment}: products shown (distinct customer x product) and feedback on them")
    print(f"{'variant':<12} {'units':>6} {'shown':>7} {'feedback':>9} {'rate':>7}  95% CI (Wilson)")
    for kind, label in (("up", "👍"), ("down", "👎")):
        for row in report[kind]:
            low, high = row.interval
            print(f"{row.variant:<12} {row.units:>6} {row.exposures:>7} {label + ' ' + str(row.events):>9} "
                  f"{row.rate:>7.1%}  [{low:.1%}, {high:.1%}]")
    if not report["up"]:
        print("no exposures logged yet")


def _revision(args: argparse.Namespace) -> None:
    path = migrate.new_revision(args.message, args.url)
    print(f"wrote {path}; review it before committing")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m commerce", description="Application database tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str, run) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help)
        sub.add_argument("--url", default=None, help="database URL (default: APP_DATABASE_URL)")
        sub.set_defaults(run=run)
        return sub

    command("migrate", "upgrade the schema", _migrate).add_argument(
        "--revision", default="head", help="target revision (default: head)")
    command("downgrade", "downgrade the schema (base drops every table)", _downgrade).add_argument(
        "--revision", default="base", help="target revision (default: base)")
    command("seed", "migrate, then fill an empty database with the demo data (SEED_* settings)", _seed)
    command("demo-orders", "print one demo order per status with its email (embedded SQLite only)", _demo_orders)
    unanswered = command(
        "unanswered", "list the most frequent unanswered FAQ questions, similar ones grouped", _unanswered)
    unanswered.add_argument("--limit", type=int, default=20, help="groups to show (default: 20)")
    unanswered.add_argument("--days", type=int, default=30, help="look back this many days, 0: all (default: 30)")
    unanswered.add_argument("--similarity", type=float, default=0.75,
                            help="cosine similarity at which two questions are grouped (default: 0.75)")
    command("train-recommender", "train the product recommender on purchases and views (RECSYS_ARTIFACT_DIR)",
            _train_recommender).add_argument(
        "--if-stale", action="store_true", help="only when the saved model does not match the data")
    command("recommendation-report", "per-variant feedback rates of the recommendation A/B test",
            _recommendation_report).add_argument(
        "--experiment", default=None, help="experiment name (default: RECSYS_EXPERIMENT)")
    command("revision", "autogenerate the next migration from model changes", _revision).add_argument(
        "-m", "--message", required=True, help="what the revision changes")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except (DBAPIError, ArgumentError, NoSuchModuleError) as error:
        print(f"error: database {safe_url(args.url)!s}: {_first_line(error)}", file=sys.stderr)
        return 1
    except (CommandError, migrate.MigrationError, ValueError, OSError) as error:
        print(f"error: {_first_line(error)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
