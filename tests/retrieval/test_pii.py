"""PII masking of stored questions: e-mails, phone numbers and (Luhn-valid) card numbers."""

from __future__ import annotations

import time

import pytest

from retrieval import find_pii, mask_pii
from retrieval.pii import luhn_valid


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail me at john.doe+shop@mail.example.co.uk please", "mail me at [EMAIL] please"),
        ("Anna_B@example.com wrote", "[EMAIL] wrote"),
        # Visa test number, with spaces, dashes or none; Amex grouping 4-6-5.
        ("my card is 4111 1111 1111 1111, exp 12/27", "my card is [CARD], exp 12/27"),
        ("4111-1111-1111-1111", "[CARD]"),
        ("paid with 5555555555554444 yesterday", "paid with [CARD] yesterday"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("call +1 (555) 010-0199 today", "call [PHONE] today"),
        ("or 555-123-4567 or (555) 123 4567 or 555.123.4567", "or [PHONE] or [PHONE] or [PHONE]"),
        ("UK: +44 20 7946 0958", "UK: [PHONE]"),
        ("Berlin 0049 30 12345678", "Berlin [PHONE]"),
        ("Festnetz 030 1234 5678, mobile 07700 900123", "Festnetz [PHONE], mobile [PHONE]"),
        (
            "I'm bob@example.org, card 4012888888881881, phone +33 1 23 45 67 89",
            "I'm [EMAIL], card [CARD], phone [PHONE]",
        ),
    ],
)
def test_personal_data_is_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Where is order 12345678?",
        "order 1234567812345678 has not arrived",  # 16 digits but fails the Luhn check
        "card 4111 1111 1111 1112 declined",  # one digit off a valid card number
        "ordered on 2024-01-15 for $1,299.99",
        "a 65 inch TV, 3 to 5 business days, 30-day returns",
        "router at 192.168.1.1",
        "version 2.13.0, SKU 123-45-6789",
        "no @ here, just user@localhost",
    ],
)
def test_ordinary_numbers_and_text_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text
    assert find_pii(text) == []


def test_spans_are_typed_ordered_and_do_not_overlap() -> None:
    text = "card 4111111111111111 or +1 555 010 0199, mail a@b.io"
    spans = find_pii(text)
    assert [(s.kind, s.text) for s in spans] == [
        ("card", "4111111111111111"),
        ("phone", "+1 555 010 0199"),
        ("email", "a@b.io"),
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_digits_inside_an_email_are_not_a_phone() -> None:
    assert mask_pii("write to 5551234567@example.com") == "write to [EMAIL]"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("79927398713", True),  # the textbook Luhn example
        ("79927398710", False),
        ("378282246310005", True),
        ("4111111111111112", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


def test_masking_is_idempotent_and_handles_non_ascii() -> None:
    text = "Ünïcödé 📦 — écrivez à marie@exemple.fr ou au +33 6 12 34 56 78"
    once = mask_pii(text)
    assert once == "Ünïcödé 📦 — écrivez à [EMAIL] ou au [PHONE]"
    assert mask_pii(once) == once


def test_huge_input_is_masked_quickly() -> None:
    filler = "1 2-3 a@ +4 0 " * 7000  # ~100 kB of near-misses for every pattern
    text = filler + "card 4111111111111111 mail x@y.io " + filler
    started = time.perf_counter()
    masked = mask_pii(text)
    assert time.perf_counter() - started < 2
    assert "card [CARD] mail [EMAIL]" in masked
    assert masked.count("[") == 2
