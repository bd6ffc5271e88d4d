"""When does a person take over? A pure function of a conversation summary and a policy.

The Rasa adapter builds the :class:`ConversationSummary` from the tracker;
the policy comes from the ``HANDOFF_*`` settings. Every trigger that holds is
reported, strongest first, so the ticket can say why it exists.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping, Optional

from assistant import settings


class HandoffReason(enum.StrEnum):
    """Why a conversation goes to a person, in the order they are reported."""

    REQUESTED = "requested"
    UPSET = "upset"
    FAILED_VERIFICATION = "failed_verification"
    REPEATED_FALLBACK = "repeated_fallback"


@dataclass(frozen=True)
class ConversationSummary:
    """What the policy needs to know about a conversation so far."""

    asked_for_person: bool = False
    consecutive_fallbacks: int = 0
    failed_verifications: int = 0
    sentiment_score: Optional[float] = None  # of the latest customer message, -1..+1


@dataclass(frozen=True)
class EscalationPolicy:
    """Which triggers are on and where they fire; a limit of 0 or a threshold of None is off."""

    on_request: bool = True
    fallback_limit: int = 2
    verification_limit: int = 3
    upset_threshold: Optional[float] = -0.5

    @classmethod
    def from_settings(cls, environ: Optional[Mapping[str, str]] = None) -> EscalationPolicy:
        on_request = settings.get("HANDOFF_ON_REQUEST", environ).strip().lower()
        if on_request not in ("true", "false"):
            raise SystemExit(f"Setting HANDOFF_ON_REQUEST={on_request!r} must be true or false.")
        threshold = settings.get("HANDOFF_UPSET_THRESHOLD", environ).strip().lower()
        upset_threshold = None if threshold == "off" else settings.get_float("HANDOFF_UPSET_THRESHOLD", environ)
        if upset_threshold is not None and not -1.0 <= upset_threshold <= 1.0:
            raise SystemExit(f"Setting HANDOFF_UPSET_THRESHOLD={threshold!r} must be between -1 and 1, or off.")
        fallback_limit = settings.get_int("HANDOFF_FALLBACK_LIMIT", environ)
        verification_limit = settings.get_int("HANDOFF_VERIFICATION_LIMIT", environ)
        if fallback_limit < 0 or verification_limit < 0:
            raise SystemExit("Settings HANDOFF_FALLBACK_LIMIT and HANDOFF_VERIFICATION_LIMIT must be 0 or more.")
        return cls(on_request == "true", fallback_limit, verification_limit, upset_threshold)


@dataclass(frozen=True)
class EscalationDecision:
    reasons: tuple[HandoffReason, ...]

    @property
    def handoff(self) -> bool:
        return bool(self.reasons)

    @property
    def reason(self) -> Optional[HandoffReason]:
        """The strongest reason, recorded on the ticket."""
        return self.reasons[0] if self.reasons else None


def decide(summary: ConversationSummary, policy: EscalationPolicy) -> EscalationDecision:
    """Whether *summary* calls for a person under *policy*, and every reason why."""
    reasons = []
    if policy.on_request and summary.asked_for_person:
        reasons.append(HandoffReason.REQUESTED)
    if (policy.upset_threshold is not None and summary.sentiment_score is not None
            and summary.sentiment_score <= policy.upset_threshold):
        reasons.append(HandoffReason.UPSET)
    if policy.verification_limit and summary.failed_verifications >= policy.verification_limit:
        reasons.append(HandoffReason.FAILED_VERIFICATION)
    if policy.fallback_limit and summary.consecutive_fallbacks >= policy.fallback_limit:
        reasons.append(HandoffReason.REPEATED_FALLBACK)
    return EscalationDecision(tuple(reasons))
