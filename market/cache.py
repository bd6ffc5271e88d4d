"""Time-limited cache in front of any provider, in Redis or in process.

Vendors are slow and metered; the analysis of daily bars does not change
within minutes. Quotes are kept briefly, histories and analyses for hours.
With a Redis URL every worker shares one cache; without one each process
keeps its own. Both stores have the same two methods, and a Redis outage
degrades to cache misses instead of failed answers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import date
from typing import Callable, Mapping, Optional, Protocol

from market.codec import decode_history, encode_history, from_json, to_json
from market.data import MarketDataProvider, PriceHistory, Quote, normalise_ticker

log = logging.getLogger(__name__)

DEFAULT_QUOTE_TTL_S = 60.0
DEFAULT_HISTORY_TTL_S = 6 * 3600.0


class CacheStore(Protocol):
    def get(self, key: str) -> Optional[bytes]:
        """The value stored under *key*, or None if absent or expired."""

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        """Store *value* under *key* for *ttl_s* seconds."""


class MemoryStore:
    """In-process TTL cache; the least recently used entry goes when full."""

    def __init__(self, max_entries: int = 512, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Optional[bytes]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class RedisStore:
    """Redis-backed TTL cache (keys prefixed, expiry set by Redis itself)."""

    def __init__(self, url: str, prefix: str = "market:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._errors = redis.RedisError
        self._prefix = prefix

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self._redis.get(self._prefix + key)
        except self._errors as error:
            log.warning("market cache: Redis read failed (%s); treating as a miss", error)
            return None

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        try:
            self._redis.set(self._prefix + key, value, px=max(1, int(ttl_s * 1000)))
        except self._errors as error:
            log.warning("market cache: Redis write failed (%s); answer not cached", error)


def make_store(redis_url: str = "") -> CacheStore:
    """Redis when a URL is configured, the in-process store otherwise."""
    return RedisStore(redis_url) if redis_url else MemoryStore()


class CachedProvider:
    """A :class:`MarketDataProvider` that answers from *store* when it can.

    Whole histories are cached per ticker and sliced afterwards, so questions
    over different date ranges share one vendor call.
    """

    def __init__(self, inner: MarketDataProvider, store: CacheStore, *,
                 quote_ttl_s: float = DEFAULT_QUOTE_TTL_S,
                 history_ttl_s: float = DEFAULT_HISTORY_TTL_S) -> None:
        self.inner = inner
        self.store = store
        self.name = inner.name
        self.quote_ttl_s = quote_ttl_s
        self.history_ttl_s = history_ttl_s

    def tickers(self) -> Mapping[str, str]:
        return self.inner.tickers()

    def history(self, ticker: str, start: Optional[date] = None, end: Optional[date] = None) -> PriceHistory:
        symbol = normalise_ticker(ticker)
        key = f"history:{self.name}:{symbol}"
        raw = self.store.get(key)
        if raw is None:
            full = self.inner.history(symbol)
            self.store.set(key, encode_history(full), self.history_ttl_s)
        else:
            full = decode_history(raw)
        return full if start is None and end is None else full.between(start, end)

    def quote(self, ticker: str) -> Quote:
        symbol = normalise_ticker(ticker)
        key = f"quote:{self.name}:{symbol}"
        raw = self.store.get(key)
        if raw is not None:
            return from_json(Quote, raw)
        quote = self.inner.quote(symbol)
        self.store.set(key, to_json(quote), self.quote_ttl_s)
        return quote
