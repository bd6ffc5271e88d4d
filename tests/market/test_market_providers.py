"""Providers: the bundled files and the HTTP vendor client against a local server."""

from __future__ import annotations

import gzip
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from market.bundled import DEFAULT_DATA_DIR
from market.data import (
    BadVendorResponse,
    MarketDataProvider,
    ProviderUnavailable,
    UnknownTicker,
    clean_bars,
)
from market.http_provider import AlphaVantageProvider, CircuitBreaker

from market_helpers import API_KEY, SLOW_S, FakeClock


def client(vendor, **options) -> AlphaVantageProvider:
    options.setdefault("timeout_s", 0.5)
    options.setdefault("backoff_s", 0.01)
    return AlphaVantageProvider(vendor.url, options.pop("api_key", API_KEY), {"IBM": "IBM"}, **options)


# --- bundled -------------------------------------------------------------------


def test_bundled_covers_real_series_with_names(bundled) -> None:
    assert isinstance(bundled, MarketDataProvider)
    names = bundled.tickers()
    assert {"^GSPC", "^IXIC", "AAPL", "MSFT", "IBM", "GOOG", "FB"} <= set(names)
    assert names["MSFT"] == "Microsoft Corporation"
    spx = bundled.history("^gspc")
    assert (spx.bars.index[0].date(), spx.as_of, len(spx.bars)) == (date(1999, 1, 4), date(2018, 12, 31), 5031)
    assert list(spx.bars.columns) == ["open", "high", "low", "close", "volume"]
    assert spx.bars.index.is_monotonic_increasing and spx.bars.index.is_unique
    assert not spx.bars.isna().any().any()
    # S&P 500 closed 2018 at 2506.85 (arch's file) and IBM 2013-03-01 at 202.91 (Quandl WIKI)
    assert spx.bars["close"].iloc[-1] == 2506.8501
    assert bundled.history("IBM").bars["close"].iloc[-1] == 202.91


def test_bundled_history_slices_and_quotes(bundled) -> None:
    part = bundled.history("AAPL", date(2013, 1, 1), date(2013, 1, 31))
    assert part.bars.index[0] == pd.Timestamp("2013-01-02") and part.as_of == date(2013, 1, 31)
    quote = bundled.quote("AAPL")
    assert (quote.price, quote.as_of, quote.source) == (430.47, date(2013, 3, 1), "bundled")
    assert quote.change == pytest.approx(430.47 - quote.previous_close)
    with pytest.raises(UnknownTicker, match="ZZZZ"):
        bundled.history("ZZZZ")


def test_bundled_files_are_split_adjusted(bundled) -> None:
    # AAPL split 2:1 on 2005-02-28; the raw close fell from ~89 to ~44. Adjusted, no day moves 40 %.
    close = bundled.history("AAPL").bars["close"]
    assert close.pct_change().abs().max() < 0.55  # the real 52 % crash of 2000-09-29 is the largest
    assert close.pct_change().idxmin() == pd.Timestamp("2000-09-29")


def test_sources_md_matches_the_files() -> None:
    text = (DEFAULT_DATA_DIR / "SOURCES.md").read_text()
    for file in DEFAULT_DATA_DIR.glob("*.csv.gz"):
        with gzip.open(file, "rt") as handle:
            rows = handle.read().strip().splitlines()
        first, last = rows[1][:10], rows[-1][:10]
        assert f"`{file.name}`" in text and f"| {first} | {last} | {len(rows) - 1} |" in text, file.name


def test_clean_bars_drops_what_it_cannot_trust() -> None:
    index = pd.to_datetime(["2021-01-05", "2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07"]).tz_localize("UTC")
    frame = pd.DataFrame({"open": [1, 2, 3, np.nan, 5], "high": [1, 2, 3, 4, 5], "low": [1, 2, 3, 4, 5],
                          "close": [1, 2, 3, 4, 0], "volume": [1, np.nan, 3, 4, 5]}, index=index)
    bars = clean_bars(frame)
    # unsorted -> sorted; duplicate 01-05 keeps the last row; NaN open and zero close dropped
    assert bars.index.tz is None
    assert bars.index.strftime("%m-%d").tolist() == ["01-04", "01-05"]
    assert bars["close"].tolist() == [2.0, 3.0] and bars["volume"].tolist() == [0.0, 3.0]


# --- HTTP vendor -----------------------------------------------------------------


def test_http_history_matches_the_served_bars(vendor, bundled) -> None:
    provider = client(vendor)
    history = provider.history("ibm")
    expected = bundled.history("IBM")
    assert history.as_of == expected.as_of and history.source == "alphavantage"
    pd.testing.assert_frame_equal(history.bars, expected.bars, check_freq=False, atol=5e-5)
    assert vendor.requests[-1] == {"function": "TIME_SERIES_DAILY", "symbol": "IBM",
                                   "outputsize": "full", "apikey": API_KEY}
    sliced = provider.history("IBM", date(2013, 2, 1), None)
    assert sliced.bars.index[0] == pd.Timestamp("2013-02-01")


def test_http_quote(vendor, bundled) -> None:
    quote = client(vendor).quote("IBM")
    expected = bundled.quote("IBM")
    assert (quote.price, quote.as_of) == (expected.price, expected.as_of)
    assert quote.change_pct == pytest.approx(expected.change_pct, abs=1e-4)


def test_unknown_symbol_is_not_retried_and_keeps_circuit_closed(vendor) -> None:
    provider = client(vendor, breaker=CircuitBreaker(failure_threshold=1))
    with pytest.raises(UnknownTicker):
        provider.history("NOPE")
    with pytest.raises(UnknownTicker):
        provider.quote("NOPE")
    assert len(vendor.requests) == 2 and provider.breaker.state == "closed"


def test_recovers_after_500_and_malformed_json_with_backoff(vendor) -> None:
    sleeps: list[float] = []
    provider = client(vendor, max_retries=3, backoff_s=0.05, sleep=sleeps.append)
    vendor.then("500", "malformed", "throttle")
    assert provider.quote("IBM").price > 0
    assert len(vendor.requests) == 4
    assert sleeps == [0.05, 0.1, 0.2]  # exponential backoff between the 4 attempts
    assert provider.breaker.state == "closed"


def test_slow_vendor_times_out_and_gives_up(vendor) -> None:
    provider = client(vendor, max_retries=1)
    vendor.then("slow", "slow")
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="ReadTimeout"):
        provider.quote("IBM")
    elapsed = time.monotonic() - started
    assert len(vendor.requests) == 2
    assert elapsed < 2 * SLOW_S, "each attempt must be cut off by the 0.5 s timeout"


def test_rejected_key_is_not_retried(vendor) -> None:
    provider = client(vendor, api_key="wrong")
    with pytest.raises(BadVendorResponse, match="HTTP 401"):
        provider.quote("IBM")
    assert len(vendor.requests) == 1


def test_circuit_opens_refuses_then_half_opens(vendor) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_after_s=30, clock=clock)
    provider = client(vendor, max_retries=0, breaker=breaker)
    vendor.then("500", "500")
    for _ in range(2):
        with pytest.raises(ProviderUnavailable, match="HTTP 500"):
            provider.quote("IBM")
    assert breaker.state == "open"
    with pytest.raises(ProviderUnavailable, match="circuit is open"):
        provider.quote("IBM")
    assert len(vendor.requests) == 2, "an open circuit must not call the vendor"

    clock.now += 30
    assert breaker.state == "half-open"
    vendor.then("500")  # the trial call fails: open again for another 30 s
    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        provider.quote("IBM")
    assert breaker.state == "open" and len(vendor.requests) == 3
    clock.now += 29
    with pytest.raises(ProviderUnavailable, match="circuit is open"):
        provider.quote("IBM")

    clock.now += 1  # the next trial succeeds: closed again
    assert provider.quote("IBM").price > 0
    assert breaker.state == "closed" and len(vendor.requests) == 4


def test_half_open_lets_one_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=10, clock=clock)
    breaker.record_failure()
    clock.now += 10
    breaker.before_call()  # the trial
    with pytest.raises(ProviderUnavailable):
        breaker.before_call()  # a second caller while the trial runs
    breaker.record_success()
    breaker.before_call()
    assert breaker.state == "closed"
