"""Fixtures for the market engine: the bundled provider and a local vendor.

The vendor is a real HTTP server on 127.0.0.1 (random port) that speaks the
Alpha Vantage format with real bundled bars, and can be told how to misbehave
on each next request: be slow, fail with 500, send broken JSON, throttle.
"""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from market.bundled import BundledProvider
from market_helpers import SERVED, Vendor, daily_payload, serve_vendor


@pytest.fixture(scope="session")
def bundled() -> BundledProvider:
    return BundledProvider()


@pytest.fixture(scope="session")
def daily_bodies(bundled: BundledProvider) -> dict[str, bytes]:
    """Encoded once: building 3,000 bars of JSON is slower than the clients' timeout."""
    return {t: json.dumps(daily_payload(bundled.history(t))).encode() for t in SERVED}


@pytest.fixture
def vendor(bundled: BundledProvider, daily_bodies: dict[str, bytes]) -> Iterator[Vendor]:
    with serve_vendor(Vendor(bundled, daily_bodies)) as state:
        yield state
