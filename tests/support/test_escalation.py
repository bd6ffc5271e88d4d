"""The escalation policy: each trigger, its setting, and the order reasons are reported in."""

from __future__ import annotations

import pytest

from support.escalation import ConversationSummary, EscalationPolicy, HandoffReason, decide

DEFAULT = EscalationPolicy()


def test_a_calm_conversation_stays_with_the_assistant() -> None:
    decision = decide(ConversationSummary(consecutive_fallbacks=1, failed_verifications=2, sentiment_score=-0.3),
                      DEFAULT)
    assert not decision.handoff and decision.reason is None


@pytest.mark.parametrize(("summary", "reason"), [
    (ConversationSummary(asked_for_person=True), HandoffReason.REQUESTED),
    (ConversationSummary(consecutive_fallbacks=2), HandoffReason.REPEATED_FALLBACK),
    (ConversationSummary(failed_verifications=3), HandoffReason.FAILED_VERIFICATION),
    (ConversationSummary(sentiment_score=-0.5), HandoffReason.UPSET),
])
def test_each_trigger_hands_off(summary: ConversationSummary, reason: HandoffReason) -> None:
    decision = decide(summary, DEFAULT)
    assert decision.handoff and decision.reasons == (reason,)


def test_every_reason_is_reported_strongest_first() -> None:
    summary = ConversationSummary(True, consecutive_fallbacks=5, failed_verifications=3, sentiment_score=-0.9)
    assert decide(summary, DEFAULT).reasons == (
        HandoffReason.REQUESTED, HandoffReason.UPSET, HandoffReason.FAILED_VERIFICATION,
        HandoffReason.REPEATED_FALLBACK)


def test_policy_from_settings_defaults() -> None:
    assert EscalationPolicy.from_settings({}) == EscalationPolicy(True, 2, 3, -0.5)


def test_each_trigger_can_be_switched_off_by_setting() -> None:
    policy = EscalationPolicy.from_settings({
        "HANDOFF_ON_REQUEST": "false", "HANDOFF_FALLBACK_LIMIT": "0",
        "HANDOFF_VERIFICATION_LIMIT": "0", "HANDOFF_UPSET_THRESHOLD": "off"})
    everything = ConversationSummary(True, consecutive_fallbacks=9, failed_verifications=9, sentiment_score=-1.0)
    assert not decide(everything, policy).handoff


def test_limits_and_threshold_follow_settings() -> None:
    policy = EscalationPolicy.from_settings({"HANDOFF_FALLBACK_LIMIT": "3", "HANDOFF_UPSET_THRESHOLD": "-0.8"})
    assert not decide(ConversationSummary(consecutive_fallbacks=2, sentiment_score=-0.7), policy).handoff
    assert decide(ConversationSummary(consecutive_fallbacks=3), policy).reason is HandoffReason.REPEATED_FALLBACK


@pytest.mark.parametrize("environ", [
    {"HANDOFF_ON_REQUEST": "maybe"},
    {"HANDOFF_UPSET_THRESHOLD": "-2"},
    {"HANDOFF_UPSET_THRESHOLD": "very"},
    {"HANDOFF_FALLBACK_LIMIT": "-1"},
])
def test_bad_settings_are_clear_configuration_errors(environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit, match="HANDOFF_"):
        EscalationPolicy.from_settings(environ)
