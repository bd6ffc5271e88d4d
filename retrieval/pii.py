"""Masks e-mail addresses, phone numbers and payment card numbers before a question is stored.

Unanswered questions are kept so people can write the missing articles; they
must not keep what customers paste into a chat. Card numbers are recognised by
the Luhn checksum, so order numbers and amounts are not mistaken for cards.
Masking errs on the side of privacy: a 10-digit reference typed without
separators looks like a North American phone number and is masked too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 13-19 digits, optionally in groups separated by single spaces or dashes.
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONES = (
    # International: +CC or 00CC, then groups of digits (optionally parenthesised).
    re.compile(r"(?<![\w+])(?:\+|\b00)\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?!\d)"),
    # North American: (555) 123-4567, 555.123.4567, 555 123 4567, 5551234567.
    re.compile(r"(?<![\w-])(?:\(\d{3}\)\s?|\d{3}[ .-]?)\d{3}[ .-]?\d{4}(?![\w-])"),
    # National numbers with a trunk 0, as in Europe: 030 1234 5678, 07700 900123.
    re.compile(r"(?<![\w-])0\d{2,4}[ /.-]?\d{3,4}[ .-]?\d{3,4}(?![\w-])"),
)
MASKS = {"email": "[EMAIL]", "card": "[CARD]", "phone": "[PHONE]"}


@dataclass(frozen=True)
class PiiSpan:
    kind: str  # "email", "card" or "phone"
    start: int
    end: int
    text: str


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_pii(text: str) -> list[PiiSpan]:
    """Non-overlapping spans, in text order; e-mails win over cards, cards over phones."""
    spans: list[PiiSpan] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in spans)

    for match in EMAIL.finditer(text):
        spans.append(PiiSpan("email", match.start(), match.end(), match.group()))
    for match in CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if luhn_valid(digits) and free(match.start(), match.end()):
            spans.append(PiiSpan("card", match.start(), match.end(), match.group()))
    for pattern in PHONES:
        for match in pattern.finditer(text):
            digit_count = sum(c.isdigit() for c in match.group())
            if 7 <= digit_count <= 15 and free(match.start(), match.end()):
                spans.append(PiiSpan("phone", match.start(), match.end(), match.group()))
    return sorted(spans, key=lambda s: s.start)


def mask_pii(text: str) -> str:
    """*text* with every e-mail, card and phone number replaced by [EMAIL], [CARD], [PHONE]."""
    for span in reversed(find_pii(text)):
        text = text[: span.start] + MASKS[span.kind] + text[span.end :]
    return text
