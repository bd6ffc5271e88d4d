"""The key-value store behind rate limits and caches, in memory and on real Redis."""

from __future__ import annotations

import time

import pytest

from assistant.kv import MemoryStore, RateLimiter, RedisStore, store_for


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest):
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(request.getfixturevalue("redis_url"), prefix="test:")


def test_set_get_delete(store) -> None:
    assert store.get("k") is None
    store.set("k", b"v", ttl_s=30)
    assert store.get("k") == b"v"
    store.delete("k")
    assert store.get("k") is None


def test_counter_counts_within_one_window(store) -> None:
    assert [store.incr("c", ttl_s=30) for _ in range(3)] == [1, 2, 3]


def test_redis_values_expire(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="test:")
    store.set("short", b"1", ttl_s=0.2)
    store.incr("counter", ttl_s=0.2)
    time.sleep(0.35)
    assert store.get("short") is None
    assert store.incr("counter", ttl_s=0.2) == 1


def test_memory_expiry_and_window_start_at_first_increment() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    store.incr("c", ttl_s=10)
    clock.now += 6
    assert store.incr("c", ttl_s=10) == 2  # a later increment does not extend the window
    clock.now += 5
    assert store.incr("c", ttl_s=10) == 1


def test_rate_limiter_exhausts_at_the_limit(store) -> None:
    limiter = RateLimiter(store, limit=3, window_s=60, name="t")
    for _ in range(2):
        limiter.record("order:1")
    assert not limiter.exhausted("order:1")
    limiter.record("order:1")
    assert limiter.exhausted("order:1")
    assert not limiter.exhausted("order:2")


def test_store_for_picks_the_backend(redis_url: str) -> None:
    assert isinstance(store_for(""), MemoryStore)
    assert isinstance(store_for(redis_url), RedisStore)
