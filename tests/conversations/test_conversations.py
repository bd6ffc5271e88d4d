"""The multi-turn conversations (dev/ and heldout/) against the real stack, over REST.

One stack for the module (launcher, PostgreSQL app DB seeded with a customer per conversation,
PostgreSQL tracker store, Redis); every conversation is played and checked by ``runner.py``. Each
half fails below its floors in ``floors.json``, with the failed turns in the message; the full
report is written to ``var/test-results/conversations/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from tests.conversations.runner import (
    HALVES,
    HERE,
    ConversationResult,
    failure_report,
    load_conversations,
    summarise,
    summary_table,
    write_report,
)
from tests.conversations.stack import run_conversations

pytestmark = pytest.mark.e2e

FLOORS = HERE / "floors.json"
REPORT_DIR = PROJECT_ROOT / "var" / "test-results" / "conversations"
FAILURES_SHOWN = 30


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> list[ConversationResult]:
    results, _ = run_conversations(load_conversations(), Path(tmp_path_factory.mktemp("conversations")))
    write_report(results, REPORT_DIR)
    return results


@pytest.mark.parametrize("half", HALVES)
def test_each_half_meets_its_floors(played: list[ConversationResult], half: str) -> None:
    floors = json.loads(FLOORS.read_text())[half]
    figures = summarise(played)[half]
    assert figures["conversations"] > 0
    below = {name: (figures[name], floor) for name, floor in floors.items() if figures[name] < floor}
    if below:
        failed = [r for r in played if r.conversation.half == half and not r.ok]
        report = failure_report(failed).split("\n\n")
        pytest.fail(
            f"{half}: below the floors {below} (figure, floor)\n{summary_table(summarise(played))}\n\n"
            + "\n\n".join(report[:FAILURES_SHOWN])
            + f"\n\n({len(report)} failed turns; all in {REPORT_DIR / 'failures.txt'})",
            pytrace=False,
        )
