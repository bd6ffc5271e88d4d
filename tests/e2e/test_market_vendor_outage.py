"""The market skill on a live vendor (a local server speaking Alpha Vantage's format) that fails:
answers come from the cache while it can, then a clear "unavailable", never a crash."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from market.bundled import BundledProvider

from assistant.stack_process import StackProcess, texts
from tests.e2e.conftest import new_sender, running_stack
from tests.market.market_helpers import API_KEY, SERVED, Vendor, daily_payload, serve_vendor

UNAVAILABLE = "Market data is unavailable right now"


@pytest.fixture(scope="module")
def vendor() -> Iterator[Vendor]:
    bundled = BundledProvider()
    bodies = {t: json.dumps(daily_payload(bundled.history(t))).encode() for t in SERVED}
    with serve_vendor(Vendor(bundled, bodies)) as state:
        yield state


@pytest.fixture(scope="module")
def vendor_stack(stack_databases: dict, vendor: Vendor, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    yield from running_stack(
        stack_databases,
        tmp_path_factory.mktemp("vendor_stack"),
        MARKET_DATA_PROVIDER="alphavantage",
        MARKET_API_BASE_URL=vendor.url,
        MARKET_API_KEY=API_KEY,
        CHART_DIR=str(tmp_path_factory.mktemp("charts")),
    )


def test_outage_answers_from_cache_then_says_unavailable(vendor_stack: StackProcess, vendor: Vendor) -> None:
    first = texts(vendor_stack.say(new_sender(), "analyse IBM"))
    assert "(IBM) closed at" in first and "alphavantage data" in first

    vendor.then(*["500"] * 50)
    cached = texts(vendor_stack.say(new_sender(), "analyse IBM"))
    assert cached == first, "the cached answer survives the outage"
    down = texts(vendor_stack.say(new_sender(), "compare IBM and Microsoft"))
    assert down.startswith(UNAVAILABLE), "Microsoft was never fetched and the vendor is down"
    log = vendor_stack.log_path.read_text()
    assert "Traceback" not in log
