"""The long-lived objects the actions share, built once per action-server process."""

from __future__ import annotations

import functools

from assistant import settings
from assistant.kv import KeyValueStore, RateLimiter, store_for
from commerce.db import make_session_factory
from commerce.orders import OrderService


@functools.cache
def order_service() -> OrderService:
    return OrderService(make_session_factory(settings.get("APP_DATABASE_URL")))


@functools.cache
def kv_store() -> KeyValueStore:
    return store_for(settings.get("REDIS_URL"))


@functools.cache
def verification_limiter() -> RateLimiter:
    """Failed verifications per order number and per conversation, shared across processes."""
    return RateLimiter(
        kv_store(),
        limit=settings.get_int("VERIFICATION_RATE_LIMIT"),
        window_s=settings.get_int("VERIFICATION_RATE_WINDOW_S"),
        name="verification",
    )


def warm_up() -> None:
    """Builds what the first request would otherwise wait for; called once at server start."""
    order_service()
    kv_store()
