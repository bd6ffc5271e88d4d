"""Is the customer clearly upset? An offline lexicon model with negation and intensifiers.

The method follows VADER (Hutto & Gilbert, 2014) in shape, with a small
lexicon written for this shop's customer messages instead of VADER's:

- each word or phrase in :data:`LEXICON` has a valence from -4 (furious) to +4
  (delighted); words that merely *describe* a problem ("broken", "late") are
  weak (-0.5…-1), words that express *feeling* about it ("furious",
  "unacceptable") are strong;
- an intensifier just before a word ("very", "so", "extremely") scales it up,
  a softener ("slightly", "a bit") scales it down;
- a negator within the three tokens before a word ("not", "never", "no",
  "…n't") flips it: a negated positive becomes negative (×-0.74, "not happy"),
  a negated negative becomes only mildly positive (×-0.3: "not angry" is not
  "happy");
- after "but" the clause counts 1.5×, before it 0.5× ("thanks, but this is a
  joke" is upset);
- a word in CAPITALS in a message that is not all capitals counts 1.5×, and
  up to three "!" add emphasis to a message that already leans one way;
- the sum *s* is squashed to ``s / sqrt(s² + 15)``, a score in (-1, 1).

No model is downloaded; the lexicon below is the whole model.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

UPSET_THRESHOLD = -0.5
NEUTRAL_BAND = 0.05
_NORMALISER = 15.0
_NEGATION_WINDOW = 3
_NEGATED_POSITIVE = -0.74
_NEGATED_NEGATIVE = -0.3
_CAPS_EMPHASIS = 1.5
_EXCLAMATION_STEP = 0.3
_BEFORE_BUT, _AFTER_BUT = 0.5, 1.5

LEXICON: dict[str, float] = {
    # strong feeling against
    "furious": -3.5, "livid": -3.5, "outraged": -3.5, "disgusted": -3.0, "disgusting": -3.0,
    "angry": -3.0, "fuming": -3.0, "pissed": -3.0, "infuriating": -3.0, "appalling": -3.0,
    "unacceptable": -3.0, "outrageous": -3.0, "ridiculous": -2.5, "pathetic": -3.0, "joke": -2.0,
    "scam": -3.0, "scammed": -3.0, "fraud": -2.5, "thieves": -3.5, "stole": -2.5, "robbed": -3.0,
    "worst": -3.0, "terrible": -3.0, "horrible": -3.0, "awful": -3.0, "useless": -2.5, "incompetent": -3.0,
    "hate": -3.0, "sick": -1.5, "fed": -0.5, "annoyed": -2.0, "annoying": -2.0, "frustrated": -2.5,
    "frustrating": -2.5, "upset": -2.5, "unhappy": -2.5, "disappointed": -2.0, "disappointing": -2.0,
    "fed-up": -2.5, "shocking": -2.5, "shameful": -2.5, "rude": -2.5, "lied": -2.5, "liars": -3.0,
    "lawyer": -2.0, "sue": -2.5, "legal": -1.0, "complaint": -1.0, "compensation": -1.0,
    "wtf": -3.0, "damn": -2.0, "bloody": -2.0, "crap": -2.5, "shit": -3.0, "fucking": -3.0, "fuck": -3.5,
    "nobody": -1.0, "ignored": -2.0, "ignoring": -2.0, "again": -0.5, "still": -0.3, "waiting": -0.5,
    # weak: describing a problem
    "problem": -0.5, "issue": -0.5, "broken": -1.0, "damaged": -1.0, "wrong": -1.0, "late": -0.8,
    "missing": -1.0, "lost": -1.0, "error": -0.5, "fail": -1.0, "failed": -1.0, "stuck": -0.8,
    "never": -0.5, "bad": -2.0, "poor": -2.0, "slow": -1.0, "confusing": -1.0, "confused": -0.8,
    "worried": -1.5, "scared": -2.0, "sad": -2.0,
    # positive
    "thanks": 1.5, "thank": 1.5, "thx": 1.5, "great": 3.0, "good": 2.0, "nice": 2.0, "love": 3.0,
    "lovely": 3.0, "excellent": 3.5, "amazing": 3.5, "awesome": 3.5, "perfect": 3.0, "brilliant": 3.5,
    "happy": 2.5, "glad": 2.0, "pleased": 2.5, "helpful": 2.5, "fantastic": 3.5, "wonderful": 3.5,
    "appreciate": 2.0, "appreciated": 2.0, "fine": 0.8, "ok": 0.5, "okay": 0.5, "satisfied": 2.0,
    "quick": 1.0, "fast": 1.0, "easy": 1.5, "best": 3.0, "well": 1.0, "cheers": 1.5, "kind": 1.5,
    "😡": -3.5, "🤬": -3.5, "😠": -3.0, "😤": -2.5, "😞": -2.0, "😢": -2.0, "👎": -2.0,
    "🙂": 1.5, "😊": 2.0, "😀": 2.0, "👍": 2.0, "❤️": 3.0, "🙏": 1.5,
}

# Phrases count as one item; their words are then not scored again.
PHRASES: dict[tuple[str, ...], float] = {
    ("fed", "up"): -3.0, ("sick", "of"): -3.0, ("had", "enough"): -3.0, ("rip", "off"): -3.0,
    ("waste", "of", "time"): -3.0, ("waste", "of", "money"): -3.0, ("never", "again"): -3.0,
    ("third", "time"): -2.0, ("fourth", "time"): -2.5, ("sort", "it", "out"): -1.5,
    ("no", "one"): -1.0, ("in", "circles"): -2.0, ("not", "good", "enough"): -3.0,
    ("thank", "you"): 2.0, ("no", "problem"): 1.0, ("no", "worries"): 1.5, ("well", "done"): 3.0,
}

INTENSIFIERS: dict[str, float] = {
    "very": 0.3, "really": 0.3, "so": 0.3, "extremely": 0.5, "absolutely": 0.5, "totally": 0.4,
    "completely": 0.4, "utterly": 0.5, "incredibly": 0.5, "super": 0.3, "beyond": 0.4, "most": 0.3,
    "slightly": -0.4, "somewhat": -0.3, "little": -0.3, "bit": -0.3, "kinda": -0.3, "quite": -0.1,
}

NEGATORS = frozenset({
    "not", "no", "never", "without", "hardly", "barely", "neither", "nor", "nothing", "cannot",
})

_TOKEN = re.compile(r"[a-zA-Z][a-zA-Z'\-]*|[!?.,;:]|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?")
_CLAUSE_ENDS = frozenset("!?.,;:")


class Feeling(enum.StrEnum):
    UPSET = "upset"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


@dataclass(frozen=True)
class Sentiment:
    """The score of one text and what it means."""

    score: float  # -1 (very upset) .. +1 (very happy)
    feeling: Feeling
    cues: tuple[str, ...]  # the lexicon entries that counted, for explanations and tests

    @property
    def upset(self) -> bool:
        return self.feeling is Feeling.UPSET


def _negated(tokens: list[str], position: int, in_phrases: set[int]) -> bool:
    """A negator among the few tokens before *position*, in the same clause and not part of a phrase."""
    for index in range(position - 1, max(0, position - _NEGATION_WINDOW) - 1, -1):
        token = tokens[index]
        if token in _CLAUSE_ENDS:
            return False
        if index not in in_phrases and (token in NEGATORS or token.endswith("n't")):
            return True
    return False


def _items(tokens: list[str]) -> list[tuple[int, str, float]]:
    """(position, entry, valence) of each lexicon phrase or word, longest phrase first."""
    found: list[tuple[int, str, float]] = []
    i = 0
    while i < len(tokens):
        for phrase, valence in PHRASES.items():
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                found.append((i, " ".join(phrase), valence))
                i += len(phrase)
                break
        else:
            if tokens[i] in LEXICON:
                found.append((i, tokens[i], LEXICON[tokens[i]]))
            i += 1
    return found


def analyse(text: str, upset_threshold: float = UPSET_THRESHOLD) -> Sentiment:
    """Score *text*; ``feeling`` is UPSET at or below *upset_threshold*."""
    words = _TOKEN.findall(text or "")
    lower = [w.lower() for w in words]
    shouting_everywhere = all(not w.isalpha() or w.isupper() for w in words)
    but = lower.index("but") if "but" in lower else None

    items = _items(lower)
    in_phrases = {p + k for p, entry, _ in items for k in range(entry.count(" ") + 1) if " " in entry}
    total = 0.0
    cues: list[str] = []
    for position, entry, valence in items:
        previous = lower[position - 1] if position else ""
        if previous in INTENSIFIERS:
            valence *= 1 + INTENSIFIERS[previous]
        if _negated(lower, position, in_phrases) and entry not in ("no problem", "no worries", "no one", "never again"):
            valence *= _NEGATED_POSITIVE if valence > 0 else _NEGATED_NEGATIVE
        word = words[position]
        if not shouting_everywhere and len(word) > 1 and word.isupper():
            valence *= _CAPS_EMPHASIS
        if but is not None:
            valence *= _AFTER_BUT if position > but else _BEFORE_BUT
        total += valence
        cues.append(entry)

    exclamations = min(words.count("!"), 3)
    if total:
        total += math.copysign(exclamations * _EXCLAMATION_STEP, total)
    score = total / math.sqrt(total * total + _NORMALISER)
    if score <= upset_threshold:
        feeling = Feeling.UPSET
    elif score < -NEUTRAL_BAND:
        feeling = Feeling.NEGATIVE
    elif score > NEUTRAL_BAND:
        feeling = Feeling.POSITIVE
    else:
        feeling = Feeling.NEUTRAL
    return Sentiment(round(score, 4), feeling, tuple(cues))
