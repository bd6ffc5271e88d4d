"""The FAQ skill over REST against the real servers: answer, shortlist, "don't know"."""

from __future__ import annotations

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import new_sender, query

ARTICLE_LINK = "/articles/"


def test_a_clear_question_is_answered_with_the_article_link(stack: StackProcess) -> None:
    answer = stack.say(new_sender(), "How do I return an item?")
    text = texts(answer)
    assert ARTICLE_LINK in text
    assert "return" in text.lower()
    assert not any(m.get("buttons") for m in answer)


def test_a_vague_question_offers_articles_and_a_click_shows_one(stack: StackProcess) -> None:
    # Vague wordings: at least one lands between the two calibrated thresholds.
    candidates = [
        "money back stuff",
        "thing about my card",
        "delivery question",
        "what about the box",
        "account thing",
        "my data question",
    ]
    for question in candidates:
        sender = new_sender()
        messages = stack.say(sender, question)
        buttons = [b for m in messages for b in m.get("buttons") or []]
        if buttons and all(b["payload"].startswith("/choose_article") for b in buttons):
            break
    else:
        raise AssertionError(f"no grey-zone answer among {candidates}")
    assert 1 <= len(buttons) <= 3
    picked = stack.say(sender, buttons[0]["payload"])
    text = texts(picked)
    assert buttons[0]["title"] in text
    assert ARTICLE_LINK in text


def test_an_unknown_question_offers_a_person_and_is_kept_for_the_authors(
    stack: StackProcess, stack_databases: dict
) -> None:
    sender = new_sender()
    question = "qwzx plorb fnard"  # below the NLU fallback threshold, and matches no article
    messages = stack.say(sender, question)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ["/request_human"]
    assert "don't know" in texts(messages)
    assert "passed our conversation to a person" in texts(stack.say(sender, payloads[0]))

    stored = query(
        stack_databases["APP_DATABASE_URL"], "SELECT outcome, channel FROM unanswered_questions WHERE question = :q",
        q=question,
    )
    assert [tuple(row) for row in stored] == [("unknown", "rest")]


def test_a_question_during_verification_is_answered_and_the_form_goes_on(stack: StackProcess) -> None:
    sender = new_sender()
    assert "order number" in texts(stack.say(sender, "where is my order?")).lower()
    messages = stack.say(sender, "where can I find my order number?")
    faq_reply = messages[:-1]
    assert faq_reply, "the question gets its own answer before the form asks again"
    assert ARTICLE_LINK in texts(faq_reply) or any(m.get("buttons") for m in faq_reply)
    assert "what's your order number" in messages[-1]["text"].lower()
