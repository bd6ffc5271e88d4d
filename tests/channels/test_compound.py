"""Several things in one message: where a message is cut and which parts are sent (the NLU stubbed
by a table of intents, so the planning itself is what is tested; the real NLU is exercised by the
conversation tests)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from channels.compound import cut, plan

INTENTS = {
    "hi!": ("greet", 0.99),
    "hello there,": ("greet", 0.97),
    "thanks!": ("thank", 0.98),
    "forget it,": ("stop", 0.9),
    "where is my order?": ("order_status", 0.99),
    "what's apple trading at?": ("stock_price", 0.99),
    "do you ship to canada?": ("faq", 0.95),
    "how long do refunds take?": ("faq", 0.93),
    "what do you recommend?": ("recommend", 0.97),
    "it's 1004587": ("inform", 0.95),
    "1004587.": ("inform", 0.96),
    "jane@example.com": ("inform", 0.97),
    "and microsoft's?": ("stock_price", 0.9),
    "I live in the U.S.": ("out_of_scope", 0.7),
    "Can you ship here?": ("faq", 0.9),
}


def run(text: str, whole: str = "") -> list[str]:
    parsed: list[str] = []

    async def parse(piece: str) -> dict[str, Any]:
        parsed.append(piece)
        intent, confidence = INTENTS.get(piece, (whole, 0.9)) if piece != text else (whole, 0.9)
        return {"intent": {"name": intent, "confidence": confidence}}

    return asyncio.run(plan(text, parse))


def test_cut_points_are_sentence_ends_connectors_and_a_leading_greeting() -> None:
    assert cut("hi! where is my order? also, do you ship to canada?") == [
        "hi!", "where is my order?", "do you ship to canada?"]
    assert cut("forget it, what do you recommend?") == ["forget it,", "what do you recommend?"]
    assert cut("compare apple and microsoft") == ["compare apple and microsoft"], "'and' alone never cuts"
    assert cut("hi") == ["hi"]


def test_a_greeting_or_thanks_before_a_request_is_dropped_unless_the_whole_reads_as_the_request() -> None:
    assert run("hi! where is my order?", whole="greet") == ["where is my order?"]
    assert run("hi! where is my order?", whole="order_status") == ["hi! where is my order?"], "sent unchanged"
    assert run("thanks! do you ship to canada?", whole="thank") == ["do you ship to canada?"]


def test_two_requests_of_different_kinds_are_both_sent_in_order() -> None:
    assert run("what's apple trading at? also do you ship to canada?") == [
        "what's apple trading at?", "do you ship to canada?"]
    assert run("forget it, what do you recommend?") == ["forget it,", "what do you recommend?"]
    assert run("do you ship to canada? how long do refunds take?") == [
        "do you ship to canada?", "how long do refunds take?"], "two help-centre questions, two answers"


def test_answers_and_same_kind_parts_stay_together() -> None:
    assert cut("1004587. jane@example.com") == ["1004587. jane@example.com"], "no words: not a part of its own"
    assert len(cut("1; DROP TABLE orders; --")) == 1, "pieces without two words join their neighbour"
    for text in ("where is my order? it's 1004587", "1004587. jane@example.com",
                 "what's apple trading at? and microsoft's?"):
        assert run(text, whole=INTENTS.get(cut(text)[0], ("order_status", 1))[0]) == [text]
    assert run("I live in the U.S. Can you ship here?", whole="faq") == ["I live in the U.S. Can you ship here?"]


@pytest.mark.parametrize("text", ["/affirm", "hello", "a. b. c. d. e. f."])
def test_messages_without_cut_points_or_with_too_many_are_sent_whole(text: str) -> None:
    assert run(text, whole="greet") == [text]
