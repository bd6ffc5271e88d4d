"""Several things in one message: "hi! where is my order?", "what's Apple at? also, do you ship to Canada?".

Rasa reads one intent per message, so a greeting before a request got only the greeting, and the
second of two requests was lost. Every project channel passes customer messages through
:func:`splitting`, which cuts a message at sentence ends and explicit connectors ("also", "by the
way", "plus", ";"), reads each part with the assistant's own NLU, and then:

- drops greetings and thanks in front of a request (the request is answered);
- sends two or more requests of different kinds one after the other, in order (both are served);
- otherwise sends the message whole, unchanged.

Invariants: a message without a cut point costs nothing extra; a part that is not on its own a
confident request (an order number, an email, "yes") stays with the request before it, so
verification answers are never separated; at most ``MAX_PARTS`` parts are read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional

from dialogue.context import REQUEST_INTENTS

if TYPE_CHECKING:  # the planning above is plain Python (tested without Rasa); the wrapper runs in Rasa
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

MAX_PARTS = 4
SOCIAL = frozenset({"greet", "thank"})
# faq counts as a request here: a help-centre question after a greeting must be answered.
# "stop" too: "forget it, what do you recommend?" ends what was going on, then recommends.
SPLIT_INTENTS = REQUEST_INTENTS - {"start_over", "goodbye"} | {"faq"}
REQUEST_CONFIDENCE = 0.6
CUT = re.compile(
    r"(?<=[.?!])\s+(?=\S)"  # sentence ends
    r"|\s*;\s*"
    r"|,?\s+(?:and also|also|by the way|btw|plus|oh and|and another thing)\s*[,:]?\s+(?=\S)"
    r"(?=(?:can|could|do|does|did|what|whats|what's|how|where|when|which|is|are|will|would|i|please|show|tell|"
    r"recommend|give|compare|cancel|check|any)\b)",
    re.IGNORECASE,
)
SOCIAL_START = re.compile(r"^\s*(?:(?:hi+|hello+|hey+|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|"
                          r"morning|evening|afternoon)(?: there| all| guys| team| folks| again| you)?|thanks?(?: you)?|"
                          r"thx|ty|cheers|great|perfect|ok(?:ay)?|cool|forget (?:it|that|about it)|never ?mind|"
                          r"scratch that|leave it|skip (?:it|that))\b[\s,!.]*", re.IGNORECASE)

WORD = re.compile(r"[^\W\d_]{2,}")
CONNECTOR_START = re.compile(r"^(?:and also|also|by the way|btw|plus|oh and)\s*[,:]?\s+", re.IGNORECASE)

Parse = Callable[[str], Awaitable[Dict[str, Any]]]


def cut(text: str) -> List[str]:
    """*text* cut at sentence ends and connectors; a leading greeting or thanks is its own part."""
    parts: List[str] = []
    social = SOCIAL_START.match(text)
    if social and social.end() < len(text.strip()):
        parts.append(text[: social.end()].strip())
        text = text[social.end():]
    pieces = [CONNECTOR_START.sub("", (piece or "").strip()) for piece in CUT.split(text)]
    carried = ""
    for piece in filter(None, pieces):
        if len(WORD.findall(piece)) < 2:  # "1", "--", "ok": not a request of its own
            if parts and (len(parts) > 1 or not social):
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                carried = f"{carried} {piece}".strip()
            continue
        parts.append(f"{carried} {piece}".strip())
        carried = ""
    if carried:
        parts.append(carried)
    return parts


@dataclass
class Part:
    text: str
    intent: str
    confidence: float

    @property
    def request(self) -> bool:
        return self.intent in SPLIT_INTENTS and self.confidence >= REQUEST_CONFIDENCE


async def plan(text: str, parse: Parse) -> List[str]:
    """The messages to process for *text*, in order (see the module docstring)."""
    pieces = cut(text)
    if len(pieces) < 2 or len(pieces) > MAX_PARTS:
        return [text]
    parts = []
    for piece in pieces:
        parsed = await parse(piece)
        intent = parsed.get("intent") or {}
        parts.append(Part(piece, str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)))
    groups: List[Part] = []
    lead = ""  # what comes before the first request stays with it ("I live in the US. Do you ship here?")
    for part in parts:
        if part.intent in SOCIAL and part.confidence >= REQUEST_CONFIDENCE and not groups and not lead:
            continue  # a greeting or thanks before the request
        if not part.request:
            if groups:
                groups[-1] = Part(f"{groups[-1].text} {part.text}", groups[-1].intent, groups[-1].confidence)
            else:
                lead += part.text + " "
        elif groups and part.intent == groups[-1].intent and part.intent != "faq":
            groups[-1] = Part(f"{groups[-1].text} {part.text}", groups[-1].intent, groups[-1].confidence)
        else:
            groups.append(Part(lead + part.text, part.intent, part.confidence))
            lead = ""
    if not groups:
        return [text]
    if len(groups) == 1:
        whole = await parse(text)
        return [text] if (whole.get("intent") or {}).get("name") == groups[0].intent else [groups[0].text]
    return [g.text for g in groups]


def current_agent() -> Optional[Any]:
    """The Rasa agent of the running server (None before the model is loaded or outside a server)."""
    from sanic import Sanic

    try:
        return getattr(Sanic.get_app().ctx, "agent", None)
    except Exception:  # no app, or several: nothing to parse with
        return None


def splitting(on_new_message: Callable[["UserMessage"], Awaitable[Any]]) -> Callable[["UserMessage"], Awaitable[None]]:
    """*on_new_message* for each request in a message (see :func:`plan`)."""
    from rasa.core.channels.channel import UserMessage

    async def handle(message: "UserMessage") -> None:
        agent = current_agent()
        texts = [message.text]
        if agent is not None and agent.is_ready() and message.text and not message.text.lstrip().startswith("/"):
            try:
                texts = await plan(message.text, agent.parse_message)
            except Exception as error:  # reading the parts is a help, never a reason to drop the message
                logger.warning("could not split a message: %s", type(error).__name__)
        for text in texts:
            await on_new_message(UserMessage(text, message.output_channel, message.sender_id,
                                             input_channel=message.input_channel, metadata=message.metadata))

    return handle
