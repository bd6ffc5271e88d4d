"""The handoff actions with the real routing model and a real database (SQLite and PostgreSQL):
every trigger opens a routed ticket and pauses the bot, every switch turns its trigger off,
and the rating after the agent resolves lands on the ticket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, services
from actions.handoff import (
    NOT_UNDERSTOOD,
    ActionAskSupportRating,
    ActionDefaultFallback,
    ActionHandoff,
    ActionStoreSupportRating,
    earlier_failed_turns,
    not_understood,
    rating_in,
)
from actions.order_status import ActionOrderStatus
from commerce.migrate import upgrade
from commerce.models import SupportTicket
from support.routing import RoutingModel, load_labelled

RATING_QUESTION = replies.text("rating.question")

SENDER = "customer-42"
HANDOFF_SETTINGS = ("HANDOFF_ON_REQUEST", "HANDOFF_FALLBACK_LIMIT", "HANDOFF_VERIFICATION_LIMIT",
                    "HANDOFF_UPSET_THRESHOLD", "SUPPORT_QUEUES")


@pytest.fixture(scope="module")
def router_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The routing model trained on the shipped labelled set, as `python -m support.train` does."""
    directory = tmp_path_factory.mktemp("support-router")
    RoutingModel.fit([m for m in load_labelled() if m.split == "train"]).save(directory)
    return directory


def clear_caches() -> None:
    for builder in (services.app_sessions, services.ticket_service, services.escalation_policy,
                    services.support_queues, services.support_router):
        builder.cache_clear()


@pytest.fixture
def handoff_env(database_url: str, router_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Default handoff settings over a migrated application database."""
    upgrade(database_url)
    monkeypatch.setenv("APP_DATABASE_URL", database_url)
    monkeypatch.setenv("SUPPORT_MODEL_DIR", str(router_dir))
    for setting in HANDOFF_SETTINGS:
        monkeypatch.delenv(setting, raising=False)
    clear_caches()
    yield database_url
    clear_caches()


def configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    clear_caches()


def user(text: str, intent: str = "faq", channel: str = "slack") -> dict[str, Any]:
    return {"event": "user", "text": text, "input_channel": channel,
            "parse_data": {"text": text, "intent": {"name": intent}, "entities": []}}


def bot(text: str, **metadata: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": metadata}


def tracker(events: list[dict[str, Any]], slots: Optional[dict[str, Any]] = None,
            active_loop: Optional[str] = None, entities: Optional[list[dict]] = None) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    parse = {**latest["parse_data"], "entities": entities or []}
    return Tracker(SENDER, slots or {}, parse, events, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, tracker_: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return events, dispatcher.messages


def tickets() -> list[SupportTicket]:
    with services.app_sessions()() as session:
        return list(session.query(SupportTicket).order_by(SupportTicket.id))


def paused(events: list[dict]) -> bool:
    return any(e.get("event") == "pause" for e in events)


def test_failed_turns_are_counted_back_to_the_first_understood_one() -> None:
    miss = bot("Sorry, I don't know", **{NOT_UNDERSTOOD: True})
    events = [user("hi"), bot("Hello"), user("blorf"), miss, user("zorp"), miss, user("now")]
    assert earlier_failed_turns(events) == 2
    assert earlier_failed_turns(events[:-2] + [bot("answered"), user("now")]) == 0
    # A new session starts the count again.
    assert earlier_failed_turns([user("blorf"), miss, {"event": "session_started"}, user("now")]) == 0
    assert earlier_failed_turns([user("first message")]) == 0


@pytest.mark.parametrize(
    "text, rating",
    [("4", 4), ("five stars", 5), ("3/5", 3), ("i'd give it a 2", 2), ("1 out of 5", 1), ("great!", None),
     ("between 3 and 4", None), ("7", None)],
)
def test_ratings_are_read_from_the_text(text: str, rating: Optional[int]) -> None:
    assert rating_in(tracker([user(text, "rate_support")])) == rating


def test_a_rating_button_sends_the_entity() -> None:
    button = tracker([user('/rate_support{"support_rating":"5"}', "rate_support")],
                     entities=[{"entity": "support_rating", "value": "5"}])
    assert rating_in(button) == 5


def test_asking_for_a_person_opens_a_routed_ticket_and_pauses(handoff_env: str) -> None:
    events, messages = run(ActionHandoff(), tracker(
        [user("I was charged twice for the same order", "faq"), bot("..."),
         user("can I talk to a human please", "request_human")],
        slots={"verified_customer_id": None},
    ))
    [ticket] = tickets()
    assert (ticket.conversation_id, ticket.channel, ticket.reason, ticket.status) == (
        SENDER, "slack", "requested", "open")
    assert ticket.category == "payments" and ticket.queue == "billing"
    assert paused(events)
    assert f"ticket #{ticket.id}" in messages[0]["text"] and "billing team" in messages[0]["text"]


def test_a_second_request_finds_the_same_ticket(handoff_env: str) -> None:
    conversation = [user("where is my parcel", "order_status"), user("talk to a person", "request_human")]
    run(ActionHandoff(), tracker(conversation))
    run(ActionHandoff(), tracker(conversation))
    assert len(tickets()) == 1


def test_the_form_is_closed_when_the_customer_is_handed_over(handoff_env: str) -> None:
    events, _ = run(ActionHandoff(), tracker([user("agent please", "request_human")],
                                             active_loop="order_verification_form"))
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]
    assert paused(events)


def test_with_requests_switched_off_the_customer_gets_the_contact_details(
        handoff_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, HANDOFF_ON_REQUEST="false")
    events, messages = run(ActionHandoff(), tracker([user("human please", "request_human")]))
    assert not paused(events) and tickets() == []
    assert "by email at" in messages[0]["text"]


def test_an_upset_customer_is_handed_over(handoff_env: str) -> None:
    events, _ = run(ActionHandoff(), tracker(
        [user("This is RIDICULOUS, my order is three weeks late and nobody answers!!", "order_status")]))
    [ticket] = tickets()
    assert ticket.reason == "upset" and ticket.category == "orders" and paused(events)


def test_two_misses_in_a_row_hand_over(handoff_env: str) -> None:
    first = tracker([user("blorf wuggle", "nlu_fallback")])
    dispatcher = CollectingDispatcher()
    assert not_understood(dispatcher, first, "Sorry, I don't know.") == []
    miss = dispatcher.messages[0]
    assert miss[NOT_UNDERSTOOD] is True and tickets() == []

    second = tracker([user("blorf wuggle", "nlu_fallback"), bot(miss["text"], **{NOT_UNDERSTOOD: True}),
                      user("zorp quux", "nlu_fallback")])
    events, messages = run(ActionDefaultFallback(), second)
    [ticket] = tickets()
    assert ticket.reason == "repeated_fallback" and paused(events)
    assert "not understanding you" in messages[0]["text"]


def test_a_miss_after_an_answer_does_not_hand_over(handoff_env: str) -> None:
    conversation = [user("blorf", "nlu_fallback"), bot("?", **{NOT_UNDERSTOOD: True}),
                    user("where is my order", "order_status"), bot("What's your order number?"),
                    user("zorp", "nlu_fallback")]
    events, messages = run(ActionDefaultFallback(), tracker(conversation))
    assert tickets() == [] and messages[0][NOT_UNDERSTOOD] is True
    assert events == [{"event": "rewind", "timestamp": None}]


def test_with_the_fallback_limit_off_misses_never_hand_over(handoff_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, HANDOFF_FALLBACK_LIMIT="0")
    misses = [user("blorf", "nlu_fallback"), bot("?", **{NOT_UNDERSTOOD: True})] * 3 + [user("zorp")]
    events, _ = run(ActionDefaultFallback(), tracker(misses))
    assert tickets() == [] and not paused(events)


def test_failed_verifications_hand_over_at_the_limit(handoff_env: str) -> None:
    events, messages = run(ActionOrderStatus(), tracker(
        [user("where is my order", "order_status"), user("1004587", "inform")],
        slots={"verification_failures": 3.0, "order_goal": "status"}))
    [ticket] = tickets()
    assert ticket.reason == "failed_verification" and paused(events)
    assert "couldn't verify" in messages[0]["text"]


def test_with_the_verification_trigger_off_the_customer_gets_the_contact_details(
        handoff_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, HANDOFF_VERIFICATION_LIMIT="0")
    events, messages = run(ActionOrderStatus(), tracker(
        [user("where is my order", "order_status")], slots={"verification_failures": 3.0}))
    assert tickets() == [] and not paused(events)
    assert "by email at" in messages[0]["text"]


def test_the_ticket_is_routed_on_this_session_only(handoff_env: str) -> None:
    earlier = [user("the app crashes when I log in", "faq"), user("the website shows an error page", "faq"),
               user("the app will not load on my phone", "faq"), {"event": "session_started"}]
    run(ActionHandoff(), tracker(earlier + [user("I was charged twice for one order", "faq"),
                                            user("a person please", "request_human")]))
    assert tickets()[0].category == "payments"


def test_without_a_database_the_customer_still_learns_how_to_reach_a_person(
        handoff_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configure(monkeypatch, APP_DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'app.db'}")
    events, messages = run(ActionHandoff(), tracker([user("a person please", "request_human")]))
    assert not paused(events)
    assert "can't reach our support team" in messages[0]["text"] and "by email at" in messages[0]["text"]


def test_the_rating_is_stored_on_the_resolved_ticket(handoff_env: str) -> None:
    run(ActionHandoff(), tracker([user("talk to a human", "request_human")]))
    [ticket] = tickets()
    service = services.ticket_service()
    assert service.claim(ticket.id, "ann") and service.resolve(ticket.id, "ann")

    _, asked = run(ActionAskSupportRating(), tracker([user("", "EXTERNAL_handoff_resolved")]))
    assert asked[0]["text"] == RATING_QUESTION
    assert [b["title"] for b in asked[0]["buttons"]] == ["1", "2", "3", "4", "5"]

    _, unclear = run(ActionStoreSupportRating(), tracker([user("hmm", "rate_support")]))
    assert "from 1 (poor) to 5" in unclear[0]["text"] and tickets()[0].csat is None
    _, thanks = run(ActionStoreSupportRating(), tracker([user("4 stars", "rate_support")]))
    assert tickets()[0].csat == 4 and thanks[0]["text"].startswith("Thank you")
    _, again = run(ActionStoreSupportRating(), tracker([user("5", "rate_support")]))
    assert tickets()[0].csat == 4 and "only ask for a rating" in again[0]["text"]


def test_a_rating_without_a_database_is_thanked_not_failed(
        handoff_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configure(monkeypatch, APP_DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'app.db'}")
    _, messages = run(ActionStoreSupportRating(), tracker([user("5", "rate_support")]))
    assert "couldn't save your rating" in messages[0]["text"]
