"""The analyst facade: cached answers, multi-ticker questions, charts and text."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from matplotlib.image import imread

from market.analysis import TickerAnalysis
from market.cache import CachedProvider, MemoryStore, RedisStore
from market.charts import render_chart, text_summary
from market.data import UnknownTicker
from market.portfolio import Holding
from market.service import MarketAnalyst, create_analyst

from market_helpers import CountingProvider


@pytest.fixture
def counted(bundled):
    inner = CountingProvider(bundled)
    store = MemoryStore()
    return inner, MarketAnalyst(CachedProvider(inner, store), store)


def test_analysis_is_computed_once_then_served_from_cache(counted) -> None:
    inner, analyst = counted
    first = analyst.analyze("aapl")
    second = analyst.analyze("AAPL")
    assert first == second and isinstance(second, TickerAnalysis)
    assert inner.calls == ["history AAPL", "history ^GSPC"]
    assert first.name == "Apple Inc." and first.risk.benchmark == "^GSPC" and first.as_of == date(2013, 3, 1)


def test_analysis_cached_in_redis_is_shared_between_analysts(bundled, redis_url: str) -> None:
    inner = CountingProvider(bundled)
    one = MarketAnalyst(CachedProvider(inner, RedisStore(redis_url)), RedisStore(redis_url))
    other = MarketAnalyst(CachedProvider(inner, RedisStore(redis_url)), RedisStore(redis_url))
    assert one.analyze("IBM") == other.analyze("IBM")
    assert inner.calls == ["history IBM", "history ^GSPC"]


def test_compare_and_portfolio(counted) -> None:
    _, analyst = counted
    comparison = analyst.compare(["MSFT", "ibm", "MSFT"])
    assert comparison.tickers == ("MSFT", "IBM") and comparison.end == date(2013, 3, 1)
    assert comparison == analyst.compare(["MSFT", "IBM"])
    with pytest.raises(ValueError, match="two different"):
        analyst.compare(["IBM", "ibm"])
    risk = analyst.portfolio([Holding("MSFT", amount=3000), Holding("IBM", amount=1000)], 0.01)
    assert [h.weight for h in risk.holdings] == [0.75, 0.25]
    assert risk.var_95_amount == pytest.approx(risk.var_95 * 4000)
    assert analyst.portfolio([Holding("MSFT", amount=3000), Holding("IBM", amount=1000)], 0.01) == risk


def test_unknown_ticker_and_missing_benchmark(bundled) -> None:
    analyst = MarketAnalyst(bundled, None, benchmark="NOSUCHINDEX")
    with pytest.raises(UnknownTicker):
        analyst.analyze("NOPE")
    result = analyst.analyze("IBM")
    assert result.risk.benchmark is None and result.risk.beta_1y is None


def test_create_analyst_defaults_and_errors(redis_url: str) -> None:
    analyst = create_analyst(redis_url=redis_url)
    assert analyst.analyze("^IXIC").as_of == date(2018, 12, 31)
    with pytest.raises(ValueError, match="API key"):
        create_analyst("alphavantage")
    with pytest.raises(ValueError, match="Unknown market data provider"):
        create_analyst("yahoo")


def test_create_analyst_with_vendor(vendor) -> None:
    analyst = create_analyst("alphavantage", base_url=vendor.url, api_key="test-key")
    result = analyst.analyze("IBM")
    assert result.source == "alphavantage" and result.last_close == 202.91
    assert result.risk.benchmark is None  # the local vendor serves no index


def test_chart_is_a_png_of_the_requested_panels(bundled, tmp_path) -> None:
    history = bundled.history("AAPL")
    png = render_chart(history, ("sma50", "bollinger", "rsi", "macd", "volume"), days=180)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    path = tmp_path / "chart.png"
    path.write_bytes(png)
    image = imread(path)
    bare = render_chart(history, (), days=180)
    (tmp_path / "bare.png").write_bytes(bare)
    # three extra indicator panels make the figure taller, not wider
    assert image.shape[0] > imread(tmp_path / "bare.png").shape[0] + 300
    assert np.ptp(image[..., :3]) > 0.5  # something was drawn
    with pytest.raises(ValueError, match="Unknown chart indicators"):
        render_chart(history, ("fibonacci",))


def test_text_summary_states_price_date_trend_and_gaps(bundled) -> None:
    analyst = MarketAnalyst(bundled)
    text = text_summary(analyst.analyze("AAPL"))
    assert text.startswith("Apple Inc. (AAPL) closed at 430.47 on 2013-03-01 (-2.48% on the day).")
    assert "Trend: strong downtrend" in text and "beta vs ^GSPC" in text
    fb = text_summary(analyst.analyze("FB"))
    assert "SMA200 needs 200 bars; 196 available." in fb and "1Y n/a" in fb
    assert "1-year figures cover only 2012-05-18 to 2013-03-01." in fb
