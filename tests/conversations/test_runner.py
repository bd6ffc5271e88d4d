"""The conversation runner without the stack: format, placeholders, customer assignment, checks,
the turn loop against a scripted client, figures; and the conversation files themselves."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from actions.order_status import money
from support.sentiment import UPSET_THRESHOLD, analyse
from tests.conversations import runner
from tests.conversations.runner import (
    Cast,
    Conversation,
    ConversationFormatError,
    CustomerFacts,
    Observation,
    OrderFacts,
    PrivateValues,
    ProductFacts,
    Turn,
    Unresolved,
    World,
)

# --------------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------------


def order(number: str, status: str, *, carrier: str | None = None, tracking: str | None = None,
          eta: date | None = None, total: str = "10.00", item: str = "Thing") -> OrderFacts:
    return OrderFacts(number, status, carrier, tracking, eta, Decimal(total), "USD", item)


def customer(cid: int, *orders: OrderFacts, email: str | None = None) -> CustomerFacts:
    return CustomerFacts(cid, f"Name{cid} Surname", email or f"c{cid}@example.com", tuple(orders))


def conversation(cid: str, *turns: tuple[str, dict], categories: tuple[str, ...] = ("first_message",),
                 half: str = "dev") -> Conversation:
    return Conversation(cid, categories, tuple(Turn(u, e) for u, e in turns), half, "test.yml")


def observe(text: str = "", actions: tuple[str, ...] = (), slots: dict | None = None, paused: bool = False,
            buttons: list[dict] | None = None) -> Observation:
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["buttons"] = buttons
    return Observation((message,) if text or buttons else (), actions, slots or {}, paused)


CATALOGUE = {
    "Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black":
        ProductFacts("HP-AUR-1001", "Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black",
                     "headphones", Decimal("129.99"), 10),
    "Orbis Tab 8 Tablet, 64 GB": ProductFacts("TB-ORB-1001", "Orbis Tab 8 Tablet, 64 GB", "tablets",
                                               Decimal("89.49"), 0),
}


def feedback_buttons(sku: str) -> list[dict]:
    return [{"title": "👍", "payload": f'/recommendation_feedback{{"product_sku":"{sku}","feedback":"up"}}'},
            {"title": "👎", "payload": f'/recommendation_feedback{{"product_sku":"{sku}","feedback":"down"}}'}]


# --------------------------------------------------------------------------------------------------
# Format
# --------------------------------------------------------------------------------------------------


def test_a_well_formed_file_parses_into_conversations() -> None:
    document = {"conversations": [{"id": "a", "categories": ["faq_direct"], "turns": [
        {"user": "do you ship to canada", "expect": {"action": "action_answer_faq", "faq": "international-shipping"}},
        {"user": "thanks"}]}]}
    [parsed] = runner.parse_conversations(document, "dev", "x.yml")
    assert parsed.id == "a" and parsed.half == "dev" and parsed.categories == ("faq_direct",)
    assert [t.user for t in parsed.turns] == ["do you ship to canada", "thanks"]
    assert parsed.turns[1].expect == {}


@pytest.mark.parametrize("broken, message", [
    ({"conversations": [{"id": "a", "categories": ["nope"], "turns": [{"user": "x"}]}]}, "categories"),
    ({"conversations": [{"id": "a", "categories": ["handoff"], "turns": []}]}, "turns"),
    ({"conversations": [{"id": "a", "categories": ["handoff"], "turns": [{"user": "x", "expect": {"actoin": "y"}}]}]},
     "unknown expect keys"),
    ({"conversations": [{"id": "a", "categories": ["handoff"], "turns": [{"user": "x", "expect": {"faq": 3}}]}]},
     "faq"),
    ({"conversations": [{"id": "a", "categories": ["handoff"],
                         "turns": [{"user": "x", "expect": {"products": {"colour": "red", "size": 3}}}]}]}, "products"),
    ({"conversations": [{"id": "a", "categories": ["handoff"], "turns": [{"user": ""}]}]}, "user"),
    ({"talks": []}, "conversations"),
])
def test_malformed_conversations_are_refused_with_the_reason(broken: dict, message: str) -> None:
    with pytest.raises(ConversationFormatError, match=message):
        runner.parse_conversations(broken, "dev", "x.yml")


def test_duplicate_ids_across_files_are_refused(tmp_path) -> None:
    for half in ("dev", "heldout"):
        (tmp_path / half).mkdir()
        (tmp_path / half / "a.yml").write_text(
            "conversations:\n  - id: same\n    categories: [small_talk]\n    turns:\n      - user: hi\n")
    with pytest.raises(ConversationFormatError, match="duplicate"):
        runner.load_conversations(tmp_path)


# --------------------------------------------------------------------------------------------------
# Customers and placeholders
# --------------------------------------------------------------------------------------------------


def test_needs_counts_the_orders_of_each_status_a_conversation_names() -> None:
    talk = conversation("c", ("where is {me.shipped.number}", {"reply_has": ["{me.shipped2.number}"]}),
                        ("and {me.out_for_delivery.number}", {"reply_lacks": ["{other.pending.number}"]}))
    assert runner.needs(talk, "me") == {"shipped": 2, "out_for_delivery": 1}
    assert runner.needs(talk, "other") == {"pending": 1}


def test_each_conversation_gets_its_own_customer_even_when_greedy_choice_would_fail() -> None:
    both = customer(1, order("1000001", "shipped"), order("1000002", "pending"))
    only_shipped = customer(2, order("1000003", "shipped"))
    spare = customer(3, order("1000004", "delivered"))
    # "easy" sorts first by id and would take customer 1 if chosen greedily in input order.
    easy = conversation("a-easy", ("{me.shipped.number}", {}))
    hard = conversation("b-hard", ("{me.shipped.number} {me.pending.number}", {}))
    cast = runner.assign_customers([easy, hard], [both, only_shipped, spare], taken_numbers=["1999999"])
    assert cast["b-hard"].me == both and cast["a-easy"].me == only_shipped
    assert cast["a-easy"].other == spare and cast["b-hard"].other == spare
    unknown = {c.unknown_order for c in cast.values()}
    assert len(unknown) == 2 and "1999999" not in unknown
    assert all(len(n) == 7 and n.isdigit() for n in unknown)


def test_assignment_fails_loudly_when_the_data_cannot_satisfy_a_conversation() -> None:
    with pytest.raises(ValueError, match="no customer left"):
        runner.assign_customers([conversation("x", ("{me.returned.number}", {}))],
                                [customer(1, order("1000001", "shipped")), customer(2)])


def test_customer_bindings_write_values_as_the_assistant_does() -> None:
    first = order("1000005", "shipped", carrier="UPS", tracking="1Z999", eta=date(2025, 1, 5), total="1234.5",
                  item="Orbis Tab 8 Tablet, 64 GB")
    second = order("1000009", "shipped", carrier="DHL", tracking="123", eta=date(2025, 2, 14))
    values = runner.customer_bindings("me", customer(7, second, first, order("1000010", "pending")), money)
    assert values["me.shipped.number"] == "1000005"  # lowest number first
    assert values["me.shipped2.number"] == "1000009"
    assert values["me.shipped.eta"] == "5 Jan"
    assert values["me.shipped.total"] == "$1,234.50"
    assert values["me.shipped.item"] == "Orbis Tab 8 Tablet, 64 GB"
    assert values["me.shipped.carrier"] == "UPS" and values["me.shipped2.carrier"] == "DHL"
    assert "me.pending.carrier" not in values  # a pending order has no shipment
    assert values["me.email"] == "c7@example.com" and values["me.id"] == "7"


def test_resolve_fills_placeholders_and_leaves_payload_json_alone() -> None:
    values = {"me.email": "a@example.com", "close.^GSPC": "2,506.85", "unknown_order": "1999999"}
    assert runner.resolve("it's {me.email}", values) == "it's a@example.com"
    assert runner.resolve("{close.^GSPC} / {unknown_order}", values) == "2,506.85 / 1999999"
    payload = '/choose_article{"article_id":"refunds"}'
    assert runner.resolve(payload, values) == payload
    with pytest.raises(Unresolved):
        runner.resolve("{me.shipped.number}", values)
    assert runner.resolve_tree({"reply_has": ["{me.email}"], "slots": {"x": None}}, values) == {
        "reply_has": ["a@example.com"], "slots": {"x": None}}


def test_market_values_are_the_last_close_and_day_of_the_bundled_files() -> None:
    values = runner.market_bindings()
    with gzip.open(runner.HERE.parent.parent / "data" / "market" / "IBM.csv.gz") as raw:
        frame = pd.read_csv(raw, parse_dates=["date"]).dropna(subset=["close"])
    last = frame.sort_values("date").iloc[-1]
    assert values["close.IBM"] == f"{last['close']:,.2f}"
    assert values["asof.IBM"] == f"{last['date'].day} {last['date']:%b %Y}"
    assert values["close.GSPC"] == values["close.^GSPC"] and "," in values["close.GSPC"]


# --------------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------------


def test_actions_must_and_must_not_run() -> None:
    seen = observe("ok", actions=("order_verification_form", "action_order_status"))
    assert runner.check_turn({"action": ["order_verification_form", "action_order_status"]}, seen, {}) == []
    assert runner.check_turn({"action": "action_cancel_order"}, seen, {}) == [
        "action: expected action_cancel_order to run"]
    assert runner.check_turn({"not_action": "action_order_status"}, seen, {}) == ["not_action: action_order_status ran"]
    assert runner.check_turn({"action": "utter_goodbye | action_order_status"}, seen, {}) == []
    assert runner.check_turn({"action": "utter_goodbye | utter_greet"}, seen, {}) == [
        "action: expected utter_goodbye | utter_greet to run"]


@pytest.mark.parametrize("expected, actual, matches", [
    (None, None, True), (None, "x", False), ("*", "x", True), ("*", None, False), ("*", [], False),
    (["AAPL", "MSFT"], ["MSFT", "AAPL"], True), (["AAPL", "MSFT"], ["AAPL"], False),
    (["AAPL", "AAPL"], ["AAPL", "MSFT"], False),
    ("IBM", ["IBM"], True), ("IBM", ["IBM", "MSFT"], False),
    (80, 80.0, True), (80, "80", True), (80, 79.99, False), ("tablets", "Tablets", True), ("1004587", 1004587, True),
])
def test_slot_values_compare_as_a_reader_means_them(expected: Any, actual: Any, matches: bool) -> None:
    assert runner.slot_matches(expected, actual) is matches
    problems = runner.check_turn({"slots": {"s": expected}}, observe("x", slots={"s": actual}), {})
    assert (problems == []) is matches


def test_reply_has_accepts_any_alternative_case_insensitively_and_reply_lacks_refuses_any() -> None:
    seen = observe("Order 1004587 is SHIPPED with UPS")
    assert runner.check_turn({"reply_has": ["shipped", "fedex | ups"]}, seen, {}) == []
    assert runner.check_turn({"reply_has": ["fedex | dhl"]}, seen, {}) == ["reply_has: 'fedex | dhl' missing"]
    assert runner.check_turn({"reply_lacks": ["email"]}, seen, {}) == []
    assert runner.check_turn({"reply_lacks": ["fedex | ups"]}, seen, {}) == ["reply_lacks: 'ups' present"]


def test_faq_answer_shortlist_and_decline_are_told_apart() -> None:
    answer = observe("Refunds\n\n...\n\nRead the full article: https://help.kestrel.example/articles/refunds")
    shortlist = observe("Did you mean one of these?", buttons=[
        {"title": "Refunds", "payload": '/choose_article{"article_id":"refunds"}'}])
    decline = observe("Sorry, I don't know the answer to that one.", buttons=[
        {"title": "Talk to a person", "payload": "/request_human"}])
    other_article = observe("https://help.kestrel.example/articles/store-credit-gift-card-refunds")
    assert runner.check_faq("refunds", answer) == []
    assert runner.check_faq("refunds", shortlist) and runner.check_faq("refunds", other_article)
    assert runner.check_faq("returns-policy", answer)
    assert runner.check_faq("returns-policy | refunds", answer) == []
    assert runner.check_faq("shortlist", shortlist) == [] and runner.check_faq("shortlist", answer)
    assert runner.check_faq("unknown", decline) == []
    assert runner.check_faq("unknown", answer) and runner.check_faq("unknown", shortlist)


def test_product_lines_are_checked_against_the_catalogue_and_the_filters() -> None:
    headphones = "Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black"
    seen = Observation(({"text": "Here are some popular picks:"},
                        {"text": f"1. {headphones} — $129.99 — popular", "buttons": feedback_buttons("HP-AUR-1001")}),
                       ("action_recommend",), {})
    assert runner.check_products({"category": "headphones", "max_price": 130, "colour": "black"}, seen, CATALOGUE) == []
    assert runner.check_products({"max_price": "$100.00"}, seen, CATALOGUE) == [
        f"products: {headphones} costs $129.99, above 100.00"]
    assert runner.check_products({"category": "tablets"}, seen, CATALOGUE) == [
        f"products: {headphones} is in headphones, expected tablets"]
    assert runner.check_products({"colour": "white"}, seen, CATALOGUE) == [f"products: {headphones} is not white"]
    assert runner.check_products({"count_min": 2}, seen, CATALOGUE) == [
        "products: expected at least 2 product line(s), got 1"]
    wrong_price = observe(f"1. {headphones} — $99.99 — cheap")
    assert runner.check_products({}, wrong_price, CATALOGUE) == [
        f"products: {headphones} shown at $99.99, catalogue says $129.99"]
    assert runner.check_products({}, observe("1. Invented Gadget — $5.00 — x"), CATALOGUE) == [
        "products: 'Invented Gadget' is not in the catalogue"]
    assert runner.check_products({}, observe("nothing to suggest"), CATALOGUE) == [
        "products: expected at least 1 product line(s), got 0"]


def test_product_lines_give_the_shown_placeholders() -> None:
    seen = Observation((
        {"text": "1. Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black — $129.99 — a",
         "buttons": feedback_buttons("HP-AUR-1001")},
        {"text": "2. Orbis Tab 8 Tablet, 64 GB — $89.49 (out of stock) — b", "buttons": feedback_buttons("TB-ORB-1001")},
    ), (), {})
    values = runner.shown_bindings(seen.products())
    assert values["shown.2.name"] == "Orbis Tab 8 Tablet, 64 GB" and values["shown.2.sku"] == "TB-ORB-1001"
    assert values["shown.cheapest.name"] == "Orbis Tab 8 Tablet, 64 GB"
    assert values["shown.priciest.price"] == "$129.99"
    assert runner.shown_bindings([]) == {}


def test_paused_and_a_bare_turn() -> None:
    assert runner.check_turn({"paused": True}, observe("a person will reply", paused=True), {}) == []
    assert runner.check_turn({"paused": True}, observe("hi"), {}) == ["paused: expected True, got False"]
    assert runner.check_turn({}, observe("hello"), {}) == []
    assert runner.check_turn({}, observe(""), {}) == ["no reply"]


def test_disclosures_of_other_customers_and_of_unverified_details() -> None:
    me = customer(1, order("1000001", "shipped", tracking="1ZME0000001"), email="me@example.com")
    other = customer(2, order("1000002", "shipped", tracking="1ZOTHER0002"), email="other@example.com")
    private = PrivateValues.of([me, other])
    assert runner.disclosures("Write to other@example.com", me, True, "hi", private) == [
        "disclosed: the email of customer 2"]
    assert runner.disclosures("I couldn't match other@example.com", me, False, "it's other@example.com", private) == []
    assert runner.disclosures("tracking 1ZOTHER0002", me, True, "", private) == [
        "disclosed: a tracking number of customer 2"]
    assert runner.disclosures("tracking 1ZME0000001", me, False, "", private) == [
        "disclosed: a tracking number of customer 1"]
    assert runner.disclosures("tracking 1ZME0000001, me@example.com", me, True, "", private) == []
    assert runner.disclosures("Hello Name2 Surname", me, True, "", private) == ["disclosed: the name of customer 2"]
    namesake = CustomerFacts(3, me.name, "namesake@example.com", ())
    assert runner.disclosures(f"Hello {me.name}", me, True, "", PrivateValues.of([me, namesake])) == []


# --------------------------------------------------------------------------------------------------
# The turn loop against a scripted client
# --------------------------------------------------------------------------------------------------


class ScriptedClient:
    """Answers each message with the next scripted (messages, new events, slots); records what it got."""

    def __init__(self, script: list[tuple[list[dict], list[dict], dict]]) -> None:
        self.script = list(script)
        self.events: list[dict] = [{"event": "action", "name": "action_session_start"}]
        self.slots: dict = {}
        self.said: list[str] = []
        self.verbosity: list[str | None] = []

    def say(self, sender: str, text: str) -> list[dict]:
        self.said.append(text)
        messages, events, slots = self.script.pop(0)
        self.events += events
        self.slots = slots
        return messages

    def tracker(self, sender: str, include_events: str | None = None) -> dict:
        self.verbosity.append(include_events)
        return {"events": list(self.events), "slots": dict(self.slots), "paused": False}


def world_for(talk: Conversation, me: CustomerFacts, other: CustomerFacts) -> World:
    return World(CATALOGUE, PrivateValues.of([me, other]), {talk.id: Cast(me, other, "1999999")}, {}, money)


def test_a_conversation_is_played_and_each_turn_checked_on_its_own_events() -> None:
    me = customer(1, order("1000001", "shipped", carrier="UPS", tracking="1ZME0000001", eta=date(2025, 3, 7)))
    other = customer(2, order("1000002", "pending"), email="other@example.com")
    talk = conversation(
        "orders", ("hi! where is {me.shipped.number}", {"action": "order_verification_form", "reply_has": ["email"]}),
        ("{me.email}", {"action": "action_order_status", "reply_has": ["{me.shipped.eta}"],
                        "slots": {"verified_customer_id": "{me.id}"}}),
        ("headphones pls", {"action": "action_recommend"}),
        ("tell me about the first one", {"action": "action_product_details", "reply_has": ["{shown.1.name}"]}),
        ("and {other.pending.number}?", {"not_action": "action_order_status"}),
    )
    line = "1. Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black — $129.99 — a"
    act = lambda name: {"event": "action", "name": name}
    user = {"event": "user", "text": "x"}
    client = ScriptedClient([
        ([{"text": "Hi!"}, {"text": "What's the email?"}],
         [user, act("utter_greet"), user, act("order_verification_form"), act("action_listen")], {}),
        ([{"text": "Order 1000001 is shipped, UPS 1ZME0000001, expected Sat 8 Mar 2025"}],
         [user, act("order_verification_form"), act("action_order_status"), act("action_listen")],
         {"verified_customer_id": "1"}),
        ([{"text": line, "buttons": feedback_buttons("HP-AUR-1001")}], [user, act("action_recommend")],
         {"verified_customer_id": "1"}),
        ([{"text": "Aurelle Q35 has 30 hours of battery"}], [user, act("action_product_details")],
         {"verified_customer_id": "1"}),
        ([{"text": "Order 1000002 is pending. Contact other@example.com"}], [user, act("action_order_status")],
         {"verified_customer_id": "1"}),
    ])
    result = runner.run_conversation(client, talk, world_for(talk, me, other))
    assert client.said[0] == "hi! where is 1000001" and client.said[1] == "c1@example.com"
    assert set(client.verbosity) == {"ALL"}
    assert [t.actions for t in result.turns[:2]] == [
        ("utter_greet", "order_verification_form"), ("order_verification_form", "action_order_status")]
    assert [t.ok for t in result.turns] == [True, False, True, False, False]
    assert result.turns[1].problems == ["reply_has: '7 Mar' missing"]
    assert result.turns[3].problems == [
        "reply_has: 'Aurelle Q35 Wireless Noise-Cancelling Headphones, Midnight Black' missing"]
    assert result.turns[4].problems == ["not_action: action_order_status ran", "disclosed: the email of customer 2"]
    assert not result.ok


def test_a_shown_placeholder_before_any_list_fails_the_turn_without_sending() -> None:
    me, other = customer(1), customer(2)
    talk = conversation("early", ("is {shown.1.name} any good", {}), ("hello", {}))
    client = ScriptedClient([([{"text": "Hi"}], [{"event": "action", "name": "utter_greet"}], {})])
    result = runner.run_conversation(client, talk, world_for(talk, me, other))
    assert client.said == ["hello"]
    assert result.turns[0].problems == ["no value for {shown.1.name}"] and result.turns[1].ok


def test_a_failed_request_fails_its_turn_and_the_run_goes_on() -> None:
    class Failing(ScriptedClient):
        def say(self, sender: str, text: str) -> list[dict]:
            if text == "boom":
                raise ConnectionError("refused")
            return super().say(sender, text)

    me, other = customer(1), customer(2)
    talk = conversation("fail", ("boom", {}), ("hello", {"action": "utter_greet"}))
    client = Failing([([{"text": "Hi"}], [{"event": "action", "name": "utter_greet"}], {})])
    result = runner.run_conversation(client, talk, world_for(talk, me, other))
    assert result.turns[0].problems == ["request failed: ConnectionError: refused"]
    assert result.turns[1].ok


def test_figures_per_half_and_category() -> None:
    def played(cid: str, half: str, categories: tuple[str, ...], oks: list[bool]) -> runner.ConversationResult:
        talk = conversation(cid, *[("x", {})] * len(oks), categories=categories, half=half)
        turns = [runner.TurnResult(i, "x", {}, problems=[] if ok else ["bad"]) for i, ok in enumerate(oks, 1)]
        return runner.ConversationResult(talk, turns)

    summary = runner.summarise([
        played("a", "dev", ("faq_direct",), [True, True]),
        played("b", "dev", ("faq_direct", "compound"), [True, False, True, True]),
        played("c", "heldout", ("handoff",), [True]),
    ])
    assert summary["dev"]["conversations"] == 2 and summary["dev"]["turns"] == 6
    assert summary["dev"]["turn_accuracy"] == round(5 / 6, 4)
    assert summary["dev"]["conversation_success"] == 0.5
    assert summary["dev"]["categories"]["compound"] == {
        "conversations": 1, "turns": 4, "turn_accuracy": 0.75, "conversation_success": 0.0}
    assert summary["heldout"]["conversation_success"] == 1.0
    assert summary["all"]["conversations"] == 3
    report = runner.failure_report([played("b", "dev", ("compound",), [True, False])])
    assert "b turn 2" in report and "- bad" in report


# --------------------------------------------------------------------------------------------------
# The conversation files
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    return runner.load_conversations()


def test_the_set_is_large_long_and_split(conversations: list[Conversation]) -> None:
    halves = Counter(c.half for c in conversations)
    assert len(conversations) >= 170 and halves["dev"] >= 80 and halves["heldout"] >= 75
    assert sum(len(c.turns) for c in conversations) / len(conversations) >= 4.5


def test_every_category_has_several_conversations_in_each_half(conversations: list[Conversation]) -> None:
    for half in runner.HALVES:
        counts = Counter(cat for c in conversations if c.half == half for cat in c.categories)
        thin = {cat: counts[cat] for cat in runner.CATEGORIES if counts[cat] < 3}
        assert not thin, f"{half}: categories with fewer than 3 conversations: {thin}"


def test_the_halves_share_no_message(conversations: list[Conversation]) -> None:
    def key(text: str) -> str:
        return " ".join(runner.PLACEHOLDER.sub("_", text.lower()).split())

    dev = {key(t.user) for c in conversations if c.half == "dev" for t in c.turns}
    shared = {t.user for c in conversations if c.half == "heldout" for t in c.turns if key(t.user) in dev}
    # Bare answers to the form's questions ("{me.email}", "yes") are the same in any conversation.
    assert {s for s in shared if len(key(s).split()) > 2} == set()


def test_only_handoff_conversations_sound_upset(conversations: list[Conversation]) -> None:
    """An upset message is handed to a person (UpsetCustomerPolicy), whatever else it asks."""
    upset = [(c.id, t.user) for c in conversations if "handoff" not in c.categories for t in c.turns
             if not t.user.startswith("/") and analyse(t.user).score <= UPSET_THRESHOLD]
    assert upset == []


def test_every_conversation_checks_something_in_most_turns(conversations: list[Conversation]) -> None:
    bare = [c.id for c in conversations if sum(bool(t.expect) for t in c.turns) < len(c.turns) / 2]
    assert bare == []


def test_no_two_declines_in_a_row_unless_a_handoff_is_expected(conversations: list[Conversation]) -> None:
    """Two "I don't know"s in a row are a repeated fallback: the conversation goes to a person
    (HANDOFF_FALLBACK_LIMIT), so a conversation that goes on after them expects the wrong thing."""
    def declined(turn: Turn) -> bool:
        return turn.expect.get("faq") == "unknown"

    back_to_back = [c.id for c in conversations for a, b in zip(c.turns, c.turns[1:])
                    if declined(a) and declined(b) and not b.expect.get("paused")]
    assert back_to_back == []


def test_held_out_messages_are_not_training_sentences(conversations: list[Conversation]) -> None:
    """The held-out half measures generalisation only if no message of it (up to numbers, emails, case
    and punctuation) is a training sentence; a bare email, number or ticker has no wording to vary."""
    from tests.training_copies import normalise, training_sentences

    training = training_sentences()
    copies = {t.user for c in conversations if c.half == "heldout" for t in c.turns
              if len((key := normalise(runner.PLACEHOLDER.sub("1004587", t.user))).split()) > 1 and key in training}
    assert copies == set()
