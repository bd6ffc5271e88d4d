"""The cache layer: in-process and real Redis stores, the cached provider, encodings."""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest
import redis

from market.cache import CachedProvider, MemoryStore, RedisStore, make_store
from market.codec import decode_history, encode_history, from_json, to_json
from market.data import Quote
from market_helpers import CountingProvider, FakeClock


def test_memory_store_expires_and_evicts() -> None:
    clock = FakeClock()
    store = MemoryStore(max_entries=2, clock=clock)
    store.set("a", b"1", ttl_s=10)
    clock.now = 9.9
    assert store.get("a") == b"1"
    clock.now = 10.0
    assert store.get("a") is None
    store.set("x", b"x", 100)
    store.set("y", b"y", 100)
    store.get("x")  # x is now the most recently used
    store.set("z", b"z", 100)
    assert (store.get("x"), store.get("y"), store.get("z")) == (b"x", None, b"z")


def test_redis_store_round_trip_and_ttl(redis_url: str) -> None:
    store = RedisStore(redis_url)
    store.set("k", b"\x00binary\xff", ttl_s=60)
    assert store.get("k") == b"\x00binary\xff"
    assert redis.Redis.from_url(redis_url).pttl("market:k") > 55_000
    store.set("short", b"v", ttl_s=0.05)
    time.sleep(0.15)
    assert store.get("short") is None
    assert store.get("never-set") is None


def test_unreachable_redis_degrades_to_misses() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")
    store.set("k", b"v", 60)  # logged, not raised
    assert store.get("k") is None


def test_make_store_picks_backend(redis_url: str) -> None:
    assert isinstance(make_store(""), MemoryStore)
    assert isinstance(make_store(redis_url), RedisStore)


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_cached_provider_answers_repeats_from_cache(backend: str, bundled, request) -> None:
    store = MemoryStore() if backend == "memory" else RedisStore(request.getfixturevalue("redis_url"))
    inner = CountingProvider(bundled)
    cached = CachedProvider(inner, store, quote_ttl_s=60, history_ttl_s=600)
    first = cached.history("msft")
    again = cached.history("MSFT", date(2013, 1, 1), None)
    quote1, quote2 = cached.quote("MSFT"), cached.quote("msft")
    assert inner.calls == ["history MSFT", "quote MSFT"]
    pd.testing.assert_frame_equal(first.bars, bundled.history("MSFT").bars)
    assert again.bars.index[0] == pd.Timestamp("2013-01-02") and again.as_of == date(2013, 3, 1)
    assert quote1 == quote2 == bundled.quote("MSFT")
    assert cached.tickers() == bundled.tickers()


def test_quote_ttl_is_shorter_than_history_ttl(bundled) -> None:
    clock = FakeClock()
    inner = CountingProvider(bundled)
    cached = CachedProvider(inner, MemoryStore(clock=clock), quote_ttl_s=60, history_ttl_s=3600)
    cached.quote("IBM"), cached.history("IBM")
    clock.now = 61
    cached.quote("IBM"), cached.history("IBM")
    assert inner.calls == ["quote IBM", "history IBM", "quote IBM"]
    clock.now = 3601
    cached.history("IBM")
    assert inner.calls[-1] == "history IBM" and len(inner.calls) == 4


def test_history_encoding_is_lossless(bundled) -> None:
    history = bundled.history("GOOG")
    back = decode_history(encode_history(history))
    assert (back.ticker, back.as_of, back.source) == (history.ticker, history.as_of, history.source)
    pd.testing.assert_frame_equal(back.bars, history.bars, check_exact=True, check_freq=False)


def test_dataclass_json_round_trip() -> None:
    quote = Quote("X", 1.5, None, None, None, date(2020, 2, 29), "test")
    assert from_json(Quote, to_json(quote)) == quote
