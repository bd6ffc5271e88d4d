"""The stack the conversations run against: the real launcher (tests/e2e/conftest.py's
``running_stack``) on a PostgreSQL application database seeded with enough customers for every
conversation to have its own, a PostgreSQL tracker store and a Redis database of their own.

Shared by ``test_conversations.py`` and ``bench/conversations.py``. ``project_root`` runs another
checkout's launcher and seed (``STACK_PROJECT_ROOT``, see ``assistant.stack_process``), so the
same conversations and checks can measure an older commit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa

from assistant.settings import PROJECT_ROOT
from assistant.stack_process import ROOT_VARIABLE, StackProcess
from tests.conftest import (
    REDIS_TEST_URL,
    create_postgres_database,
    drop_postgres_database,
    empty_redis_database,
)
from tests.conversations.runner import (
    Conversation,
    ConversationResult,
    prepare_world,
    run_all,
)
from tests.e2e.conftest import running_stack

SEED_CUSTOMERS = 400
SEED_ORDERS = 3000
# Redis database of these runs: not the unit tests' (15) nor the end-to-end tests' (14).
REDIS_DATABASE = 13
WORKERS = 3  # conversations in flight at once: keeps both servers busy on 2 cores


@contextlib.contextmanager
def conversation_databases(project_root: Path = PROJECT_ROOT) -> Iterator[dict[str, str]]:
    """Seeded application DB, empty tracker DB, empty Redis database; all removed afterwards.

    The seed runs with *project_root*'s code, so the data matches the schema of the code under test.
    """
    app_url = create_postgres_database("conversations_app")
    tracker_url = create_postgres_database("conversations_tracker")
    try:
        python = project_root / ".venv" / "actions" / "bin" / "python"
        seeded = subprocess.run(
            [str(python), "-m", "commerce", "seed"], check=False, cwd=project_root, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(project_root), "APP_DATABASE_URL": app_url,
                 "SEED_CUSTOMERS": str(SEED_CUSTOMERS), "SEED_ORDERS": str(SEED_ORDERS)},
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding failed: {seeded.stdout[-2000:]}{seeded.stderr[-2000:]}")
        with empty_redis_database(REDIS_TEST_URL.rsplit("/", 1)[0] + f"/{REDIS_DATABASE}") as redis_url:
            yield {
                "APP_DATABASE_URL": app_url,
                "TRACKER_DATABASE_URL": sa.engine.make_url(tracker_url).set(drivername="postgresql")
                .render_as_string(hide_password=False),
                "REDIS_URL": redis_url,
            }
    finally:
        drop_postgres_database(app_url)
        drop_postgres_database(tracker_url)


def run_conversations(conversations: Sequence[Conversation], log_dir: Path, project_root: Path = PROJECT_ROOT,
                      workers: int = WORKERS, progress: Callable[[str], None] | None = None
                      ) -> tuple[list[ConversationResult], float]:
    """Start the stack, play every conversation, stop it; the results and the stack's start-up seconds."""
    with conversation_databases(project_root) as databases:
        world = prepare_world(databases["APP_DATABASE_URL"], conversations)
        settings = {} if project_root.resolve() == PROJECT_ROOT.resolve() else {ROOT_VARIABLE: str(project_root)}
        if progress:
            progress(f"starting the stack ({project_root})")
        stack_run = running_stack(databases, log_dir, **settings)
        stack = next(stack_run)
        try:
            if progress:
                progress(f"stack ready in {stack.ready_s:.0f} s; {len(conversations)} conversations")
            results = run_all(lambda: StackProcess(env=stack.env, log_path=stack.log_path), conversations, world,
                              workers=workers, progress=progress)
        finally:
            next(stack_run, None)  # runs the generator's stop(), also after an error
        return results, stack.ready_s
