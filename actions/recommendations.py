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
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_status import money
from actions.services import recommendation_service
from commerce.recommendations import RecommendationList, Subject

log = logging.getLogger(__name__)

MAX_ITEMS = 5
CURRENCY = "USD"
UNAVAILABLE = "Sorry, I can't suggest products right now. Please try again in a little while."

# Words customers use for each catalog category (the catalog's own names map to themselves).
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "headphones": ("headphone", "headset", "earbud", "earbuds", "earphone", "earphones",
                   "noise cancelling headphones"),
    "speakers": ("speaker", "soundbar", "bluetooth speaker", "smart speaker", "bookshelf speakers"),
    "laptops": ("laptop", "notebook", "chromebook", "ultrabook", "gaming laptop", "2 in 1", "computer"),
    "phones": ("phone", "smartphone", "mobile", "mobile phone", "cell phone", "rugged phone"),
    "tablets": ("tablet", "ipad", "e reader", "ereader", "kindle"),
    "wearables": ("wearable", "smartwatch", "smartwatches", "watch", "watches", "fitness tracker", "smart ring"),
    "cameras": ("camera", "drone", "camera drone", "action camera", "lens", "lenses", "mirrorless camera"),
    "gaming": ("game", "games", "video games", "console", "game console", "controller", "gaming headset",
               "gaming mouse", "mouse", "keyboard", "mechanical keyboard"),
    "tv": ("tvs", "television", "oled tv", "qled tv", "streaming stick"),
    "monitors": ("monitor", "screen", "display", "webcam", "docking station", "dock"),
    "smart-home": ("smart home", "smarthome", "home automation", "thermostat", "smart thermostat", "robot vacuum",
                   "vacuum", "security camera", "doorbell", "video doorbell", "smart bulb", "smart plug"),
    "kitchen": ("kitchen appliances", "appliance", "cookware", "air fryer", "blender", "kettle",
                "espresso machine", "coffee machine", "coffee maker", "stand mixer", "mixer"),
    "fitness": ("exercise", "workout", "gym", "dumbbell", "dumbbells", "exercise bike", "treadmill",
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
    r"(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|within|<=?)\s*\$?\s*"
    r"(\d[\d,]*(?:\.\d{1,2})?)|\$\s*(\d[\d,]*(?:\.\d{1,2})?)",
    re.IGNORECASE,
)
MAX_ENTITY_CHARS = 60


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
    """A price limit written in the message itself ("under 80", "$50") when NLU found none."""
    match = _PRICE_IN_TEXT.search(text or "")
    return parse_price(match.group(1) or match.group(2)) if match else None


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
    what = category or "products"
    limit = f" at or under {money(max_price, CURRENCY)}" if max_price is not None else ""
    text = f"Sorry, I couldn't find {what}{limit} to suggest."
    if result.price_range is not None:
        low, high = result.price_range
        text += f" Our {what} cost from {money(low, CURRENCY)} to {money(high, CURRENCY)}."
    others = [name for name in result.categories if name != category]
    return text + " We also have: " + ", ".join(others) + "."


def show(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    like_last_order: bool = False,
    note: str = "",
) -> None:
    """Recommend for the latest message's filters and send the list with its buttons."""
    text = (tracker.latest_message or {}).get("text") or ""
    raw_category = latest_entity(tracker, "product_category")
    category = parse_category(raw_category) if raw_category is not None else category_in_text(text)
    raw_price = latest_entity(tracker, "max_price")
    max_price = parse_price(raw_price) if raw_price is not None else price_in_text(text)
    notes = [note] if note else []
    if raw_category is not None and category is None:
        notes.append(f"We don't have a “{raw_category[:MAX_ENTITY_CHARS]}” category, so here is a bit of everything.")
    if raw_price is not None and max_price is None:
        notes.append("I couldn't read that price, so I didn't limit it.")
    try:
        result = recommendation_service().recommend(
            subject_of(tracker), category=category, max_price=max_price, k=MAX_ITEMS,
            like_last_order=like_last_order,
        )
    except (FileNotFoundError, ValueError) as error:
        log.warning("recommendations unavailable: %s", error)
        dispatcher.utter_message(text=UNAVAILABLE)
        return
    if not result.items:
        dispatcher.utter_message(text=" ".join(notes + [_nothing_found(result, category, max_price)]))
        return
    if result.based_on:
        notes.append("Based on your last order (" + ", ".join(result.based_on) + "):")
    elif like_last_order and not note:
        notes.append("I found no earlier order of yours to go by, so here are popular picks:")
    elif result.personalised:
        notes.append("Picked for you:")
    else:
        notes.append("Here are some popular picks" + (f" in {category}" if category else "") + ":")
    if result.out_of_stock_only:
        notes.append("(Everything that matches is out of stock right now.)")
    dispatcher.utter_message(text=" ".join(notes))
    for position, item in enumerate(result.items, start=1):
        product = item.product
        stock = "" if product.stock > 0 else " (out of stock)"
        dispatcher.utter_message(
            text=f"{position}. {product.name} — {money(product.price, CURRENCY)}{stock} — {item.reason}",
            buttons=[
                {"title": "👍", "payload": feedback_payload(product.sku, "up")},
                {"title": "👎", "payload": feedback_payload(product.sku, "down")},
            ],
        )


class ActionRecommend(Action):
    """Up to five products with a reason each: personal when verified, popular otherwise."""

    def name(self) -> Text:
        return "action_recommend"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        show(dispatcher, tracker)
        return []


class ActionRecommendSimilar(Action):
    """Products like the verified customer's latest order; general picks when nobody is verified."""

    def name(self) -> Text:
        return "action_recommend_similar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if subject_of(tracker).customer_id is None:
            show(dispatcher, tracker, note="I couldn't look up your orders, so these are general suggestions.")
        else:
            show(dispatcher, tracker, like_last_order=True)
        return []


class ActionRecommendationFeedback(Action):
    """Records 👍/👎 on a recommended product; the next list reflects it at once."""

    def name(self) -> Text:
        return "action_recommendation_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        feedback = parse_feedback(latest_entity(tracker, "feedback"))
        if feedback is None:
            dispatcher.utter_message(text="Sorry, I didn't catch whether you liked that suggestion. "
                                          "Please use the 👍 or 👎 button under it.")
            return []
        product = recommendation_service().record_feedback(
            subject_of(tracker), latest_entity(tracker, "product_sku"), feedback
        )
        if product is None:
            dispatcher.utter_message(text="Sorry, I couldn't find that product, so I couldn't note your feedback. "
                                          "Ask me for recommendations to get a fresh list.")
        elif feedback == "up":
            dispatcher.utter_message(text=f"Thanks! I'll suggest more like {product.name}.")
        else:
            dispatcher.utter_message(text=f"Got it: I won't suggest {product.name} again, "
                                          "and I'll show fewer like it.")
        return []
