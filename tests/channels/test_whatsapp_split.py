"""channels.whatsapp.split_text: long replies go to Twilio in parts of at most 1,600 characters.

split_text lives in a Rasa channel module, so it runs in .venv/rasa (whatsapp_split_check.py,
through test_rest_outbox's run_script): every case of a test is split in one call.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from tests.channels.test_rest_outbox import run_script

LIMIT = 1600  # Twilio's Body limit (channels.whatsapp.MAX_BODY_CHARS)
ZWJ = "\u200d"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji drawn from three and two joiners
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # thumbs up + skin-tone modifier
E_ACUTE = "e\u0301"  # e + combining acute accent


@pytest.fixture
def split(tmp_path: Path):
    """split(cases) -> the parts split_text gives for each (text, limit) case."""
    def run(cases: list[tuple[str, int]]) -> list[list[str]]:
        path = tmp_path / "cases.json"
        path.write_text(json.dumps(cases), encoding="utf-8")
        return run_script("whatsapp_split_check.py", str(path))
    return run


def assert_whole_and_in_order(text: str, parts: list[str], limit: int) -> None:
    """Each part fits and is a piece of the text; between and around them there is only whitespace."""
    position = 0
    for part in parts:
        assert part and len(part) <= limit and part == part.strip(), (len(part), part[:40])
        found = text.find(part, position)
        assert found >= 0 and not text[position:found].strip(), "a part is not the text that follows the last one"
        position = found + len(part)
    assert not text[position:].strip(), "the end of the text was lost"


def words(size: int, rng: random.Random) -> str:
    return " ".join("".join(rng.choices("abcdefghij", k=rng.randint(1, 12))) for _ in range(size))


def test_short_texts_are_one_part_and_blank_ones_none(split) -> None:
    exactly = "x" * LIMIT
    assert split([("Your order is on its way.", LIMIT), ("  padded \n", LIMIT), (exactly, LIMIT),
                  (exactly + "y", LIMIT), ("", LIMIT), (" \n\n ", LIMIT)]) == [
        ["Your order is on its way."], ["padded"], [exactly], [exactly, "y"], [], []]


def test_a_paragraph_break_is_preferred_to_a_later_line_or_word(split) -> None:
    rng = random.Random(1)
    first, second = words(150, rng)[:1100], words(150, rng)[:1000]
    lines = "\n".join([words(20, rng)[:100]] * 14)  # 14 lines of 100 characters: 1,413 in all
    (by_paragraph, by_line) = split([(f"{first}\n\n{second}", LIMIT), (f"{lines}\n{words(90, rng)}", LIMIT)])
    assert by_paragraph == [first.strip(), second.strip()]
    assert by_line[0] == lines, "cut at the last line break, not at a later space"


def test_words_are_never_cut_when_they_fit(split) -> None:
    rng = random.Random(2)
    text = words(800, rng)
    [parts] = split([(text, LIMIT)])
    assert len(parts) >= 3
    assert [w for p in parts for w in p.split()] == text.split()
    assert all(len(p) > LIMIT // 2 for p in parts[:-1]), "parts are not made needlessly short"


def test_text_without_breaks_is_cut_at_the_limit(split) -> None:
    assert split([("a" * 4000, LIMIT), ("é" * 3201, LIMIT)]) == [
        ["a" * 1600, "a" * 1600, "a" * 800], ["é" * 1600, "é" * 1600, "é"]]


def test_emoji_and_accents_are_not_split_and_count_as_characters(split) -> None:
    cases = [(FAMILY * 900, LIMIT), (THUMBS_UP_MEDIUM * 1000 + "!", LIMIT), ("x" + E_ACUTE * 1000, LIMIT),
             ("我的订单在哪里 🙂 " * 400, LIMIT)]
    for (text, limit), parts in zip(cases, split(cases)):
        assert_whole_and_in_order(text, parts, limit)
        assert len(parts) > 1
        for part in parts:
            assert not (unicodedata.combining(part[0]) or part[0] == ZWJ or "\U0001f3fb" <= part[0] <= "\U0001f3ff"), \
                f"a part starts inside a character: {part[:3]!r}"
            assert part[-1] != ZWJ
    family_parts = split([(FAMILY * 900, LIMIT)])[0]
    assert all(len(p) % len(FAMILY) == 0 for p in family_parts), "every family emoji arrives whole"


def test_random_texts_lose_nothing_and_every_part_fits(split) -> None:
    rng = random.Random(20261203)
    pieces = ["word", "order", "1004587", "🙂", THUMBS_UP_MEDIUM, FAMILY, E_ACUTE, "naïve", "订单", "—", "https://x.example/" + "p" * 40]
    cases = []
    for _ in range(300):
        limit = rng.choice([LIMIT, LIMIT, 160, 37, 8])
        tokens = [rng.choice(pieces) if rng.random() < 0.9 else "q" * rng.randint(1, 3 * limit) for _ in range(rng.randint(0, 600))]
        separators = rng.choices([" ", " ", " ", "\n", "\n\n", "", "  "], k=len(tokens))
        cases.append(("".join(t + s for t, s in zip(tokens, separators)), limit))
    split_cases = split(cases)
    assert sum(len(parts) > 1 for parts in split_cases) > 100, "the cases exercise splitting"
    for (text, limit), parts in zip(cases, split_cases):
        assert_whole_and_in_order(text, parts, limit)
        if not re.search(rf"\S{{{limit - 1 - limit // 2}}}", text):  # every word fits in half a part
            assert [w for p in parts for w in p.split()] == text.split(), "a word was cut though it fit"
