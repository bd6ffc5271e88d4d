"""The order actions on a real seeded database (SQLite and PostgreSQL), with hand-built trackers."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any, Iterator, Optional

import pytest
import sqlalchemy as sa

from commerce.db import make_engine
from commerce.demo import DemoLogin, demo_logins
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.order_cancellation import ActionCancelOrder, ActionKeepOrder, ActionRequestCancellation
from actions.order_status import ActionListRecentOrders, ActionOrderStatus
from actions import replies
from actions.order_verification import ValidateOrderVerificationForm
from commerce.migrate import upgrade
from commerce.seed import seed

BAD_NUMBER = replies.text("verify.bad_number")
MISMATCH = replies.text("verify.mismatch")
TYPE_PLAINLY = replies.text("verify.type_plainly")
DOMAIN = {"forms": {"order_verification_form": {"required_slots": ["order_number", "order_email"]}}}
FORM = {"name": "order_verification_form"}


@pytest.fixture
def shop(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A small seeded shop that the action services use; caches reset around the test."""
    upgrade(database_url)
    seed(database_url, customers=20, orders=120, anchor=date(2026, 11, 2))
    monkeypatch.setenv("APP_DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", "")
    factories = (services.order_service, services.kv_store, services.verification_limiter, services.app_sessions,
                 services.ticket_service)
    for factory in factories:
        factory.cache_clear()
    yield database_url
    for factory in factories:
        factory.cache_clear()


def first(url: str, status: str) -> DemoLogin:
    return demo_logins(url, status=status, limit=1)[0]


def status_of(url: str, number: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM orders WHERE number = :n"), {"n": number}).scalar_one()
    engine.dispose()
    return status


def tracker(
    text: str,
    new_slots: Optional[dict[str, Any]] = None,
    slots: Optional[dict[str, Any]] = None,
    sender: str = "customer-1",
    intents: Optional[list[dict]] = None,
) -> Tracker:
    """A tracker whose latest user message is *text* and which just set *new_slots*."""
    new_slots = new_slots or {}
    all_slots = {"verification_failures": 0.0, **(slots or {}), **new_slots}
    latest = {"text": text, "intent": {"name": "inform"}, "intent_ranking": intents or []}
    events = [{"event": "user", "text": text, "parse_data": latest}] + [
        {"event": "slot", "name": k, "value": v} for k, v in new_slots.items()
    ]
    return Tracker(sender, all_slots, latest, events, False, None, FORM, "action_listen")


def run(action, tracker_: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def said(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def validate(text: str, new_slots: dict, **kwargs) -> tuple[dict, str]:
    events, messages = run(ValidateOrderVerificationForm(), tracker(text, new_slots, **kwargs))
    return slot_events(events), said(messages)


def test_number_and_email_in_one_message_verify_the_customer(shop: str) -> None:
    order = first(shop, "shipped")
    text = f"order #{order.number}, email {order.email.upper()}"
    slots, messages = validate(text, {"order_number": f"#{order.number}", "order_email": order.email.upper()})
    assert slots["order_number"] == order.number
    assert slots["verified_customer_id"] == str(order.customer_id)
    assert slots["verification_failures"] == 0.0
    assert messages == ""


def test_wrong_email_and_unknown_order_get_the_same_answer(shop: str) -> None:
    order = first(shop, "delivered")
    known = {"order_number": order.number}
    wrong_email, said_wrong = validate("x@example.net", {"order_email": "x@example.net"}, slots=known)
    unknown = {"order_number": "1999999" if order.number != "1999999" else "1000001"}
    no_order, said_unknown = validate(order.email, {"order_email": order.email}, slots=unknown)
    assert said_wrong == said_unknown == MISMATCH
    for slots, tried in ((wrong_email, known), (no_order, unknown)):
        # the number tried is kept for a corrected email, whichever of the two was wrong
        assert slots["order_number"] == tried["order_number"] and slots["order_email"] is None
        assert slots["verification_failures"] == 1.0
        assert "verified_customer_id" not in slots


def test_a_corrected_email_after_a_mismatch_verifies_the_kept_number(shop: str) -> None:
    order = first(shop, "shipped")
    failed, _ = validate("nope@example.net", {"order_email": "nope@example.net"}, slots={"order_number": order.number})
    text = f"oops, it's {order.email}"
    slots, messages = validate(text, {"order_email": order.email},
                               slots={"order_number": failed["order_number"], "verification_failures": 1.0})
    assert slots["verified_customer_id"] == str(order.customer_id)
    assert messages == ""


def test_a_failed_reading_is_not_complained_about_when_the_other_detail_is_there(shop: str) -> None:
    """The form asks for the number; the customer corrects the email: no "doesn't look like a number"."""
    order = first(shop, "shipped")
    text = f"sorry, my email is {order.email}"
    slots, messages = validate(text, {"order_number": text, "order_email": order.email})
    assert slots["order_number"] is None and slots["order_email"] == order.email
    assert messages == ""


def test_typed_intent_command_does_not_fill_verification_slots(shop: str) -> None:
    order = first(shop, "shipped")
    command = "/order_status" + json.dumps({"order_number": order.number, "order_email": order.email})
    slots, messages = validate(command, {"order_number": order.number, "order_email": order.email})
    assert messages == TYPE_PLAINLY
    assert slots == {"order_number": None, "order_email": None}


def test_values_left_from_an_earlier_message_are_dropped_quietly(shop: str) -> None:
    order = first(shop, "shipped")
    slots, messages = validate(
        "where is my order?", {"order_number": order.number, "order_email": order.email}
    )
    assert messages == "", "the form simply asks again"
    assert slots == {"order_number": None, "order_email": None}


@pytest.mark.parametrize("text", ["' OR 1=1 --", "12345", "1004587x", "١٠٠٤٥٨٧", "DROP TABLE orders"])
def test_malformed_order_numbers_are_re_asked(shop: str, text: str) -> None:
    slots, messages = validate(text, {"order_number": text})
    assert slots["order_number"] is None
    assert messages == BAD_NUMBER


def test_third_failure_ends_the_form_and_hands_over_without_revealing(shop: str) -> None:
    order = first(shop, "shipped")
    slots, messages = validate(
        "wrong@example.net",
        {"order_email": "wrong@example.net"},
        slots={"order_number": order.number, "verification_failures": 2.0},
    )
    assert slots["verification_failures"] == 3.0
    assert slots["requested_slot"] is None, "the form must end"
    events, status_messages = run(ActionOrderStatus(), tracker("", slots={"verification_failures": 3.0}))
    answer = said(status_messages)
    assert "couldn't verify" in answer and "passed our conversation to a person" in answer
    assert {"event": "pause", "timestamp": None} in events
    assert order.number not in answer


def test_failures_on_one_order_lock_it_for_every_conversation(shop: str, monkeypatch) -> None:
    monkeypatch.setenv("VERIFICATION_RATE_LIMIT", "2")
    services.verification_limiter.cache_clear()
    order = first(shop, "processing")
    for sender in ("attacker-1", "attacker-2"):
        validate("nope@example.net", {"order_email": "nope@example.net"}, slots={"order_number": order.number},
                 sender=sender)
    slots, _ = validate(order.email, {"order_email": order.email}, slots={"order_number": order.number},
                        sender="customer-9")
    assert "verified_customer_id" not in slots
    assert slots["verification_failures"] == 3.0 and slots["requested_slot"] is None


def test_verified_customer_skips_email_for_own_orders_only(shop: str) -> None:
    mine, *others = demo_logins(shop, limit=200)
    theirs = next(o for o in others if o.customer_id != mine.customer_id)
    own = next(o for o in others if o.customer_id == mine.customer_id) if any(
        o.customer_id == mine.customer_id for o in others
    ) else mine
    form = ValidateOrderVerificationForm()
    verified = {"verified_customer_id": str(mine.customer_id)}

    def required(slots: dict, new: Optional[dict] = None, text: str = "") -> list[str]:
        return asyncio.run(
            form.required_slots(["order_number", "order_email"], CollectingDispatcher(),
                                tracker(text, new_slots=new, slots=slots), DOMAIN)
        )

    assert required({**verified, "order_goal": "list"}) == []
    assert required({**verified, "order_goal": "status"}, {"order_number": own.number}) == []
    assert required({**verified, "order_goal": "status"}, {"order_number": theirs.number}) == [
        "order_number",
        "order_email",
    ]
    assert required({"order_goal": "list"}) == ["order_number", "order_email"]
    # "cancel it": the order under discussion, if it is theirs
    assert required({**verified, "order_goal": "cancel", "current_order": own.number}, text="cancel it") == []
    assert required({**verified, "order_goal": "cancel", "current_order": theirs.number}, text="cancel it") == [
        "order_number", "order_email"]
    # "my other order" is not the one under discussion; a number left from an earlier request is not either
    assert required({**verified, "order_goal": "status", "current_order": own.number},
                    text="where is my other order") == ["order_number", "order_email"]
    assert required({**verified, "order_goal": "status", "order_number": theirs.number, "current_order": own.number},
                    text="when will it arrive") == []


def test_status_answer_has_the_order_details_and_forgets_the_inputs(shop: str) -> None:
    order = first(shop, "shipped")
    slots = {"verified_customer_id": str(order.customer_id), "order_number": order.number}
    events, messages = run(ActionOrderStatus(), tracker("", slots=slots))
    answer = said(messages)
    assert f"Order {order.number} is shipped." in answer
    assert order.tracking_number in answer
    assert "Expected delivery" in answer and "Latest update" in answer
    assert slot_events(events) == {"order_number": None, "order_email": None, "current_order": order.number}


def test_a_follow_up_on_the_order_under_discussion_answers_only_the_detail(shop: str) -> None:
    order = first(shop, "shipped")
    slots = {"verified_customer_id": str(order.customer_id), "current_order": order.number}
    _, messages = run(ActionOrderStatus(), tracker("which carrier is it with?", slots=slots))
    answer = said(messages)
    assert order.tracking_number in answer and "Latest update" not in answer
    _, messages = run(ActionOrderStatus(), tracker("and when will it get here?", slots=slots))
    answer = said(messages)
    assert "expected delivery is" in answer and order.tracking_number not in answer


def test_status_of_another_customers_order_is_not_shown(shop: str) -> None:
    mine, *others = demo_logins(shop, limit=200)
    theirs = next(o for o in others if o.customer_id != mine.customer_id)
    slots = {"verified_customer_id": str(mine.customer_id), "order_number": theirs.number}
    _, messages = run(ActionOrderStatus(), tracker("", slots=slots))
    assert theirs.number not in said(messages)


def test_recent_orders_are_the_customers_newest_five(shop: str) -> None:
    engine = make_engine(shop)
    with engine.connect() as conn:
        customer_id = conn.execute(
            sa.text("SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 5 LIMIT 1")
        ).scalar_one()
        expected = list(
            conn.execute(
                sa.text("SELECT number FROM orders WHERE customer_id = :c ORDER BY placed_at DESC LIMIT 5"),
                {"c": customer_id},
            ).scalars()
        )
    engine.dispose()
    _, messages = run(ActionListRecentOrders(), tracker("", slots={"verified_customer_id": str(customer_id)}))
    answer = said(messages)
    positions = [answer.index(number) for number in expected]
    assert positions == sorted(positions) and answer.count("\n• ") == 5


def test_cancellation_asks_then_writes_on_yes(shop: str) -> None:
    order = first(shop, "pending")
    verified = {"verified_customer_id": str(order.customer_id)}
    events, messages = run(ActionRequestCancellation(), tracker("", slots={**verified, "order_number": order.number}))
    assert slot_events(events)["pending_cancellation"] == order.number
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert status_of(shop, order.number) == "pending"

    events, messages = run(ActionCancelOrder(), tracker("yes", slots={**verified, "pending_cancellation": order.number}))
    assert f"order {order.number} is cancelled" in said(messages)
    assert slot_events(events) == {"pending_cancellation": None}
    assert status_of(shop, order.number) == "cancelled"


def test_no_keeps_the_order(shop: str) -> None:
    order = first(shop, "processing")
    slots = {"verified_customer_id": str(order.customer_id), "pending_cancellation": order.number}
    events, messages = run(ActionKeepOrder(), tracker("no", slots=slots))
    assert f"order {order.number} stays" in said(messages)
    assert slot_events(events) == {"pending_cancellation": None}
    assert status_of(shop, order.number) == "processing"


def test_shipped_orders_cannot_be_cancelled_and_yes_changes_nothing(shop: str) -> None:
    order = first(shop, "shipped")
    verified = {"verified_customer_id": str(order.customer_id)}
    events, messages = run(ActionRequestCancellation(), tracker("", slots={**verified, "order_number": order.number}))
    assert "can no longer be cancelled" in said(messages)
    assert "pending_cancellation" not in slot_events(events)
    _, messages = run(ActionCancelOrder(), tracker("yes", slots=verified))
    assert "no cancellation waiting" in said(messages)
    assert status_of(shop, order.number) == "shipped"

