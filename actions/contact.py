"""How a customer reaches a person (the wording lives in the reply catalogue)."""

from __future__ import annotations

from actions import replies


def human_contact_text() -> str:
    return replies.text("contact.human")
