"""How a customer reaches a person: the one place that wording and the settings meet."""

from __future__ import annotations

from assistant import settings


def human_contact_text() -> str:
    return (
        f"You can reach a person on our support team by email at {settings.get('SUPPORT_EMAIL')} "
        f"or by phone on {settings.get('SUPPORT_PHONE')}."
    )
