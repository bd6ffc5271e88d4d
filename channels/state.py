"""Small per-conversation state the messaging channels keep between webhook calls.

Slack and Twilio resend a webhook they think failed; each event id is claimed
once so a resent message is acknowledged without being processed twice. WhatsApp
has no buttons, so the options last offered to a conversation are kept to turn a
reply "2" back into the second button's payload. With `REDIS_URL` set the state
is in Redis (shared by every Rasa process); otherwise in this process's memory.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Optional

from assistant import settings

EVENT_TTL_S = 3600
OPTIONS_TTL_S = 24 * 3600
MEMORY_LIMIT = 10_000
KEY_PREFIX = "assistant:channels"


class ChannelState:
    """Claimed event ids and offered options, in Redis or in a bounded in-memory map."""

    def __init__(self, redis_url: str = "") -> None:
        self._redis = None
        if redis_url:
            import redis.asyncio  # the Rasa environment's redis 4

            self._redis = redis.asyncio.Redis.from_url(redis_url)
        self._memory: OrderedDict[str, tuple[float, str]] = OrderedDict()

    @classmethod
    def from_settings(cls) -> "ChannelState":
        return cls(settings.get("REDIS_URL"))

    async def claim(self, channel: str, event_id: str) -> bool:
        """True the first time *event_id* is seen on *channel* (within an hour), False for a resend."""
        key = f"{KEY_PREFIX}:{channel}:event:{event_id}"
        if self._redis is not None:
            return bool(await self._redis.set(key, "1", nx=True, ex=EVENT_TTL_S))
        if self._memory_get(key) is not None:
            return False
        self._memory_set(key, "1", EVENT_TTL_S)
        return True

    async def set_options(self, channel: str, conversation: str, payloads: list[str]) -> None:
        key = f"{KEY_PREFIX}:{channel}:options:{conversation}"
        value = json.dumps(payloads)
        if self._redis is not None:
            await self._redis.set(key, value, ex=OPTIONS_TTL_S)
        else:
            self._memory_set(key, value, OPTIONS_TTL_S)

    async def options(self, channel: str, conversation: str) -> list[str]:
        key = f"{KEY_PREFIX}:{channel}:options:{conversation}"
        raw = await self._redis.get(key) if self._redis is not None else self._memory_get(key)
        return json.loads(raw) if raw else []

    def _memory_get(self, key: str) -> Optional[str]:
        entry = self._memory.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def _memory_set(self, key: str, value: str, ttl_s: int) -> None:
        self._memory[key] = (time.monotonic() + ttl_s, value)
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_LIMIT:
            self._memory.popitem(last=False)
