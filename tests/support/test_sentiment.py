"""The lexicon sentiment model: upset, neutral, positive, negation, intensity, clauses."""

from __future__ import annotations

import pytest

from support.sentiment import Feeling, analyse


@pytest.mark.parametrize("text", [
    "This is RIDICULOUS, third time asking!!!",
    "I am very angry, you lost my parcel",
    "fed up with this, worst service ever",
    "you are useless 😡",
    "thanks, but this is a joke",
    "this is not good enough",
])
def test_clearly_upset_messages(text: str) -> None:
    result = analyse(text)
    assert result.feeling is Feeling.UPSET and result.upset
    assert result.score <= -0.5 and result.cues


@pytest.mark.parametrize("text", [
    "where is my order?",
    "can I change the delivery address",
    "WHERE IS MY ORDER",
    "",
])
def test_plain_requests_are_neutral(text: str) -> None:
    assert analyse(text).feeling is Feeling.NEUTRAL


@pytest.mark.parametrize("text", ["the item arrived broken", "my parcel is late"])
def test_describing_a_problem_is_negative_not_upset(text: str) -> None:
    assert analyse(text).feeling is Feeling.NEGATIVE


@pytest.mark.parametrize("text", ["thanks, that was really helpful", "great, thank you so much!", "no problem 🙂"])
def test_positive_messages(text: str) -> None:
    assert analyse(text).feeling is Feeling.POSITIVE


def test_negation_flips_and_damps() -> None:
    assert analyse("I am happy").score > 0 > analyse("I am not happy").score
    assert analyse("I'm not angry").feeling is not Feeling.UPSET
    # "not angry" is milder than "happy": a negated negative is only slightly positive.
    assert analyse("I'm not angry").score < analyse("I'm happy").score
    # Negation stops at the end of a clause.
    assert analyse("not angry, just confused").score < analyse("not angry just confused").score


def test_intensifiers_capitals_and_exclamations_strengthen() -> None:
    plain = analyse("this is annoying").score
    assert analyse("this is very annoying").score < plain
    assert analyse("this is ANNOYING").score < plain
    assert analyse("this is annoying!!!").score < plain
    assert analyse("this is slightly annoying").score > plain


def test_threshold_is_a_parameter() -> None:
    text = "I am not happy"
    assert analyse(text).feeling is Feeling.NEGATIVE
    assert analyse(text, upset_threshold=-0.3).feeling is Feeling.UPSET
