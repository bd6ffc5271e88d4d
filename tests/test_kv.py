"""The key-value store behind rate limits, caches and the REST outbox, in memory and on real Redis."""

from __future__ import annotations

import threading
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


def test_drain_returns_pushed_values_in_order_once(store) -> None:
    assert store.drain("q") == []
    for value in (b"first", b"second", b"third"):
        store.push("q", value, ttl_s=30)
    assert store.drain("q") == [b"first", b"second", b"third"]
    assert store.drain("q") == []
    store.push("q", b"later", ttl_s=30)
    assert store.drain("q") == [b"later"]


def test_lists_are_per_key_and_deleted_like_values(store) -> None:
    store.push("a", b"1", ttl_s=30)
    store.push("b", b"2", ttl_s=30)
    store.delete("a")
    assert store.drain("a") == []
    assert store.drain("b") == [b"2"]


def test_concurrent_pushes_are_each_drained_exactly_once(store) -> None:
    pushed = [f"{writer}:{n}".encode() for writer in range(4) for n in range(50)]
    drained: list[bytes] = []

    def write(writer: int) -> None:
        for n in range(50):
            store.push("q", f"{writer}:{n}".encode(), ttl_s=30)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        drained += store.drain("q")
    drained += store.drain("q")
    assert sorted(drained) == sorted(pushed)
    for writer in range(4):  # each writer's values stay in the order it pushed them
        mine = [v for v in drained if v.startswith(f"{writer}:".encode())]
        assert mine == [f"{writer}:{n}".encode() for n in range(50)]


def test_redis_lists_expire_and_a_push_restarts_the_expiry(redis_url: str) -> None:
    store = RedisStore(redis_url, prefix="test:")
    store.push("gone", b"1", ttl_s=0.3)
    store.push("kept", b"1", ttl_s=0.3)
    time.sleep(0.2)
    store.push("kept", b"2", ttl_s=0.6)
    time.sleep(0.2)
    assert store.drain("gone") == []
    assert store.drain("kept") == [b"1", b"2"]


def test_memory_lists_expire_and_a_push_restarts_the_expiry() -> None:
    clock = FakeClock()
    store = MemoryStore(clock=clock)
    store.push("gone", b"1", ttl_s=10)
    store.push("kept", b"1", ttl_s=10)
    clock.now += 8
    store.push("kept", b"2", ttl_s=10)
    clock.now += 5
    assert store.drain("gone") == []
    assert store.drain("kept") == [b"1", b"2"]
    store.push("gone", b"new", ttl_s=10)  # an expired list is not resurrected by a push
    assert store.drain("gone") == [b"new"]


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
