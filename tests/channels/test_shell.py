"""`make shell` (the launcher's shell mode: `rasa shell` in the terminal) driven through a
pseudo-terminal as a person would type, on a short order-status conversation."""

from __future__ import annotations

import os
import uuid

import pexpect
import pytest

from assistant.stack_process import ACTIONS_PYTHON, free_port
from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import seeded_orders

pytestmark = pytest.mark.e2e

PROMPT = "Your input ->"
START_TIMEOUT_S = 300
TURN_TIMEOUT_S = 60


def test_rasa_shell_answers_an_order_question(stack_databases: dict, tmp_path) -> None:
    order = seeded_orders(stack_databases["APP_DATABASE_URL"], "shipped", limit=1)[0]
    env = {
        **os.environ,
        **stack_databases,
        "RASA_PORT": str(free_port()),
        "ACTION_SERVER_PORT": str(free_port()),
        "RASA_API_TOKEN": uuid.uuid4().hex,
        "ACTION_ENDPOINT_URL": "",
        "TERM": "dumb",
    }
    log = (tmp_path / "shell.log").open("w")
    shell = pexpect.spawn(
        str(ACTIONS_PYTHON), ["-m", "assistant.launcher", "shell"], cwd=str(PROJECT_ROOT), env=env,
        encoding="utf-8", codec_errors="replace", timeout=TURN_TIMEOUT_S, dimensions=(40, 200),
    )
    shell.logfile_read = log
    try:
        shell.expect_exact(PROMPT, timeout=START_TIMEOUT_S)
        shell.sendline("where is my order?")
        shell.expect("order number")
        shell.expect_exact(PROMPT)
        shell.sendline(order.number)
        shell.expect("email address")
        shell.expect_exact(PROMPT)
        shell.sendline(order.email)
        shell.expect(f"Order {order.number} is shipped")
        shell.expect_exact(PROMPT)
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        shell.close(force=True)
        log.close()
    assert shell.exitstatus == 0, (tmp_path / "shell.log").read_text()[-2000:]
