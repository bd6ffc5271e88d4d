"""The unanswered-question store and the improvement-loop listing, on real SQLite and PostgreSQL,
grouped with the real encoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from commerce.__main__ import main as commerce_main
from commerce.db import make_engine, make_session_factory
from commerce.migrate import upgrade
from commerce.models import FaqOutcome
from commerce.unanswered import conversation_hash, frequent_questions, record_unanswered

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(database_url: str):
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unanswered_questions"))
    engine.dispose()
    factory = make_session_factory(database_url)
    yield factory
    factory.kw["bind"].dispose()


def ask(sessions, question: str, sender: str, days_ago: float = 0, article: str | None = "gift-cards") -> None:
    record_unanswered(
        sessions, question, FaqOutcome.UNKNOWN, article, 0.2, "rest", sender, asked_at=NOW - timedelta(days=days_ago)
    )


def test_similar_wordings_are_grouped_and_ranked_by_frequency(sessions, encoder) -> None:
    for sender in ("a", "b", "c"):
        ask(sessions, "Do you offer student discounts?", sender, article="promo-codes")
    ask(sessions, "do you offer student discounts?  ", "a", article="promo-codes")  # same wording, case and space
    ask(sessions, "Is there a discount for students?", "d", article="promo-codes")
    ask(sessions, "Can I trade in my old phone?", "e", article=None)
    ask(sessions, "Can I trade my old phone in for store credit?", "f", article=None)
    ask(sessions, "What are your store opening hours?", "g", article=None)

    groups = frequent_questions(sessions, encoder.encode, limit=10)

    assert groups[0].question == "Do you offer student discounts?"
    assert groups[0].asked == 5
    assert groups[0].conversations == 4
    assert groups[0].wordings == ("Is there a discount for students?",)
    assert groups[0].top_article_id == "promo-codes"
    assert groups[0].last_asked == NOW
    phones = next(g for g in groups if "phone" in g.question)
    assert phones.asked == 2 and len(phones.wordings) == 1 and phones.top_article_id is None
    assert [g.asked for g in groups] == sorted((g.asked for g in groups), reverse=True)
    assert sum(g.asked for g in groups) == 8
    assert len(frequent_questions(sessions, encoder.encode, limit=1)) == 1


def test_the_window_leaves_out_older_questions(sessions, encoder) -> None:
    ask(sessions, "Do you sell groceries?", "a", days_ago=40)
    ask(sessions, "Can I rent a TV?", "b", days_ago=2)
    groups = frequent_questions(sessions, encoder.encode, since=NOW - timedelta(days=30))
    assert [g.question for g in groups] == ["Can I rent a TV?"]
    assert frequent_questions(sessions, encoder.encode, since=NOW + timedelta(days=1)) == []


def test_stored_rows_hold_no_personal_data(sessions) -> None:
    ask(sessions, "refund to ann@example.com, card 5555 5555 5555 4444, phone (415) 555-0199", "sender-1")
    with sessions() as session:
        row = session.execute(sa.text("SELECT question, conversation_hash FROM unanswered_questions")).one()
    assert row.question == "refund to [EMAIL], card [CARD], phone [PHONE]"
    assert row.conversation_hash == conversation_hash("sender-1") != "sender-1"


def test_the_command_lists_groups(database_url: str, sessions, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FAQ_MODEL_DIR", "/nonexistent")  # the base encoder, as in the fixture
    recent = datetime.now(UTC)
    for sender in ("a", "b"):
        record_unanswered(sessions, "Do you price match?", FaqOutcome.GREY_ZONE, "pricing-errors-price-changes",
                          0.4, "rest", sender, asked_at=recent)
    assert commerce_main(["unanswered", "--url", database_url, "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "'Do you price match?' (asked 2x in 2 conversations, closest article: pricing-errors-price-changes)" in out


def test_the_command_explains_bad_arguments_and_an_empty_table(database_url: str, sessions, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FAQ_MODEL_DIR", "/nonexistent")
    assert commerce_main(["unanswered", "--url", database_url, "--limit", "0"]) == 1
    assert "--limit must be at least 1" in capsys.readouterr().err
    assert commerce_main(["unanswered", "--url", database_url, "--days", "0"]) == 0
    assert "No unanswered" in capsys.readouterr().out
