"""A conversation as an agent reads it, from the events of Rasa's tracker.

Customer messages, the assistant's answers, agents' messages (bot events
carrying ``metadata.agent``, written by the console) and the moments the
conversation was handed over or given back. Actions and slots are the
assistant's bookkeeping and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Iterable, Literal, Optional

EntryKind = Literal["customer", "assistant", "agent", "system"]
SYSTEM_TEXTS = {"pause": "Handed to a person", "resume": "Assistant resumed"}


@dataclass(frozen=True)
class TranscriptEntry:
    kind: EntryKind
    text: str
    at: Optional[datetime]
    author: Optional[str]  # the agent's display name for agent entries, else None


def _time(event: dict[str, Any]) -> Optional[datetime]:
    stamp = event.get("timestamp")
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, (int, float)) else None


def _bot_text(event: dict[str, Any]) -> str:
    """The message text, then the titles of its buttons, then a marker for an image."""
    data = event.get("data") or {}
    parts = [event.get("text") or ""]
    titles = [str(b.get("title") or b.get("payload") or "") for b in data.get("buttons") or [] if isinstance(b, dict)]
    if titles:
        parts.append(" ".join(f"[{title}]" for title in titles))
    if data.get("image"):
        parts.append("(image)")
    return "\n".join(part for part in parts if part)


def entries(events: Iterable[dict[str, Any]]) -> list[TranscriptEntry]:
    """The transcript of a tracker's ``events`` (as ``GET /conversations/<id>/tracker`` returns them)."""
    transcript = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            transcript.append(TranscriptEntry("customer", event.get("text") or "", _time(event), None))
        elif kind == "bot":
            agent = (event.get("metadata") or {}).get("agent")
            text = _bot_text(event)
            if agent:
                transcript.append(TranscriptEntry("agent", text, _time(event), str(agent)))
            elif text:
                transcript.append(TranscriptEntry("assistant", text, _time(event), None))
        elif kind in SYSTEM_TEXTS:
            transcript.append(TranscriptEntry("system", SYSTEM_TEXTS[kind], _time(event), None))
    return transcript
