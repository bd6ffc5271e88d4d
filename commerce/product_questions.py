"""Questions about products just recommended: "which one has the longest battery life?", "is the
second one in stock?", "tell me more about the first one", "which has noise cancelling?".

Plain Python over :class:`commerce.recommendations.ProductDetail`: :func:`read_question` says what
is asked, :func:`answer_question` finds the answer in the products' facts and descriptions. Facts
are only ever read from the catalogue (price, stock, the description's own words); a product whose
description does not state a figure is said not to state it, never guessed.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from commerce.recommendations import ProductDetail

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
            "5th": 5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
POSITION = re.compile(r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b"
                      r"|(?:number|no\.?|#|option|item|pick)\s*([1-5]|one|two|three|four|five)\b", re.I)
BATTERY = re.compile(r"\bbatter(?:y|ies)\b|\bplayback\b|\blast(?:s)? longest\b|\bcharge\b", re.I)
WEIGHT = re.compile(r"\blight(?:est|er)?\b|\bheav(?:y|iest|ier)\b|\bweigh\w*\b", re.I)
CHEAPEST = re.compile(r"\bcheapest\b|\bleast expensive\b|\blowest price\b|\bmost affordable\b", re.I)
PRICIEST = re.compile(r"\bmost expensive\b|\bpriciest\b|\bhighest price\b|\bdearest\b", re.I)
STOCK = re.compile(r"\bin stock\b|\bavailable\b|\bavailability\b|\bsold out\b|\bcan i (?:get|buy) it\b", re.I)
BEST = re.compile(r"\bwhich (?:one )?(?:is|would be|'s) (?:the )?best\b|"
                  r"\bwhich (?:one )?(?:would|should|do) (?:you|i)\b|"
                  r"\bbest (?:one|pick|choice|option)\b|\bwhat would you (?:pick|choose|get|recommend)\b|"
                  r"\bwhich (?:one )?(?:do you|would you) recommend\b|\bthe best of (?:them|these|those)\b", re.I)
COMPARE = re.compile(r"\bdifference\w*\b|\bcompare\b|\bversus\b|\bvs\.?\b|\bbetter\b", re.I)
STOPWORDS = frozenset("""
which one ones of them these those the a an is are has have had with does do did it its that this what whats
what's tell me more about any and or for to in on longest best most least good better there their than
""".split())
HOURS = re.compile(r"(\d+(?:[.,]\d+)?|three|two|four|five|six|eight|ten|twelve)[- ](hour|hours|day|days|minute|minutes)"
                   r"\b[^.,;]*?\b(?:battery|playback|flight)|(all-day) battery|(weeks) of battery", re.I)
WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "ten": 10, "twelve": 12}
GRAMS = re.compile(r"(\d+(?:\.\d+)?)\s*(kg|g)\b", re.I)


class Asked(enum.Enum):
    BEST = "best"  # "which one would you pick?": the list is ranked, best first
    BATTERY = "battery"
    WEIGHT = "weight"
    CHEAPEST = "cheapest"
    PRICIEST = "priciest"
    STOCK = "stock"
    DESCRIBE = "describe"  # "tell me more about the first one", "the difference between 1 and 2"
    FEATURE = "feature"  # "which one has noise cancelling?"


@dataclass(frozen=True)
class ProductQuestion:
    asked: Asked
    positions: tuple[int, ...] = ()  # 1-based positions named ("the second one"), in order
    keywords: tuple[str, ...] = ()  # for FEATURE: the words to find in descriptions


def positions_in(text: str, count: int) -> tuple[int, ...]:
    found: list[int] = []
    for match in POSITION.finditer(text):
        word = (match.group(1) or match.group(2)).lower()
        position = count if word == "last" else ORDINALS.get(word) or int(word)
        if 1 <= position <= count and position not in found:
            found.append(position)
    return tuple(found)


def read_question(text: str, count: int) -> ProductQuestion:
    """What *text* asks about a list of *count* products."""
    positions = positions_in(text, count)
    for pattern, asked in ((BEST, Asked.BEST), (BATTERY, Asked.BATTERY), (WEIGHT, Asked.WEIGHT),
                           (CHEAPEST, Asked.CHEAPEST),
                           (PRICIEST, Asked.PRICIEST), (STOCK, Asked.STOCK)):
        if pattern.search(text):
            return ProductQuestion(asked, positions)
    if positions or COMPARE.search(text):
        return ProductQuestion(Asked.DESCRIBE, positions)
    keywords = tuple(w for w in re.findall(r"[a-z0-9-]+", text.lower()) if w not in STOPWORDS and len(w) > 2)
    return ProductQuestion(Asked.FEATURE, positions, keywords) if keywords else ProductQuestion(Asked.DESCRIBE)


def battery_hours(description: str) -> Optional[float]:
    """Battery life in hours as the description states it ("up to 30 hours", "a 6-day battery"), else None."""
    match = HOURS.search(description)
    if match is None:
        return None
    if match.group(3):
        return 12.0  # "all-day battery life"
    if match.group(4):
        return 24.0 * 14  # "weeks of battery life": at least two weeks
    raw, unit = match.group(1).lower(), match.group(2).lower()
    value = float(WORD_NUMBERS.get(raw) or raw.replace(",", "."))
    return value * {"hour": 1, "hours": 1, "day": 24, "days": 24, "minute": 1 / 60, "minutes": 1 / 60}[unit]


def weight_grams(description: str) -> Optional[float]:
    match = GRAMS.search(description)
    if match is None:
        return None
    return float(match.group(1)) * (1000 if match.group(2).lower() == "kg" else 1)


def battery_phrase(description: str) -> Optional[str]:
    match = HOURS.search(description)
    return match.group(0) if match else None


@dataclass(frozen=True)
class Row:
    """One product in an answer: its position in the list shown, and the stated figure if asked."""

    position: int
    product: ProductDetail
    stated: Optional[str] = None  # the description's own words for the figure asked ("up to 30 hours ...")


@dataclass(frozen=True)
class Answer:
    """What to tell: ``best`` answers a which-one question (None if no product states it); ``rows``
    are the products the answer covers; ``found`` is False when no product matched a feature."""

    asked: Asked
    rows: tuple[Row, ...]
    best: Optional[Row] = None
    found: bool = True


def answer_question(question: ProductQuestion, products: Sequence[ProductDetail]) -> Answer:
    """The answer to *question* about *products* (the list as shown, position 1 first)."""
    numbered = list(enumerate(products, start=1))
    chosen = [(i, p) for i, p in numbered if i in question.positions] or numbered
    asked = question.asked
    if asked is Asked.BATTERY:
        return _best_by(asked, chosen, battery_hours, battery_phrase, highest=True)
    if asked is Asked.WEIGHT:
        heavy = any(w.startswith("heav") for w in question.keywords)
        return _best_by(asked, chosen, weight_grams, weight_phrase, highest=heavy)
    if asked is Asked.BEST:
        return Answer(asked, tuple(Row(i, p) for i, p in chosen), Row(*chosen[0]))
    if asked in (Asked.CHEAPEST, Asked.PRICIEST):
        pick = (min if asked is Asked.CHEAPEST else max)(chosen, key=lambda item: item[1].price)
        rows = tuple(Row(i, p) for i, p in chosen)
        return Answer(asked, rows, Row(*pick))
    if asked is Asked.FEATURE:
        having = [(i, p) for i, p in chosen if all(k in p.description.lower() or k in p.name.lower()
                                                    for k in question.keywords)]
        if not having:
            having = [(i, p) for i, p in chosen if any(k in p.description.lower() for k in question.keywords)]
        if not having:
            return Answer(asked, tuple(Row(i, p) for i, p in chosen), found=False)
        return Answer(asked, tuple(Row(i, p) for i, p in having))
    return Answer(asked, tuple(Row(i, p) for i, p in chosen))


def weight_phrase(description: str) -> Optional[str]:
    match = GRAMS.search(description)
    return match.group(0) if match else None


def _best_by(asked: Asked, chosen: list[tuple[int, ProductDetail]], measure: Callable[[str], Optional[float]],
             phrase: Callable[[str], Optional[str]], highest: bool) -> Answer:
    rows = tuple(Row(i, p, phrase(p.description)) for i, p in chosen)
    measured = [(row, measure(row.product.description)) for row in rows]
    known = [(row, value) for row, value in measured if value is not None]
    if not known:
        return Answer(asked, rows)
    best = (max if highest else min)(known, key=lambda item: item[1])[0]
    return Answer(asked, rows, best)
