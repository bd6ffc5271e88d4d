"""Command line: ``python -m commerce {migrate,downgrade,seed,revision,demo-orders}``.

Expected failures (database unreachable, bad URL or setting) end with exit
status 1 and one line on stderr, without a traceback. Output never contains
customer data, only counts and the URL with its password masked — except
``demo-orders``, which shows the fictional demo logins and refuses to run on
anything but the embedded SQLite database.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
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
