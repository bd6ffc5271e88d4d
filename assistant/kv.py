"""Key-value store with expiry: Redis in production, process memory when embedded.

Caches, rate limits and message queues (the REST outbox) go through this interface
so that the same code runs with ``REDIS_URL`` set (shared by every process) or
empty (one process only).
"""

from __future__ import annotations

import threading
import time
from typing import Optional, Protocol


class KeyValueStore(Protocol):
    def get(self, key: str) -> Optional[bytes]: ...

    def set(self, key: str, value: bytes, ttl_s: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, ttl_s: float) -> int:
        """Add one to a counter; the first increment starts its expiry window."""
        ...

    def push(self, key: str, value: bytes, ttl_s: float) -> None:
        """Append to the list at *key*; every push restarts the list's expiry."""
        ...

    def drain(self, key: str) -> list[bytes]:
        """Everything pushed to *key*, oldest first, removed in the same step."""
        ...


class MemoryStore:
    """Thread-safe dict with per-key expiry; expired keys are dropped on access."""

    def __init__(self, clock=time.monotonic) -> None:
        self._items: dict[str, tuple[float, bytes]] = {}
        self._lists: dict[str, tuple[float, list[bytes]]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _live(self, key: str) -> Optional[tuple[float, bytes]]:
        item = self._items.get(key)
        if item is not None and item[0] <= self._clock():
            del self._items[key]
            return None
        return item

    def get(self, key: str) -> Optional[bytes]:
        with self._lock:
            item = self._live(key)
            return None if item is None else item[1]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        with self._lock:
            self._items[key] = (self._clock() + ttl_s, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._lists.pop(key, None)

    def incr(self, key: str, ttl_s: float) -> int:
        with self._lock:
            item = self._live(key)
            expires = item[0] if item else self._clock() + ttl_s
            count = (int(item[1]) if item else 0) + 1
            self._items[key] = (expires, str(count).encode())
            return count

    def push(self, key: str, value: bytes, ttl_s: float) -> None:
        with self._lock:
            now = self._clock()
            expires, values = self._lists.get(key, (now, []))
            if expires <= now:
                values = []
            values.append(value)
            self._lists[key] = (now + ttl_s, values)

    def drain(self, key: str) -> list[bytes]:
        with self._lock:
            expires, values = self._lists.pop(key, (0.0, []))
            return values if expires > self._clock() else []


class RedisStore:
    """The same interface over a Redis connection (keys carry a prefix)."""

    def __init__(self, url: str, prefix: str = "assistant:") -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def get(self, key: str) -> Optional[bytes]:
        return self._client.get(self._prefix + key)

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        self._client.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))

    def delete(self, key: str) -> None:
        self._client.delete(self._prefix + key)

    def incr(self, key: str, ttl_s: float) -> int:
        full = self._prefix + key
        with self._client.pipeline() as pipe:
            pipe.incr(full)
            pipe.pexpire(full, max(1, int(ttl_s * 1000)), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def push(self, key: str, value: bytes, ttl_s: float) -> None:
        full = self._prefix + key
        with self._client.pipeline() as pipe:
            pipe.rpush(full, value)
            pipe.pexpire(full, max(1, int(ttl_s * 1000)))
            pipe.execute()

    def drain(self, key: str) -> list[bytes]:
        full = self._prefix + key
        with self._client.pipeline() as pipe:  # MULTI/EXEC: a push lands before or after, never lost
            pipe.lrange(full, 0, -1)
            pipe.delete(full)
            values, _ = pipe.execute()
        return list(values)


def store_for(redis_url: str) -> KeyValueStore:
    """Redis when a URL is configured, else an in-process store."""
    return RedisStore(redis_url) if redis_url else MemoryStore()


class RateLimiter:
    """Fixed-window counter of failures per key, e.g. failed verifications per order."""

    def __init__(self, store: KeyValueStore, limit: int, window_s: float, name: str) -> None:
        self._store, self._limit, self._window_s, self._name = store, limit, window_s, name

    def _key(self, subject: str) -> str:
        return f"ratelimit:{self._name}:{subject}"

    def exhausted(self, subject: str) -> bool:
        count = self._store.get(self._key(subject))
        return count is not None and int(count) >= self._limit

    def record(self, subject: str) -> int:
        return self._store.incr(self._key(subject), self._window_s)
