"""Product recommendations in chat: a list with reasons and 👍/👎 buttons, and the feedback on it.

Thin adapter over :class:`commerce.recommendations.RecommendationService`:
reads the entities and slots, turns them into a request, and the answer into
messages. A verified customer (slot ``verified_customer_id``) gets lists from
their purchases; anyone else is identified by a hash of the conversation's
sender id, which is also their A/B unit and cache key.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.order_status import money
from actions.services import recommendation_service
from actions.skill import SkillAction
from commerce.product_questions import Answer as ProductAnswer
from commerce.product_questions import Asked, Row, answer_question, positions_in, read_question
from commerce.recommendations import RecommendationList, Subject
from dialogue.context import (
    CHEAPER,
    COLOUR_NAME,
    ELLIPSIS_START,
    INSTEAD,
    PRICIER,
    REC_CATEGORY,
    REC_MAX_PRICE,
    REC_SHOWN,
    SAME_BUDGET,
)

log = logging.getLogger(__name__)

MAX_ITEMS = 5
CURRENCY = "USD"

# Words customers use for each catalog category (the catalog's own names map to themselves).
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "headphones": ("headphone", "headset", "earbud", "earbuds", "earphone", "earphones",
                   "noise cancelling headphones"),
    "speakers": ("speaker", "soundbar", "bluetooth speaker", "smart speaker", "bookshelf speakers"),
    "laptops": ("laptop", "notebook", "chromebook", "ultrabook", "gaming laptop", "2 in 1", "computer"),
    "phones": ("phone", "smartphone", "mobile", "mobile phone", "cell phone", "rugged phone"),
    "tablets": ("tablet", "ipad", "e reader", "ereader", "kindle"),
    "wearables": ("wearable", "smartwatch", "smartwatches", "watch", "watches", "fitness tracker", "smart ring"),
    "cameras": ("photography", "photographer", "camera", "drone", "camera drone", "action camera", "lens", "lenses",
                "mirrorless camera"),
    "gaming": ("gamer", "game", "games", "video games", "console", "game console", "controller", "gaming headset",
               "gaming mouse", "mouse", "keyboard", "mechanical keyboard"),
    "tv": ("tvs", "television", "oled tv", "qled tv", "streaming stick"),
    "monitors": ("monitor", "screen", "display", "webcam", "docking station", "dock"),
    "smart-home": ("smart home", "smarthome", "home automation", "thermostat", "smart thermostat", "robot vacuum",
                   "vacuum", "security camera", "doorbell", "video doorbell", "smart bulb", "smart plug"),
    "kitchen": ("kitchen appliances", "appliance", "cookware", "cooking", "cook", "baking", "chef", "coffee",
                "air fryer", "blender", "kettle",
                "espresso machine", "coffee machine", "coffee maker", "stand mixer", "mixer"),
    "fitness": ("exercise", "workout", "gym", "running", "runner", "cycling", "yoga", "dumbbell", "dumbbells",
                "exercise bike", "treadmill",
                "massage gun", "resistance band", "yoga mat", "sport", "sports"),
    "accessories": ("accessory", "backpack", "laptop backpack", "ssd", "portable ssd", "power bank", "charger",
                    "usb c charger", "charging stand", "cable"),
    "books": ("book", "ebook", "novel", "cookbook", "guide", "reading"),
}
_CATEGORY_WORDS = {
    word: category for category, words in CATEGORY_SYNONYMS.items() for word in (category, *words)
}
_PRICE = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\d,])")
_PRICE_IN_TEXT = re.compile(
    r"(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|within|no more than|<=?|"
    r"budget(?:\s+(?:is|of))?(?:\s+(?:about|around|roughly))?|spend(?:\s+(?:up to|about|around))?)\s*\$?\s*"
    r"(\d[\d,]*(?:\.\d{1,2})?)|\$\s*(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s*(?:dollars|bucks|usd)\b",
    re.IGNORECASE,
)
MAX_ENTITY_CHARS = 60
# "gaming ones", "waterproof ones": a kind of what was shown, not another category
DESCRIBED_ONES = re.compile(r"\b([a-z-]+) (?:ones?|models?|versions?)\b", re.IGNORECASE)


def parse_price(text: Optional[str]) -> Optional[Decimal]:
    """The amount in "100", "$100", "100 dollars", "under 50", "1,299.99"; None if there is none."""
    match = _PRICE.search((text or "")[:MAX_ENTITY_CHARS])
    if match is None:
        return None
    try:
        return Decimal(match.group(1).replace(",", "") + "." + (match.group(2) or "0"))
    except InvalidOperation:
        return None


def price_in_text(text: str) -> Optional[Decimal]:
    """A price limit written in the message itself ("under 80", "$50", "my budget is 800") when NLU found none."""
    match = _PRICE_IN_TEXT.search(text or "")
    return parse_price(match.group(1) or match.group(2) or match.group(3)) if match else None


def parse_category(text: Optional[str]) -> Optional[str]:
    """The catalog category a customer's word names, or None."""
    word = " ".join((text or "").lower().replace("-", " ").split())[:MAX_ENTITY_CHARS]
    for candidate in (word, word.replace(" ", "-"), word.removesuffix("s"), word.removesuffix("es")):
        if candidate in _CATEGORY_WORDS:
            return _CATEGORY_WORDS[candidate]
    return None


def category_in_text(text: str) -> Optional[str]:
    """A category named in the message itself ("a laptop under $5") when NLU found none."""
    words = re.findall(r"[a-z0-9]+", (text or "").lower())[:MAX_ENTITY_CHARS]
    for size in (3, 2, 1):  # longest phrase first: "gaming laptop" before "gaming"
        for start in range(len(words) - size + 1):
            category = parse_category(" ".join(words[start : start + size]))
            if category is not None:
                return category
    return None


FEEDBACK_WORDS = {
    "up": ("up", "👍", "like", "love", "great", "good", "thumbs up", "more like", "yes"),
    "down": ("down", "👎", "dislike", "don't like", "do not like", "not interested", "thumbs down", "no more", "no"),
}


def parse_feedback(text: Optional[str]) -> Optional[str]:
    """"up" or "down" from the button value or the customer's words; None if unclear."""
    word = " ".join((text or "").lower().split())[:MAX_ENTITY_CHARS]
    return next((value for value, words in FEEDBACK_WORDS.items() if word in words), None)


def latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    """The entity's value in the latest message (not a slot that may be stale)."""
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def subject_of(tracker: Tracker) -> Subject:
    value = tracker.get_slot("verified_customer_id")
    try:
        customer_id = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        customer_id = None
    return Subject.of(customer_id, tracker.sender_id)


def feedback_payload(sku: str, feedback: str) -> str:
    return "/recommendation_feedback" + json.dumps({"product_sku": sku, "feedback": feedback}, separators=(",", ":"))


def _nothing_found(result: RecommendationList, category: Optional[str], max_price: Optional[Decimal]) -> str:
    what = category or replies.text("recs.products")
    limit = replies.text("recs.at_or_under", price=money(max_price, CURRENCY)) if max_price is not None else ""
    text = replies.text("recs.nothing_found", what=what, limit=limit)
    if result.price_range is not None:
        low, high = result.price_range
        text += " " + replies.text("recs.price_range", what=what, low=money(low, CURRENCY), high=money(high, CURRENCY))
    others = [name for name in result.categories if name != category]
    return text + " " + replies.text("recs.also_have", categories=", ".join(others))


@dataclass(frozen=True)
class Wish:
    """The filters of a recommendation request, completed from the last list when it refines it."""

    category: Optional[str] = None
    max_price: Optional[Decimal] = None
    min_price: Optional[Decimal] = None
    colour: Optional[str] = None
    exclude: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    feature: Optional[str] = None  # a word the name or description must contain ("gaming" laptops)


def median(values: List[Decimal]) -> Decimal:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def wish_of(tracker: Tracker) -> Wish:
    """What the latest message asks for; a refinement ("cheaper ones", "tablets instead", "only in
    black", "something else") keeps the last list's other filters (a new category drops the old
    price limit, unless the message keeps it: "tablets for the same money")."""
    text = (tracker.latest_message or {}).get("text") or ""
    raw_category = latest_entity(tracker, "product_category")
    category = (parse_category(raw_category) if raw_category is not None else None) or category_in_text(text)
    raw_price = latest_entity(tracker, "max_price")
    max_price = (parse_price(raw_price) if raw_price is not None else None) or price_in_text(text)
    notes: list[str] = []
    if raw_category is not None and category is None:
        notes.append(replies.text("recs.no_such_category", category=raw_category[:MAX_ENTITY_CHARS]))
    if raw_price is not None and max_price is None:
        notes.append(replies.text("recs.price_unreadable"))
    shown = [str(s) for s in tracker.get_slot(REC_SHOWN) or []]
    colour_match = COLOUR_NAME.search(text)
    same_budget = SAME_BUDGET.search(text)
    cheaper = None if same_budget else CHEAPER.search(text)  # "the same budget" is no cheaper
    pricier, other = PRICIER.search(text), INSTEAD.search(text)
    descriptor = DESCRIBED_ONES.search(text)
    refining = bool(shown) and bool(cheaper or pricier or other or colour_match or descriptor or same_budget
                                   or ELLIPSIS_START.search(text) or (category is None and max_price is not None))
    if not refining:
        return Wish(category, max_price, notes=tuple(notes))
    last_category = tracker.get_slot(REC_CATEGORY)
    last_max = tracker.get_slot(REC_MAX_PRICE)
    feature: Optional[str] = None
    if descriptor and last_category and category is not None and category != last_category:
        feature, category = descriptor.group(1).lower(), None  # "gaming ones" after laptops: gaming laptops
    if category is None or same_budget:
        category = category or last_category
        if max_price is None and last_max is not None:
            max_price = Decimal(str(last_max))
    min_price: Optional[Decimal] = None
    if cheaper or pricier:
        shown_products = recommendation_service().product_details(shown)
        prices = [p.price for p in shown_products]
        named = positions_in(text, len(shown_products))
        if named:  # "cheaper than the first one"
            prices = [shown_products[named[0] - 1].price]
        if prices and cheaper:
            cap = median(prices) - Decimal("0.01")
            max_price = cap if max_price is None else min(max_price, cap)
        elif prices:
            min_price, max_price = median(prices), None
    colour = colour_match.group(0).lower().replace("gray", "grey") if colour_match else None
    exclude = tuple(shown) if other and category == last_category and not colour else ()
    return Wish(category, max_price, min_price, colour, exclude, tuple(notes), feature)


def show(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    like_last_order: bool = False,
    note: str = "",
) -> List[EventType]:
    """Recommend for the latest message's filters, send the list with its buttons, remember it."""
    wish = wish_of(tracker)
    notes = ([note] if note else []) + list(wish.notes)
    try:
        result = recommendation_service().recommend(
            subject_of(tracker), category=wish.category, max_price=wish.max_price, k=MAX_ITEMS,
            like_last_order=like_last_order, min_price=wish.min_price, colour=wish.colour, exclude=wish.exclude,
            feature=wish.feature,
        )
    except (FileNotFoundError, ValueError) as error:
        log.warning("recommendations unavailable: %s", error)
        dispatcher.utter_message(text=replies.text("recs.unavailable"))
        return []
    remembered = [SlotSet(REC_CATEGORY, wish.category),
                  SlotSet(REC_MAX_PRICE, float(wish.max_price) if wish.max_price is not None else None)]
    if not result.items:
        if wish.colour:
            notes.append(replies.text("recs.no_colour", colour=wish.colour, what=wish.category or
                                      replies.text("recs.products")))
        elif wish.min_price is not None:
            notes.append(replies.text("recs.none_pricier", what=wish.category or replies.text("recs.products")))
        dispatcher.utter_message(text=" ".join(notes + [_nothing_found(result, wish.category, wish.max_price)]))
        return remembered
    if result.based_on:
        notes.append(replies.text("recs.based_on", names=", ".join(result.based_on)))
    elif like_last_order and not note:
        notes.append(replies.text("recs.no_earlier_order"))
    elif result.personalised:
        notes.append(replies.text("recs.picked_for_you"))
    else:
        where = replies.text("recs.in_category", category=wish.category) if wish.category else ""
        notes.append(replies.text("recs.popular", where=where))
    if result.out_of_stock_only:
        notes.append(replies.text("recs.out_of_stock_only"))
    dispatcher.utter_message(text=" ".join(notes))
    for position, item in enumerate(result.items, start=1):
        product = item.product
        stock = "" if product.stock > 0 else replies.text("recs.out_of_stock")
        dispatcher.utter_message(
            text=replies.text("recs.line", position=position, name=product.name,
                              price=money(product.price, CURRENCY), stock=stock, reason=item.reason),
            buttons=[
                {"title": "👍", "payload": feedback_payload(product.sku, "up")},
                {"title": "👎", "payload": feedback_payload(product.sku, "down")},
            ],
        )
    return remembered + [SlotSet(REC_SHOWN, [item.product.sku for item in result.items])]


class ActionRecommend(SkillAction):
    """Up to five products with a reason each: personal when verified, popular otherwise."""

    unavailable_reply = "recs.unavailable"

    def name(self) -> Text:
        return "action_recommend"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return show(dispatcher, tracker)


class ActionRecommendSimilar(SkillAction):
    """Products like the verified customer's latest order; general picks when nobody is verified."""

    unavailable_reply = "recs.unavailable"

    def name(self) -> Text:
        return "action_recommend_similar"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if subject_of(tracker).customer_id is None:
            return show(dispatcher, tracker, note=replies.text("recs.general_suggestions"))
        return show(dispatcher, tracker, like_last_order=True)


class ActionRecommendationFeedback(SkillAction):
    """Records 👍/👎 on a recommended product; the next list reflects it at once."""

    unavailable_reply = "recs.unavailable"

    def name(self) -> Text:
        return "action_recommendation_feedback"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        feedback = parse_feedback(latest_entity(tracker, "feedback"))
        if feedback is None:
            dispatcher.utter_message(text=replies.text("recs.feedback_unclear"))
            return []
        product = recommendation_service().record_feedback(
            subject_of(tracker), latest_entity(tracker, "product_sku"), feedback
        )
        if product is None:
            dispatcher.utter_message(text=replies.text("recs.feedback_unknown_product"))
        else:
            dispatcher.utter_message(text=replies.text(f"recs.feedback_{feedback}", name=product.name))
        return []


class ActionProductDetails(SkillAction):
    """Answers a question about the products just recommended (``rec_shown``), from the catalogue."""

    unavailable_reply = "recs.unavailable"

    def name(self) -> Text:
        return "action_product_details"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        shown = [str(s) for s in tracker.get_slot(REC_SHOWN) or []]
        products = recommendation_service().product_details(shown)
        if not products:
            dispatcher.utter_message(text=replies.text("recs.details_nothing_shown"))
            return []
        text = (tracker.latest_message or {}).get("text") or ""
        found = answer_question(read_question(text, len(products)), products)
        dispatcher.utter_message(text="\n".join(describe_answer(found)))
        return []


def product_line(row: Row) -> str:
    stock = replies.text("recs.in_stock" if row.product.stock > 0 else "recs.sold_out")
    return replies.text("recs.detail_line", position=row.position, name=row.product.name, brand=row.product.brand,
                        price=money(row.product.price, CURRENCY), stock=stock, description=row.product.description)


def describe_answer(found: ProductAnswer) -> List[str]:
    """The lines that tell *found* (the reply catalogue's wording)."""
    asked = found.asked
    if asked in (Asked.BATTERY, Asked.WEIGHT):
        what = replies.text(f"recs.measure.{asked.value}")
        if found.best is None:
            return [replies.text("recs.not_stated", what=what)]
        best = found.best
        lines = [replies.text("recs.best_stated", position=best.position, name=best.product.name, stated=best.stated)]
        others = [replies.text("recs.other_stated", position=row.position, name=row.product.name,
                               stated=row.stated or replies.text("recs.stated_nothing"))
                  for row in found.rows if row.position != best.position]
        if others:
            lines.append(replies.text("recs.others", others="; ".join(others)))
        return lines
    if asked is Asked.BEST and found.best is not None:
        return [replies.text("recs.best", position=found.best.position, name=found.best.product.name),
                product_line(found.best)]
    if asked in (Asked.CHEAPEST, Asked.PRICIEST) and found.best is not None:
        return [replies.text(f"recs.{asked.value}", position=found.best.position, name=found.best.product.name,
                             price=money(found.best.product.price, CURRENCY))]
    if asked is Asked.STOCK:
        return [replies.text("recs.stock_line", position=row.position, name=row.product.name,
                             stock=replies.text("recs.in_stock" if row.product.stock > 0 else "recs.sold_out"))
                for row in found.rows]
    lead = [] if found.found else [replies.text("recs.feature_not_found")]
    return lead + [product_line(row) for row in found.rows]
