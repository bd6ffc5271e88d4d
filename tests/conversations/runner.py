"""Multi-turn conversations against the real stack: load, fill in, drive, check, report.

The conversations (``dev/*.yml``, ``heldout/*.yml``; format in ``docs/conversations.md`` and
``tests/conversations/README.md``) are written from the customer's side with placeholders for
the facts of the seeded database and the bundled market data. This module

1. loads and validates them (:func:`load_conversations`);
2. gives every conversation its own customer, with orders of every status it names, and another
   customer for ``{other.*}`` (:func:`assign_customers`), and fills in the placeholders
   (:func:`static_bindings`, :func:`resolve`);
3. drives the stack over REST, one sender per conversation, and after each turn reads the tracker
   through Rasa's HTTP API: the actions run in the turn are the ``action`` events after the event
   count before the message (one REST message may hold several user events), the slots are the
   tracker's (:func:`run_conversation`);
4. checks every ``expect`` key (:func:`check_turn`, pure) plus, on every turn, that nothing private
   of anyone else is disclosed (:func:`disclosures`, pure);
5. reports per-turn and per-conversation success, per half and per category
   (:func:`summarise`, :func:`failure_report`).

Invariants: the check functions read only their arguments; a conversation's customer is used by
no other conversation (cancellations in one cannot change another); ``{unknown_order}`` is a
different non-existent number in every conversation (the verification rate limit counts per
order number).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

import yaml  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
HALVES = ("dev", "heldout")

CATEGORIES = frozenset({
    "first_message", "follow_up_shown", "follow_up_pronoun", "refinement", "what_if", "stay_verified",
    "form_yield", "correction", "compound", "faq_direct", "faq_unanswerable", "entity_only",
    "topic_change", "handoff", "small_talk",
})
EXPECT_KEYS = frozenset({"action", "not_action", "slots", "reply_has", "reply_lacks", "faq", "products", "paused"})
PRODUCT_KEYS = frozenset({"category", "max_price", "colour", "count_min"})
STATUSES = ("pending", "processing", "shipped", "out_for_delivery", "delivered", "cancelled", "returned")
ORDER_FIELDS = ("number", "carrier", "tracking", "eta", "total", "item")
SHOWN_FIELDS = ("name", "price", "sku")
UNSET: tuple[Any, ...] = (None, "", [])

# {me.shipped.number}, {other.email}, {close.^GSPC}, {shown.2.name}, {unknown_order}. Only these roots
# are placeholders, so JSON in a typed payload ("/choose_article{\"article_id\": ...}") is left alone.
PLACEHOLDER = re.compile(r"\{((?:me|other|close|asof|shown)\.[\w^.]+|unknown_order)\}")
ME_ORDER = re.compile(r"^(?:me|other)\.([a-z_]+?)(\d*)\.(\w+)$")
PRODUCT_LINE = re.compile(r"^\s*(\d+)\.\s+(?P<name>.+?)\s+—\s+(?P<price>\$[\d,]+\.\d{2})")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TOKEN = re.compile(r"[A-Za-z0-9]{8,}")
ARTICLE_LINK = "/articles/{id}"
SHORTLIST_PAYLOAD = "/choose_article"


class ConversationFormatError(ValueError):
    """A conversation file does not follow the format; the message names the file and conversation."""


class Unresolved(KeyError):
    """A placeholder with no value for this conversation (or, for ``{shown.*}``, no list shown yet)."""


# ------------------------------------------------------------------------------------------------
# The conversations
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    user: str
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str
    categories: tuple[str, ...]
    turns: tuple[Turn, ...]
    half: str  # "dev" or "heldout"
    source: str  # file name, for reports

    def texts(self) -> Iterable[str]:
        """Every string of the conversation (messages and expectations), for placeholder scans."""
        for turn in self.turns:
            yield turn.user
            yield from _strings(turn.expect)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def parse_conversations(document: Any, half: str, source: str) -> list[Conversation]:
    """The conversations of one YAML document; raises ConversationFormatError on any deviation."""
    def fail(where: str, problem: str) -> ConversationFormatError:
        return ConversationFormatError(f"{source}: {where}: {problem}")

    if not isinstance(document, Mapping) or not isinstance(document.get("conversations"), list):
        raise fail("top level", "expected a mapping with a `conversations` list")
    result = []
    for position, raw in enumerate(document["conversations"], 1):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
            raise fail(f"conversation {position}", "needs an `id`")
        where = raw["id"]
        unknown = set(raw) - {"id", "categories", "turns", "note"}
        if unknown:
            raise fail(where, f"unknown keys {sorted(unknown)}")
        categories = raw.get("categories")
        if not isinstance(categories, list) or not categories or not set(categories) <= CATEGORIES:
            raise fail(where, f"`categories` must be a non-empty list from {sorted(CATEGORIES)}")
        turns_raw = raw.get("turns")
        if not isinstance(turns_raw, list) or not turns_raw:
            raise fail(where, "needs `turns`")
        turns = []
        for number, turn in enumerate(turns_raw, 1):
            if not isinstance(turn, Mapping) or not isinstance(turn.get("user"), str) or not turn["user"].strip():
                raise fail(f"{where} turn {number}", "needs a non-empty `user` string")
            if set(turn) - {"user", "expect"}:
                raise fail(f"{where} turn {number}", f"unknown keys {sorted(set(turn) - {'user', 'expect'})}")
            expect = turn.get("expect") or {}
            problem = expectation_problem(expect)
            if problem:
                raise fail(f"{where} turn {number}", problem)
            turns.append(Turn(turn["user"], expect))
        result.append(Conversation(where, tuple(categories), tuple(turns), half, source))
    return result


def expectation_problem(expect: Any) -> str | None:
    """Why *expect* is not a valid `expect` mapping, or None."""
    if not isinstance(expect, Mapping):
        return "`expect` must be a mapping"
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        return f"unknown expect keys {sorted(unknown)}"
    for key in ("action", "not_action", "reply_has", "reply_lacks"):
        if key in expect and not all(isinstance(v, str) and v for v in _as_list(expect[key])):
            return f"`{key}` must be a string or a list of strings"
    if "slots" in expect and not isinstance(expect["slots"], Mapping):
        return "`slots` must be a mapping"
    if "faq" in expect and not isinstance(expect["faq"], str):
        return "`faq` must be an article id, `shortlist` or `unknown`"
    if "products" in expect:
        products = expect["products"]
        if not isinstance(products, Mapping) or set(products) - PRODUCT_KEYS:
            return f"`products` must be a mapping with keys from {sorted(PRODUCT_KEYS)}"
    if "paused" in expect and not isinstance(expect["paused"], bool):
        return "`paused` must be true or false"
    return None


def load_conversations(root: Path = HERE, halves: Sequence[str] = HALVES) -> list[Conversation]:
    """Every conversation under ``root/<half>/*.yml``; ids are unique across all files."""
    conversations: list[Conversation] = []
    for half in halves:
        for path in sorted((root / half).glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            conversations += parse_conversations(document, half, f"{half}/{path.name}")
    duplicates = [cid for cid, count in Counter(c.id for c in conversations).items() if count > 1]
    if duplicates:
        raise ConversationFormatError(f"duplicate conversation ids: {sorted(duplicates)}")
    return conversations


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# ------------------------------------------------------------------------------------------------
# Facts: customers, orders, catalogue, market
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    number: str
    status: str
    carrier: str | None
    tracking: str | None
    eta: date | None  # the expected day; for a delivered order the day it was delivered
    total: Decimal
    currency: str
    item: str  # the first item's product name


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    name: str
    email: str
    orders: tuple[OrderFacts, ...]

    def of_status(self, status: str) -> list[OrderFacts]:
        return sorted((o for o in self.orders if o.status == status), key=lambda o: o.number)

    def satisfies(self, needs: Mapping[str, int]) -> bool:
        return all(len(self.of_status(status)) >= count for status, count in needs.items())


@dataclass(frozen=True)
class ProductFacts:
    sku: str
    name: str
    category: str
    price: Decimal
    stock: int


def load_customers(app_url: str) -> list[CustomerFacts]:
    """Every customer with their orders, read with plain SQL (works on any schema version)."""
    import sqlalchemy as sa

    from commerce.db import make_engine

    engine = make_engine(app_url)
    try:
        with engine.connect() as conn:
            customers = conn.execute(sa.text("SELECT id, name, email FROM customers ORDER BY id")).all()
            orders = conn.execute(sa.text(
                "SELECT o.id, o.number, o.customer_id, o.status, o.total, o.currency, s.carrier, "
                "s.tracking_number, s.eta, s.delivered_at FROM orders o "
                "LEFT JOIN shipments s ON s.order_id = o.id ORDER BY o.number")).all()
            items = conn.execute(sa.text(
                "SELECT i.order_id, p.name FROM order_items i JOIN products p ON p.id = i.product_id "
                "ORDER BY i.order_id, i.id")).all()
    finally:
        engine.dispose()
    first_item: dict[int, str] = {}
    for order_id, name in items:
        first_item.setdefault(order_id, name)
    by_customer: dict[int, list[OrderFacts]] = defaultdict(list)
    for row in orders:
        eta = row.delivered_at.date() if row.delivered_at is not None else row.eta
        by_customer[row.customer_id].append(OrderFacts(
            row.number, str(row.status), row.carrier, row.tracking_number, eta, Decimal(row.total), row.currency,
            first_item.get(row.id, "")))
    return [CustomerFacts(c.id, c.name, c.email, tuple(by_customer[c.id])) for c in customers]


def load_catalogue(app_url: str) -> dict[str, ProductFacts]:
    """The products by name (the name is what a reply shows)."""
    import sqlalchemy as sa

    from commerce.db import make_engine

    engine = make_engine(app_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sku, name, category, price, stock FROM products")).all()
    finally:
        engine.dispose()
    return {r.name: ProductFacts(r.sku, r.name, r.category, Decimal(r.price), int(r.stock)) for r in rows}


def short_date(value: date) -> str:
    """A day as every reply writes it, minus the weekday and year: ``5 Jan``."""
    return f"{value.day} {value:%b}"


def long_date(value: date) -> str:
    """``5 Jan 2013``: a substring of the assistant's ``Sat 5 Jan 2013``."""
    return f"{value.day} {value:%b %Y}"


def market_bindings() -> dict[str, str]:
    """``close.<T>`` (formatted as the market actions write numbers) and ``asof.<T>`` per bundled ticker."""
    from actions.market import number
    from market.bundled import BundledProvider

    provider = BundledProvider()
    values: dict[str, str] = {}
    for ticker in provider.tickers():
        quote = provider.quote(ticker)
        for name in {ticker, ticker.lstrip("^")}:
            values[f"close.{name}"] = number(quote.price)
            values[f"asof.{name}"] = long_date(quote.as_of)
    return values


# ------------------------------------------------------------------------------------------------
# Customers for conversations, placeholders
# ------------------------------------------------------------------------------------------------


def needs(conversation: Conversation, role: str) -> dict[str, int]:
    """Orders of each status *role* ("me" or "other") must have: ``{me.shipped2.number}`` needs two shipped."""
    result: dict[str, int] = {}
    for text in conversation.texts():
        for name in PLACEHOLDER.findall(text):
            match = ME_ORDER.match(name)
            if not name.startswith(role + ".") or not match or match.group(1) not in STATUSES:
                continue
            count = int(match.group(2) or 1)
            result[match.group(1)] = max(result.get(match.group(1), 0), count)
    return result


@dataclass(frozen=True)
class Cast:
    """Who a conversation plays, and who the other customer is."""

    me: CustomerFacts
    other: CustomerFacts
    unknown_order: str


def assign_customers(conversations: Sequence[Conversation], customers: Sequence[CustomerFacts],
                     taken_numbers: Iterable[str] = ()) -> dict[str, Cast]:
    """A distinct customer per conversation that has every order status it names; an ``other``
    customer that is nobody's ``me`` (shared, least used first); a distinct unknown order number.

    Bipartite matching (augmenting paths), most constrained conversations first, so that a
    conversation needing rare statuses is not left without a customer by an easy one.
    Raises ValueError when the seeded data cannot satisfy every conversation.
    """
    wanted = {c.id: needs(c, "me") for c in conversations}
    candidates = {cid: [i for i, cust in enumerate(customers) if cust.satisfies(need)]
                  for cid, need in wanted.items()}
    order = sorted(conversations, key=lambda c: (len(candidates[c.id]), c.id))
    owner: dict[int, str] = {}

    def augment(cid: str, seen: set[int]) -> bool:
        for index in candidates[cid]:
            if index in seen:
                continue
            seen.add(index)
            if index not in owner or augment(owner[index], seen):
                owner[index] = cid
                return True
        return False

    for conversation in order:
        if not augment(conversation.id, set()):
            raise ValueError(f"no customer left with orders {wanted[conversation.id]} for {conversation.id}; "
                             "seed more customers and orders")
    me_of = {cid: customers[index] for index, cid in owner.items()}
    others = [c for i, c in enumerate(customers) if i not in owner]
    uses: Counter[int] = Counter()
    taken = set(taken_numbers)
    spare = (str(n) for n in range(1_999_999, 1_000_000, -1) if str(n) not in taken)
    cast: dict[str, Cast] = {}
    for conversation in sorted(conversations, key=lambda c: c.id):
        need = needs(conversation, "other")
        eligible = [c for c in others if c.satisfies(need)]
        if not eligible:
            raise ValueError(f"no other customer with orders {need} for {conversation.id}")
        other = min(eligible, key=lambda c: (uses[c.id], c.id))
        uses[other.id] += 1
        cast[conversation.id] = Cast(me_of[conversation.id], other, next(spare))
    return cast


def customer_bindings(role: str, customer: CustomerFacts, money: Callable[[Decimal, str], str]) -> dict[str, str]:
    """``<role>.email``, ``<role>.name``, ``<role>.id`` and ``<role>.<status>[N].<field>`` of every order."""
    values = {f"{role}.email": customer.email, f"{role}.name": customer.name, f"{role}.id": str(customer.id)}
    for status in STATUSES:
        for position, order in enumerate(customer.of_status(status), 1):
            prefix = f"{role}.{status}{position if position > 1 else ''}"
            fields = {
                "number": order.number, "carrier": order.carrier, "tracking": order.tracking,
                "eta": short_date(order.eta) if order.eta else None, "total": money(order.total, order.currency),
                "item": order.item or None,
            }
            values.update({f"{prefix}.{name}": value for name, value in fields.items() if value is not None})
    return values


def static_bindings(cast: Cast, market: Mapping[str, str], money: Callable[[Decimal, str], str]) -> dict[str, str]:
    """Every placeholder value of one conversation that is known before it starts."""
    return {
        **customer_bindings("me", cast.me, money),
        **customer_bindings("other", cast.other, money),
        "unknown_order": cast.unknown_order,
        **market,
    }


def resolve(text: str, values: Mapping[str, str]) -> str:
    """*text* with every placeholder replaced; raises Unresolved naming the first one without a value."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise Unresolved(name)
        return values[name]

    return PLACEHOLDER.sub(value, text)


def resolve_tree(value: Any, values: Mapping[str, str]) -> Any:
    """*value* (an ``expect`` structure) with placeholders resolved in every string."""
    if isinstance(value, str):
        return resolve(value, values)
    if isinstance(value, Mapping):
        return {key: resolve_tree(item, values) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [resolve_tree(item, values) for item in value]
    return value


# ------------------------------------------------------------------------------------------------
# What a turn produced, and the checks
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownProduct:
    position: int
    name: str
    price: str  # as written, "$1,299.99"
    sku: str | None  # from the line's feedback buttons, when present


@dataclass(frozen=True)
class Observation:
    """What one turn produced: the REST reply, the actions run, the slots and pause state after it."""

    messages: tuple[Mapping[str, Any], ...]
    actions: tuple[str, ...]
    slots: Mapping[str, Any]
    paused: bool = False

    @property
    def text(self) -> str:
        return "\n".join(str(m.get("text") or "") for m in self.messages)

    @property
    def payloads(self) -> list[str]:
        return [str(b.get("payload") or "") for m in self.messages for b in (m.get("buttons") or [])]

    def products(self) -> list[ShownProduct]:
        """The product lines (``N. Name — $price — reason``) of the reply, in order."""
        shown = []
        for message in self.messages:
            for line in str(message.get("text") or "").splitlines():
                match = PRODUCT_LINE.match(line)
                if match is None:
                    continue
                sku = None
                for button in message.get("buttons") or []:
                    payload = str(button.get("payload") or "")
                    if "product_sku" in payload:
                        try:
                            sku = json.loads(payload[payload.index("{"):]).get("product_sku")
                        except (ValueError, AttributeError):
                            sku = None
                        break
                shown.append(ShownProduct(int(match.group(1)), match.group("name").strip(), match.group("price"), sku))
        return shown


def parse_money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None


def shown_bindings(shown: Sequence[ShownProduct]) -> dict[str, str]:
    """``shown.<N|cheapest|priciest>.<name|price|sku>`` of the latest product list of the conversation."""
    values: dict[str, str] = {}
    if not shown:
        return values

    def add(key: str, product: ShownProduct) -> None:
        values[f"shown.{key}.name"] = product.name
        values[f"shown.{key}.price"] = product.price
        if product.sku:
            values[f"shown.{key}.sku"] = product.sku

    for product in shown:
        add(str(product.position), product)
    by_price = sorted(shown, key=lambda p: (parse_money(p.price) or Decimal(0), p.position))
    add("cheapest", by_price[0])
    add("priciest", by_price[-1])
    return values


def _alternatives(entry: str) -> list[str]:
    return [part.strip().lower() for part in entry.split(" | ") if part.strip()]


def _same(expected: Any, actual: Any) -> bool:
    """Slot equality as a reader means it: numbers by value, strings case-insensitively."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    if isinstance(expected, (int, float, Decimal)) or isinstance(actual, (int, float, Decimal)):
        left, right = parse_money(expected), parse_money(actual)
        if left is not None and right is not None:
            return left == right
    return str(expected).strip().lower() == str(actual).strip().lower()


def slot_matches(expected: Any, actual: Any) -> bool:
    """``null``: unset; ``"*"``: any value; a list: the same items in any order; a scalar against a
    list slot: that one item; otherwise equal (see :func:`_same`)."""
    if expected is None:
        return actual in UNSET
    if expected == "*":
        return actual not in UNSET
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return False
        remaining = list(actual)
        for item in expected:
            index = next((i for i, a in enumerate(remaining) if _same(item, a)), None)
            if index is None:
                return False
            remaining.pop(index)
        return True
    if isinstance(actual, list):
        return len(actual) == 1 and _same(expected, actual[0])
    return _same(expected, actual)


def check_faq(expected: str, observation: Observation) -> list[str]:
    """An article id (or ``a | b``: either): the reply links it and is no shortlist; ``shortlist``:
    article buttons offered; ``unknown``: neither an article link nor a shortlist (declined)."""
    text = observation.text
    shortlist = any(p.startswith(SHORTLIST_PAYLOAD) for p in observation.payloads)
    linked = re.findall(r"/articles/([a-z0-9-]+)", text)
    if expected == "shortlist":
        return [] if shortlist else [f"faq: expected a shortlist, got {'article ' + linked[0] if linked else 'none'}"]
    if expected == "unknown":
        if shortlist or linked:
            return [f"faq: expected a decline, got {'a shortlist' if shortlist else 'article ' + linked[0]}"]
        return []
    if set(_alternatives(expected)) & set(linked) and not shortlist:
        return []
    got = "a shortlist" if shortlist else (f"article(s) {', '.join(linked)}" if linked else "no article")
    return [f"faq: expected article {expected} answered directly, got {got}"]


def check_products(expected: Mapping[str, Any], observation: Observation,
                   catalogue: Mapping[str, ProductFacts]) -> list[str]:
    """Every product line of the reply against the catalogue and the expected filters."""
    shown = observation.products()
    problems = []
    count_min = int(expected.get("count_min", 1))
    if len(shown) < count_min:
        problems.append(f"products: expected at least {count_min} product line(s), got {len(shown)}")
    max_price = parse_money(expected["max_price"]) if expected.get("max_price") is not None else None
    category = str(expected["category"]).lower() if expected.get("category") else None
    colour = str(expected["colour"]).lower() if expected.get("colour") else None
    for product in shown:
        facts = catalogue.get(product.name)
        if facts is None:
            problems.append(f"products: {product.name!r} is not in the catalogue")
            continue
        price = parse_money(product.price)
        if price != facts.price:
            problems.append(f"products: {product.name} shown at {product.price}, catalogue says ${facts.price}")
        if category and facts.category != category:
            problems.append(f"products: {product.name} is in {facts.category}, expected {category}")
        if max_price is not None and facts.price > max_price:
            problems.append(f"products: {product.name} costs ${facts.price}, above {max_price}")
        if colour and colour not in facts.name.lower():
            problems.append(f"products: {product.name} is not {colour}")
    return problems


def check_turn(expect: Mapping[str, Any], observation: Observation,
               catalogue: Mapping[str, ProductFacts]) -> list[str]:
    """Every way the turn missed its (resolved) expectation; empty when it met it."""
    problems: list[str] = []
    for entry in _as_list(expect.get("action")):
        if not any(name in observation.actions for name in entry.split(" | ")):
            problems.append(f"action: expected {entry} to run")
    for entry in _as_list(expect.get("not_action")):
        for name in (n for n in entry.split(" | ") if n in observation.actions):
            problems.append(f"not_action: {name} ran")
    for slot, value in (expect.get("slots") or {}).items():
        actual = observation.slots.get(slot)
        if not slot_matches(value, actual):
            problems.append(f"slot {slot}: expected {value!r}, got {actual!r}")
    text = observation.text.lower()
    for entry in _as_list(expect.get("reply_has")):
        if not any(part in text for part in _alternatives(entry)):
            problems.append(f"reply_has: {entry!r} missing")
    for entry in _as_list(expect.get("reply_lacks")):
        present = [part for part in _alternatives(entry) if part in text]
        if present:
            problems.append(f"reply_lacks: {present[0]!r} present")
    if "faq" in expect:
        problems += check_faq(str(expect["faq"]), observation)
    if "products" in expect:
        problems += check_products(expect["products"], observation, catalogue)
    if "paused" in expect and bool(observation.paused) != expect["paused"]:
        problems.append(f"paused: expected {expect['paused']}, got {observation.paused}")
    if not expect and not observation.messages:
        problems.append("no reply")
    return problems


@dataclass(frozen=True)
class PrivateValues:
    """Every customer email, name and tracking number in the database, and whose it is."""

    emails: Mapping[str, int]
    names: Mapping[str, int]
    tracking: Mapping[str, int]

    @classmethod
    def of(cls, customers: Iterable[CustomerFacts]) -> PrivateValues:
        customers = list(customers)
        return cls(
            {c.email.lower(): c.id for c in customers},
            {c.name: c.id for c in customers},
            {o.tracking: c.id for c in customers for o in c.orders if o.tracking},
        )


def disclosures(reply: str, me: CustomerFacts, verified_as_me: bool, typed: str,
                private: PrivateValues) -> list[str]:
    """What the reply gives away: another customer's email, name or tracking number, or this
    customer's tracking numbers before they are verified. Values the customer typed themselves
    (in *typed*: every message so far) may be echoed."""
    problems = []
    typed = typed.lower()
    for email in {e.lower().rstrip(".") for e in EMAIL.findall(reply)}:
        owner = private.emails.get(email)
        if owner is not None and email not in typed and not (owner == me.id and verified_as_me):
            problems.append(f"disclosed: the email of customer {owner}")
    for token in set(TOKEN.findall(reply)):
        owner = private.tracking.get(token)
        if owner is not None and token.lower() not in typed and not (owner == me.id and verified_as_me):
            problems.append(f"disclosed: a tracking number of customer {owner}")
    for name, owner in private.names.items():
        if owner != me.id and name != me.name and name in reply and name.lower() not in typed:
            problems.append(f"disclosed: the name of customer {owner}")
    return problems


# ------------------------------------------------------------------------------------------------
# Driving the stack
# ------------------------------------------------------------------------------------------------


class Client(Protocol):
    """What the runner needs of the stack (``assistant.stack_process.StackProcess`` has it)."""

    def say(self, sender: str, text: str) -> list[dict]: ...

    def tracker(self, sender: str, include_events: str | None = None) -> dict: ...


@dataclass
class TurnResult:
    index: int
    user: str
    expect: Mapping[str, Any]
    actions: tuple[str, ...] = ()
    reply: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ConversationResult:
    conversation: Conversation
    turns: list[TurnResult]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.turns)


@dataclass(frozen=True)
class World:
    """Everything the checks need that does not change during a run."""

    catalogue: Mapping[str, ProductFacts]
    private: PrivateValues
    cast: Mapping[str, Cast]
    market: Mapping[str, str]
    money: Callable[[Decimal, str], str]


def run_conversation(client: Client, conversation: Conversation, world: World) -> ConversationResult:
    """Plays *conversation* as a new sender and checks every turn (see the module docstring)."""
    cast = world.cast[conversation.id]
    values = static_bindings(cast, world.market, world.money)
    sender = f"conv-{conversation.id[:40]}-{uuid.uuid4().hex[:8]}"
    results: list[TurnResult] = []
    shown: list[ShownProduct] = []
    typed = ""
    seen = len(client.tracker(sender, include_events="ALL").get("events") or [])
    for index, turn in enumerate(conversation.turns, 1):
        bindings = {**values, **shown_bindings(shown)}
        try:
            user = resolve(turn.user, bindings)
        except Unresolved as missing:
            results.append(TurnResult(index, turn.user, turn.expect, problems=[f"no value for {{{missing.args[0]}}}"]))
            continue
        result = TurnResult(index, user, turn.expect)
        results.append(result)
        try:
            expect = resolve_tree(turn.expect, bindings)
        except Unresolved as missing:
            expect = {}
            result.problems.append(f"no value for {{{missing.args[0]}}} in the expectation")
        typed += "\n" + user
        started = time.monotonic()
        try:
            messages = client.say(sender, user)
            tracker = client.tracker(sender, include_events="ALL")
        except Exception as error:  # noqa: BLE001 - a failed request fails the turn, not the run
            result.problems.append(f"request failed: {type(error).__name__}: {error}"[:300])
            continue
        result.seconds = time.monotonic() - started
        result.expect = expect
        events = tracker.get("events") or []
        new_events, seen = events[seen:], len(events)
        actions = tuple(e.get("name") for e in new_events
                        if e.get("event") == "action" and e.get("name") not in ("action_listen", None))
        observation = Observation(tuple(messages), actions, tracker.get("slots") or {}, bool(tracker.get("paused")))
        result.actions, result.reply = actions, observation.text
        result.problems += check_turn(expect, observation, world.catalogue)
        verified_as_me = str(observation.slots.get("verified_customer_id")) == str(cast.me.id)
        result.problems += disclosures(observation.text, cast.me, verified_as_me, typed, world.private)
        products = observation.products()
        if products:
            shown = products
    return ConversationResult(conversation, results)


def run_all(client_factory: Callable[[], Client], conversations: Sequence[Conversation], world: World,
            workers: int = 3, progress: Callable[[str], None] | None = None) -> list[ConversationResult]:
    """Every conversation, *workers* at a time (one client per worker thread), in input order."""
    local = threading.local()
    done = Counter[str]()
    lock = threading.Lock()

    def play(conversation: Conversation) -> ConversationResult:
        if not hasattr(local, "client"):
            local.client = client_factory()
        result = run_conversation(local.client, conversation, world)
        with lock:
            done["n"] += 1
            if progress and (done["n"] % 20 == 0 or done["n"] == len(conversations)):
                progress(f"{done['n']}/{len(conversations)} conversations")
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(play, conversations))


def prepare_world(app_url: str, conversations: Sequence[Conversation]) -> World:
    """Customers, catalogue and market values of the seeded database at *app_url*, cast checked:
    every placeholder outside ``{shown.*}`` must resolve, or this raises before anything is sent."""
    from actions.order_status import money

    customers = load_customers(app_url)
    cast = assign_customers(conversations, customers, (o.number for c in customers for o in c.orders))
    market = market_bindings()
    world = World(load_catalogue(app_url), PrivateValues.of(customers), cast, market, money)
    for conversation in conversations:
        values = static_bindings(cast[conversation.id], market, money)
        for text in conversation.texts():
            for name in PLACEHOLDER.findall(text):
                if name not in values and not name.startswith("shown."):
                    raise ValueError(f"{conversation.id}: no value for {{{name}}} in the seeded data")
    return world


# ------------------------------------------------------------------------------------------------
# Figures and the failure list
# ------------------------------------------------------------------------------------------------


def _rates(results: Sequence[ConversationResult]) -> dict[str, Any]:
    turns = [t for r in results for t in r.turns]
    return {
        "conversations": len(results),
        "turns": len(turns),
        "turn_accuracy": round(sum(t.ok for t in turns) / len(turns), 4) if turns else None,
        "conversation_success": round(sum(r.ok for r in results) / len(results), 4) if results else None,
    }


def summarise(results: Sequence[ConversationResult]) -> dict[str, Any]:
    """Per half (and for all): counts, turn accuracy, conversation success, and the same per category
    (a conversation counts in each of its categories)."""
    summary: dict[str, Any] = {}
    for half in (*HALVES, "all"):
        chosen = [r for r in results if half == "all" or r.conversation.half == half]
        by_category: dict[str, list[ConversationResult]] = defaultdict(list)
        for result in chosen:
            for category in result.conversation.categories:
                by_category[category].append(result)
        summary[half] = {**_rates(chosen),
                         "categories": {c: _rates(by_category[c]) for c in sorted(by_category)}}
    return summary


def summary_table(summary: Mapping[str, Any]) -> str:
    lines = ["| half | category | conversations | turns | turn accuracy | conversation success |",
             "|---|---|---|---|---|---|"]
    for half in (*HALVES, "all"):
        figures = summary.get(half)
        if not figures or not figures["conversations"]:
            continue
        rows = [("**all**", figures)] + list(figures["categories"].items())
        for category, f in rows:
            lines.append(f"| {half} | {category} | {f['conversations']} | {f['turns']} | "
                         f"{f['turn_accuracy']:.3f} | {f['conversation_success']:.3f} |")
    return "\n".join(lines)


def failure_report(results: Sequence[ConversationResult], reply_chars: int = 400) -> str:
    """Every failed turn: conversation, turn, message, what was expected, the problems, what ran, the reply."""
    blocks = []
    for result in results:
        for turn in result.turns:
            if turn.ok:
                continue
            reply = " ".join(turn.reply.split())
            blocks.append("\n".join([
                (f"[{result.conversation.half}] {result.conversation.id} turn {turn.index} "
                 f"({result.conversation.source}): {turn.user!r}"),
                f"  expected: {json.dumps(turn.expect, ensure_ascii=False, default=str)}",
                *(f"  - {problem}" for problem in turn.problems),
                f"  actions: {', '.join(turn.actions) or '(none)'}",
                f"  reply: {reply[:reply_chars]}{'…' if len(reply) > reply_chars else ''}",
            ]))
    return "\n\n".join(blocks)


def results_json(results: Sequence[ConversationResult]) -> list[dict[str, Any]]:
    """Every turn's outcome, for a report file (failures in full, successes in brief)."""
    return [{
        "id": r.conversation.id, "half": r.conversation.half, "categories": list(r.conversation.categories),
        "ok": r.ok,
        "turns": [{"user": t.user, "ok": t.ok, "actions": list(t.actions), "seconds": round(t.seconds, 3),
                   **({"problems": t.problems, "expect": t.expect, "reply": t.reply} if not t.ok else {})}
                  for t in r.turns],
    } for r in results]


def write_report(results: Sequence[ConversationResult], directory: Path) -> Path:
    """``summary.md`` (figures), ``failures.txt`` (every failed turn) and ``results.json`` in *directory*."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "summary.md").write_text(summary_table(summarise(results)) + "\n", encoding="utf-8")
    (directory / "failures.txt").write_text(failure_report(results) + "\n", encoding="utf-8")
    (directory / "results.json").write_text(json.dumps(results_json(results), indent=1, ensure_ascii=False,
                                                       default=str) + "\n", encoding="utf-8")
    return directory
